/**
 * One event of a client history (Contract 3 in DESIGN.md), exactly as it is written to and read
 * from a JSON Lines history file.
 */
export type HistoryType = 'invoke' | 'ok' | 'fail' | 'info';

/** `get`/`put` are read as `read`/`write` when parsing; we never write them. */
export type HistoryF = 'read' | 'write' | 'cas' | 'append';

/** A bigint is an integer literal outside the safe range (|n| > 2^53 - 1), kept exact. */
export type HistoryValue = number | bigint | string | null | readonly [HistoryValue, HistoryValue];

export interface HistoryEvent {
  readonly process: number;
  readonly type: HistoryType;
  readonly f: HistoryF;
  /** A string, or null for a single register. */
  readonly key: string | null;
  /** read invoke: null, read ok: the value read; write: the value; cas: [expected, new]; append: the string. */
  readonly value: HistoryValue;
  /** Increasing; virtual microseconds in our own histories. */
  readonly time: number;
}

/**
 * From history events to operations: pair each invoke with its completion, drop `fail`s (they
 * certainly took no effect), and group what is left by key (P-compositionality: a history is
 * linearizable iff each key's sub-history is, Herlihy & Wing §3.3).
 */
import { inputError } from '../errors.js';
import type { HistoryEvent, HistoryF, HistoryValue } from '../history/types.js';

export type OpStatus = 'ok' | 'info';

export interface Operation {
  readonly process: number;
  readonly f: HistoryF;
  readonly key: string | null;
  /** The invoke's argument: write value, cas [expected, new], append string, null for reads. */
  readonly value: HistoryValue;
  /** For a read that completed ok: the value read. */
  output: HistoryValue;
  /** Position of the invoke / completion in the event array: the real-time order. */
  readonly invokeIndex: number;
  completeIndex: number;
  readonly invokeTime: number;
  completeTime: number | null;
  status: OpStatus | 'fail' | 'open';
}

export interface PairedHistory {
  /** Every invocation, in invoke order (fail and info included). */
  readonly operations: readonly Operation[];
  /** Keys in order of first appearance, each with its operations that may have taken effect. */
  readonly partitions: ReadonlyMap<string | null, Operation[]>;
}

/** Pairs invokes with completions. Events are trusted to be in real-time order (array order). */
export function pairOperations(events: readonly HistoryEvent[]): PairedHistory {
  const operations: Operation[] = [];
  const open = new Map<number, Operation>();
  for (let index = 0; index < events.length; index++) {
    const event = events[index] as HistoryEvent;
    const pending = open.get(event.process);
    if (event.type === 'invoke') {
      if (pending !== undefined) throw problem(index, `process ${event.process} invokes while its ${pending.f} is still open`);
      const op: Operation = {
        process: event.process,
        f: event.f,
        key: event.key,
        value: event.value,
        output: null,
        invokeIndex: index,
        completeIndex: -1,
        invokeTime: event.time,
        completeTime: null,
        status: 'open',
      };
      open.set(event.process, op);
      operations.push(op);
      continue;
    }
    if (pending === undefined) throw problem(index, `${event.type} on process ${event.process} has no open invoke`);
    if (pending.f !== event.f || pending.key !== event.key) {
      throw problem(index, `${event.type} ${event.f} does not match process ${event.process}'s open ${pending.f}`);
    }
    open.delete(event.process);
    pending.status = event.type;
    pending.completeIndex = index;
    pending.completeTime = event.time;
    if (event.type === 'ok' && event.f === 'read') pending.output = event.value;
  }
  const partitions = new Map<string | null, Operation[]>();
  for (const op of operations) {
    if (op.status === 'open') op.status = 'info';
    let list = partitions.get(op.key);
    if (list === undefined) {
      list = [];
      partitions.set(op.key, list);
    }
    // A failed op took no effect; an unfinished read constrains nothing (its result is unknown).
    if (op.status === 'fail' || (op.status === 'info' && op.f === 'read')) continue;
    list.push(op);
  }
  return { operations, partitions };
}

function problem(index: number, message: string) {
  return inputError('', 0, 0, `events[${index}]`, message);
}

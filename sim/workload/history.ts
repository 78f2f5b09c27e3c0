/**
 * Records the client history (the format of docs/check.md) at the client boundary, as Stateright does: the history
 * never knows the protocol. Each event also goes into the trace as `invoke` / `complete`.
 */
import type { ClientId } from '../../protocols/api.js';
import type { HistoryEvent, HistoryF, HistoryType, HistoryValue } from '../history/types.js';
import type { TraceSink } from '../world/trace.js';

/** Events recorded within one virtual microsecond are spaced by this much, in the order they happened. */
const TIE_STEP = 0.001;
const MAX_TIES = 999;

export class HistoryRecorder {
  /** Every event, unless the recorder was told not to keep them (`keep: false`). */
  readonly events: HistoryEvent[] = [];
  private lastMicros = -1;
  private ties = 0;
  ok = 0;
  fail = 0;
  info = 0;
  /** Of the `fail`s: cas operations whose expected value differed (an answer, not an error). */
  casMismatch = 0;
  private readonly trace: TraceSink;
  private readonly onLimit: (detail: string) => void;
  private readonly keep: boolean;
  private readonly sink: ((event: HistoryEvent) => void) | null;

  /**
   * `onLimit` hears of a microsecond with more events than the time stamps can tell apart. `sink`
   * is told of every event as it is recorded; with `keep: false` the recorder keeps none (a long
   * run checks its history as it goes instead of holding it).
   */
  constructor(trace: TraceSink, onLimit: (detail: string) => void, options: { keep?: boolean; sink?: (event: HistoryEvent) => void } = {}) {
    this.trace = trace;
    this.onLimit = onLimit;
    this.keep = options.keep ?? true;
    this.sink = options.sink ?? null;
  }

  invoke(time: number, client: ClientId, process: number, reqId: number, f: HistoryF, key: string, value: HistoryValue): void {
    this.push({ process, type: 'invoke', f, key, value, time: this.stamp(time) });
    if (this.trace.enabled) this.trace.emit({ t: time, kind: 'invoke', client, process, reqId, f, key, value });
  }

  complete(
    time: number,
    client: ClientId,
    process: number,
    reqId: number,
    type: Exclude<HistoryType, 'invoke'>,
    f: HistoryF,
    key: string,
    value: HistoryValue,
  ): void {
    this.push({ process, type, f, key, value, time: this.stamp(time) });
    if (type === 'ok') this.ok++;
    else if (type === 'fail') this.fail++;
    else this.info++;
    if (this.trace.enabled) this.trace.emit({ t: time, kind: 'complete', client, process, reqId, type, f, key, value });
  }

  /**
   * History times must strictly increase (the history format requires it; the reader insists), but several
   * events can happen in one virtual microsecond: the 2nd, 3rd, ... get `t + 0.001`, `t + 0.002`,
   * ... (still in µs, still in the order they happened). The trace keeps the integer time.
   */
  private stamp(micros: number): number {
    if (micros < this.lastMicros) throw new Error(`history time went back from ${this.lastMicros} to ${micros}`);
    if (micros > this.lastMicros) {
      this.lastMicros = micros;
      this.ties = 0;
      return micros;
    }
    if (++this.ties > MAX_TIES) {
      this.onLimit(`more than ${MAX_TIES + 1} history events at ${micros}µs: virtual time stopped advancing (zero latency and zero think time?)`);
      this.ties = MAX_TIES;
    }
    return Math.round((micros + this.ties * TIE_STEP) * 1000) / 1000;
  }

  private push(event: HistoryEvent): void {
    Object.freeze(event);
    if (this.keep) this.events.push(event);
    if (this.sink !== null) this.sink(event);
  }
}

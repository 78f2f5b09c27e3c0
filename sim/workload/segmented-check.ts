/**
 * Checking a run's history for linearizability as it is recorded, so a long run need not keep it.
 *
 * Per key (the KV model is checked key by key anyway), the history is cut into segments at
 * instants where the state is known. A segment closes when an `ok` read r completes and
 *   1. no other operation on the key is in flight,
 *   2. every `ok` write or cas of the segment completed before r was invoked, and
 *   3. every other completion since r's invoke is a read of the same value, a `fail` or an `info`.
 * Then in every linearization the state after r is r's value and nothing of the segment changes it
 * afterwards, so the segment is checked on its own and dropped, and the next one starts from r's
 * value.
 *
 * `info` writes and cas (outcome unknown) may take effect at any later moment, so they cannot be
 * dropped with their segment. Every value a client writes is unique (the workload draws it from
 * one counter), which is what makes carrying them exact: an `info` operation whose new value no
 * `ok` operation of a segment observes (a read of it, or a successful cas expecting it) can always
 * be taken as not applied in that segment; one whose value a segment observes must be applied in
 * that segment and nowhere else. So each closed segment is checked together with the carried
 * `info` operations whose value it observes (as invocations that never completed), and the ones it
 * does not observe are carried on. Same verdict as checking the whole history at the end; memory is
 * the open segments plus the unobserved `info` operations.
 *
 * Only for histories whose written values are unique, such as the world's own.
 */
import { checkHistory, type CheckOptions } from '../check/index.js';
import type { HistoryEvent, HistoryValue } from '../history/types.js';

export interface SegmentedVerdict {
  readonly linearizable: true | false | 'unknown';
  /** The key that failed (or ran out of budget) first, when not linearizable. */
  readonly failedKey?: string | null;
  /** Segments checked, over all keys. */
  readonly segments: number;
}

interface KeyState {
  /** Events of the open segment, in order. */
  events: HistoryEvent[];
  /** The value the open segment starts from. */
  init: HistoryValue;
  /** Invocations in flight on this key, by process. */
  readonly open: Map<number, { readonly event: HistoryEvent; readonly index: number }>;
  /** Index in `events` of the last `ok` write/cas completion (-1: none). */
  lastMutation: number;
  /** Unobserved `info` write/cas invocations of earlier segments, by the value they would write. */
  readonly carried: Map<HistoryValue, HistoryEvent>;
}

export class SegmentedCheck {
  private readonly keys = new Map<string | null, KeyState>();
  private readonly init: HistoryValue;
  private readonly maxSteps: number;
  private verdict: true | false | 'unknown' = true;
  private failedKey: string | null | undefined = undefined;
  private segments = 0;

  /** `maxSteps` bounds each segment's search (as it bounds the whole check otherwise). */
  constructor(options: { init: HistoryValue; maxSteps: number }) {
    this.init = options.init;
    this.maxSteps = options.maxSteps;
  }

  add(event: HistoryEvent): void {
    if (this.verdict === false) return;
    const state = this.state(event.key);
    const index = state.events.length;
    state.events.push(event);
    if (event.type === 'invoke') {
      state.open.set(event.process, { event, index });
      return;
    }
    const invoke = state.open.get(event.process);
    state.open.delete(event.process);
    if (event.type !== 'ok' || invoke === undefined) return;
    if (event.f !== 'read') {
      state.lastMutation = index;
      return;
    }
    if (state.open.size === 0 && state.lastMutation < invoke.index && this.quietSince(state, invoke.index, event.value)) {
      this.close(event.key, state, event.value);
    }
  }

  /**
   * History events held now: the open segments, the invocations in flight and the carried `info`
   * operations (the only part that grows with the run: one per unobserved `info` write or cas).
   */
  get held(): number {
    let held = 0;
    for (const state of this.keys.values()) held += state.events.length + state.carried.size;
    return held;
  }

  /** Check every open segment; the verdict of the whole history. */
  finish(): SegmentedVerdict {
    for (const [key, state] of this.keys) {
      if (this.verdict === false) break;
      if (state.events.length > 0) this.close(key, state, null);
    }
    return { linearizable: this.verdict, ...(this.failedKey === undefined ? {} : { failedKey: this.failedKey }), segments: this.segments };
  }

  private state(key: string | null): KeyState {
    let state = this.keys.get(key);
    if (state === undefined) {
      state = { events: [], init: this.init, open: new Map(), lastMutation: -1, carried: new Map() };
      this.keys.set(key, state);
    }
    return state;
  }

  /** Condition 3: every completion after `from` (other than the last event) is a read of `value`, a fail or an info. */
  private quietSince(state: KeyState, from: number, value: HistoryValue): boolean {
    for (let i = state.events.length - 2; i > from; i--) {
      const e = state.events[i] as HistoryEvent;
      if (e.type === 'invoke' || e.type === 'fail' || e.type === 'info') continue;
      if (e.f !== 'read' || e.value !== value) return false;
    }
    return true;
  }

  /** Check the open segment of `key` and start the next one from `next` (when not at the end). */
  private close(key: string | null, state: KeyState, next: HistoryValue): void {
    const events = state.events;
    const observed = observedValues(events);
    const relevant: HistoryEvent[] = [];
    // Look the segment's few observed values up, rather than walking every carried operation.
    for (const value of observed) {
      const invoke = state.carried.get(value);
      if (invoke === undefined) continue;
      relevant.push(invoke);
      state.carried.delete(value);
    }
    // Carried invocations in their original order (array order is real-time order to the checker).
    if (relevant.length > 1) relevant.sort((a, b) => a.time - b.time);
    this.segments++;
    const result = checkHistory(relevant.length === 0 ? events : [...relevant, ...events], { model: 'kv', init: state.init as Exclude<CheckOptions['init'], undefined>, maxSteps: this.maxSteps });
    if (result.linearizable !== true) this.record(result.linearizable, key);
    for (const invoke of unfinishedMutations(events)) {
      const value = writtenValue(invoke);
      if (!observed.has(value)) state.carried.set(value, invoke);
    }
    state.events = [];
    state.init = next;
    state.lastMutation = -1;
  }

  private record(verdict: false | 'unknown', key: string | null): void {
    if (verdict === false) {
      this.verdict = false;
      this.failedKey = key;
    } else if (this.verdict === true) {
      this.verdict = 'unknown';
      this.failedKey = key;
    }
  }
}

/** Values the `ok` operations of a segment saw: reads' results and successful cas' expected values. */
function observedValues(events: readonly HistoryEvent[]): Set<HistoryValue> {
  const seen = new Set<HistoryValue>();
  const invokes = new Map<number, HistoryEvent>();
  for (const e of events) {
    if (e.type === 'invoke') {
      invokes.set(e.process, e);
      continue;
    }
    const invoke = invokes.get(e.process);
    invokes.delete(e.process);
    if (e.type !== 'ok') continue;
    if (e.f === 'read') seen.add(e.value);
    else if (e.f === 'cas' && invoke !== undefined && Array.isArray(invoke.value)) seen.add((invoke.value as readonly [HistoryValue, HistoryValue])[0]);
  }
  return seen;
}

/** Invocations of writes and cas in `events` that ended `info` or never completed. */
function unfinishedMutations(events: readonly HistoryEvent[]): HistoryEvent[] {
  const open = new Map<number, HistoryEvent>();
  const out: HistoryEvent[] = [];
  for (const e of events) {
    if (e.type === 'invoke') {
      if (e.f === 'write' || e.f === 'cas') open.set(e.process, e);
      continue;
    }
    const invoke = open.get(e.process);
    open.delete(e.process);
    if (invoke !== undefined && e.type === 'info') out.push(invoke);
  }
  for (const invoke of open.values()) out.push(invoke);
  return out;
}

/** The value a write or cas would leave in its key. */
function writtenValue(invoke: HistoryEvent): HistoryValue {
  return invoke.f === 'cas' && Array.isArray(invoke.value) ? (invoke.value as readonly [HistoryValue, HistoryValue])[1] : invoke.value;
}

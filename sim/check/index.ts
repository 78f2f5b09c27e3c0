/**
 * The linearizability checker's public surface: one entry point, pure models, a three-valued
 * verdict. The search itself lives in search.ts.
 *
 * Semantics (Contract 3): `fail` operations certainly took no effect and are dropped; `info`
 * operations and invokes never completed may take effect at any point after their invoke, or
 * never; each key is checked on its own (P-compositionality). A time or step budget that runs out
 * makes the verdict "unknown" — never a hang.
 *
 * Two strategies, chosen per key: a key of reads and writes whose written values are unique is
 * decided in O(n log n) by zones (zones.ts), whatever its concurrency; every other key (cas,
 * append, a value written twice) by the general search (search.ts).
 */
import { inputError } from '../errors.js';
import type { HistoryEvent, HistoryF, HistoryValue } from '../history/types.js';
import { wallNowMs } from '../wallclock.js';
import type { Value } from './model.js';
import { pairOperations, type Operation } from './operations.js';
import { PartitionSearch, type PartitionOutcome } from './search.js';
import { checkZones, zonesApply } from './zones.js';

export type { Value } from './model.js';

export type Model = 'register' | 'cas-register' | 'kv';

export const MODELS: readonly Model[] = ['register', 'cas-register', 'kv'];

export interface CheckOptions {
  readonly model: Model;
  /** Every key's initial value; default null. */
  readonly init?: Value;
  /** Wall-clock budget for the whole check; past it the verdict is "unknown". */
  readonly timeoutMs?: number;
  /** Search-step budget for the whole check (deterministic, unlike timeoutMs). */
  readonly maxSteps?: number;
}

export interface OpSummary {
  readonly process: number;
  readonly f: HistoryF;
  /** The invoke's argument. */
  readonly value: HistoryValue;
  /** For a read that completed ok: the value it returned. */
  readonly output?: HistoryValue;
  readonly invokeTime: number;
  /** null when the operation never completed. */
  readonly completeTime: number | null;
  readonly type: 'ok' | 'info';
}

export interface Counterexample {
  /** The key whose sub-history is not linearizable (null: the single register). */
  readonly key: string | null;
  /** The longest linearization found, in linearization order. */
  readonly prefix: readonly OpSummary[];
  /** The operations that were next in line after the prefix; none of them could go next. */
  readonly unplaced: readonly OpSummary[];
  /** A one-line explanation, when there is one simpler than "no order works". */
  readonly reason?: string;
}

export interface CheckResult {
  readonly linearizable: true | false | 'unknown';
  /** Invocations in the history (those ending in fail or info included). */
  readonly ops: number;
  /** Distinct keys. */
  readonly keys: number;
  readonly counterexample?: Counterexample;
  /** The key that is not linearizable (or whose check ran out of budget). */
  readonly failedKey?: string | null;
  /** The keys each strategy decided (in the order they were decided): `zones` or `wgl`. */
  readonly strategies: Readonly<Record<Strategy, readonly (string | null)[]>>;
}

/** `zones`: the unique-writes register check (zones.ts); `wgl`: the general search (search.ts). */
export type Strategy = 'zones' | 'wgl';

const ALLOWED: Readonly<Record<Model, readonly HistoryF[]>> = {
  register: ['read', 'write'],
  'cas-register': ['read', 'write', 'cas'],
  kv: ['read', 'write', 'cas', 'append'],
};

/** Steps each undecided key gets in the first round; doubled every round after. */
const FIRST_QUANTUM = 4096;

export function checkHistory(events: readonly HistoryEvent[], options: CheckOptions): CheckResult {
  const init = options.init ?? null;
  const paired = pairOperations(events);
  requireModel(paired.operations, options.model);
  const deadlineMs = options.timeoutMs === undefined ? Infinity : wallNowMs() + options.timeoutMs;
  let stepsLeft = options.maxSteps ?? Infinity;
  const strategies: Record<Strategy, (string | null)[]> = { zones: [], wgl: [] };
  const base = { ops: paired.operations.length, keys: paired.partitions.size, strategies };

  // Round-robin over the keys with a doubling step quantum: the first key to fail decides, so a
  // key that is hard to search cannot hide one that fails quickly. Most keys finish in round one;
  // keys the zones decide always do.
  let pending: { key: string | null; ops: readonly Operation[]; search: PartitionSearch | null }[] = [];
  for (const [key, ops] of paired.partitions) pending.push({ key, ops, search: null });
  let unknownKey: { key: string | null } | null = null;
  for (let quantum = FIRST_QUANTUM; pending.length > 0; quantum *= 2) {
    const still: typeof pending = [];
    for (const entry of pending) {
      if (stepsLeft <= 0 || wallNowMs() > deadlineMs) {
        return { linearizable: 'unknown', ...base, failedKey: entry.key };
      }
      if (entry.search === null && zonesApply(entry.ops, init)) {
        const decided = decideByZones(entry.key, entry.ops, init);
        if (decided !== 'undecided') {
          strategies.zones.push(entry.key);
          if (decided === null) continue;
          return { linearizable: false, ...base, counterexample: decided, failedKey: entry.key };
        }
      }
      const search = entry.search ?? new PartitionSearch(entry.ops, init);
      const outcome = search.run(Math.min(quantum, stepsLeft), deadlineMs);
      stepsLeft -= search.stepsUsed;
      if (outcome === null) {
        still.push({ key: entry.key, ops: entry.ops, search });
        continue;
      }
      strategies.wgl.push(entry.key);
      if (outcome.verdict === 'unknown') {
        unknownKey ??= { key: entry.key };
      } else if (outcome.verdict === false) {
        return { linearizable: false, ...base, counterexample: explain(entry.key, search, outcome), failedKey: entry.key };
      }
    }
    pending = still;
  }
  if (unknownKey !== null) return { linearizable: 'unknown', ...base, failedKey: unknownKey.key };
  return { linearizable: true, ...base };
}

function explain(key: string | null, search: PartitionSearch, outcome: PartitionOutcome, reason = outcome.reason): Counterexample {
  const summarize = (slot: number): OpSummary => summary(search.slots[slot] as Operation);
  return {
    key,
    prefix: outcome.prefix.map(summarize),
    unplaced: outcome.unplaced.map(summarize),
    ...(reason === undefined ? {} : { reason }),
  };
}

/**
 * A key decided by zones: null if linearizable, else a counterexample from the general search
 * run on the few operations that show the violation (a sub-history that is itself not
 * linearizable). 'undecided' only if that search disagrees, which would be a bug: the caller then
 * searches the whole key rather than trust either.
 */
function decideByZones(key: string | null, ops: readonly Operation[], init: Value): Counterexample | null | 'undecided' {
  const violation = checkZones(ops, init);
  if (violation === null) return null;
  const search = new PartitionSearch(violation.witnesses, init);
  const outcome = search.run(Infinity, Infinity);
  if (outcome === null || outcome.verdict !== false) return 'undecided';
  return explain(key, search, outcome, outcome.reason ?? violation.reason);
}

function requireModel(operations: readonly Operation[], model: Model): void {
  const allowed = ALLOWED[model];
  if (allowed === undefined) throw inputError('', 0, 0, 'model', `unknown model ${JSON.stringify(model)}: expected one of ${MODELS.join(', ')}`);
  for (const op of operations) {
    if (!allowed.includes(op.f)) {
      const better = op.f === 'cas' ? 'cas-register or kv' : 'kv';
      throw inputError('', 0, 0, 'model', `the ${model} model has no ${op.f} (process ${op.process} at time ${op.invokeTime}); use --model ${better}`);
    }
  }
}

function summary(op: Operation): OpSummary {
  const base = {
    process: op.process,
    f: op.f,
    value: op.value,
    invokeTime: op.invokeTime,
    completeTime: op.completeTime,
    type: op.status === 'ok' ? ('ok' as const) : ('info' as const),
  };
  return op.status === 'ok' && op.f === 'read' ? { ...base, output: op.output } : base;
}

/** The value a key holds after the operations of `prefix` take effect in order (for reports). */
export function replayPrefix(prefix: readonly OpSummary[], init: Value = null): Value {
  let state: Value = init;
  for (const op of prefix) {
    switch (op.f) {
      case 'read':
        break;
      case 'write':
        state = op.value as Value;
        break;
      case 'cas':
        state = (Array.isArray(op.value) ? op.value[1] : null) as Value;
        break;
      case 'append':
        state = (state === null ? '' : String(state)) + String(op.value);
        break;
    }
  }
  return state;
}

/**
 * `shrink`: the smallest scenario we can find that still fails the same way (the same invariant,
 * or non-linearizable, or liveness) under the same seed.
 *
 * First the run is made explicit (explicit.ts): every fault it injected becomes a timed fault on an
 * explicit node, nemesis off. Then greedy passes, each keeping a change only when the run still
 * fails with the same kind: drop faults (halves, then quarters, ... then one at a time), shorten
 * crash and pause windows, drop clients, fewer keys, shorter duration, fewer nodes (sizes the
 * protocol accepts, when no fault or byzantine node names a node beyond them), no loss, no
 * duplication, no clock skew or drift. Every candidate is smaller than the current scenario in one
 * measure and no larger in any other, so the result never grows; the passes repeat until none
 * helps or the run budget is spent.
 */
import type { ProtocolDefinition } from '../../protocols/api.js';
import { findIn, runScenario, type ProtocolChoice } from '../run.js';
import type { FaultAction, NodeSelector, Scenario, ScriptedFault } from '../scenario/types.js';
import { failureKind, type FailureKind } from '../explore/outcome.js';
import { clusterSizes } from '../explore/swarm.js';
import { explicitScenario, faultsFromTrace } from './explicit.js';
import { withinFaultModel } from '../explore/fault-model.js';

export interface ScenarioSize {
  readonly faults: number;
  readonly clients: number;
  readonly nodes: number;
  readonly durationMs: number;
  /** Events the run handled. */
  readonly events: number;
}

export interface ShrinkOptions {
  /** Runs tried at most (each candidate is one run). */
  readonly budgetRuns?: number;
  readonly onStep?: (step: { runs: number; size: ScenarioSize }) => void;
}

export interface ShrinkOutcome {
  /** Null when the scenario does not fail (nothing to shrink). */
  readonly kind: FailureKind | null;
  readonly before: ScenarioSize;
  readonly after: ScenarioSize;
  readonly scenario: Scenario;
  /** Whether the explicit form (nemesis and rules replaced by timed faults) failed the same way. */
  readonly explicit: boolean;
  readonly runs: number;
}

export const DEFAULT_SHRINK_BUDGET = 400;

function faultCount(s: Scenario): number {
  return s.faults.length + (s.triggers ?? []).length;
}

/** `injected`: faults the run actually injected (a nemesis counts by what it did, not as one). */
function sizeOf(s: Scenario, events: number, injected = 0): ScenarioSize {
  return { faults: Math.max(faultCount(s), injected), clients: s.workload.clients, nodes: s.nodes, durationMs: s.durationUs / 1000, events };
}

/** Shrink `scenario` (already with its seed and bugs) while it fails the same way. */
/** `protocols`: the caller's (the simulator has none of its own). */
export function shrinkScenario(scenario: Scenario, protocols: ProtocolChoice, options: ShrinkOptions = {}): ShrinkOutcome {
  const budget = options.budgetRuns ?? DEFAULT_SHRINK_BUDGET;
  const first = runScenario(scenario, { hashTrace: false, collectTrace: true, protocols });
  const kind = failureKind(first.result);
  const injected = faultsFromTrace(first.trace ?? [], scenario.nodes, scenario.durationUs);
  const before = sizeOf(scenario, first.result.stats.events, scenario.nemesis === null ? 0 : injected.length);
  if (kind === null) return { kind, before, after: before, scenario, explicit: false, runs: 1 };
  let runs = 1;
  let events = first.result.stats.events;
  const protocol = findIn(protocols, scenario.protocol);
  // A candidate may not leave the protocol's fault model when the original was inside it (dropping
  // a restart from a diskless protocol's schedule would manufacture a liveness failure).
  const modelled = protocol !== undefined && withinFaultModel(scenario, protocol);
  const fails = (candidate: Scenario): boolean => {
    if (runs >= budget) return false;
    if (modelled && protocol !== undefined && !withinFaultModel(candidate, protocol)) return false;
    runs++;
    try {
      const { result } = runScenario(candidate, { hashTrace: false, protocols });
      if (failureKind(result) !== kind) return false;
      events = result.stats.events;
      return true;
    } catch {
      return false;
    }
  };
  let current = scenario;
  const explicitForm = explicitScenario(scenario, injected);
  let madeExplicit = false;
  if (fails(explicitForm)) {
    current = explicitForm;
    madeExplicit = true;
  }
  for (let pass = 0; pass < 8 && runs < budget; pass++) {
    const start = current;
    current = dropFaults(current, fails);
    current = shortenWindows(current, fails);
    current = shrinkWorkload(current, fails);
    current = shortenDuration(current, fails);
    if (protocol !== undefined) current = fewerNodes(current, protocol, fails);
    current = calmerWorld(current, fails, kind);
    options.onStep?.({ runs, size: sizeOf(current, events) });
    if (current === start) break;
  }
  // The size after is measured on a clean run of the result (not the last candidate tried).
  const last = runScenario(current, { hashTrace: false, protocols });
  return { kind, before, after: sizeOf(current, last.result.stats.events), scenario: current, explicit: madeExplicit, runs: runs + 1 };
}

type Fails = (candidate: Scenario) => boolean;

/** ddmin-style: remove chunks of the timed faults (then of the rules), halving the chunk size. */
function dropFaults(s: Scenario, fails: Fails): Scenario {
  let current = s;
  for (let chunk = Math.max(1, Math.floor(current.faults.length / 2)); chunk >= 1; chunk = Math.floor(chunk / 2)) {
    for (let start = current.faults.length - chunk; start >= 0; start -= chunk) {
      const faults = [...current.faults.slice(0, start), ...current.faults.slice(start + chunk)];
      const candidate = { ...current, faults };
      if (fails(candidate)) current = candidate;
    }
    if (chunk === 1) break;
  }
  const rules = current.triggers ?? [];
  for (let i = rules.length - 1; i >= 0; i--) {
    const kept = (current.triggers ?? []).filter((_, j) => j !== i);
    const { triggers: _old, ...rest } = current;
    const candidate: Scenario = kept.length === 0 ? rest : { ...rest, triggers: kept };
    if (fails(candidate)) current = candidate;
  }
  return current;
}

function shortenWindows(s: Scenario, fails: Fails): Scenario {
  let current = s;
  for (let i = 0; i < current.faults.length; i++) {
    for (let tries = 0; tries < 4; tries++) {
      const f = current.faults[i] as ScriptedFault;
      const a = f.action;
      let shorter: FaultAction | null = null;
      if (a.kind === 'crash' && a.restartUs !== null && a.restartUs > 1000) shorter = { ...a, restartUs: Math.max(1000, Math.floor(a.restartUs / 2)) };
      if (a.kind === 'pause' && a.forUs > 1000) shorter = { ...a, forUs: Math.max(1000, Math.floor(a.forUs / 2)) };
      if (shorter === null) break;
      const faults = current.faults.slice();
      faults[i] = { ...f, action: shorter };
      const candidate = { ...current, faults };
      if (!fails(candidate)) break;
      current = candidate;
    }
  }
  return current;
}

function shrinkWorkload(s: Scenario, fails: Fails): Scenario {
  let current = s;
  const tryWorkload = (clients: number, keys: number): void => {
    const candidate = { ...current, workload: { ...current.workload, clients, keys } };
    if (fails(candidate)) current = candidate;
  };
  if (current.workload.clients > 1) tryWorkload(1, current.workload.keys);
  while (current.workload.clients > 1) {
    const before = current;
    tryWorkload(current.workload.clients - 1, current.workload.keys);
    if (current === before) break;
  }
  if (current.workload.keys > 1) tryWorkload(current.workload.clients, 1);
  while (current.workload.keys > 1) {
    const before = current;
    tryWorkload(current.workload.clients, current.workload.keys - 1);
    if (current === before) break;
  }
  return current;
}

/** Cut the duration to just after the last fault, or by halves, never before a fault. */
function shortenDuration(s: Scenario, fails: Fails): Scenario {
  let current = s;
  const lastFault = Math.max(0, ...current.faults.map((f) => f.atUs));
  const floor = Math.max(100_000, lastFault + 1000);
  const targets = [floor, Math.floor(current.durationUs / 2), Math.floor((current.durationUs * 3) / 4)];
  for (const target of targets) {
    const durationUs = Math.ceil(Math.max(floor, target) / 1000) * 1000;
    if (durationUs >= current.durationUs) continue;
    const candidate = { ...current, durationUs };
    if (fails(candidate)) current = candidate;
  }
  return current;
}

function fewerNodes(s: Scenario, protocol: ProtocolDefinition<any, any>, fails: Fails): Scenario {
  let current = s;
  const smaller = clusterSizes(protocol).filter((n) => n < current.nodes);
  for (const n of smaller) {
    if (highestNodeNamed(current) > n) continue;
    const candidate = { ...current, nodes: n };
    if (fails(candidate)) {
      current = candidate;
      break;
    }
  }
  return current;
}

function calmerWorld(s: Scenario, fails: Fails, kind: FailureKind): Scenario {
  let current = s;
  const attempt = (candidate: Scenario): void => {
    if (fails(candidate)) current = candidate;
  };
  if (current.network.loss > 0) attempt({ ...current, network: { ...current.network, loss: 0 } });
  if (current.network.duplicate > 0) attempt({ ...current, network: { ...current.network, duplicate: 0 } });
  if (current.clock.skewUs > 0) attempt({ ...current, clock: { ...current.clock, skewUs: 0 } });
  if (current.clock.driftPpm > 0) attempt({ ...current, clock: { ...current.clock, driftPpm: 0 } });
  // A shorter settle could only manufacture a liveness failure; for other kinds it is a smaller run.
  if (kind !== 'liveness' && current.settleUs > 1_000_000) attempt({ ...current, settleUs: 1_000_000 });
  return current;
}

/** The highest node number any fault, rule or byzantine entry names (0 when none). */
function highestNodeNamed(s: Scenario): number {
  let highest = 0;
  const see = (sel: NodeSelector): void => {
    if (sel.kind === 'node') highest = Math.max(highest, Number(sel.node.slice(1)));
  };
  for (const f of s.faults) {
    const a = f.action;
    if (a.kind === 'partition') a.groups.forEach((g) => g.forEach(see));
    else if (a.kind === 'cut') {
      see(a.from);
      a.to.forEach(see);
    } else see(a.target);
  }
  for (const t of s.triggers ?? []) {
    if (t.when.node !== 'any') highest = Math.max(highest, Number(t.when.node.slice(1)));
    const a = t.action;
    const targets = a.kind === 'cut' ? [a.from, a.to] : [a.target];
    for (const target of targets) if (target.kind === 'selector') see(target.selector);
  }
  for (const id of Object.keys(s.byzantine)) highest = Math.max(highest, Number(id.slice(1)));
  return highest;
}

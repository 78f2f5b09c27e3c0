/**
 * `runScenario`: one seed, one virtual timeline, then the checks. The public entry point the CLI,
 * the sweep and the tests call.
 */
import { clientPolicyProblem, protocolModuleOf, type AnyProtocol, type ProtocolSet } from './protocol-modules.js';
import type { NodeView } from '../protocols/api.js';
import { checkHistory, type CheckResult } from './check/index.js';
import { inputError } from './errors.js';
import { LatencyRecorder } from './latency.js';
import { scenarioProblem } from './scenario/load.js';
import type { HistoryEvent } from './history/types.js';
import type { InvariantViolation, RunResult } from './result.js';
import type { Scenario, ScriptedFault, TriggeredFault } from './scenario/types.js';
import { wallNowMs } from './wallclock.js';
import { SegmentedCheck } from './workload/segmented-check.js';
import { TraceSink, type TraceEvent } from './world/trace.js';
import { defaultLimits, World, type InspectProbe, type MomentListener, type WorldLimits } from './world/world.js';

export { eventsOf, traceToJsonLines, SNAPSHOT_INTERVAL_US } from './world/trace.js';
export type { TraceEvent, TraceEventOf, TraceKind, StateEvent, ProgressEvent, RoleEvent, FaultEvent, SendEvent, InvokeEvent, CompleteEvent, MomentEvent, NodeNumbers } from './world/trace.js';
export type { InspectProbe, MomentListener, WorldLimits } from './world/world.js';

export interface RunOptions {
  /** Overrides scenario.seed. */
  readonly seed?: number;
  /** From --bug; added to scenario.bugs. */
  readonly extraBugs?: readonly string[];
  /** Extra CLI args to echo in `repro` (e.g. ['--protocol', 'zab']). */
  readonly reproArgs?: readonly string[];
  /** Keep trace events in memory (tests, reports); see collectTraceKinds. */
  readonly collectTrace?: boolean;
  /** With collectTrace: keep only events of these kinds (a report needs role, fault and phase). */
  readonly collectTraceKinds?: readonly string[];
  /**
   * Stream the trace as JSON Lines: called with each batch of text in order, as the run goes
   * (`run --trace F` appends them to F). The same bytes the traceHash is computed over.
   */
  readonly traceWriter?: (text: string) => void;
  /** Default true; sweeps may turn it off for speed (traceHash is then ''). */
  readonly hashTrace?: boolean;
  /**
   * The protocols this run may use, from the caller (the simulator has no registry of its own):
   * a list, a ProtocolSet, or a lookup by name. `scenario.protocol` names one of them.
   */
  readonly protocols: ProtocolChoice;
  /** Extension: override the event/queue bounds (tests use small ones). */
  readonly limits?: Partial<WorldLimits>;
  /** Extension: let an exception thrown by protocol code propagate (debugging) instead of failing the run. */
  readonly rethrow?: boolean;
  /** Told of every node's moments as they happen (see MomentListener); watching never changes the run. */
  readonly moments?: MomentListener;
  /** Extension: every node's inspect() at given virtual times (tests of rebuilt state). */
  readonly inspectAt?: InspectProbe;
  /**
   * Default true: keep the whole client history (returned as `history`) and check it after the
   * run. False: check it segment by segment while the run goes (sim/workload/segmented-check.ts),
   * so a long run does not hold it; `history` is then empty. Same verdict either way.
   */
  readonly keepHistory?: boolean;
  /**
   * Extension: like `moments`, with a way to look at every node as it is at that moment (null for a
   * node that is down). Explore's coverage uses it; looking never changes the run.
   */
  readonly observe?: (look: () => readonly (NodeView | null)[]) => MomentListener;
}

export interface RunOutcome {
  readonly result: RunResult;
  readonly history: readonly HistoryEvent[];
  readonly trace: readonly TraceEvent[] | null;
  /** Events in the whole trace (whether kept, streamed, hashed or none of these). */
  readonly traceEvents?: number;
  /** Extension: what the scenario's event-triggered faults did, as timed faults on explicit nodes. */
  readonly fired?: readonly ScriptedFault[];
  /** Extension: the same firings as event-triggered rules pinned to the exact moments (see World.firedRules). */
  readonly firedRules?: readonly TriggeredFault[];
  /** Extension: what the run held at its end of everything that could grow with its length. */
  readonly retained?: RetainedSizes;
}

/**
 * Entry counts of the simulator's structures that could grow with a run's length (none of them
 * does: each is bounded by the workload, the cluster or a fixed window). For tests and benches.
 */
export interface RetainedSizes {
  /** Applied-prefix ledger: recent commands plus kept digests (at most 2 × LEDGER_WINDOW + 256). */
  readonly ledger: number;
  /** Latency recorder: distinct latencies (µs) plus operations in flight (bounded by the op timeout). */
  readonly latency: number;
  /** History events kept whole (0 unless `keepHistory`). */
  readonly historyKept: number;
  /** History events held by the segmented check: open segments and carried unobserved `info` operations. */
  readonly segmented: number;
  /** Events queued (messages in flight, timers). */
  readonly queued: number;
  /** Events waiting for paused nodes. */
  readonly parked: number;
  /** Skipped and event-triggered faults kept for the result. */
  readonly faultsKept: number;
}

/** Where a run finds its protocol by name. */
export type ProtocolChoice = readonly AnyProtocol[] | ProtocolSet | ((name: string) => AnyProtocol | undefined);

export function findIn(choice: ProtocolChoice, name: string): AnyProtocol | undefined {
  if (typeof choice === 'function') return choice(name);
  const list = 'definitions' in choice ? choice.definitions : choice;
  return list.find((p) => p.name === name);
}

export function runScenario(scenario: Scenario, options: RunOptions): RunOutcome {
  const wallStart = wallNowMs();
  // A scenario from a file is trusted: the loader's schema checked every field once, and
  // withOverrides held --seed, --protocol and --bug to the same schema pieces (the seed option comes
  // from those, or from a sweep's checked range). A Scenario value built in code never met the
  // loader, so what a run cannot do without (a known protocol, a cluster size and bugs and
  // behaviours it has) is refused here too.
  const seed = options.seed ?? scenario.seed;
  const protocol = findIn(options.protocols, scenario.protocol);
  if (protocol === undefined) throw inputError(scenario.file, 0, 0, 'protocol', `unknown protocol "${scenario.protocol}"`);
  const sizeProblem = protocol.checkClusterSize?.(scenario.nodes) ?? null;
  if (sizeProblem !== null) throw inputError(scenario.file, 0, 0, 'nodes', sizeProblem);
  const extraBugs = options.extraBugs ?? [];
  const bugs = new Set([...scenario.bugs, ...extraBugs]);
  for (const bug of bugs) {
    if (!protocol.bugs.some((b) => b.name === bug)) {
      const known = protocol.bugs.map((b) => b.name).join(', ') || 'none';
      throw inputError(scenario.file, 0, 0, '--bug', `${protocol.name} has no bug variant "${bug}" (known: ${known})`);
    }
  }
  // Again here: --protocol and --bug may have changed what the loader checked.
  const problem = scenarioProblem({ ...scenario, bugs: [...bugs] }, protocol);
  if (problem !== null) throw inputError(scenario.file, 0, 0, problem.field, problem.message);
  for (const [node, behaviour] of Object.entries(scenario.byzantine)) {
    const index = /^n[1-9][0-9]*$/.test(node) ? Number(node.slice(1)) : 0;
    if (index < 1 || index > scenario.nodes) throw inputError(scenario.file, 0, 0, `byzantine.${node}`, `no node ${node} in a cluster of ${scenario.nodes}`);
    if (protocol.byzantine?.[behaviour] === undefined) {
      const known = Object.keys(protocol.byzantine ?? {}).join(', ') || 'none';
      throw inputError(scenario.file, 0, 0, `byzantine.${node}`, `${protocol.name} has no byzantine behaviour "${behaviour}" (known: ${known})`);
    }
  }
  const policyProblem = clientPolicyProblem(protocol.clientPolicy(scenario.nodes, scenario.protocolOptions, bugs), scenario.nodes);
  if (policyProblem !== null) throw inputError(scenario.file, 0, 0, 'protocol', `${protocol.name}: ${policyProblem}`);
  const trace = new TraceSink({
    hash: options.hashTrace ?? true,
    collect: options.collectTrace ?? false,
    ...(options.collectTraceKinds === undefined ? {} : { collectKinds: options.collectTraceKinds }),
    ...(options.traceWriter === undefined ? {} : { write: options.traceWriter }),
  });
  const keepHistory = options.keepHistory ?? true;
  const segmented = !keepHistory && scenario.checks.linearizability ? new SegmentedCheck({ init: null, maxSteps: LINEARIZABILITY_MAX_STEPS }) : null;
  // Latencies are taken as the history is recorded, so they do not need the history kept.
  const latency = new LatencyRecorder();
  const historySink = (event: HistoryEvent): void => {
    latency.add(event);
    segmented?.add(event);
  };
  const world = new World({
    scenario,
    seed,
    protocol,
    bugs,
    trace,
    limits: { ...defaultLimits(scenario), ...options.limits },
    rethrow: options.rethrow ?? false,
    keepHistory,
    historySink,
  });
  if (options.moments !== undefined) world.watchMoments(options.moments);
  if (options.inspectAt !== undefined) world.inspectAt(options.inspectAt);
  if (options.observe !== undefined) world.watchMoments(options.observe(() => world.views()));
  world.run();
  trace.finish();
  const segmentedHeld = segmented === null ? 0 : segmented.held;

  const invariants: InvariantViolation[] = world.violation === null ? [] : [world.violation];
  const stoppedEarly = world.violation !== null;
  const liveness = scenario.checks.liveness && !stoppedEarly ? world.liveness() : null;
  const history = world.history.events;
  const check: Pick<CheckResult, 'linearizable' | 'failedKey'> | null = !scenario.checks.linearizability
    ? null
    : segmented !== null
      ? segmented.finish()
      : checkHistory(history, { model: 'kv', init: null, maxSteps: LINEARIZABILITY_MAX_STEPS });
  const linearizable = check === null ? null : check.linearizable;

  const reason = blameModule(failureReason(world.violation, check, liveness), world.violation, protocolModuleOf(protocol));
  const repro = reproCommand(scenario, seed, options);
  const result: RunResult = {
    scenario: scenario.name,
    protocol: scenario.protocol,
    seed,
    ok: reason === null,
    checks: {
      linearizable,
      invariants,
      liveness: scenario.checks.liveness ? (liveness === null ? false : liveness.ok) : null,
      invariantsChecked: scenario.checks.invariants,
    },
    stats: {
      events: world.events,
      messages: { ...world.sent },
      ops: { ok: world.history.ok, fail: world.history.fail, info: world.history.info, casMismatch: world.history.casMismatch },
      virtualMs: world.now / 1000,
      wallMs: Math.round((wallNowMs() - wallStart) * 1000) / 1000,
      latency: latency.stats(),
    },
    traceHash: trace.digest(),
    repro,
    ...(reason === null ? {} : { reason }),
    ...(world.skippedFaults.length === 0 ? {} : { skippedFaults: world.skippedFaults }),
  };
  return {
    result,
    history,
    trace: trace.events(),
    traceEvents: trace.length,
    ...(world.firedFaults.length === 0 ? {} : { fired: world.firedFaults }),
    ...(world.firedRules.length === 0 ? {} : { firedRules: world.firedRules }),
    retained: { ...world.retained(), latency: latency.retained, segmented: segmentedHeld },
  };
}

/**
 * The checker's budget for one run, in search steps rather than wall time: a seed's verdict must
 * not depend on how busy the machine is (same seed, same result). A step is bounded work, so this
 * still bounds the check's time (a few seconds at most); past it the verdict is 'unknown'.
 */
const LINEARIZABILITY_MAX_STEPS = 20_000_000;

function failureReason(
  violation: InvariantViolation | null,
  check: Pick<CheckResult, 'linearizable' | 'failedKey'> | null,
  liveness: { ok: boolean; detail: string } | null,
): string | null {
  if (violation !== null) {
    const where = violation.node === null ? '' : ` on ${violation.node}`;
    return `invariant ${violation.name} violated at ${formatTime(violation.time)}${where}: ${violation.detail}`;
  }
  if (check !== null && check.linearizable !== true) {
    const key = check.failedKey === undefined || check.failedKey === null ? '' : ` (key ${check.failedKey})`;
    return check.linearizable === false
      ? `history is not linearizable${key}`
      : `linearizability check ran out of time${key}: unknown`;
  }
  if (liveness !== null && !liveness.ok) return `liveness: ${liveness.detail}`;
  return null;
}

/**
 * A protocol module that broke the node API's contract (threw, sent to an unknown node, wrote to
 * a frozen message) is named in the reason, so the user knows which file to open. The trace, and
 * so the traceHash, is left as it is.
 */
function blameModule(reason: string | null, violation: InvariantViolation | null, module: string | undefined): string | null {
  if (reason === null || violation === null || module === undefined) return reason;
  return violation.name === 'exception' || violation.name === 'node-api' ? `${reason} (protocol module ${module})` : reason;
}

function formatTime(us: number): string {
  return `${(us / 1000).toFixed(3)}ms`;
}

function reproCommand(scenario: Scenario, seed: number, options: RunOptions): string {
  const parts = ['consensim', 'run', scenario.file === '' ? `<${scenario.name}>` : scenario.file, '--seed', String(seed)];
  parts.push(...(options.reproArgs ?? []));
  for (const bug of options.extraBugs ?? []) parts.push('--bug', bug);
  return parts.map(shellQuote).join(' ');
}

/** Quote an argument for a POSIX shell when it needs it. */
function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(arg) ? arg : `'${arg.split("'").join(`'\\''`)}'`;
}

/**
 * `runScenario`: one seed, one virtual timeline, then the checks. The public entry point the CLI,
 * the sweep and the tests call.
 */
import type { NodeView, ProtocolDefinition } from '../protocols/api.js';
import { findProtocol } from '../protocols/registry.js';
import { checkHistory, type CheckResult } from './check/index.js';
import { inputError } from './errors.js';
import type { HistoryEvent } from './history/types.js';
import type { InvariantViolation, RunResult } from './result.js';
import type { Scenario, ScriptedFault, TriggeredFault } from './scenario/types.js';
import { wallNowMs } from './wallclock.js';
import { TraceSink, type TraceEvent } from './world/trace.js';
import { defaultLimits, World, type MomentListener, type WorldLimits } from './world/world.js';

export { traceToJsonLines, type TraceEvent } from './world/trace.js';
export type { MomentListener, WorldLimits } from './world/world.js';

export interface RunOptions {
  /** Overrides scenario.seed. */
  readonly seed?: number;
  /** From --bug; added to scenario.bugs. */
  readonly extraBugs?: readonly string[];
  /** Extra CLI args to echo in `repro` (e.g. ['--protocol', 'zab']). */
  readonly reproArgs?: readonly string[];
  /** Keep trace events in memory (for --trace / tests). */
  readonly collectTrace?: boolean;
  /** Default true; sweeps may turn it off for speed (traceHash is then ''). */
  readonly hashTrace?: boolean;
  /** Default: protocols/registry.ts findProtocol. */
  readonly protocols?: (name: string) => ProtocolDefinition<any, any> | undefined;
  /** Extension: override the event/queue bounds (tests use small ones). */
  readonly limits?: Partial<WorldLimits>;
  /** Extension: let an exception thrown by protocol code propagate (debugging) instead of failing the run. */
  readonly rethrow?: boolean;
  /** Told of every node's moments as they happen (see MomentListener); watching never changes the run. */
  readonly moments?: MomentListener;
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
  /** Extension: what the scenario's event-triggered faults did, as timed faults on explicit nodes. */
  readonly fired?: readonly ScriptedFault[];
  /** Extension: the same firings as event-triggered rules pinned to the exact moments (see World.firedRules). */
  readonly firedRules?: readonly TriggeredFault[];
}

export function runScenario(scenario: Scenario, options: RunOptions = {}): RunOutcome {
  const wallStart = wallNowMs();
  const seed = options.seed ?? scenario.seed;
  if (!Number.isSafeInteger(seed)) throw inputError('', 0, 0, '--seed', `expected an integer seed, found ${seed}`);
  const protocol = (options.protocols ?? findProtocol)(scenario.protocol);
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
  for (const [node, behaviour] of Object.entries(scenario.byzantine)) {
    const index = /^n[1-9][0-9]*$/.test(node) ? Number(node.slice(1)) : 0;
    if (index < 1 || index > scenario.nodes) throw inputError(scenario.file, 0, 0, `byzantine.${node}`, `no node ${node} in a cluster of ${scenario.nodes}`);
    if (protocol.byzantine?.[behaviour] === undefined) {
      const known = Object.keys(protocol.byzantine ?? {}).join(', ') || 'none';
      throw inputError(scenario.file, 0, 0, `byzantine.${node}`, `${protocol.name} has no byzantine behaviour "${behaviour}" (known: ${known})`);
    }
  }
  const trace = new TraceSink({ hash: options.hashTrace ?? true, collect: options.collectTrace ?? false });
  const world = new World({
    scenario,
    seed,
    protocol,
    bugs,
    trace,
    limits: { ...defaultLimits(scenario), ...options.limits },
    rethrow: options.rethrow ?? false,
  });
  if (options.moments !== undefined) world.watchMoments(options.moments);
  if (options.observe !== undefined) world.watchMoments(options.observe(() => world.views()));
  world.run();

  const invariants: InvariantViolation[] = world.violation === null ? [] : [world.violation];
  const stoppedEarly = world.violation !== null;
  const liveness = scenario.checks.liveness && !stoppedEarly ? world.liveness() : null;
  const history = world.history.events;
  const check: CheckResult | null = scenario.checks.linearizability
    ? checkHistory(history, { model: 'kv', init: null, maxSteps: LINEARIZABILITY_MAX_STEPS })
    : null;
  const linearizable = check === null ? null : check.linearizable;

  const reason = failureReason(world.violation, check, liveness);
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
    },
    stats: {
      events: world.events,
      messages: { ...world.sent },
      ops: { ok: world.history.ok, fail: world.history.fail, info: world.history.info },
      virtualMs: world.now / 1000,
      wallMs: Math.round((wallNowMs() - wallStart) * 1000) / 1000,
    },
    traceHash: trace.digest(),
    repro,
    ...(reason === null ? {} : { reason }),
  };
  return { result, history, trace: trace.events(), ...(world.firedFaults.length === 0 ? {} : { fired: world.firedFaults }), ...(world.firedRules.length === 0 ? {} : { firedRules: world.firedRules }) };
}

/**
 * The checker's budget for one run, in search steps rather than wall time: a seed's verdict must
 * not depend on how busy the machine is (same seed, same result). A step is bounded work, so this
 * still bounds the check's time (a few seconds at most); past it the verdict is 'unknown'.
 */
const LINEARIZABILITY_MAX_STEPS = 20_000_000;

function failureReason(
  violation: InvariantViolation | null,
  check: CheckResult | null,
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

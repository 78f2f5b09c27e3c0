/**
 * The package's public entry, `import { ... } from 'consensim'`: what a course repository or an
 * engineer needs to write a protocol in its own tree, with types, and to test it.
 *
 * - The node API a protocol implements (`ProtocolDefinition`, `ProtocolNode`, `NodeEnv`, ...,
 *   from protocols/api.ts) and its helpers (`majority`, `assertNever`, `isNodeId`, ...).
 * - The protocol kit (protocols/kit/): client sessions, quorum helpers (`kthLargest`,
 *   `VoteTally`, `KeyedTally`), `readOptions`, `defineInvariants`, `assert`, `defineTimers`.
 * - The replicated key-value machine every protocol orders commands for (`KvMachine` and its
 *   `Command`, `KvOp`, `OpResult` types), for unit tests of a node outside the simulator.
 * - Test helpers that run a scenario file, or sweep it over seeds, exactly as `consensim run` and
 *   `consensim sweep` do (same seeds, same traceHash), with the bundled protocols available and
 *   `protocol: ./my-protocol.ts` in the scenario (or the `protocol` option) loading a module.
 *
 * Like the command line, this file is a composition root: it hands the simulator the bundled
 * protocols; the simulator itself never chooses any.
 */
import { PROTOCOLS, PROTOCOLS_MODULE } from '../protocols/registry.js';
import {
  prepareJob,
  protocolSet,
  runScenario,
  sweep,
  type HistoryEvent,
  type ProtocolSet,
  type RunResult,
  type SweepResult,
  type TraceEvent,
} from '../sim/index.js';

export type {
  BugDefinition,
  ByzantineBehaviour,
  ByzantineHooks,
  ClientId,
  ClientPolicy,
  ClientReply,
  Command,
  CreateContext,
  DurableLog,
  DurableStore,
  HostMoment,
  InvariantFinding,
  InvariantMonitor,
  KvOp,
  MachineSnapshot,
  Moment,
  MomentKind,
  MonitorContext,
  NodeEnv,
  NodeId,
  NodeView,
  OpResult,
  OptionSpec,
  ProtocolDefinition,
  ProtocolMoment,
  ProtocolNode,
  ProtocolOptions,
  ReplicatedMachine,
  Signature,
  Value,
} from '../protocols/api.js';
export { assertNever, isClientId, isNodeId, majority, MOMENT_KINDS } from '../protocols/api.js';
export { KvMachine } from '../protocols/kv.js';
/** The protocol kit: client sessions, quorum helpers, typed options, invariants, assert, timers. */
export * from '../protocols/kit/index.js';
export type { HistoryEvent, ProtocolSet, RunResult, Scenario, SweepFailure, SweepResult, TraceEvent } from '../sim/index.js';
export { definitionProblems, InputError } from '../sim/index.js';

/** The bundled protocols (raft, vsr, multipaxos, zab, pbft), as the simulator takes them. */
export function bundledProtocols(): ProtocolSet {
  return protocolSet(PROTOCOLS, [PROTOCOLS_MODULE]);
}

export interface RunFileOptions {
  /** Default: the scenario's own seed. */
  readonly seed?: number;
  /** Like `--protocol`: a bundled protocol's name, or a module path (relative to the current directory). */
  readonly protocol?: string;
  /** Like `--bug`: bug variants to switch on, added to the scenario's own. */
  readonly bugs?: readonly string[];
  /** Keep the trace events (the `--trace` file's lines) in the outcome. */
  readonly trace?: boolean;
}

export interface RunFileOutcome {
  /** What `consensim run FILE --json` prints. */
  readonly result: RunResult;
  readonly history: readonly HistoryEvent[];
  /** The trace events when `trace` was asked for, else null. */
  readonly trace: readonly TraceEvent[] | null;
}

/** One run of the scenario file at `file`, as `consensim run` does it. Bad input throws an InputError. */
export async function runScenarioFile(file: string, options: RunFileOptions = {}): Promise<RunFileOutcome> {
  const extraBugs = options.bugs ?? [];
  const { job, protocols } = await prepareJob(file, { ...(options.protocol === undefined ? {} : { protocol: options.protocol }), extraBugs, protocols: bundledProtocols() });
  const outcome = runScenario(job.scenario, {
    seed: options.seed ?? job.scenario.seed,
    extraBugs: job.extraBugs,
    reproArgs: job.reproArgs,
    collectTrace: options.trace === true,
    hashTrace: true,
    protocols,
  });
  return { result: outcome.result, history: outcome.history, trace: outcome.trace };
}

export interface SweepFileOptions {
  /** Inclusive range of seeds, e.g. `{ from: 1, to: 300 }` (`--seeds 1..300`). */
  readonly seeds: { readonly from: number; readonly to: number };
  readonly protocol?: string;
  readonly bugs?: readonly string[];
  /** Worker threads (default: the number of cores); the result never depends on it. */
  readonly workers?: number;
  /** Stop at the lowest failing seed. */
  readonly failFast?: boolean;
}

/** The scenario file at `file` over a range of seeds, as `consensim sweep` does it. */
export async function sweepScenarioFile(file: string, options: SweepFileOptions): Promise<SweepResult> {
  const { result } = await sweep(file, {
    from: options.seeds.from,
    to: options.seeds.to,
    extraBugs: options.bugs ?? [],
    protocols: bundledProtocols(),
    failFast: options.failFast === true,
    ...(options.protocol === undefined ? {} : { protocol: options.protocol }),
    ...(options.workers === undefined ? {} : { workers: options.workers }),
  });
  return result;
}

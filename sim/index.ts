/**
 * The simulator's public entry points: the CLI imports sim/ only through this file (a test keeps
 * it so), and so do the package API and the tests that do not probe internals.
 *
 * The simulator has no protocols of its own: every entry point that runs one takes the caller's
 * protocols (a `ProtocolSet`, a list, or a lookup). The caller — the command line, the package
 * API, a test, the bench — is where the bundled protocols are chosen.
 */
export { eventsOf, findIn, runScenario, traceToJsonLines, SNAPSHOT_INTERVAL_US } from './run.js';
export type {
  CompleteEvent,
  FaultEvent,
  InspectProbe,
  InvokeEvent,
  MomentEvent,
  MomentListener,
  NodeNumbers,
  ProgressEvent,
  ProtocolChoice,
  RoleEvent,
  RunOptions,
  RunOutcome,
  RetainedSizes,
  SendEvent,
  StateEvent,
  TraceEvent,
  TraceEventOf,
  TraceKind,
  WorldLimits,
} from './run.js';
export type { RunResult, RunChecks, RunStats, InvariantViolation, SweepResult, SweepFailure, LatencyFigures, LatencyStats, SkippedFault } from './result.js';
export { firstTraceDifference, differenceReason, type TraceDifference } from './determinism.js';
export { parseJsonExact, toJsonText } from './history/index.js';
export type { Scenario } from './scenario/types.js';
export { loadScenario, parseScenario } from './scenario/load.js';
export { withOverrides, checkedSeed } from './scenario/overrides.js';
export { scenarioSchema, type SchemaContext, type ScenarioFile } from './scenario/schema.js';
export { scenarioJsonSchema, scenarioJsonSchemaText } from './scenario/json-schema.js';
export type { HistoryEvent, HistoryValue } from './history/types.js';
export { readHistoryFile, toEdn, toJsonLines } from './history/index.js';
export { checkHistory, replayPrefix, MODELS } from './check/index.js';
export type { CheckOptions, CheckResult, Counterexample, Model, OpSummary, Value } from './check/index.js';
export { InputError, inputError, formatProblem } from './errors.js';
export { wallNowMs } from './wallclock.js';
export { parseDuration } from './scenario/fields.js';
export { bundledScenarioDir, loadCatalogue, scenarioFiles, type CatalogueEntry } from './catalogue.js';
export { sweep, seedPlan, sweepSeeds, SweepPool, MAX_SWEEP_SEEDS } from './sweep.js';
export type { SweepOptions, SweepOutcome, SweepProgress, SweepJob, SeedOutcome } from './sweep.js';
export { prepareJob, loadScenarioFile, type PrepareOptions } from './prepare.js';
export {
  definitionProblems,
  importProtocolSet,
  isModuleRef,
  loadProtocolModule,
  modulePath,
  protocolModuleOf,
  protocolSet,
  resolveProtocol,
  type AnyProtocol,
  type ProtocolSet,
} from './protocol-modules.js';
export {
  explainRun,
  explainOutcome,
  selectLines,
  failureWindow,
  tellStory,
  collapseRoutine,
  narrateGeneric,
  NodeStates,
  LINE_KINDS,
  formatTime,
} from './explain/index.js';
export type { Explanation, ExplainOptions, FailureFocus, LineFilter, LineKind, StoryLine, NodeState, Liveness } from './explain/index.js';
export { HOST_INVARIANTS } from './world/applied.js';
export { explore, BATCH_RUNS } from './explore/explore.js';
export type { ExploreOptions, ExploreOutcome, ExploreResult, ExploreFailure, ExploreMode, ExploreProgress } from './explore/explore.js';
export { drawSwarm, type SwarmDraw, type SwarmKnobs } from './explore/swarm.js';
export { abstractState, CoverageRecorder } from './explore/coverage.js';
export { failureKind, type FailureKind } from './explore/outcome.js';
export { shrinkScenario, type ShrinkOutcome, type ScenarioSize } from './shrink/shrink.js';
export { scenarioToYaml } from './scenario/write.js';
export { shellQuote } from './sweep-seed.js';
export type { TriggeredFault, TriggerAction, TriggerCondition, TriggerTarget } from './scenario/types.js';

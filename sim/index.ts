/** The simulator's public entry points (the CLI and tests import from here). */
export { runScenario, traceToJsonLines } from './run.js';
export type { MomentListener, RunOptions, RunOutcome, TraceEvent, WorldLimits } from './run.js';
export type { RunResult, RunChecks, RunStats, InvariantViolation, SweepResult, SweepFailure } from './result.js';
export type { Scenario } from './scenario/types.js';
export type { HistoryEvent } from './history/types.js';
export { InputError, inputError, formatProblem } from './errors.js';
export { explore, BATCH_RUNS } from './explore/explore.js';
export type { ExploreOptions, ExploreOutcome, ExploreResult, ExploreFailure, ExploreMode, ExploreProgress } from './explore/explore.js';
export { drawSwarm, type SwarmDraw, type SwarmKnobs } from './explore/swarm.js';
export { abstractState, CoverageRecorder } from './explore/coverage.js';
export { failureKind, type FailureKind } from './explore/outcome.js';
export { shrinkScenario, type ShrinkOutcome, type ScenarioSize } from './shrink/shrink.js';
export { scenarioToYaml } from './scenario/write.js';
export type { TriggeredFault, TriggerAction, TriggerCondition, TriggerTarget } from './scenario/types.js';

/** The simulator's public entry points (the CLI and tests import from here). */
export { runScenario, traceToJsonLines } from './run.js';
export type { MomentListener, RunOptions, RunOutcome, TraceEvent, WorldLimits } from './run.js';
export type { RunResult, RunChecks, RunStats, InvariantViolation, SweepResult, SweepFailure } from './result.js';
export type { Scenario } from './scenario/types.js';
export type { HistoryEvent } from './history/types.js';
export { InputError, inputError, formatProblem } from './errors.js';
export { HOST_INVARIANTS } from './world/applied.js';

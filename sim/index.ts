/** The simulator's public entry points (the CLI and tests import from here). */
export { eventsOf, runScenario, traceToJsonLines, SNAPSHOT_INTERVAL_US } from './run.js';
export type { InspectProbe, MomentListener, RunOptions, RunOutcome, TraceEvent, TraceEventOf, TraceKind, StateEvent, ProgressEvent, RoleEvent, FaultEvent, SendEvent, InvokeEvent, CompleteEvent, MomentEvent, NodeNumbers, WorldLimits } from './run.js';
export type { RunResult, RunChecks, RunStats, InvariantViolation, SweepResult, SweepFailure } from './result.js';
export type { Scenario } from './scenario/types.js';
export type { HistoryEvent } from './history/types.js';
export { InputError, inputError, formatProblem } from './errors.js';
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

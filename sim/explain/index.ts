/**
 * `explain`: run one seed with the trace on, tell its story (story.ts), rebuild every node's state
 * at any time (states.ts), and, on a failing run, say where to look: which node broke which
 * invariant, or which operation could not be linearized and which node answered it.
 */
import type { NodeId } from '../../protocols/api.js';
import { checkHistory, type Counterexample, type OpSummary } from '../check/index.js';
import { findIn, runScenario, type InspectProbe, type ProtocolChoice, type RunOutcome } from '../run.js';
import type { Scenario } from '../scenario/types.js';
import type { TraceEvent } from '../world/trace.js';
import { NodeStates } from './states.js';
import { collapseRoutine, formatTime, genericMessageKind, tellStory, type LineKind, type StoryLine } from './story.js';

export { NodeStates, type NodeState, type Liveness } from './states.js';
export {
  collapseRoutine,
  formatDuration,
  formatTime,
  genericMessageKind,
  LINE_KINDS,
  narrateGeneric,
  tellStory,
  type LineKind,
  type StoryLine,
} from './story.js';

export interface ExplainOptions {
  readonly seed?: number;
  readonly extraBugs?: readonly string[];
  readonly reproArgs?: readonly string[];
  /** The protocols the run may use (the caller's: sim/ has none of its own). */
  readonly protocols: ProtocolChoice;
  /** Passed to runScenario (tests compare rebuilt states with inspect()). */
  readonly inspectAt?: InspectProbe;
}

/** Where a failing run went wrong, for the start of its story. */
export interface FailureFocus {
  readonly kind: 'invariant' | 'linearizability' | 'liveness';
  /** When it went wrong (the violation, or the impossible operation's invocation). */
  readonly t: number;
  /** The node that broke the invariant, or that answered the impossible operation. */
  readonly node: NodeId | null;
  /** One or two sentences: who broke what. */
  readonly text: string;
  /** The impossible operation, for a linearizability failure. */
  readonly op?: OpSummary & { readonly completeUs: number | null };
  readonly counterexample?: Counterexample;
}

export interface Explanation {
  readonly scenario: Scenario;
  readonly outcome: RunOutcome;
  readonly trace: readonly TraceEvent[];
  readonly nodes: readonly NodeId[];
  /** Every step, routine ones included (collapse them with collapseRoutine). */
  readonly lines: readonly StoryLine[];
  readonly states: NodeStates;
  readonly failure: FailureFocus | null;
  /** What the protocol calls its era number. */
  readonly era: string;
  /** A message's short name ("AppendEntries", "heartbeat"), as the protocol's narrator gives it. */
  readonly messageKind: (msg: unknown) => string;
}

/** How far before a failure the story starts when no `from` is given. */
export const FAILURE_LEAD_US = 100_000;

export function explainRun(scenario: Scenario, options: ExplainOptions): Explanation {
  const protocols = options.protocols;
  const outcome = runScenario(scenario, {
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    extraBugs: options.extraBugs ?? [],
    reproArgs: options.reproArgs ?? [],
    protocols,
    collectTrace: true,
    hashTrace: true,
    ...(options.inspectAt === undefined ? {} : { inspectAt: options.inspectAt }),
  });
  return explainOutcome(scenario, outcome, protocols);
}

/** The story of a run already made (with its trace collected): for `run --report`. */
export function explainOutcome(
  scenario: Scenario,
  outcome: RunOutcome,
  protocols: ProtocolChoice,
): Explanation {
  const trace = outcome.trace ?? [];
  const protocol = findIn(protocols, scenario.protocol);
  const narrator = protocol?.narrator;
  const era = narrator?.era ?? 'term';
  const nodes = Array.from({ length: scenario.nodes }, (_, i): NodeId => `n${i + 1}`);
  const lines = tellStory(trace, narrator, era);
  const kind = narrator?.messageKind;
  const messageKind = kind === undefined ? genericMessageKind : (msg: unknown) => kind.call(narrator, msg);
  return { scenario, outcome, trace, nodes, lines, states: new NodeStates(nodes, trace), failure: failureFocus(outcome, trace), era, messageKind };
}

export interface LineFilter {
  readonly fromUs?: number;
  readonly toUs?: number;
  readonly nodes?: readonly string[];
  readonly kinds?: readonly LineKind[];
  /** Summarise runs of routine lines (default true). */
  readonly collapse?: boolean;
}

/** The lines of a time window, of some nodes and kinds, with routine runs summarised. */
export function selectLines(lines: readonly StoryLine[], filter: LineFilter): StoryLine[] {
  const from = filter.fromUs ?? 0;
  const to = filter.toUs ?? Infinity;
  const nodes = filter.nodes === undefined || filter.nodes.length === 0 ? null : new Set(filter.nodes);
  const kinds = filter.kinds === undefined || filter.kinds.length === 0 ? null : new Set<LineKind>(filter.kinds);
  const global = (line: StoryLine): boolean => line.node === null || line.kind === 'fault' || line.kind === 'phase' || line.kind === 'violation';
  const picked = lines.filter(
    (line) => line.t >= from && line.t <= to && (nodes === null || global(line) || nodes.has(line.node as string)) && (kinds === null || (line.routine ? kinds.has('summary') : kinds.has(line.kind))),
  );
  return filter.collapse === false ? picked : collapseRoutine(picked);
}

/** Step budget for finding the counterexample again (deterministic, unlike a time budget). */
const COUNTEREXAMPLE_MAX_STEPS = 20_000_000;

function failureFocus(outcome: RunOutcome, trace: readonly TraceEvent[]): FailureFocus | null {
  const { result } = outcome;
  if (result.ok) return null;
  const violation = result.checks.invariants[0];
  if (violation !== undefined) {
    const where = violation.node === null ? '' : `${violation.node} broke `;
    return { kind: 'invariant', t: violation.time, node: violation.node, text: `${where}invariant ${violation.name} at ${formatTime(violation.time)}: ${violation.detail}` };
  }
  if (result.checks.linearizable === false) {
    const check = checkHistory(outcome.history, { model: 'kv', maxSteps: COUNTEREXAMPLE_MAX_STEPS });
    const counterexample = check.counterexample;
    const op = counterexample?.unplaced[0];
    if (counterexample !== undefined && op !== undefined) {
      const answered = answeringNode(trace, op);
      const what = op.f === 'read' ? `read of ${counterexample.key ?? 'the register'} returned ${JSON.stringify(op.output ?? null)}` : `${op.f} ${JSON.stringify(op.value)} on ${counterexample.key ?? 'the register'}`;
      const after = counterexample.prefix.length;
      const served = answered.node === null ? '' : `; ${answered.node} answered it`;
      const why = counterexample.reason === undefined ? '' : ` (${counterexample.reason})`;
      return {
        kind: 'linearizability',
        t: op.invokeTime,
        node: answered.node,
        text: `not linearizable: process ${op.process}'s ${what} at ${formatTime(op.invokeTime)}..${op.completeTime === null ? '?' : formatTime(op.completeTime)} cannot follow the ${after} operations linearized before it${served}${why}`,
        op: { ...op, completeUs: answered.t },
        counterexample,
      };
    }
    return { kind: 'linearizability', t: 0, node: null, text: result.reason ?? 'history is not linearizable' };
  }
  const end = trace.length > 0 ? (trace[trace.length - 1] as TraceEvent).t : 0;
  return { kind: 'liveness', t: Math.max(0, end - 1_000_000), node: null, text: result.reason ?? 'liveness failed' };
}

/** The node whose reply completed `op` (the last delivery to its client before its completion). */
function answeringNode(trace: readonly TraceEvent[], op: OpSummary): { node: NodeId | null; t: number | null } {
  if (op.completeTime === null) return { node: null, t: null };
  const t = Math.floor(op.completeTime);
  for (let i = 0; i < trace.length; i++) {
    const e = trace[i] as TraceEvent;
    if (e.t < t) continue;
    if (e.t > t) break;
    if (e.kind !== 'complete' || e.process !== op.process) continue;
    for (let j = i - 1; j >= 0; j--) {
      const d = trace[j] as TraceEvent;
      if (d.t < t) break;
      if (d.kind === 'deliver' && d.to === e.client) return { node: d.from as NodeId, t };
    }
    return { node: null, t };
  }
  return { node: null, t: null };
}

/** Default window for a failing run: from a little before the failure. */
export function failureWindow(failure: FailureFocus): { fromUs: number } {
  return { fromUs: Math.max(0, failure.t - FAILURE_LEAD_US) };
}


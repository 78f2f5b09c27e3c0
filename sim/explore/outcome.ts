/**
 * One explore run, the same code in the main thread and in worker threads: run the drawn scenario
 * with a coverage recorder, and keep the verdict, the failure kind and the transitions reached.
 */
import type { RunResult } from '../result.js';
import { findIn, runScenario, type ProtocolChoice } from '../run.js';
import type { Scenario } from '../scenario/types.js';
import { CoverageRecorder } from './coverage.js';

/** What a failure is, for explore and shrink: an invariant's name, `linearizability` or `liveness`. */
export type FailureKind = string;

export function failureKind(result: RunResult): FailureKind | null {
  if (result.ok) return null;
  const first = result.checks.invariants[0];
  if (first !== undefined) return first.name;
  if (result.checks.linearizable === false || result.checks.linearizable === 'unknown') return 'linearizability';
  if (result.checks.liveness === false) return 'liveness';
  return 'failed';
}

export interface ExploreRunOutcome {
  readonly run: number;
  readonly ok: boolean;
  readonly kind: FailureKind | null;
  /** One line; '' when ok. */
  readonly reason: string;
  /** Hashes of the abstract transitions reached (see coverage.ts). */
  readonly transitions: readonly number[];
  readonly events: number;
}

export function runCandidate(run: number, scenario: Scenario, protocols: ProtocolChoice): ExploreRunOutcome {
  const recorder = new CoverageRecorder(findIn(protocols, scenario.protocol));
  try {
    const { result } = runScenario(scenario, { hashTrace: false, collectTrace: false, observe: recorder.observer, protocols });
    return {
      run,
      ok: result.ok,
      kind: failureKind(result),
      reason: result.ok ? '' : (result.reason ?? 'failed'),
      transitions: [...recorder.transitions],
      events: result.stats.events,
    };
  } catch (error) {
    // Input problems were ruled out when the scenario was drawn; anything escaping is this run's failure.
    const message = error instanceof Error ? error.message : String(error);
    return { run, ok: false, kind: 'crashed', reason: `crashed: ${message.split('\n')[0]}`, transitions: [...recorder.transitions], events: 0 };
  }
}

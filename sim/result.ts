/**
 * The shapes `consensim run --json` and `consensim sweep --json` print (docs/cli.md).
 * Keep these exactly; extend only with new optional fields.
 */
import type { NodeId } from '../protocols/api.js';
import type { LatencyStats } from './latency.js';

export type { LatencyFigures, LatencyStats } from './latency.js';

export interface InvariantViolation {
  readonly name: string;
  /** Virtual time in microseconds. */
  readonly time: number;
  /** The node whose step broke it (null for global checks). */
  readonly node: NodeId | null;
  readonly detail: string;
}

export interface RunChecks {
  /** null when not checked; 'unknown' only if the checker's budget ran out. */
  readonly linearizable: boolean | 'unknown' | null;
  readonly invariants: readonly InvariantViolation[];
  /** null when not checked. */
  readonly liveness: boolean | null;
  /**
   * Extension (always set by runScenario): false when the scenario's `checks:` leaves invariants out (then `invariants` is
   * empty because nothing was checked, not because everything held).
   */
  readonly invariantsChecked?: boolean;
}

export interface RunStats {
  readonly events: number;
  readonly messages: {
    readonly sent: number;
    readonly delivered: number;
    readonly dropped: number;
    readonly duplicated: number;
  };
  /** `casMismatch` (extension): how many of the `fail`s were cas operations whose expected value differed. */
  readonly ops: { readonly ok: number; readonly fail: number; readonly info: number; readonly casMismatch?: number };
  readonly virtualMs: number;
  readonly wallMs: number;
  /** Extension: invoke-to-ok latency per operation kind, percentiles in virtual ms. */
  readonly latency?: LatencyStats;
}

export interface RunResult {
  readonly scenario: string;
  readonly protocol: string;
  readonly seed: number;
  readonly ok: boolean;
  readonly checks: RunChecks;
  readonly stats: RunStats;
  readonly traceHash: string;
  /** The exact command that reproduces this run. */
  readonly repro: string;
  /** Extension: why the run failed, one line (absent when ok). */
  readonly reason?: string;
  /**
   * Extension: scripted faults that did nothing when they fired (a selector that named no node,
   * a restart of a node that was not down, ...), in time order; absent when there were none.
   */
  readonly skippedFaults?: readonly SkippedFault[];
}

/** A scripted fault that did nothing when it fired. */
export interface SkippedFault {
  /** Virtual time in microseconds. */
  readonly time: number;
  /** 1-based line of the fault in the scenario file (0 when unknown). */
  readonly line: number;
  readonly action: string;
  /** Why, in words: "crash leader: no leader yet (no live node claimed leadership)". */
  readonly reason: string;
}

export interface SweepFailure {
  readonly seed: number;
  readonly reason: string;
  readonly repro: string;
  /** Extension: the failing run's traceHash (what `run` of `repro` prints); '' if the run crashed. */
  readonly traceHash: string;
  /** Extension, present only when true: `--check-determinism` saw two runs of this seed differ. */
  readonly nondeterministic?: boolean;
}

export interface SweepResult {
  readonly scenario: string;
  readonly protocol: string;
  readonly seeds: { readonly from: number; readonly to: number; readonly count: number };
  readonly passed: number;
  readonly failed: readonly SweepFailure[];
  readonly wallMs: number;
  readonly seedsPerSec: number;
  /** Extension, present only when true: stopped by Ctrl-C; the counts cover the seeds finished by then. */
  readonly interrupted?: boolean;
}

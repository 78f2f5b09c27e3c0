/**
 * The shapes `consensim run --json` and `consensim sweep --json` print (Contract 2 in DESIGN.md).
 * Keep these exactly; extend only with new optional fields.
 */
import type { NodeId } from '../protocols/api.js';

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
}

export interface RunStats {
  readonly events: number;
  readonly messages: {
    readonly sent: number;
    readonly delivered: number;
    readonly dropped: number;
    readonly duplicated: number;
  };
  readonly ops: { readonly ok: number; readonly fail: number; readonly info: number };
  readonly virtualMs: number;
  readonly wallMs: number;
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
}

export interface SweepResult {
  readonly scenario: string;
  readonly protocol: string;
  readonly seeds: { readonly from: number; readonly to: number; readonly count: number };
  readonly passed: number;
  readonly failed: readonly SweepFailure[];
  readonly wallMs: number;
  readonly seedsPerSec: number;
}

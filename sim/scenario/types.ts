/**
 * A scenario after loading and validation (Contract 1 in DESIGN.md): every duration is an integer
 * number of microseconds, every default is filled in, every selector is checked. The loader
 * (`load.ts`) produces it; the world (`../world/`) runs it; nothing else parses YAML.
 */
import type { NodeId } from '../../protocols/api.js';

/** `n3`, or a selector resolved when the fault fires. */
export type NodeSelector =
  | { readonly kind: 'node'; readonly node: NodeId }
  | { readonly kind: 'leader' }
  | { readonly kind: 'random' }
  | { readonly kind: 'minority' }
  | { readonly kind: 'majority' }
  /** Every node not named by another group of the same partition (or, elsewhere, all but the leader). */
  | { readonly kind: 'rest' }
  | { readonly kind: 'all' };

export type LatencySpec =
  | { readonly dist: 'uniform'; readonly minUs: number; readonly maxUs: number }
  | { readonly dist: 'exponential'; readonly meanUs: number }
  | { readonly dist: 'fixed'; readonly valueUs: number };

export interface NetworkSpec {
  readonly latency: LatencySpec;
  /** Probability in [0, 1] that a message is dropped. */
  readonly loss: number;
  /** Probability in [0, 1] that a message is delivered twice. */
  readonly duplicate: number;
}

export interface ClockSpec {
  /** Max initial offset of a node's clock, each node drawn uniformly in [-skew, +skew]. */
  readonly skewUs: number;
  /** Max rate error, each node drawn uniformly in [-drift, +drift] parts per million. */
  readonly driftPpm: number;
}

export interface WorkloadSpec {
  readonly clients: number;
  readonly keys: number;
  /** Non-negative weights; normalised when drawing. `append` (absent: 0) appends a string to the key. */
  readonly mix: { readonly read: number; readonly write: number; readonly cas: number; readonly append?: number };
  /**
   * Absent or 0: every written value is new. N ≥ 1: writes, cas and appends draw their value from
   * 1..N, so a key takes the same value again (ABA) and a command executed twice can be seen.
   */
  readonly reuseValues?: number;
  /** Think time between one client's operations. */
  readonly intervalUs: number;
  /** After this, an operation with no definite answer is recorded as info (reads: fail). */
  readonly timeoutUs: number;
}

/** One scripted fault; `line` is where it stands in the scenario file (for messages). */
export type FaultAction =
  /** Groups of selectors; nodes in different groups cannot talk. */
  | { readonly kind: 'partition'; readonly groups: readonly (readonly NodeSelector[])[] }
  /** Heal every partition and cut link (`all`), or only links touching the selected nodes. */
  | { readonly kind: 'heal'; readonly target: NodeSelector }
  /** Crash; restart after `restartUs` when given. `amnesia` also wipes durable storage. */
  | { readonly kind: 'crash'; readonly target: NodeSelector; readonly restartUs: number | null; readonly amnesia: boolean }
  | { readonly kind: 'restart'; readonly target: NodeSelector }
  | { readonly kind: 'pause'; readonly target: NodeSelector; readonly forUs: number }
  /** Step a node's clock by `jumpUs` (may be negative). */
  | { readonly kind: 'clock'; readonly target: NodeSelector; readonly jumpUs: number }
  /** One-way link failure: messages from `from` to each of `to` are dropped. */
  | { readonly kind: 'cut'; readonly from: NodeSelector; readonly to: readonly NodeSelector[] };

export interface ScriptedFault {
  readonly atUs: number;
  readonly action: FaultAction;
  /** 1-based line in the scenario file, for messages; 0 when unknown. */
  readonly line: number;
}

export type NemesisKind = 'partition' | 'crash' | 'pause' | 'clock' | 'cut' | 'amnesia';

export interface NemesisSpec {
  /** Mean time between random faults; each fault heals/ends before the next one. */
  readonly everyUs: number;
  readonly faults: readonly NemesisKind[];
}

export interface ChecksSpec {
  readonly linearizability: boolean;
  readonly invariants: boolean;
  readonly liveness: boolean;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** Path it was loaded from ('' for scenarios built in code). */
  readonly file: string;
  readonly protocol: string;
  readonly nodes: number;
  readonly seed: number;
  readonly durationUs: number;
  readonly settleUs: number;
  /** Validated against the protocol's option schema; durations in µs; defaults filled. */
  readonly protocolOptions: Readonly<Record<string, number | boolean | string>>;
  readonly network: NetworkSpec;
  readonly clock: ClockSpec;
  readonly workload: WorkloadSpec;
  readonly faults: readonly ScriptedFault[];
  readonly nemesis: NemesisSpec | null;
  /** pbft only: node → behaviour name. */
  readonly byzantine: Readonly<Record<NodeId, string>>;
  readonly checks: ChecksSpec;
  /** Bug variant names, `<protocol>.<bug>`. */
  readonly bugs: readonly string[];
  /**
   * Extension: what the scenario is meant to show. `fail` marks a teaching scenario whose lesson is
   * a caught violation (e.g. a bug variant switched on); absent means `pass`.
   */
  readonly expect?: 'pass' | 'fail';
}

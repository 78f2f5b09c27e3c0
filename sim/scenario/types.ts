/**
 * A scenario after loading and validation (Contract 1 in DESIGN.md): every duration is an integer
 * number of microseconds, every default is filled in, every selector is checked. The loader
 * (`load.ts`) produces it from the output of the scenario schema (`schema.ts`, whose output the
 * compiler checks equal to these types); the world (`../world/`) runs it; nothing else parses YAML
 * and nothing downstream validates it again.
 */
import type { MomentKind, NodeId } from '../../protocols/api.js';

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
  /** Extension: the event-triggered entries of `faults` (absent or empty when there are none). */
  readonly triggers?: readonly TriggeredFault[];
}

/**
 * Extension: an event-triggered fault (`faults: - { when: {...}, <action>: ... }`), FoundationDB's
 * BUGGIFY idea from outside the code: it fires on a protocol moment (a vote, an ack, a new leader,
 * ...) rather than at a time. The action is scheduled at the moment's virtual time, after the
 * node's step that reported it.
 */
export interface TriggerCondition {
  readonly moment: MomentKind;
  /** Whose moments count: any node, or one node. */
  readonly node: NodeId | 'any';
  /** Fire from the nth matching moment on (1 = the first). */
  readonly nth: number;
  /** Probability of firing at each matching moment from the nth on (its own random stream). */
  readonly chance: number;
  /** Fire at most this many times. */
  readonly times: number;
}

/**
 * Who a triggered action hits: `self` (the node whose moment it was), `peer` (whom it voted for or
 * acked to; only for vote and ack moments), or an ordinary selector resolved when it fires.
 */
export type TriggerTarget = { readonly kind: 'self' } | { readonly kind: 'peer' } | { readonly kind: 'selector'; readonly selector: NodeSelector };

export type TriggerAction =
  | { readonly kind: 'crash'; readonly target: TriggerTarget; readonly restartUs: number | null; readonly amnesia: boolean }
  | { readonly kind: 'pause'; readonly target: TriggerTarget; readonly forUs: number }
  /** Cut off from every other node (both ways) for `forUs`. */
  | { readonly kind: 'isolate'; readonly target: TriggerTarget; readonly forUs: number }
  /** Drop messages from `from` to `to` for `forUs`. */
  | { readonly kind: 'cut'; readonly from: TriggerTarget; readonly to: TriggerTarget; readonly forUs: number };

export interface TriggeredFault {
  readonly when: TriggerCondition;
  readonly action: TriggerAction;
  /** Its position in the scenario's `faults` list (names it in the trace: `faults[3]`). */
  readonly index: number;
  /** 1-based line in the scenario file; 0 when unknown. */
  readonly line: number;
}

/**
 * The node API: the only thing a protocol and the simulator share.
 *
 * A protocol node is a synchronous class with no I/O, no clock and no randomness of its own
 * (etcd-io/raft's shape). The host calls it (`start`, `onMessage`, `onTimer`, `onRequest`); it
 * answers only through its `env`. The host applies the effects in the order they were requested,
 * so a node that writes to `env.storage` and calls `sync()` before `send` has persisted before
 * anyone can observe the message.
 *
 * Nothing in this file imports the simulator, and nothing in a protocol folder may import
 * anything but this file, `kv.ts`, the protocol kit (`kit/`) and its own files.
 */
import type { Command, KvOp, MachineSnapshot, OpResult } from './kv.js';

export type { Command, KvOp, MachineSnapshot, OpResult, Value } from './kv.js';

/** Nodes are named n1..nN; clients c1..cK. */
export type NodeId = `n${number}`;
export type ClientId = `c${number}`;

export function isNodeId(x: unknown): x is NodeId {
  return typeof x === 'string' && /^n[1-9][0-9]*$/.test(x);
}
export function isClientId(x: unknown): x is ClientId {
  return typeof x === 'string' && /^c[1-9][0-9]*$/.test(x);
}

/** What a node answers a client. */
export type ClientReply =
  /** The command was executed at its place in the replicated order; `result` is the outcome. */
  | { readonly kind: 'result'; readonly result: OpResult }
  /** Not executed here, and never will be from this request: ask `leader` (or anyone, if null). */
  | { readonly kind: 'redirect'; readonly leader: NodeId | null };

/**
 * Durable storage. Writes are visible to the node at once but survive a crash only after
 * `sync()`. Values handed to `write`/`append` must be treated as immutable by the node afterwards
 * (the store keeps references, it does not copy).
 */
export interface DurableStore {
  /** A small durable cell (term, vote, promised ballot, epoch, ...). */
  read<T>(key: string): T | undefined;
  write(key: string, value: unknown): void;
  /** An append-only log with suffix truncation (Raft log, Paxos slots, Zab history, ...). */
  log<T>(name: string): DurableLog<T>;
  /** Everything written so far survives a crash from now on. */
  sync(): void;
}

export interface DurableLog<T> {
  readonly length: number;
  /** 0-based. */
  get(index: number): T | undefined;
  append(entry: T): void;
  /** Set entry `index` (0-based, < length): for slot-indexed logs (Paxos accepted values). */
  set(index: number, entry: T): void;
  /** Keep entries [0, newLength); `newLength` may not be below `start`. */
  truncate(newLength: number): void;
  /**
   * A read-only view of the entries still held, [start, length): array index i is log index
   * start + i (do not mutate; valid until the next write).
   */
  entries(): readonly T[];
  /**
   * Index of the first entry still held: 0 until the node compacts. Entries below it were
   * forgotten (`get` returns undefined for them); their effect lives in whatever the node
   * persisted instead (typically a machine snapshot written with `write` before compacting).
   */
  readonly start: number;
  /**
   * Log compaction: forget entries [start, upTo) (upTo <= length), so that a long run keeps
   * bounded memory. Like every write it survives a crash only after `sync()`: a crash before the
   * sync brings the forgotten entries back. Indices do not move; `length` is unchanged.
   */
  compact(upTo: number): void;
}

/**
 * The replicated state machine, owned by the host (so that the host can check that every node
 * applies the same command sequence). A fresh, empty machine is handed to each incarnation of a
 * node; a restarted node rebuilds it by re-applying its durable log or restoring a snapshot.
 */
export interface ReplicatedMachine {
  /** Execute a command at the next position (at most once per (client, reqId): a retry returns the cached result). */
  apply(cmd: Command): OpResult;
  /** The cached result if (client, reqId) was already executed, else undefined. */
  cached(client: ClientId, reqId: number): OpResult | undefined;
  /** How many commands have been applied (including deduplicated retries). */
  readonly appliedCount: number;
  /** A rolling digest of the applied sequence (for checkpoint agreement, PBFT). */
  digest(): string;
  /** An immutable copy of the state (data, session table, appliedCount, digest). */
  snapshot(): MachineSnapshot;
  restore(snapshot: MachineSnapshot): void;
  /** Read without executing (lease reads, local reads in teaching modes). */
  peek(key: string): OpResult;
}

/** A simulated signature: only the host can make one, and only for the node that signs. */
export interface Signature {
  readonly signer: NodeId;
  readonly digest: string;
}

export interface NodeEnv<M> {
  readonly id: NodeId;
  /** All nodes of the cluster, this one included, in order n1..nN. */
  readonly nodes: readonly NodeId[];
  /** All nodes but this one. */
  readonly peers: readonly NodeId[];
  /** This node's local clock in integer microseconds (skew, drift and jumps included). */
  now(): number;
  /** Messages are frozen by the host: never mutate a message after sending it. */
  send(to: NodeId, msg: M): void;
  /** Local-clock duration in microseconds; the same name re-arms. */
  setTimer(name: string, afterMicros: number): void;
  cancelTimer(name: string): void;
  /** This node's own random stream, in [0, 1). */
  random(): number;
  readonly storage: DurableStore;
  readonly machine: ReplicatedMachine;
  reply(client: ClientId, reqId: number, reply: ClientReply): void;
  /** Sign `msg` as this node (the digest is over its canonical JSON). */
  sign(msg: unknown): Signature;
  /** True when `sig` was made by `signer` over exactly `msg`. */
  verify(sig: Signature, signer: NodeId, msg: unknown): boolean;
  /** Free text into the trace, for teaching. */
  note(text: string): void;
  /**
   * Name a protocol moment as it happens (a vote granted, entries acknowledged, an era change
   * begun). The simulator records it, a scenario's event-triggered faults can fire on it, and a
   * narrator can tell it. Reporting a moment never changes what the node does.
   */
  moment(moment: ProtocolMoment): void;
}

/**
 * The moments a protocol reports through `env.moment`. Kinds are shared across protocols so that
 * event-triggered faults and narration work for every protocol, one added later included:
 * - `vote`: this node granted its vote, promise or epoch acknowledgement to `for` in era `term`
 *   (Raft RequestVote granted, Paxos Promise, Zab ACK-E, VR DoViewChange, PBFT VIEW-CHANGE vote);
 * - `ack`: this node acknowledged to `to` that it holds the entries up to `index` (1-based count)
 *   of era `term` (Raft AppendEntries success, Paxos Accepted, VR PrepareOk, Zab ACK, PBFT COMMIT);
 * - `era-change`: this node began changing era towards `term` (an election, a view change, a new
 *   ballot's phase 1, a new epoch).
 */
export type ProtocolMoment =
  | { readonly kind: 'vote'; readonly for: NodeId; readonly term: number }
  | { readonly kind: 'ack'; readonly to: NodeId; readonly index: number; readonly term: number }
  | { readonly kind: 'era-change'; readonly term: number };

/**
 * The moments the host sees for itself, for every protocol: a node became leader (its view names
 * itself as leader, in era `term`), its commit index rose to `index`, it applied a command at
 * position `index` (1-based), or it synced its durable store with something new in it.
 */
export type HostMoment =
  | { readonly kind: 'leader'; readonly term: number }
  | { readonly kind: 'commit'; readonly index: number }
  | { readonly kind: 'apply'; readonly index: number; readonly cmd: Command }
  | { readonly kind: 'persist' };

/** Every moment the simulator knows of a node, whoever reported it. */
export type Moment = ProtocolMoment | HostMoment;
export type MomentKind = Moment['kind'];
export const MOMENT_KINDS: readonly MomentKind[] = ['vote', 'ack', 'era-change', 'leader', 'commit', 'apply', 'persist'];

/** What `inspect()` returns; protocols add their own fields. Must be cheap (no deep copies). */
export interface NodeView {
  /** leader/follower/candidate, primary/backup/view-change/recovering, leading/following/looking, ... */
  readonly role: string;
  /** The protocol's era number: Raft term, Paxos ballot round, Zab epoch, VR/PBFT view. */
  readonly term: number;
  /** Who this node believes leads (or null). */
  readonly leader: NodeId | null;
  /** Entries known committed/chosen (count). */
  readonly commitIndex: number;
  /** Entries applied to the machine (count). */
  readonly appliedIndex: number;
  readonly logLength: number;
}

/** The fields every node view has: what the trace's snapshots carry and narrators compare. */
export type NodeNumbers = Pick<NodeView, 'role' | 'term' | 'leader' | 'commitIndex' | 'appliedIndex' | 'logLength'>;

export interface ProtocolNode<M, V extends NodeView = NodeView> {
  /** Called at boot and after every restart (with only durable state in env.storage). */
  start(): void;
  onMessage(from: NodeId, msg: M): void;
  onTimer(name: string): void;
  onRequest(client: ClientId, reqId: number, op: KvOp): void;
  inspect(): V;
}

/** A named, deliberately broken variant, for teaching. Names are `<protocol>.<bug>`. */
export interface BugDefinition {
  readonly name: string;
  readonly description: string;
}

/**
 * An online invariant a protocol's monitor checks: its name as findings report it, the rule in
 * one sentence, and where the rule comes from (paper and section). Shown by `consensim list`.
 */
export interface InvariantDefinition {
  readonly name: string;
  readonly description: string;
  readonly source: string;
}

/** Declarative option schema: the scenario loader validates `protocolOptions` against it. */
export type OptionSpec =
  | {
      readonly type: 'duration';
      readonly default: string;
      readonly description: string;
      /**
       * Smallest value the loader accepts, as a duration (`'0ms'` to allow zero). Absent: the
       * duration must be positive (timeouts and intervals of 0 would fire in a loop at one instant).
       */
      readonly min?: string;
    }
  | {
      readonly type: 'integer';
      readonly default: number;
      readonly min: number;
      readonly max: number;
      readonly description: string;
    }
  | { readonly type: 'boolean'; readonly default: boolean; readonly description: string }
  | {
      readonly type: 'enum';
      readonly values: readonly string[];
      readonly default: string;
      readonly description: string;
    };

/** Options after validation: durations in microseconds, the rest as given, defaults filled. */
export type ProtocolOptions = Readonly<Record<string, number | boolean | string>>;

export interface CreateContext<M> {
  readonly env: NodeEnv<M>;
  readonly options: ProtocolOptions;
  readonly bugs: ReadonlySet<string>;
}

/** How the generic workload client talks to this protocol. */
export interface ClientPolicy {
  /** Matching results from distinct nodes needed before the client accepts one (PBFT: f+1). */
  readonly replyQuorum: number;
  /** Where a request goes after a retry interval with no answer: the next node, or every node. */
  readonly retry: 'next' | 'all';
  /** Local microseconds a client waits for an answer before retrying (not the op timeout). */
  readonly retryAfterMicros: number;
  /**
   * Extension, default true. False: a write (or cas) is sent once and never again, so that only
   * one node ever coordinates it (reads are still retried). For a protocol with no replicated
   * session table, such as a quorum register, a write coordinated twice could take effect twice,
   * the second time after a later write.
   */
  readonly retryWrites?: boolean;
}

/** An online invariant violation, as reported by a monitor. */
export interface InvariantFinding {
  readonly name: string;
  readonly detail: string;
  readonly nodes: readonly NodeId[];
}

export interface MonitorContext {
  readonly nodes: readonly NodeId[];
  readonly options: ProtocolOptions;
  readonly bugs: ReadonlySet<string>;
  /** False for byzantine nodes: invariants speak of correct nodes only. */
  isCorrect(node: NodeId): boolean;
}

/**
 * A protocol's online invariants. The host calls `afterStep` after every event a node handled
 * (start, message, timer, request), and `onSend` for every message a node sends. A monitor keeps
 * what it needs across calls (it outlives crashes) and returns a finding on the first violation.
 */
export interface InvariantMonitor<M, V extends NodeView = NodeView> {
  afterStep(node: NodeId, view: V, time: number): InvariantFinding | null;
  onSend?(from: NodeId, to: NodeId, msg: M, time: number): InvariantFinding | null;
  /**
   * The node crashed: its next view comes from a fresh incarnation. `amnesia` is true when the
   * crash also wiped its durable storage (what it persisted is gone too).
   */
  onCrash?(node: NodeId, amnesia: boolean): void;
}

/**
 * A byzantine behaviour wraps a correct node's env and rewrites what it sends (it may also drop,
 * duplicate or invent messages, and set timers of its own with names starting "byz:"). It cannot
 * forge another node's signature: `env.sign` always signs as the wrapped node.
 */
export interface ByzantineBehaviour<M> {
  readonly name: string;
  readonly description: string;
  wrap(env: NodeEnv<M>, node: () => ProtocolNode<M>): ByzantineHooks<M>;
}
export interface ByzantineHooks<M> {
  /** The env handed to the wrapped correct node. */
  readonly env: NodeEnv<M>;
  /** Called for timers named "byz:*" (the node never sees them). */
  onTimer?(name: string): void;
  /** Called once after the node's start(). */
  onStart?(): void;
}

/** What a protocol may check of a scenario beyond its option schema (see `checkScenario`). */
export interface ScenarioShape {
  readonly nodes: number;
  /** Validated options, defaults filled (durations in µs). */
  readonly options: ProtocolOptions;
  readonly bugs: ReadonlySet<string>;
  /** The workload's weights per operation kind. */
  readonly mix: { readonly read: number; readonly write: number; readonly cas: number; readonly append?: number };
}

/** Why a scenario cannot run with a protocol: `field` is the scenario field to blame (`protocolOptions.w`). */
export interface ScenarioProblem {
  readonly field: string;
  readonly message: string;
}

export interface ProtocolDefinition<M = unknown, V extends NodeView = NodeView> {
  readonly name: string;
  readonly description: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly bugs: readonly BugDefinition[];
  /** What its monitor checks (for `consensim list` and the docs); absent: not described. */
  readonly invariants?: readonly InvariantDefinition[];
  /** Cluster sizes this protocol accepts (PBFT: 3f+1); a reason when not. */
  checkClusterSize?(nodes: number): string | null;
  /**
   * Extension: rules that tie options to the cluster size, the bug variants or the workload
   * (a quorum size that must be at most n, two quorums that must intersect, an operation the
   * protocol cannot offer). The scenario loader and every run call it; a problem is bad input.
   */
  checkScenario?(scenario: ScenarioShape): ScenarioProblem | null;
  /**
   * Extension, default 'replicated': the nodes apply one command sequence to `env.machine`, and
   * the simulator checks that every node's applied sequence is a prefix of the longest one (and,
   * at the end, that live nodes applied the same sequence). 'none': the protocol keeps no
   * replicated command order (a quorum register), never applies to `env.machine`, and those two
   * checks do not apply; linearizability and the protocol's own monitor still do.
   */
  readonly commandOrder?: 'replicated' | 'none';
  createNode(ctx: CreateContext<M>): ProtocolNode<M, V>;
  createMonitor?(ctx: MonitorContext): InvariantMonitor<M, V>;
  clientPolicy(nodes: number, options: ProtocolOptions, bugs: ReadonlySet<string>): ClientPolicy;
  readonly byzantine?: Readonly<Record<string, ByzantineBehaviour<M>>>;
  /** Tells this protocol's steps in plain words (`consensim explain`, the report); optional. */
  readonly narrator?: Narrator<M>;
  /**
   * Optional refinement of explore's coverage: a short string naming what matters about the
   * cluster right now beyond the generic abstract state (roles, era/commit/log gaps), computed from
   * every node's view (null for a node that is down). Keep it small and bucketed: every distinct
   * pair of consecutive strings counts as new coverage.
   */
  coverageState?(views: readonly (V | null)[]): string;
  /**
   * Optional fault model: how many nodes may be down or still recovering at the same time for the
   * protocol to promise liveness after the heal (diskless Viewstamped Replication: f, because a
   * recovering replica needs f + 1 normal ones to answer it). Omitted: any number (a protocol that
   * keeps its state on disk). Explore draws no more overlapping crashes than this.
   */
  crashesAtOnce?(nodes: number): number;
}

/**
 * The numbers of a node view a narrator compares before and after a step (the common NodeView
 * fields), or null while the node is down.
 */
export type NarrationNumbers = NodeNumbers;

/** What started a node's step: its start (boot or restart), a timer, a peer's message, a client request. */
export type StepTrigger<M> =
  | { readonly kind: 'start' }
  | { readonly kind: 'timer'; readonly name: string }
  | { readonly kind: 'message'; readonly from: NodeId; readonly msg: M }
  | { readonly kind: 'request'; readonly client: ClientId; readonly reqId: number; readonly op: KvOp };

/**
 * One step of one node, as the trace tells it: what started it, what the node sent and answered,
 * the moments it reported or the host saw, the notes it wrote, and its numbers before and after.
 */
export interface NarrationStep<M> {
  readonly node: NodeId;
  /** Virtual time in microseconds. */
  readonly t: number;
  readonly trigger: StepTrigger<M>;
  readonly sends: readonly { readonly to: NodeId; readonly msg: M }[];
  readonly replies: readonly { readonly client: ClientId; readonly reqId: number; readonly reply: ClientReply }[];
  readonly moments: readonly Moment[];
  readonly notes: readonly string[];
  readonly before: NarrationNumbers | null;
  readonly after: NarrationNumbers | null;
}

/**
 * A protocol's narrator turns its own steps into one plain sentence each ("n2's election timer
 * fired; it became candidate for term 3 and asked n1, n3 for their votes"). Return null to leave
 * a step to the generic narrator, which words any protocol's steps from moments and numbers.
 */
export interface Narrator<M> {
  /** What this protocol calls its era number: "term", "ballot", "epoch", "view" (default "term"). */
  readonly era?: string;
  step(step: NarrationStep<M>): string | null;
  /**
   * True for a routine step (a heartbeat, a repeated acknowledgement), which is summarised with its
   * neighbours in one line. Without this, a step is routine when it changed no number, reported no
   * moment but a repeated ack or a persist, answered no client and wrote no note.
   */
  routine?(step: NarrationStep<M>): boolean;
  /** A short name for a message in summaries and filters ("AppendEntries", "heartbeat"). */
  messageKind?(msg: M): string;
}

export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}

/** Majority quorum size for n nodes. */
export function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}

/**
 * The sentences a protocol gives its key moments, for `narratorFromWords`: each receives the step
 * and the moment and returns one sentence (or null to leave the step to the generic narrator).
 */
export interface NarratorWords<M> {
  readonly era: string;
  messageKind?(msg: M): string;
  /** This node began an election / view change / new ballot / new epoch (an `era-change` moment). */
  eraChange?(step: NarrationStep<M>, term: number): string | null;
  /** This node granted its vote / promise / acknowledgement of a new era to `to`. */
  vote?(step: NarrationStep<M>, to: NodeId, term: number): string | null;
  /** This node became leader of era `term`. */
  leader?(step: NarrationStep<M>, term: number): string | null;
  /** This node acknowledged entries up to `index` to `to`. */
  ack?(step: NarrationStep<M>, to: NodeId, index: number, term: number): string | null;
  /** This node learned entries up to `index` are committed. */
  commit?(step: NarrationStep<M>, index: number): string | null;
  /** A client request this node took into its log (its log grew). */
  request?(step: NarrationStep<M>, client: ClientId, op: KvOp): string | null;
}

/**
 * A narrator that tells a step by its most telling moment (leader, era change, vote, commit, ack,
 * an accepted request) in the protocol's own words, adds what the node applied and answered, and
 * leaves every other step to the generic narrator. Protocols whose narration is moment-shaped use
 * it instead of writing a narrator from scratch.
 */
export function narratorFromWords<M>(words: NarratorWords<M>): Narrator<M> {
  const narrator: Narrator<M> = {
    era: words.era,
    step(step: NarrationStep<M>): string | null {
      const text = mainSentence(step, words);
      return text === null ? null : text + stepEffects(step, words.era);
    },
  };
  return words.messageKind === undefined ? narrator : { ...narrator, messageKind: (msg: M) => (words.messageKind as (m: M) => string)(msg) };
}

function mainSentence<M>(step: NarrationStep<M>, words: NarratorWords<M>): string | null {
  // A node's start is told by the generic narrator (its role and era as it comes up).
  if (step.trigger.kind === 'start') return null;
  const last = <K extends Moment['kind']>(kind: K): Extract<Moment, { kind: K }> | undefined =>
    step.moments.filter((m): m is Extract<Moment, { kind: K }> => m.kind === kind).at(-1);
  const leader = last('leader');
  if (leader !== undefined && words.leader !== undefined) return words.leader(step, leader.term);
  const era = last('era-change');
  if (era !== undefined && words.eraChange !== undefined) return words.eraChange(step, era.term);
  const vote = last('vote');
  if (vote !== undefined && words.vote !== undefined) return words.vote(step, vote.for, vote.term);
  const commit = last('commit');
  if (commit !== undefined && words.commit !== undefined) return words.commit(step, commit.index);
  const ack = last('ack');
  if (ack !== undefined && words.ack !== undefined) return words.ack(step, ack.to, ack.index, ack.term);
  const { trigger, before, after } = step;
  if (trigger.kind === 'request' && words.request !== undefined && before !== null && after !== null && after.logLength > before.logLength) {
    return words.request(step, trigger.client, trigger.op);
  }
  return null;
}

function stepEffects<M>(step: NarrationStep<M>, era: string): string {
  const parts: string[] = [];
  const applied = step.moments.filter((m) => m.kind === 'apply').length;
  if (applied > 0) parts.push(applied === 1 ? 'applied one command' : `applied ${applied} commands`);
  const answered = step.replies.filter((r) => r.reply.kind === 'result').map((r) => r.client);
  if (answered.length > 0) parts.push(`answered ${answered.join(', ')}`);
  const before = step.before;
  const after = step.after;
  if (before !== null && after !== null && before.role !== after.role && !step.moments.some((m) => m.kind === 'leader')) {
    parts.push(`now ${after.role} in ${era} ${after.term}`);
  }
  return parts.length === 0 ? '' : `; ${parts.join(', ')}`;
}

/** "n1, n2 and n3" style lists for narrators. */
export function nodeList(nodes: readonly string[]): string {
  return nodes.length === 0 ? 'nobody' : nodes.join(', ');
}

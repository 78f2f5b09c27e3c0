/**
 * Raft (Ongaro & Ousterhout, "In Search of an Understandable Consensus Algorithm", 2014), as a
 * synchronous state machine with no I/O: the host hands it messages, timers and client requests;
 * it answers through `env` (etcd-io/raft's shape).
 *
 * - Terms (§5.1). Every message carries its sender's term. Before any role looks at a message the
 *   common rules run once (`observeTerm`): a higher term turns the node into a follower of that
 *   term; a lower one is answered with a refusal (so a stale leader learns it is deposed) or
 *   dropped. Roles then swap handler tables (`becomeFollower` installs the follower's `step` and
 *   `tick`) instead of testing `role` in every handler.
 * - Elections (§5.2). A follower that hears no leader for a random time in [T, 2T] campaigns: new
 *   term, votes for itself, asks everyone. A voter grants at most one vote per term (votedFor is
 *   synced to disk before the reply leaves) and only to a candidate whose log is at least as
 *   up to date as its own (§5.4.1: last term, then length). With `preVote` (thesis §9.6) it first
 *   asks whether it could win, changing nobody's term, so a node cut off for a while cannot
 *   depose a healthy leader when it comes back.
 * - Replication (§5.3). The leader sends each follower the entries after nextIndex (at most
 *   `maxBatch`), with the index and term of the entry before them. A follower accepts only if it
 *   holds that entry (Log Matching), deletes a conflicting suffix, and otherwise answers with a
 *   hint (the conflicting term and its first index) so the leader skips back a term at a time.
 *   A follower in sync is sent new entries at once, several requests in flight (etcd's
 *   "replicate" state); one that is behind gets a batch per answer; a heartbeat never resends
 *   entries still in flight, and a follower silent for a whole heartbeat is probed again.
 * - Commitment (§5.4.2). The leader commits index N once a majority stores it AND entry N is of
 *   its current term; older entries commit indirectly. Figure 8 shows why counting replicas of an
 *   older entry is unsafe. A new leader therefore appends a no-op at the start of its term (§8).
 * - Clients (§8). Committed entries are applied in order; the leader answers the client that
 *   submitted each one. The replicated session table answers retries without re-executing them,
 *   and a retry of a command already in the leader's log is not appended twice.
 * - Reads. By default through the log like any command (§8); with `readPath: readindex`, by the
 *   thesis's ReadIndex (§6.4, see read-index.ts).
 * - Snapshots (§7, see snapshot.ts). Every `snapshotEvery` applied entries a node saves its
 *   machine's state and forgets the log up to there, so memory does not grow with the run. A
 *   follower that needs entries its leader forgot gets the leader's snapshot (InstallSnapshot).
 * - Restart. Only currentTerm, votedFor, the snapshot and the log after it survive; the state
 *   machine is restored from the snapshot, and the log after it is re-applied as this node
 *   re-learns the commit index.
 */
import type { ClientId, KvOp, NodeEnv, NodeId, NodeView, ProtocolNode } from '../api.js';
import { assertNever } from '../api.js';
import { assert, ClientSessions, defineTimers, kthLargest, majority, VoteTally, type RoleHandler } from '../kit/index.js';
import { commandKey, type Command } from '../kv.js';
import { LIMITS, type RaftConfig } from './config.js';
import type { AppendEntries, AppendEntriesReply, InstallSnapshot, LogEntry, RaftMessage, RequestVote, RequestVoteReply } from './messages.js';
import { NO_SNAPSHOT, PersistentState, type SnapshotMark } from './persistent.js';
import { ReadIndexQueue } from './read-index.js';
import { Replication } from './replication.js';
import { installSnapshot, restoreSnapshot, snapshotDue, snapshotReply, takeSnapshot } from './snapshot.js';

export type RaftRole = 'follower' | 'precandidate' | 'candidate' | 'leader';

export interface RaftView extends NodeView {
  readonly role: RaftRole;
  readonly votedFor: NodeId | null;
  readonly lastLogTerm: number;
  /**
   * The snapshot's last included index and term (0 and 0: none); `log` holds the entries after
   * it. An object, so the trace's state events (scalars only) stay as they were before snapshots.
   */
  readonly snapshot: SnapshotMark;
  /**
   * The live log after the snapshot (not a copy): `log[i]` is entry `snapshot.lastIncludedIndex +
   * 1 + i`. Read it at once, never keep or mutate it. `logLength` is the full logical length.
   */
  readonly log: readonly LogEntry[];
}

/**
 * Raft's timers: a follower's or candidate's election timeout, a leader's heartbeat, and a
 * candidate's re-ask of silent peers (requests are lost like any message, §5.1).
 */
const TIMERS = defineTimers(['election', 'heartbeat', 'vote-retry'] as const);
type RaftTimer = (typeof TIMERS.names)[number];

/**
 * One role's behaviour (etcd-raft's `step` per role, the kit's RoleHandler): a message that
 * passed the term rules, a timer, a client request, and what the role gives up when the node
 * leaves it. A role change swaps the whole object; no handler asks which role the node is in.
 */
interface RaftRoleHandler extends RoleHandler<RaftMessage, RaftTimer> {
  readonly role: RaftRole;
  /** The node leaves this role for a follower of `newLeader` (a leader steps down). */
  leave(newLeader: NodeId | null): void;
}

export class RaftNode implements ProtocolNode<RaftMessage, RaftView> {
  private readonly env: NodeEnv<RaftMessage>;
  private readonly config: RaftConfig;
  private readonly state: PersistentState;
  private readonly quorum: number;
  /** A bug variant is on: local asserts that a bug is meant to break stay quiet (the monitor reports). */
  private readonly buggy: boolean;

  // Volatile state on all servers (Figure 2).
  private current: RaftRoleHandler;
  private leader: NodeId | null = null;
  private commitIndex = 0;
  private lastApplied = 0;
  /** Local time this node last heard from the leader of its term (pre-vote refusals, §9.6). */
  private leaderContactAt = -Infinity;
  /** Granted votes (or pre-votes) in the current campaign, and every peer that answered it. */
  private votes: VoteTally;
  private answered = new Set<NodeId>();

  // Volatile state on leaders, reinitialized after each election (Figure 2).
  /** nextIndex[], matchIndex[] and what the leader sends each follower (replication.ts). */
  private readonly replication: Replication;
  /** Highest heartbeat round each follower answered in this term (ReadIndex). */
  private ackedReadSeq = new Map<NodeId, number>();
  private readSeq = 0;
  /** Clients waiting here, one request each, answered when their command applies. */
  private readonly sessions: ClientSessions;
  /** Command key → log index, for commands in the log that are not yet applied. */
  private unapplied = new Map<string, number>();
  private readonly reads = new ReadIndexQueue(LIMITS.maxPendingReads);
  /** Reused by quorumValue (one slot per node). */
  private readonly scratch: number[] = [];

  private readonly followerRole: RaftRoleHandler;
  private readonly preCandidateRole: RaftRoleHandler;
  private readonly candidateRole: RaftRoleHandler;
  private readonly leaderRole: RaftRoleHandler;

  constructor(env: NodeEnv<RaftMessage>, config: RaftConfig) {
    this.env = env;
    this.config = config;
    this.state = new PersistentState(env.storage, config.bugs.forgetVote);
    this.quorum = majority(env.nodes.length);
    this.buggy = Object.values(config.bugs).some(Boolean);
    this.votes = new VoteTally(this.quorum);
    this.sessions = new ClientSessions(env);
    const node = this;
    this.replication = new Replication({
      env,
      state: this.state,
      config,
      get commitIndex(): number {
        return node.commitIndex;
      },
      get readSeq(): number {
        return node.readSeq;
      },
      advanceCommit: () => this.advanceCommit(),
    });
    const redirect = (client: ClientId, reqId: number): void => this.sessions.redirect(client, reqId, this.leader);
    const stay = (): void => {};
    this.followerRole = {
      role: 'follower',
      step: (f, m) => this.stepFollower(f, m),
      timer: (t) => this.tickFollower(t),
      request: redirect,
      leave: stay,
    };
    this.preCandidateRole = {
      role: 'precandidate',
      step: (f, m) => this.stepPreCandidate(f, m),
      timer: (t) => this.tickCandidate(t, true),
      request: redirect,
      leave: stay,
    };
    this.candidateRole = {
      role: 'candidate',
      step: (f, m) => this.stepCandidate(f, m),
      timer: (t) => this.tickCandidate(t, false),
      request: redirect,
      leave: stay,
    };
    this.leaderRole = {
      role: 'leader',
      step: (f, m) => this.stepLeader(f, m),
      timer: (t) => this.tickLeader(t),
      request: (c, r, op) => this.leaderRequest(c, r, op),
      leave: (newLeader) => this.stepDown(newLeader),
    };
    this.current = this.followerRole;
  }

  // ---------------------------------------------------------------- host entry points

  start(): void {
    // After a restart only the persistent state is here: start as a follower (§5.2) and let
    // the leader's AppendEntries re-teach the commit index, which re-applies the log.
    this.current = this.followerRole;
    const restored = restoreSnapshot(this.state, this.env.machine);
    this.commitIndex = restored;
    this.lastApplied = restored;
    this.resetElectionTimer();
  }

  onMessage(from: NodeId, msg: RaftMessage): void {
    if (!this.observeTerm(from, msg)) return;
    this.current.step(from, msg);
  }

  onTimer(name: string): void {
    // The host fires only timers this node set.
    if (TIMERS.is(name)) this.current.timer(name);
  }

  onRequest(client: ClientId, reqId: number, op: KvOp): void {
    // An applied request has a final answer on any node that applied it.
    if (this.sessions.answerIfExecuted(client, reqId)) return;
    this.current.request(client, reqId, op);
  }

  inspect(): RaftView {
    return {
      role: this.current.role,
      term: this.state.currentTerm,
      leader: this.leader,
      commitIndex: this.commitIndex,
      appliedIndex: this.lastApplied,
      logLength: this.state.lastIndex,
      votedFor: this.state.votedFor,
      lastLogTerm: this.state.lastTerm,
      snapshot: this.state.snapshot ?? NO_SNAPSHOT,
      log: this.state.held(),
    };
  }

  // ---------------------------------------------------------------- term rules (§5.1)

  /** The rules every role applies first; false when the message is stale and handled here. */
  private observeTerm(from: NodeId, msg: RaftMessage): boolean {
    const term = this.state.currentTerm;
    // A pre-vote request carries the term its sender would campaign in: it changes nothing here.
    if (msg.type === 'RequestVote' && msg.preVote) return true;
    // A granted pre-vote echoes the term that was asked about, one above ours.
    if (msg.type === 'RequestVoteReply' && msg.preVote && msg.voteGranted) return true;
    if (msg.term > term) {
      const leader = msg.type === 'AppendEntries' || msg.type === 'InstallSnapshot' ? msg.leader : null;
      this.becomeFollower(msg.term, leader);
      return true;
    }
    if (msg.term < term) {
      this.refuseStale(from, msg);
      return false;
    }
    return true;
  }

  /** Tell a node from an older term about ours, so a deposed leader or candidate steps down. */
  private refuseStale(from: NodeId, msg: RaftMessage): void {
    const term = this.state.currentTerm;
    if (msg.type === 'RequestVote') {
      this.env.send(from, { type: 'RequestVoteReply', term, voteGranted: false, preVote: false });
    } else if (msg.type === 'AppendEntries') {
      this.env.send(from, this.appendReply(false, 0, msg, 0, 0));
    } else if (msg.type === 'InstallSnapshot') {
      this.env.send(from, { type: 'InstallSnapshotReply', term, lastIncludedIndex: 0, readSeq: msg.readSeq });
    }
  }

  // ---------------------------------------------------------------- role changes

  private becomeFollower(term: number, leader: NodeId | null): void {
    if (term > this.state.currentTerm) {
      this.state.setTerm(term);
      // Persisted before anything this node says in the new term.
      this.state.sync();
    }
    this.current.leave(leader);
    this.current = this.followerRole;
    this.leader = leader;
    this.votes = new VoteTally(this.quorum);
    TIMERS.cancel(this.env, 'vote-retry');
    this.resetElectionTimer();
  }

  private tickFollower(timer: RaftTimer): void {
    switch (timer) {
      case 'election':
        return this.campaign();
      case 'heartbeat':
      case 'vote-retry':
        return; // left over from a role this node no longer has
      default:
        return assertNever(timer);
    }
  }

  private tickCandidate(timer: RaftTimer, preVote: boolean): void {
    switch (timer) {
      case 'election':
        return this.campaign(); // split vote or silence: try again in a new term (§5.2)
      case 'vote-retry':
        return this.retryVotes(preVote);
      case 'heartbeat':
        return;
      default:
        return assertNever(timer);
    }
  }

  private campaign(): void {
    if (this.config.preVote) this.startPreVote();
    else this.startElection();
  }

  /** Thesis §9.6: ask for votes in term+1 without touching anyone's term. */
  private startPreVote(): void {
    this.current = this.preCandidateRole;
    this.leader = null;
    this.votes = new VoteTally(this.quorum);
    this.answered = new Set();
    this.env.note(`pre-vote for term ${this.state.currentTerm + 1}`);
    this.requestVotes(this.state.currentTerm + 1, true);
    this.resetElectionTimer();
    if (this.votes.add(this.env.id)) this.startElection();
  }

  /** §5.2: increment currentTerm, vote for self, ask every other server. */
  private startElection(): void {
    this.state.setTerm(this.state.currentTerm + 1);
    this.state.setVote(this.env.id);
    this.state.sync();
    this.current = this.candidateRole;
    this.leader = null;
    this.votes = new VoteTally(this.quorum);
    this.answered = new Set();
    this.env.moment({ kind: 'era-change', term: this.state.currentTerm });
    this.requestVotes(this.state.currentTerm, false);
    this.resetElectionTimer();
    if (this.votes.add(this.env.id)) this.becomeLeader();
  }

  private requestVotes(term: number, preVote: boolean): void {
    const msg = this.voteRequest(term, preVote);
    for (const peer of this.env.peers) this.env.send(peer, msg);
    TIMERS.set(this.env, 'vote-retry', this.config.heartbeatIntervalUs);
  }

  private retryVotes(preVote: boolean): void {
    const term = preVote ? this.state.currentTerm + 1 : this.state.currentTerm;
    const msg = this.voteRequest(term, preVote);
    for (const peer of this.env.peers) if (!this.answered.has(peer)) this.env.send(peer, msg);
    TIMERS.set(this.env, 'vote-retry', this.config.heartbeatIntervalUs);
  }

  private voteRequest(term: number, preVote: boolean): RequestVote {
    return {
      type: 'RequestVote',
      term,
      candidate: this.env.id,
      lastLogIndex: this.state.lastIndex,
      lastLogTerm: this.state.lastTerm,
      preVote,
    };
  }

  private becomeLeader(): void {
    this.current = this.leaderRole;
    this.leader = this.env.id;
    TIMERS.cancel(this.env, 'election');
    TIMERS.cancel(this.env, 'vote-retry');
    this.replication.start(this.env.peers, this.state.lastIndex + 1);
    for (const peer of this.env.peers) this.ackedReadSeq.set(peer, 0);
    this.readSeq = 0;
    this.indexUnapplied();
    // §8: a no-op of the new term, so that earlier entries can commit through it (§5.4.2) and
    // the leader learns the commit index before serving reads.
    this.state.append({ term: this.state.currentTerm, command: null });
    this.state.sync();
    this.replication.broadcast();
    TIMERS.set(this.env, 'heartbeat', this.config.heartbeatIntervalUs);
    this.advanceCommit();
  }

  /** Remember which commands already sit in the log, so a client's retry is not appended twice. */
  private indexUnapplied(): void {
    this.unapplied.clear();
    for (let index = this.lastApplied + 1; index <= this.state.lastIndex; index++) {
      const command = this.state.entry(index).command;
      if (command !== null) this.unapplied.set(commandKey(command), index);
    }
  }

  /** Leadership lost: clients waiting here must look for the new leader. */
  private stepDown(newLeader: NodeId | null): void {
    TIMERS.cancel(this.env, 'heartbeat');
    this.sessions.redirectAll(newLeader);
    for (const read of this.reads.drain()) this.env.reply(read.client, read.reqId, { kind: 'redirect', leader: newLeader });
    this.unapplied.clear();
    this.replication.clear();
    this.ackedReadSeq.clear();
  }

  private resetElectionTimer(): void {
    const base = this.config.electionTimeoutUs;
    TIMERS.set(this.env, 'election', base + Math.floor(this.env.random() * base));
  }

  // ---------------------------------------------------------------- role step functions

  private stepFollower(from: NodeId, msg: RaftMessage): void {
    switch (msg.type) {
      case 'AppendEntries':
        return this.handleAppendEntries(from, msg);
      case 'InstallSnapshot':
        return this.handleInstallSnapshot(from, msg);
      case 'RequestVote':
        return this.handleRequestVote(from, msg);
      case 'RequestVoteReply':
      case 'AppendEntriesReply':
      case 'InstallSnapshotReply':
        return; // answers to a campaign or a leadership this node no longer has
      default:
        return assertNever(msg);
    }
  }

  private stepPreCandidate(from: NodeId, msg: RaftMessage): void {
    if (msg.type === 'RequestVoteReply') {
      if (msg.preVote) this.answered.add(from);
      if (msg.preVote && msg.voteGranted && msg.term === this.state.currentTerm + 1) this.countVote(from, () => this.startElection());
      return;
    }
    this.stepCandidateCommon(from, msg);
  }

  private stepCandidate(from: NodeId, msg: RaftMessage): void {
    if (msg.type === 'RequestVoteReply') {
      if (!msg.preVote) this.answered.add(from);
      if (!msg.preVote && msg.voteGranted) this.countVote(from, () => this.becomeLeader());
      return;
    }
    this.stepCandidateCommon(from, msg);
  }

  private stepCandidateCommon(from: NodeId, msg: RaftMessage): void {
    if (msg.type === 'AppendEntries' || msg.type === 'InstallSnapshot') {
      // §5.2: a leader of this term exists; recognise it.
      this.becomeFollower(this.state.currentTerm, msg.leader);
      this.followerRole.step(from, msg);
    } else if (msg.type === 'RequestVote') {
      this.handleRequestVote(from, msg);
    }
  }

  private countVote(from: NodeId, won: () => void): void {
    if (this.votes.add(from)) won();
  }

  private stepLeader(from: NodeId, msg: RaftMessage): void {
    switch (msg.type) {
      case 'AppendEntriesReply':
        this.ackReadRound(from, msg.readSeq);
        return this.replication.onAppendReply(from, msg);
      case 'InstallSnapshotReply':
        this.ackReadRound(from, msg.readSeq);
        return this.replication.onSnapshotReply(from, msg);
      case 'RequestVote':
        // Thesis §9.6: a live leader refuses every pre-vote; a real vote goes by the usual rules.
        if (msg.preVote) return this.refusePreVote(from);
        return this.handleRequestVote(from, msg);
      case 'AppendEntries':
      case 'InstallSnapshot':
        // Two leaders in one term: impossible unless votes were lost (the monitor reports it).
        this.env.note(`${msg.type} from ${from}, another leader of term ${msg.term}`);
        return;
      case 'RequestVoteReply':
        return;
      default:
        return assertNever(msg);
    }
  }

  // ---------------------------------------------------------------- RequestVote (§5.2, §5.4.1)

  private handleRequestVote(from: NodeId, msg: RequestVote): void {
    const logOk =
      msg.lastLogTerm > this.state.lastTerm ||
      (msg.lastLogTerm === this.state.lastTerm && msg.lastLogIndex >= this.state.lastIndex);
    if (msg.preVote) {
      this.answerPreVote(from, msg, logOk);
      return;
    }
    const votedFor = this.state.votedFor;
    const granted = logOk && (votedFor === null || votedFor === msg.candidate);
    if (granted && votedFor === null) {
      this.state.setVote(msg.candidate);
      // The vote must be on disk before the candidate can count it.
      this.state.sync();
    }
    if (granted) this.resetElectionTimer();
    const reply: RequestVoteReply = { type: 'RequestVoteReply', term: this.state.currentTerm, voteGranted: granted, preVote: false };
    this.env.send(from, reply);
    if (granted) this.env.moment({ kind: 'vote', for: msg.candidate, term: this.state.currentTerm });
  }

  /** Thesis §9.6: grant if the candidate could win and this node has heard no live leader. */
  private answerPreVote(from: NodeId, msg: RequestVote, logOk: boolean): void {
    const leaderAlive = this.leader !== null && this.env.now() - this.leaderContactAt < this.config.electionTimeoutUs;
    const granted = msg.term > this.state.currentTerm && logOk && !leaderAlive;
    const term = granted ? msg.term : this.state.currentTerm;
    this.env.send(from, { type: 'RequestVoteReply', term, voteGranted: granted, preVote: true });
  }

  private refusePreVote(from: NodeId): void {
    this.env.send(from, { type: 'RequestVoteReply', term: this.state.currentTerm, voteGranted: false, preVote: true });
  }

  // ---------------------------------------------------------------- AppendEntries, follower side (§5.3)

  private handleAppendEntries(from: NodeId, msg: AppendEntries): void {
    this.leader = msg.leader;
    this.leaderContactAt = this.env.now();
    this.resetElectionTimer();
    if (this.config.bugs.commitIndexUncapped) this.commitUpTo(Math.min(msg.leaderCommit, this.state.lastIndex));
    if (msg.prevLogIndex > this.state.lastIndex) {
      // Too short: ask for what follows our last entry.
      this.env.send(from, this.appendReply(false, 0, msg, 0, this.state.lastIndex + 1));
      return;
    }
    const snapshotIndex = this.state.snapshotIndex;
    let prevLogIndex = msg.prevLogIndex;
    let entries = msg.entries;
    if (prevLogIndex < snapshotIndex) {
      // Entries up to our snapshot are committed here, so the leader holds the same ones (§5.4.3):
      // match from the snapshot on.
      entries = entries.slice(Math.min(entries.length, snapshotIndex - prevLogIndex));
      prevLogIndex = snapshotIndex;
    } else {
      const localPrevTerm = this.state.termAt(prevLogIndex);
      if (localPrevTerm !== msg.prevLogTerm) {
        const first = this.firstIndexOfTerm(prevLogIndex, localPrevTerm);
        this.env.send(from, this.appendReply(false, 0, msg, localPrevTerm, first));
        return;
      }
    }
    if (this.mergeEntries(prevLogIndex, entries)) this.state.sync();
    const lastVerified = prevLogIndex + entries.length;
    // Figure 2, rule 5: never past the last entry this request proved equal to the leader's.
    const cap = this.config.bugs.commitIndexUncapped ? this.state.lastIndex : lastVerified;
    this.commitUpTo(Math.min(msg.leaderCommit, cap));
    this.env.send(from, this.appendReply(true, lastVerified, msg, 0, 0));
    if (msg.entries.length > 0) this.env.moment({ kind: 'ack', to: from, index: lastVerified, term: this.state.currentTerm });
  }

  private appendReply(
    success: boolean,
    matchIndex: number,
    msg: AppendEntries,
    conflictTerm: number,
    conflictIndex: number,
  ): AppendEntriesReply {
    return {
      type: 'AppendEntriesReply',
      term: this.state.currentTerm,
      success,
      matchIndex,
      rejectedPrev: msg.prevLogIndex,
      conflictTerm,
      conflictIndex,
      readSeq: msg.readSeq,
    };
  }

  /** §7: a leader's snapshot, for a follower whose log lacks entries the leader compacted. */
  private handleInstallSnapshot(from: NodeId, msg: InstallSnapshot): void {
    this.leader = msg.leader;
    this.leaderContactAt = this.env.now();
    this.resetElectionTimer();
    if (installSnapshot(this.state, this.env.machine, msg, this.commitIndex)) {
      this.commitIndex = msg.lastIncludedIndex;
      this.lastApplied = msg.lastIncludedIndex;
    }
    this.env.send(from, snapshotReply(this.state.currentTerm, msg));
  }

  /** First index of the run of `term` ending at `index`; entries up to commitIndex are settled. */
  private firstIndexOfTerm(index: number, term: number): number {
    let first = index;
    while (first - 1 > this.commitIndex && this.state.termAt(first - 1) === term) first--;
    return first;
  }

  /**
   * Figure 2, rules 3–4: skip entries we already hold, delete from the first conflict on, append
   * the rest. A late or duplicated AppendEntries carrying a prefix of our log changes nothing,
   * so an older message can never cut entries a newer one added.
   */
  private mergeEntries(prevLogIndex: number, entries: readonly LogEntry[]): boolean {
    let changed = false;
    let index = prevLogIndex;
    for (const entry of entries) {
      index++;
      if (index <= this.state.lastIndex) {
        if (this.state.termAt(index) === entry.term) continue;
        // Only a bug variant may get here (the monitor names what broke); in a correct run it is
        // a programming error.
        assert(index > this.commitIndex || this.buggy, () => `truncating committed entry ${index} (commit index ${this.commitIndex})`);
        if (index <= this.commitIndex) this.env.note(`truncating committed entry ${index}`);
        this.state.truncateAfter(index - 1);
        this.forgetUnapplied(index);
      }
      this.state.append(entry);
      changed = true;
    }
    return changed;
  }

  private forgetUnapplied(fromIndex: number): void {
    if (this.unapplied.size === 0) return;
    for (const [key, index] of this.unapplied) if (index >= fromIndex) this.unapplied.delete(key);
  }

  // ---------------------------------------------------------------- leader side (replication.ts)

  private tickLeader(timer: RaftTimer): void {
    switch (timer) {
      case 'heartbeat':
        this.replication.heartbeat();
        return TIMERS.set(this.env, 'heartbeat', this.config.heartbeatIntervalUs);
      case 'election':
      case 'vote-retry':
        return; // a leader cancels both when it takes office
      default:
        return assertNever(timer);
    }
  }

  /** A follower answered a heartbeat round (ReadIndex, thesis §6.4). */
  private ackReadRound(from: NodeId, readSeq: number): void {
    if (readSeq > (this.ackedReadSeq.get(from) ?? 0)) {
      this.ackedReadSeq.set(from, readSeq);
      this.serveReads();
    }
  }

  /** §5.3–5.4.2: commit the highest index a majority stores, if it is of the current term. */
  private advanceCommit(): void {
    const candidate = this.quorumValue(this.replication.matchIndex, this.state.lastIndex);
    if (candidate <= this.commitIndex) return;
    // Figure 8: a majority storing an entry of an older term does not make it safe.
    if (!this.config.bugs.commitPreviousTerm && this.state.termAt(candidate) !== this.state.currentTerm) return;
    this.commitUpTo(candidate);
    this.startReadRound();
  }

  // ---------------------------------------------------------------- commit and apply

  private commitUpTo(index: number): void {
    if (index <= this.commitIndex) return;
    assert(index <= this.state.lastIndex, () => `commit index ${index} beyond the last entry ${this.state.lastIndex}`);
    this.commitIndex = index;
    this.applyCommitted();
  }

  /** Apply committed entries in order; no-ops only advance lastApplied. */
  private applyCommitted(): void {
    const upTo = Math.min(this.commitIndex, this.state.lastIndex);
    while (this.lastApplied < upTo) {
      this.lastApplied++;
      const command = this.state.entry(this.lastApplied).command;
      if (command === null) continue;
      this.unapplied.delete(commandKey(command));
      this.sessions.applyAndAnswer(command);
    }
    if (snapshotDue(this.state, this.lastApplied, this.config.snapshotEvery)) takeSnapshot(this.state, this.env.machine, this.lastApplied);
    this.serveReads();
  }

  // ---------------------------------------------------------------- client requests

  /** A read answered from the machine (ReadIndex, or the stale-read bug). */
  private answerRead(client: ClientId, reqId: number, key: string): void {
    this.env.reply(client, reqId, { kind: 'result', result: this.env.machine.peek(key) });
  }

  private leaderRequest(client: ClientId, reqId: number, op: KvOp): void {
    if (op.f === 'read' && this.config.bugs.staleLeaderRead) {
      // The bug: a leader that may have been deposed answers from its own state.
      this.answerRead(client, reqId, op.key);
      return;
    }
    if (op.f === 'read' && this.config.readPath === 'readindex') {
      this.readIndexRequest(client, reqId, op.key);
      return;
    }
    const command: Command = { client, reqId, op };
    const key = commandKey(command);
    if (this.unapplied.has(key)) {
      this.sessions.wait(client, reqId); // a retry: the entry is already on its way
      return;
    }
    if (this.state.lastIndex - this.commitIndex >= LIMITS.maxUncommitted) {
      this.env.reply(client, reqId, { kind: 'redirect', leader: null });
      return;
    }
    this.appendCommand(command, key);
  }

  private appendCommand(command: Command, key: string): void {
    this.state.append({ term: this.state.currentTerm, command });
    const index = this.state.lastIndex;
    this.unapplied.set(key, index);
    this.sessions.wait(command.client, command.reqId);
    this.state.sync();
    // Followers caught up (or pipelined up to here) get the entry now; the others as answers return.
    this.replication.appended(index);
    this.advanceCommit();
  }

  // ---------------------------------------------------------------- ReadIndex (thesis §6.4)

  private readIndexRequest(client: ClientId, reqId: number, key: string): void {
    if (!this.reads.add(client, reqId, key)) {
      this.env.reply(client, reqId, { kind: 'redirect', leader: null });
      return;
    }
    this.startReadRound();
  }

  /** Number waiting reads with a new heartbeat round, once this term has committed an entry. */
  private startReadRound(): void {
    if (!this.reads.hasUnassigned) return;
    if (this.state.termAt(this.commitIndex) !== this.state.currentTerm) return;
    this.readSeq++;
    this.reads.assign(this.readSeq, this.commitIndex);
    if (this.quorum === 1) this.serveReads();
    else this.replication.broadcast();
  }

  private serveReads(): void {
    // Only a leader holds reads: stepping down hands every one back (stepDown).
    if (this.reads.size === 0) return;
    const confirmed = this.quorumValue(this.ackedReadSeq, this.readSeq);
    for (const read of this.reads.takeReady(confirmed, this.lastApplied)) {
      this.answerRead(read.client, read.reqId, read.key);
    }
  }

  /** The highest value a quorum has reached: every peer's (missing = 0) and this node's own. */
  private quorumValue(perPeer: ReadonlyMap<NodeId, number>, own: number): number {
    const values = this.scratch;
    values[0] = own;
    const peers = this.env.peers;
    for (let i = 0; i < peers.length; i++) values[i + 1] = perPeer.get(peers[i] as NodeId) ?? 0;
    return kthLargest(values, this.quorum) ?? 0;
  }
}

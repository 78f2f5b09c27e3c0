/**
 * One PBFT replica (Castro & Liskov, OSDI 1999, §4). See index.ts for the algorithm overview.
 *
 * State: the view and whether a view change is in progress; a log of slots (one per sequence
 * number between the low water mark h and h + window) holding this view's PRE-PREPARE, PREPAREs
 * and COMMITs, the highest-view prepared certificate and, once known, the committed request;
 * CHECKPOINT votes and the stable checkpoint; the VIEW-CHANGEs received; client requests this
 * replica waits for. What a restart must not forget (the view, accepted pre-prepares, prepared
 * certificates, the stable checkpoint and its state) is written to `env.storage` and synced before
 * any message that depends on it is sent: a replica that forgot what it signed could contradict
 * itself, which would make it byzantine and count against f.
 */
import type { ClientId, Command, KvOp, NodeEnv, NodeId, ProtocolNode } from '../api.js';
import { assertNever } from '../api.js';
import { ClientSessions, type RoleHandler, assert, defineTimers } from '../kit/index.js';
import { commandKey } from '../kv.js';
import {
  type Checker,
  VerifiedMessages,
  GENESIS_DIGEST,
  type NewViewPlan,
  type StableCheckpoint,
  checkNewView,
  planNewView,
  validCheckpointProof,
  validCommitCertificate,
} from './certificates.js';
import {
  type CheckpointBody,
  type CommitBody,
  type CommitCertificate,
  type NewViewBody,
  type PbftMessage,
  type PrepareBody,
  type PrePrepareBody,
  type Signed,
  type StatusMessage,
  type ViewChangeBody,
  checkpointDigest,
  faultsTolerated,
  primaryOf,
  requestDigest,
  sign,
} from './messages.js';
import { type Decision, type Slot, ViewChangeSet, commitCertificates, emptySlot, matchingVotes, preparedAbove, recordVote, resetSlotsForView } from './log.js';
import { CheckpointVotes, type DurableStable, Proposals, ReplicaDisk } from './stable.js';
import type { PbftConfig } from './options.js';
import type { PbftEvent, PbftView } from './view.js';

/** The doubling stops here (64 T) so that a settle phase of reasonable length can still heal. */
const MAX_TIMEOUT_DOUBLINGS = 6;
const MAX_PENDING = 1024;
const STATUS_TICKS_AFTER_RESTART = 3;
/**
 * Status rounds a replica sends once it goes idle after executing something: a peer that was cut off
 * while the others executed learns from them that it is behind (an idle group sends it nothing else).
 */
const STATUS_TICKS_WHEN_IDLE = 3;
const MAX_VIEW_CHANGES_PER_REPLICA = 4;

/** The replica's timers: a backup's request timer (§4.4), the view-change timer (§4.5.2), retransmission. */
const TIMERS = defineTimers(['request', 'view-change', 'status'] as const);
type PbftTimer = (typeof TIMERS.names)[number];

/**
 * What one status does with each input (etcd-raft's step per role): the primary and the backups of
 * a view in the normal case (§4.2), and a replica changing views (§4.4). A status change swaps the
 * handler instead of testing the status in every handler.
 */
interface PbftRole extends RoleHandler<PbftMessage, PbftTimer> {
  readonly role: PbftView['role'];
  /** The window moved or state arrived: a primary proposes the requests that wait. */
  proposeWaiting(): void;
  /** The replica just entered its view with a NEW-VIEW. */
  enterView(): void;
}

/** Messages every status handles alike (checkpoints, retransmission, state transfer). */
type CommonMessage = Exclude<PbftMessage, { type: 'request' | 'pre-prepare' | 'prepare' | 'commit' | 'view-change' | 'new-view' }>;

export class PbftReplica implements ProtocolNode<PbftMessage, PbftView> {
  private readonly env: NodeEnv<PbftMessage>;
  private readonly config: PbftConfig;
  private readonly f: number;
  private readonly quorum: number;
  private readonly window: number;
  private readonly checker: Checker;
  /** Votes kept per slot (a byzantine replica may vote for several digests; each counts per digest). */
  private readonly maxVotes: number;
  private readonly verified: VerifiedMessages;
  /** Answers retries of executed requests from the machine's session table (§4.1). */
  private readonly sessions: ClientSessions;

  private view = 0;
  /** The handler of the current status; `role` says which (the view-change handler while changing). */
  private current: PbftRole;
  private readonly primaryRole: PbftRole;
  private readonly backupRole: PbftRole;
  private readonly viewChangeRole: PbftRole;
  private newViewMessage: Signed<NewViewBody> | null = null;
  private readonly slots = new Map<number, Slot>();
  private lastExecuted = 0;
  private stable: DurableStable = { seq: 0, digest: GENESIS_DIGEST, proof: [], snapshot: null };
  private awaitingState = false;
  private readonly checkpoints: CheckpointVotes;
  private readonly disk: ReplicaDisk;
  /**
   * Valid VIEW-CHANGEs by sender, a few of the highest views each: a replica that has moved on to
   * v+2 still counts towards the quorum for v+1 that others are collecting.
   */
  private readonly viewChanges = new ViewChangeSet(MAX_VIEW_CHANGES_PER_REPLICA);
  private earlyPrePrepares: Signed<PrePrepareBody>[] = [];
  /** Requests received and not yet executed (the backup's timer runs while this is non-empty). */
  private readonly pending = new Map<string, Command>();
  /** Primary: requests already given a sequence number in this view. */
  private readonly proposed = new Proposals();
  private nextSeq = 1;
  private timeoutUs: number;
  private viewChangeTimerView = -1;
  /** The request the backup's timer is waiting for (§4.4: restarted when that one executes). */
  private timedRequest: string | null = null;
  private statusTimerArmed = false;
  private executedAtLastTick = -1;
  private statusTicksLeft = 0;
  /** Status rounds left to announce how far we got, once idle after executing (STATUS_TICKS_WHEN_IDLE). */
  private announceTicksLeft = 0;
  private highestSeqSeen = 0;
  /** A message from a later view arrived: we may have missed a NEW-VIEW. */
  private behindHint = false;
  private journal: PbftEvent[] = [];

  constructor(env: NodeEnv<PbftMessage>, config: PbftConfig) {
    this.env = env;
    this.config = config;
    this.sessions = new ClientSessions(env);
    this.disk = new ReplicaDisk(env.storage);
    this.f = faultsTolerated(env.nodes.length);
    if (env.nodes.length < 3 * this.f + 1 || this.f < 1) throw new Error(`PBFT needs n = 3f+1 >= 4 replicas, got ${env.nodes.length}`);
    this.quorum = 2 * this.f + 1;
    this.checkpoints = new CheckpointVotes(this.quorum);
    this.window = 2 * config.checkpointInterval;
    const prepareQuorum = config.bugs.has('pbft.prepare-quorum-2f-minus-1') ? 2 * this.f - 1 : 2 * this.f;
    this.checker = { env, prepareQuorum, quorum: this.quorum, window: this.window };
    this.verified = new VerifiedMessages(this.checker);
    this.maxVotes = 4 * env.nodes.length;
    this.timeoutUs = config.requestTimeoutUs;
    const nothing = (): void => undefined;
    const propose = (): void => this.proposePending();
    const normalTimer = (name: PbftTimer): void => this.timerNormal(name);
    const backupTimer = (name: PbftTimer): void => (name === 'request' ? this.onRequestTimer() : this.timerNormal(name));
    const primaryRequest = (client: ClientId, reqId: number, op: KvOp): void => this.primaryRequest({ client, reqId, op });
    const backupRequest = (client: ClientId, reqId: number, op: KvOp): void => this.backupRequest({ client, reqId, op });
    const waitHere = (client: ClientId, reqId: number, op: KvOp): void => void this.admit({ client, reqId, op });
    this.primaryRole = { role: 'primary', step: (f, m) => this.stepPrimary(f, m), timer: normalTimer, request: primaryRequest, proposeWaiting: propose, enterView: propose };
    const handOver = (): void => this.handOverToPrimary();
    this.backupRole = { role: 'backup', step: (f, m) => this.stepBackup(f, m), timer: backupTimer, request: backupRequest, proposeWaiting: nothing, enterView: handOver };
    const viewChangeTimer = (name: PbftTimer): void => this.timerViewChange(name);
    this.viewChangeRole = { role: 'view-change', step: (f, m) => this.stepViewChange(f, m), timer: viewChangeTimer, request: waitHere, proposeWaiting: nothing, enterView: nothing };
    this.current = this.normalRole();
  }

  // ------------------------------------------------------------------ host entry points

  start(): void {
    this.journal = [];
    const durable = this.disk.readView();
    const stable = this.disk.readStable();
    if (stable !== undefined) this.restoreStable(stable);
    if (durable !== undefined) {
      this.view = durable.view;
      this.newViewMessage = durable.newView;
      this.env.note(`restarted in view ${this.view}${durable.viewChanging ? ' (view change)' : ''}, stable checkpoint ${this.stable.seq}`);
    }
    this.current = durable?.viewChanging === true ? this.viewChangeRole : this.normalRole();
    // A first boot and a restart look alike when the view never changed: ask around either way.
    this.statusTicksLeft = STATUS_TICKS_AFTER_RESTART;
    this.loadSlots();
    if (this.current === this.viewChangeRole) {
      this.sendViewChange();
      this.viewChangeProgress();
    }
    this.afterEvent();
  }

  onRequest(client: ClientId, reqId: number, op: KvOp): void {
    this.journal = [];
    this.current.request(client, reqId, op);
    this.afterEvent();
  }

  onMessage(from: NodeId, msg: PbftMessage): void {
    this.journal = [];
    this.current.step(from, msg);
    this.afterEvent();
  }

  onTimer(name: string): void {
    this.journal = [];
    if (TIMERS.is(name)) this.current.timer(name);
    this.afterEvent();
  }

  inspect(): PbftView {
    const role = this.current.role;
    return {
      role,
      term: this.view,
      leader: role === 'view-change' ? null : this.primary(),
      commitIndex: this.lastExecuted,
      appliedIndex: this.lastExecuted,
      logLength: Math.max(this.lastExecuted, this.highestSeqSeen),
      lowWaterMark: this.stable.seq,
      highWaterMark: this.stable.seq + this.window,
      stableDigest: this.stable.digest,
      timeoutUs: this.timeoutUs,
      pendingRequests: this.pending.size,
      journal: this.journal,
      newView: this.newViewMessage,
      retained: {
        slots: this.slots.size,
        logEntries: this.disk.heldSlots,
        checkpoints: this.checkpoints.size,
        proposals: this.proposed.size,
        viewChanges: this.viewChanges.size,
      },
    };
  }

  // ------------------------------------------------------------------ one step per status

  private stepPrimary(from: NodeId, msg: PbftMessage): void {
    if (msg.type === 'request') return this.primaryRequest(msg.command);
    // The primary accepts no PRE-PREPARE of its own view; a later view's says we are behind.
    if (msg.type === 'pre-prepare') return this.noteView(msg.view, msg.seq);
    return this.stepInView(from, msg);
  }

  private stepBackup(from: NodeId, msg: PbftMessage): void {
    // Relayed requests go to the primary only.
    if (msg.type === 'request') return;
    if (msg.type === 'pre-prepare') return this.onPrePrepare(msg);
    return this.stepInView(from, msg);
  }

  /** The normal case (§4.2), primary and backups alike. */
  private stepInView(from: NodeId, msg: Exclude<PbftMessage, { type: 'request' | 'pre-prepare' }>): void {
    switch (msg.type) {
      case 'prepare':
        return this.onPrepare(msg, true);
      case 'commit':
        return this.onCommit(msg);
      case 'view-change':
        if (this.acceptViewChange(msg, this.view + 1)) this.joinHigherView();
        return;
      case 'new-view':
        return this.onNewView(msg, this.view + 1);
      default:
        return this.stepCommon(from, msg);
    }
  }

  /** §4.4: between VIEW-CHANGE and NEW-VIEW a replica orders nothing; it collects what comes early. */
  private stepViewChange(from: NodeId, msg: PbftMessage): void {
    switch (msg.type) {
      case 'request':
        return;
      case 'pre-prepare':
        return this.keepEarlyPrePrepare(msg);
      case 'prepare':
        // Counted once the NEW-VIEW is in (votes of the new view survive the view's reset).
        return this.onPrepare(msg, false);
      case 'commit':
        return this.onCommit(msg);
      case 'view-change':
        if (this.acceptViewChange(msg, this.view) && !this.joinHigherView()) this.viewChangeProgress();
        return;
      case 'new-view':
        return this.onNewView(msg, this.view);
      default:
        return this.stepCommon(from, msg);
    }
  }

  private stepCommon(from: NodeId, msg: CommonMessage): void {
    switch (msg.type) {
      case 'checkpoint':
        return this.onCheckpoint(msg);
      case 'status':
        return this.onStatus(from, msg);
      case 'commit-certificates':
        return this.onCommitCertificates(msg.certificates);
      case 'fetch-state':
        return this.onFetchState(from, msg.seq);
      case 'state':
        return this.onState(msg);
      default:
        return assertNever(msg);
    }
  }

  /** The primary and backups: only a backup times requests (a stale expiry after a status change does nothing). */
  private timerNormal(name: PbftTimer): void {
    if (name === 'request') this.timedRequest = null;
    else if (name === 'status') this.onStatusTimer();
  }

  private timerViewChange(name: PbftTimer): void {
    if (name === 'request') this.timedRequest = null;
    else if (name === 'view-change') this.onViewChangeTimer();
    else this.onStatusTimer();
  }

  /** The primary and backups of the view (the view-change handler is set apart by startViewChange). */
  private normalRole(): PbftRole {
    return this.isPrimary() ? this.primaryRole : this.backupRole;
  }

  // ------------------------------------------------------------------ §4.1 client requests

  /**
   * A request reached this replica: a retry of an executed one gets the remembered reply again
   * (§4.1); any other waits here until it executes. True when it waits (the status decides what next).
   */
  private admit(cmd: Command): boolean {
    if (this.sessions.answerIfExecuted(cmd.client, cmd.reqId)) return false;
    this.addPending(cmd);
    return true;
  }

  private primaryRequest(cmd: Command): void {
    if (this.admit(cmd)) this.propose(cmd);
  }

  /** A backup relays what it waits for to the primary, and its timer runs until it executes (§4.4). */
  private backupRequest(cmd: Command): void {
    if (this.admit(cmd)) this.env.send(this.primary(), { type: 'request', command: cmd });
  }

  private addPending(cmd: Command): void {
    const key = commandKey(cmd);
    if (this.pending.has(key) || this.pending.size >= MAX_PENDING) return;
    this.pending.set(key, cmd);
  }

  // ------------------------------------------------------------------ §4.2 normal case

  private propose(cmd: Command): void {
    // A primary that caught up by state transfer must not reuse numbers below the stable checkpoint.
    this.nextSeq = Math.max(this.nextSeq, this.stable.seq + 1);
    if (this.proposed.has(cmd) || this.nextSeq > this.stable.seq + this.window) return;
    const seq = this.nextSeq++;
    const pp = sign(this.env, { type: 'pre-prepare', view: this.view, seq, digest: requestDigest(cmd), request: cmd });
    const slot = this.slotFor(seq);
    if (slot === null) return;
    // A correct primary never signs two pre-prepares for one (view, sequence number).
    assert(slot.prePrepare === null, () => `${this.env.id} would re-propose ${this.view}/${seq}`);
    slot.prePrepare = pp;
    this.proposed.add(cmd, seq);
    this.persistSlot(slot);
    this.broadcast(pp);
    this.checkPrepared(slot);
  }

  /** Propose every pending request not yet ordered in this view, as far as the window allows. */
  private proposePending(): void {
    for (const cmd of this.pending.values()) {
      if (this.nextSeq > this.stable.seq + this.window) return;
      if (this.env.machine.cached(cmd.client, cmd.reqId) === undefined) this.propose(cmd);
    }
  }

  private onPrePrepare(pp: Signed<PrePrepareBody>): void {
    this.noteView(pp.view, pp.seq);
    if (pp.view !== this.view) return;
    if (!this.inWindow(pp.seq) || !this.verified.signed(pp, this.primary())) return;
    if (requestDigest(pp.request) !== pp.digest) {
      this.env.note(`rejected PRE-PREPARE ${pp.view}/${pp.seq}: digest does not match the request`);
      return;
    }
    const slot = this.slotFor(pp.seq);
    if (slot === null) return;
    if (slot.prePrepare !== null) {
      if (slot.prePrepare.digest !== pp.digest) this.env.note(`primary ${this.primary()} equivocated at ${pp.view}/${pp.seq}: ${slot.prePrepare.digest} and ${pp.digest}`);
      return;
    }
    this.acceptPrePrepare(slot, pp);
  }

  /** Sent right after a NEW-VIEW that has not reached us yet: keep it for after the NEW-VIEW. */
  private keepEarlyPrePrepare(pp: Signed<PrePrepareBody>): void {
    this.noteView(pp.view, pp.seq);
    if (pp.view !== this.view || this.isPrimary()) return;
    if (!this.inWindow(pp.seq) || !this.verified.signed(pp, this.primary())) return;
    if (this.earlyPrePrepares.length < this.window) this.earlyPrePrepares.push(pp);
  }

  /** Log the pre-prepare, make it durable, then PREPARE (a backup never prepares two digests per view). */
  private acceptPrePrepare(slot: Slot, pp: Signed<PrePrepareBody>): void {
    slot.prePrepare = pp;
    this.persistSlot(slot);
    if (pp.request !== null && this.env.machine.cached(pp.request.client, pp.request.reqId) === undefined) this.addPending(pp.request);
    if (!this.isPrimary()) {
      const prepare = sign(this.env, { type: 'prepare', view: pp.view, seq: pp.seq, digest: pp.digest, replica: this.env.id });
      slot.myPrepare = prepare;
      recordVote(slot.prepares, prepare, this.maxVotes);
      this.broadcast(prepare);
    }
    this.checkPrepared(slot);
  }

  /** `count`: false while changing views (the vote is kept for the new view's prepared check). */
  private onPrepare(prepare: Signed<PrepareBody>, count: boolean): void {
    this.noteView(prepare.view, prepare.seq);
    if (prepare.view !== this.view || !this.inWindow(prepare.seq)) return;
    if (prepare.replica === this.primary() || !this.verified.signed(prepare, prepare.replica)) return;
    const slot = this.slotFor(prepare.seq);
    if (slot === null) return;
    recordVote(slot.prepares, prepare, this.maxVotes);
    if (count) this.checkPrepared(slot);
  }

  private onCommit(commit: Signed<CommitBody>): void {
    this.noteView(commit.view, commit.seq);
    if (commit.view !== this.view || !this.inWindow(commit.seq) || !this.verified.signed(commit, commit.replica)) return;
    const slot = this.slotFor(commit.seq);
    if (slot === null) return;
    recordVote(slot.commits, commit, this.maxVotes);
    this.checkCommitted(slot);
  }

  /** A message from a later view, or beyond our high water mark: we may have missed something. */
  private noteView(view: number, seq = 0): void {
    if (view > this.view || seq > this.stable.seq + this.window) this.behindHint = true;
  }

  /** prepared(m, v, n, i): the pre-prepare plus 2f matching PREPAREs from distinct backups. */
  private checkPrepared(slot: Slot): void {
    const pp = slot.prePrepare;
    if (pp === null || pp.view !== this.view) return;
    if (slot.cert !== null && slot.cert.prePrepare.view === this.view) return this.checkCommitted(slot);
    const prepares = matchingVotes(slot.prepares, pp.view, pp.digest, this.primary());
    if (prepares.length < this.checker.prepareQuorum) return;
    slot.cert = { prePrepare: pp, prepares: prepares.slice(0, this.checker.prepareQuorum) };
    this.persistSlot(slot);
    this.journal.push({ kind: 'prepared', view: pp.view, seq: pp.seq, digest: pp.digest });
    const commit = sign(this.env, { type: 'commit', view: pp.view, seq: pp.seq, digest: pp.digest, replica: this.env.id });
    slot.myCommit = commit;
    recordVote(slot.commits, commit, this.maxVotes);
    this.broadcast(commit);
    this.env.moment({ kind: 'ack', to: this.primary(), index: pp.seq, term: pp.view });
    this.checkCommitted(slot);
  }

  /** committed-local(m, v, n, i): prepared plus 2f+1 matching COMMITs (possibly including our own). */
  private checkCommitted(slot: Slot): void {
    const cert = slot.cert;
    if (cert === null || cert.prePrepare.view !== this.view || slot.committedView === this.view) return;
    const commits = matchingVotes(slot.commits, this.view, cert.prePrepare.digest, null);
    if (commits.length < this.quorum) return;
    slot.committedView = this.view;
    const pp = cert.prePrepare;
    this.journal.push({ kind: 'committed', view: pp.view, seq: pp.seq, digest: pp.digest, via: 'local' });
    if (slot.decision === null) slot.decision = { view: pp.view, digest: pp.digest, request: pp.request, commits: commits.slice(0, this.quorum) };
    this.executeReady();
  }

  /** Execute committed requests in sequence order (§4.2); null requests execute as no-ops. */
  private executeReady(): void {
    let executedRequest = false;
    for (let guard = 0; guard <= 2 * this.window; guard++) {
      const slot = this.slots.get(this.lastExecuted + 1);
      if (slot === undefined || slot.decision === null) break;
      executedRequest = this.execute(slot.seq, slot.decision) || executedRequest;
    }
    if (executedRequest && this.current !== this.viewChangeRole) this.timeoutUs = this.config.requestTimeoutUs;
    if (this.lastExecuted >= this.stable.seq) this.awaitingState = false;
  }

  private execute(seq: number, decision: Decision): boolean {
    assert(seq === this.lastExecuted + 1, () => `${this.env.id} executes ${seq} after ${this.lastExecuted}`);
    this.lastExecuted = seq;
    this.announceTicksLeft = STATUS_TICKS_WHEN_IDLE;
    const request = decision.request;
    let result = 'null';
    if (request !== null) {
      const outcome = this.env.machine.apply(request);
      result = JSON.stringify(outcome);
      const key = commandKey(request);
      this.pending.delete(key);
      if (key === this.timedRequest) this.cancelRequestTimer();
      this.env.reply(request.client, request.reqId, { kind: 'result', result: outcome });
    }
    this.journal.push({ kind: 'executed', seq, digest: decision.digest, result });
    if (seq % this.config.checkpointInterval === 0) this.takeCheckpoint(seq);
    if (seq <= this.stable.seq) this.collectGarbage();
    return request !== null;
  }

  // ------------------------------------------------------------------ §4.3 checkpoints and garbage collection

  private takeCheckpoint(seq: number): void {
    const snapshot = this.env.machine.snapshot();
    const digest = checkpointDigest(snapshot);
    this.journal.push({ kind: 'checkpoint', seq, digest });
    if (seq < this.stable.seq) return;
    if (seq === this.stable.seq) {
      if (this.stable.snapshot === null && digest === this.stable.digest) this.saveStable({ ...this.stable, snapshot });
      return;
    }
    const vote = sign(this.env, { type: 'checkpoint', seq, digest, replica: this.env.id });
    this.checkpoints.addOwn(vote, snapshot);
    this.broadcast(vote);
    this.recordCheckpoint(vote);
  }

  private onCheckpoint(vote: Signed<CheckpointBody>): void {
    const k = this.config.checkpointInterval;
    if (vote.seq > this.lastExecuted) this.behindHint = true;
    if (vote.seq <= this.stable.seq || vote.seq % k !== 0 || vote.seq > this.stable.seq + 16 * this.window) return;
    if (!this.verified.signed(vote, vote.replica)) return;
    this.recordCheckpoint(vote);
  }

  private recordCheckpoint(vote: Signed<CheckpointBody>): void {
    const proven = this.checkpoints.record(vote);
    if (proven !== null) this.becomeStable(proven);
  }

  /** A checkpoint with a proof is stable: advance h and H, discard the log up to it (§4.3). */
  private becomeStable(stable: StableCheckpoint): void {
    if (stable.seq <= this.stable.seq) return;
    this.saveStable({ ...stable, snapshot: this.checkpoints.ownSnapshot(stable.seq, stable.digest) });
    this.journal.push({ kind: 'stable', seq: stable.seq, digest: stable.digest });
    this.checkpoints.forgetUpTo(stable.seq);
    if (this.lastExecuted < stable.seq) {
      this.awaitingState = true;
      this.fetchState();
    }
    this.collectGarbage();
    this.current.proposeWaiting();
  }

  private saveStable(stable: DurableStable): void {
    // h only moves up: the log below it is gone, here and (after the sync) on disk.
    assert(stable.seq >= this.stable.seq, () => `${this.env.id}: stable checkpoint ${stable.seq} below ${this.stable.seq}`);
    this.stable = stable;
    this.disk.saveStable(stable);
  }

  /**
   * §4.3: below both the stable checkpoint and the last executed request nothing is needed again
   * (a peer that needs it gets the checkpoint's state): the slots with their votes and
   * certificates, the durable log and the primary's record of what it ordered go.
   */
  private collectGarbage(): void {
    const upTo = Math.min(this.stable.seq, this.lastExecuted);
    for (const seq of [...this.slots.keys()]) if (seq <= upTo) this.slots.delete(seq);
    this.disk.compact(upTo);
    this.proposed.collect(upTo);
  }

  // ------------------------------------------------------------------ state transfer

  private fetchState(): void {
    for (const vote of this.stable.proof) {
      if (vote.replica !== this.env.id) this.env.send(vote.replica, { type: 'fetch-state', seq: this.stable.seq });
    }
  }

  private onFetchState(from: NodeId, seq: number): void {
    const stable = this.stable;
    if (stable.snapshot === null || stable.seq < seq || stable.seq === 0) return;
    this.env.send(from, { type: 'state', seq: stable.seq, digest: stable.digest, proof: stable.proof, snapshot: stable.snapshot });
  }

  /** Install a snapshot that 2f+1 replicas vouched for, if it is ahead of what we executed. */
  private onState(msg: Extract<PbftMessage, { type: 'state' }>): void {
    if (msg.seq <= this.stable.seq && msg.seq <= this.lastExecuted) return;
    const stable = { seq: msg.seq, digest: msg.digest, proof: msg.proof };
    if (checkpointDigest(msg.snapshot) !== msg.digest || !validCheckpointProof(this.checker, stable)) return;
    if (msg.seq <= this.lastExecuted) {
      // We executed past it (from commit certificates) but missed its CHECKPOINTs: the proof
      // still moves our water marks.
      this.becomeStable(stable);
      return;
    }
    this.env.machine.restore(msg.snapshot);
    this.lastExecuted = msg.seq;
    this.env.note(`state transfer: installed checkpoint ${msg.seq}`);
    this.journal.push({ kind: 'state-transfer', seq: msg.seq, digest: msg.digest });
    if (msg.seq >= this.stable.seq) this.saveStable({ ...stable, snapshot: msg.snapshot });
    if (msg.seq > this.stable.seq) this.journal.push({ kind: 'stable', seq: msg.seq, digest: msg.digest });
    this.awaitingState = this.lastExecuted < this.stable.seq;
    for (const [key, cmd] of [...this.pending]) if (this.env.machine.cached(cmd.client, cmd.reqId) !== undefined) this.pending.delete(key);
    this.collectGarbage();
    this.executeReady();
    this.current.proposeWaiting();
  }

  private restoreStable(stable: DurableStable): void {
    this.stable = stable;
    if (stable.snapshot !== null) {
      this.env.machine.restore(stable.snapshot);
      this.lastExecuted = stable.seq;
    }
    this.awaitingState = this.lastExecuted < stable.seq;
  }

  // ------------------------------------------------------------------ §4.4 view changes

  private onRequestTimer(): void {
    this.timedRequest = null;
    if (this.pending.size === 0) return;
    this.env.note(`request timer expired in view ${this.view}: suspecting primary ${this.primary()}`);
    this.startViewChange(this.view + 1);
  }

  private onViewChangeTimer(): void {
    if (this.viewChangeTimerView !== this.view) return;
    // §4.5.2: no NEW-VIEW in time — try the next view, and wait twice as long this time.
    this.timeoutUs = Math.min(this.timeoutUs * 2, this.config.requestTimeoutUs * 2 ** MAX_TIMEOUT_DOUBLINGS);
    this.startViewChange(this.view + 1);
  }

  /** Move to view `target`: stop accepting normal-case messages and multicast VIEW-CHANGE. */
  private startViewChange(target: number): void {
    // Every caller asks for a higher view (v+1 on a timer, or the smallest of f+1 higher ones).
    assert(target > this.view, () => `${this.env.id}: view change to ${target} from view ${this.view}`);
    this.view = target;
    this.current = this.viewChangeRole;
    this.newViewMessage = null;
    this.earlyPrePrepares = [];
    this.proposed.clear();
    this.cancelRequestTimer();
    TIMERS.cancel(this.env, 'view-change');
    this.viewChangeTimerView = -1;
    this.persistView();
    this.env.moment({ kind: 'era-change', term: target });
    this.sendViewChange();
    if (!this.joinHigherView()) this.viewChangeProgress();
  }

  private sendViewChange(): void {
    const prepared = this.config.bugs.has('pbft.drop-prepared-on-view-change') ? [] : preparedAbove(this.slots, this.stable.seq);
    const vc = sign(this.env, {
      type: 'view-change',
      view: this.view,
      stableSeq: this.stable.seq,
      stableDigest: this.stable.digest,
      stableProof: this.stable.proof,
      prepared,
      replica: this.env.id,
    });
    this.viewChanges.store(vc);
    this.broadcast(vc);
    this.env.moment({ kind: 'vote', for: primaryOf(this.view, this.env.nodes), term: this.view });
  }

  /**
   * Keep a valid VIEW-CHANGE for `lowestView` or later (the next view in the normal case, the
   * target view while changing). True when it is kept or was already: a retransmission changes
   * nothing stored, but our own view may have moved since, so the caller re-checks.
   */
  private acceptViewChange(vc: Signed<ViewChangeBody>, lowestView: number): boolean {
    if (vc.replica === this.env.id || vc.view < lowestView) return false;
    if (this.viewChanges.has(vc.replica, vc.view)) return true;
    if (!this.verified.viewChange(vc)) return false;
    this.viewChanges.store(vc);
    return true;
  }

  /** §4.5.2: f+1 other replicas want a higher view — join the smallest of those views now. */
  private joinHigherView(): boolean {
    const higher = this.viewChanges.lowestAbove(this.view, this.env.id);
    if (higher.length < this.f + 1) return false;
    const target = Math.min(...higher);
    this.env.note(`joining view change to ${target}: ${higher.length} replicas asked for a higher view`);
    this.startViewChange(target);
    return true;
  }

  /** While changing views: start the timer once 2f+1 replicas are changing, and NEW-VIEW if ours. */
  private viewChangeProgress(): void {
    const forView = this.viewChanges.forView(this.view);
    if (forView.length < this.quorum) return;
    if (this.viewChangeTimerView !== this.view) {
      // §4.5.2: the timer for the new view starts once 2f+1 replicas are changing views.
      this.viewChangeTimerView = this.view;
      TIMERS.set(this.env, 'view-change', this.timeoutUs);
    }
    if (this.isPrimary()) this.sendNewView(forView);
  }

  /** The new primary: V = its own VIEW-CHANGE plus 2f others; O recomputed from V (§4.4). */
  private sendNewView(forView: readonly Signed<ViewChangeBody>[]): void {
    const own = forView.find((v) => v.replica === this.env.id);
    if (own === undefined) return;
    const others = forView.filter((v) => v.replica !== this.env.id).slice(0, this.quorum - 1);
    const viewChanges = [own, ...others];
    const plan = planNewView(viewChanges);
    const prePrepares = plan.entries.map((e) => sign(this.env, { type: 'pre-prepare', view: this.view, seq: e.seq, digest: e.digest, request: e.request }));
    const nv = sign(this.env, { type: 'new-view', view: this.view, viewChanges, prePrepares });
    this.installNewView(nv, plan, prePrepares);
  }

  /** A NEW-VIEW for `lowestView` or later (the next view in the normal case, the target view while changing). */
  private onNewView(nv: Signed<NewViewBody>, lowestView: number): void {
    if (nv.view < lowestView) return;
    if (primaryOf(nv.view, this.env.nodes) === this.env.id) return;
    const recompute = !this.config.bugs.has('pbft.new-view-unchecked');
    const checked = checkNewView(this.checker, nv, recompute);
    if ('reason' in checked) {
      this.env.note(`rejected NEW-VIEW for view ${nv.view} from ${primaryOf(nv.view, this.env.nodes)}: ${checked.reason}`);
      return;
    }
    this.installNewView(nv, checked.plan, nv.prePrepares);
  }

  /** Enter the new view: adopt min-s, log O, PREPARE each entry (backups), resume normal case. */
  private installNewView(nv: Signed<NewViewBody>, plan: NewViewPlan, prePrepares: readonly Signed<PrePrepareBody>[]): void {
    this.view = nv.view;
    this.current = this.normalRole();
    this.newViewMessage = nv;
    this.viewChangeTimerView = -1;
    TIMERS.cancel(this.env, 'view-change');
    this.viewChanges.keepAbove(this.view);
    resetSlotsForView(this.slots.values(), this.view);
    const logged: Slot[] = [];
    for (const pp of prePrepares) {
      const slot = pp.seq > this.stable.seq ? this.slotFor(pp.seq) : null;
      if (slot === null) continue;
      slot.prePrepare = pp;
      this.disk.writeSlot(slot.seq, { prePrepare: pp, cert: slot.cert });
      logged.push(slot);
    }
    this.persistView();
    this.env.note(`entered view ${this.view} (O: ${prePrepares.length} pre-prepares)`);
    if (this.current === this.primaryRole) {
      this.broadcast(nv);
      // New proposals start above O; set this before anything below can propose.
      this.nextSeq = Math.max(plan.maxSeq, this.stable.seq) + 1;
      this.proposed.clear();
      for (const slot of logged) if (slot.prePrepare?.request) this.proposed.add(slot.prePrepare.request, slot.seq);
    }
    if (plan.stable.seq > this.stable.seq && validCheckpointProof(this.checker, plan.stable)) this.becomeStable(plan.stable);
    for (const slot of logged) if (slot.prePrepare !== null) this.acceptPrePrepare(slot, slot.prePrepare);
    this.current.enterView();
    this.updateRequestTimer();
  }

  /** A backup entering a view: requests the old primary may never have ordered go to the new one. */
  private handOverToPrimary(): void {
    for (const cmd of this.pending.values()) this.env.send(this.primary(), { type: 'request', command: cmd });
    const early = this.earlyPrePrepares;
    this.earlyPrePrepares = [];
    for (const pp of early) this.onPrePrepare(pp);
  }

  // ------------------------------------------------------------------ retransmission and catch-up

  private onStatusTimer(): void {
    this.statusTimerArmed = false;
    const stalled = this.lastExecuted === this.executedAtLastTick;
    this.executedAtLastTick = this.lastExecuted;
    if (this.statusTicksLeft > 0) this.statusTicksLeft--;
    // Announcing counts only idle rounds: while requests still execute, peers hear of them anyway.
    const announce = stalled && this.announceTicksLeft > 0;
    if (announce) this.announceTicksLeft--;
    const hinted = this.behindHint;
    this.behindHint = false;
    const changing = this.current === this.viewChangeRole;
    if (!stalled && !hinted && !changing && this.statusTicksLeft === 0) return;
    const status: StatusMessage = { type: 'status', view: this.view, viewChanging: changing, executed: this.lastExecuted, stableSeq: this.stable.seq };
    for (const peer of this.env.peers) this.env.send(peer, status);
    // Our VIEW-CHANGEs may have been lost; older ones may still complete a quorum someone collects.
    if (changing) for (const vc of this.viewChanges.of(this.env.id)) this.broadcast(vc);
    if (this.awaitingState) this.fetchState();
    // Executed to H with no stable checkpoint in sight: our CHECKPOINTs may have been lost, and
    // nothing else would make h move (with small k, two lost votes stop the group for good).
    if (this.lastExecuted >= this.stable.seq + this.window) for (const vote of this.checkpoints.ownVotes()) this.broadcast(vote);
  }

  /** A peer says how far it got: send it what it is missing and we have. */
  private onStatus(from: NodeId, status: StatusMessage): void {
    // A peer got further than we did: we missed something, ask (our own status, next tick).
    if (status.executed > this.lastExecuted) this.behindHint = true;
    const behindView = status.view < this.view || (status.view === this.view && status.viewChanging);
    // (No NEW-VIEW is held while changing views: startViewChange forgets it.)
    if (behindView && this.newViewMessage !== null) this.env.send(from, this.newViewMessage);
    if (status.stableSeq < this.stable.seq) this.onFetchState(from, status.stableSeq + 1);
    const certificates = commitCertificates(this.slots, status.executed + 1, Math.min(this.lastExecuted, status.executed + 2 * this.window));
    if (certificates.length > 0) this.env.send(from, { type: 'commit-certificates', certificates });
    if (status.view === this.view && !status.viewChanging && this.current !== this.viewChangeRole) this.resendOwnVotes(from, status.executed);
  }

  private resendOwnVotes(to: NodeId, above: number): void {
    for (const slot of this.slots.values()) {
      if (slot.seq <= above || slot.seq <= this.lastExecuted) continue;
      if (this.isPrimary() && slot.prePrepare !== null && slot.prePrepare.view === this.view) this.env.send(to, slot.prePrepare);
      if (slot.myPrepare !== null) this.env.send(to, slot.myPrepare);
      if (slot.myCommit !== null) this.env.send(to, slot.myCommit);
    }
  }

  /** 2f+1 signed COMMITs prove a request committed: a lagging replica may execute it (any view). */
  private onCommitCertificates(certificates: readonly CommitCertificate[]): void {
    for (const cert of certificates.slice(0, 2 * this.window)) {
      const first = cert.commits[0];
      if (first === undefined || first.seq <= this.lastExecuted || first.seq > this.lastExecuted + 2 * this.window) continue;
      if ((this.slots.get(first.seq)?.decision ?? null) !== null) continue;
      const proven = validCommitCertificate(this.checker, cert);
      const slot = proven === null ? null : this.slotFor(proven.seq, true);
      if (proven === null || slot === null) continue;
      slot.decision = { view: proven.view, digest: proven.digest, request: cert.request, commits: cert.commits };
      this.journal.push({ kind: 'committed', view: proven.view, seq: proven.seq, digest: proven.digest, via: 'certificate' });
    }
    this.executeReady();
  }

  // ------------------------------------------------------------------ helpers

  private afterEvent(): void {
    this.updateRequestTimer();
    if (this.statusTimerArmed || !this.needsHelp()) return;
    this.statusTimerArmed = true;
    TIMERS.set(this.env, 'status', this.config.retransmitUs);
  }

  private needsHelp(): boolean {
    return (
      this.current === this.viewChangeRole ||
      this.awaitingState ||
      this.behindHint ||
      this.pending.size > 0 ||
      this.statusTicksLeft > 0 ||
      this.announceTicksLeft > 0 ||
      this.highestSeqSeen > this.lastExecuted
    );
  }

  /** A backup times the oldest request it waits for; the timer restarts for the next one (§4.4). */
  private updateRequestTimer(): void {
    const waiting = this.current === this.backupRole && this.pending.size > 0;
    if (!waiting) return this.cancelRequestTimer();
    if (this.timedRequest !== null && this.pending.has(this.timedRequest)) return;
    this.timedRequest = this.pending.keys().next().value ?? null;
    TIMERS.set(this.env, 'request', this.timeoutUs);
  }

  private cancelRequestTimer(): void {
    if (this.timedRequest === null) return;
    this.timedRequest = null;
    TIMERS.cancel(this.env, 'request');
  }

  private slotFor(seq: number, beyondWindow = false): Slot | null {
    const existing = this.slots.get(seq);
    if (existing !== undefined) return existing;
    const limit = beyondWindow ? this.lastExecuted + 2 * this.window : this.stable.seq + this.window;
    if (seq <= this.lastExecuted && seq <= this.stable.seq) return null;
    if (seq > Math.max(limit, this.stable.seq + this.window)) return null;
    const slot = emptySlot(seq);
    this.slots.set(seq, slot);
    this.highestSeqSeen = Math.max(this.highestSeqSeen, seq);
    return slot;
  }

  private loadSlots(): void {
    for (let seq = this.stable.seq + 1; seq <= this.stable.seq + this.window; seq++) {
      const saved = this.disk.readSlot(seq);
      if (saved === undefined) continue;
      const slot = this.slotFor(seq);
      if (slot === null) continue;
      slot.cert = saved.cert;
      if (saved.prePrepare !== null && saved.prePrepare.view === this.view && this.current !== this.viewChangeRole) slot.prePrepare = saved.prePrepare;
      if (slot.prePrepare !== null && this.isPrimary()) this.nextSeq = Math.max(this.nextSeq, seq + 1);
    }
    if (this.isPrimary()) this.nextSeq = Math.max(this.nextSeq, this.stable.seq + 1);
  }

  private persistSlot(slot: Slot): void {
    this.disk.persistSlot(slot.seq, { prePrepare: slot.prePrepare, cert: slot.cert });
  }

  private persistView(): void {
    this.disk.saveView({ view: this.view, viewChanging: this.current === this.viewChangeRole, newView: this.newViewMessage });
  }

  private inWindow(seq: number): boolean {
    return seq > this.stable.seq && seq <= this.stable.seq + this.window;
  }

  private broadcast(msg: PbftMessage): void {
    for (const peer of this.env.peers) this.env.send(peer, msg);
  }

  private primary(): NodeId {
    return primaryOf(this.view, this.env.nodes);
  }

  private isPrimary(): boolean {
    return this.primary() === this.env.id;
  }
}

/**
 * One VR replica (see index.ts for the algorithm and the paper sections). Handlers are grouped by
 * sub-protocol: normal operation (§4.1), view change (§4.2), recovery (§4.3), state transfer (§5.2).
 */
import {
  assertNever,
  majority,
  type ClientId,
  type Command,
  type CreateContext,
  type KvOp,
  type NodeEnv,
  type NodeId,
  type NodeView,
  type ProtocolNode,
} from '../api.js';
import type {
  Commit,
  DoViewChange,
  GetState,
  Log,
  NewState,
  Prepare,
  PrepareOk,
  Recovery,
  RecoveryResponse,
  StartView,
  StartViewChange,
  VsrMessage,
} from './messages.js';
import {
  BUG_ACK_WITH_GAP,
  BUG_LONGEST_LOG_WINS,
  BUG_REJOIN_WITHOUT_RECOVERY,
  vsrSettings,
  type VsrSettings,
} from './options.js';

export type VsrStatus = 'normal' | 'view-change' | 'recovering';
export type VsrRole = 'primary' | 'backup' | 'view-change' | 'recovering';

export interface VsrView extends NodeView {
  readonly role: VsrRole;
  readonly status: VsrStatus;
  readonly view: number;
  /** v′: the latest view whose log this replica holds (sent in DoViewChange). */
  readonly lastNormalView: number;
  readonly opNumber: number;
  readonly commitNumber: number;
  /** The replica's log, by reference: read it, never change it. */
  readonly log: Log;
  /** The nonce of the current recovery (null when not recovering). */
  readonly nonce: number | null;
  /** The DoViewChange messages gathered for the current view (live map: read it at once). */
  readonly doViewChanges: ReadonlyMap<NodeId, DoViewChange>;
}

/**
 * The only thing VR writes to disk: "this replica has been a member before". It is not protocol
 * state (no view, no log): it only tells a restart, which must recover, from the first boot of the
 * group, where every replica starts empty and normal in view 0.
 */
export const JOINED_MARKER = 'vsr:joined';

const TIMER_HEARTBEAT = 'heartbeat';
const TIMER_PRIMARY_SILENCE = 'primary-silence';
const TIMER_VIEW_CHANGE = 'view-change';
const TIMER_VIEW_CHANGE_RESEND = 'view-change-resend';
const TIMER_RECOVERY = 'recovery';
const TIMER_STATE_TRANSFER = 'state-transfer';

/** Nonces are integers below 2^48, drawn from the node's own random stream (unique per restart). */
const NONCE_RANGE = 2 ** 48;

export class VsrReplica implements ProtocolNode<VsrMessage, VsrView> {
  private readonly env: NodeEnv<VsrMessage>;
  private readonly settings: VsrSettings;
  private readonly bugs: ReadonlySet<string>;
  /** Replies needed from distinct replicas: f + 1 when n = 2f + 1. */
  private readonly quorum: number;

  // VR state (paper Fig. 2): view-number, status, op-number (= log.length), log, commit-number.
  private view = 0;
  private status: VsrStatus = 'normal';
  private lastNormalView = 0;
  private log: Command[] = [];
  private commitNumber = 0;
  /** Ops executed on env.machine (always <= commitNumber). */
  private applied = 0;

  // Primary: highest op-number each backup acknowledged in this view; newest request per client.
  private acked = new Map<NodeId, number>();
  private ackedAtLastHeartbeat = new Map<NodeId, number>();
  /** Reused by advancePrimaryCommit (one slot per peer). */
  private readonly ackScratch: number[] = [];
  private newestInLog = new Map<ClientId, number>();

  // Backup: out-of-order Prepares (op-number → op) and whether a GetState is outstanding.
  private buffered = new Map<number, Command>();
  private stateRequested = false;

  // View change: StartViewChange senders and DoViewChange messages for `view`.
  private startViewChangeFrom = new Set<NodeId>();
  private doViewChanges = new Map<NodeId, DoViewChange>();
  private sentDoViewChange = false;

  // Recovery.
  private nonce: number | null = null;
  private recoveryResponses = new Map<NodeId, RecoveryResponse>();

  constructor(ctx: CreateContext<VsrMessage>) {
    this.env = ctx.env;
    this.settings = vsrSettings(ctx.options);
    this.bugs = ctx.bugs;
    this.quorum = majority(ctx.env.nodes.length);
  }

  start(): void {
    const joinedBefore = this.env.storage.read<boolean>(JOINED_MARKER) === true;
    if (!joinedBefore) {
      this.env.storage.write(JOINED_MARKER, true);
      this.env.storage.sync();
    }
    if (joinedBefore && !this.bugs.has(BUG_REJOIN_WITHOUT_RECOVERY)) {
      this.beginRecovery();
      return;
    }
    if (joinedBefore) this.env.note('bug: rejoining as a normal backup without recovery');
    this.enterNormal();
  }

  onMessage(from: NodeId, msg: VsrMessage): void {
    switch (msg.type) {
      case 'Prepare':
        return this.onPrepare(from, msg);
      case 'PrepareOk':
        return this.onPrepareOk(from, msg);
      case 'Commit':
        return this.onCommit(from, msg);
      case 'StartViewChange':
        return this.onStartViewChange(from, msg);
      case 'DoViewChange':
        return this.onDoViewChange(from, msg);
      case 'StartView':
        return this.onStartView(from, msg);
      case 'Recovery':
        return this.onRecovery(from, msg);
      case 'RecoveryResponse':
        return this.onRecoveryResponse(from, msg);
      case 'GetState':
        return this.onGetState(from, msg);
      case 'NewState':
        return this.onNewState(from, msg);
      default:
        return assertNever(msg);
    }
  }

  onTimer(name: string): void {
    switch (name) {
      case TIMER_HEARTBEAT:
        return this.onHeartbeatTimer();
      case TIMER_PRIMARY_SILENCE:
        if (this.status === 'normal' && !this.isPrimary()) this.startViewChange(this.view + 1, 'primary silent');
        return;
      case TIMER_VIEW_CHANGE:
        if (this.status === 'view-change') this.startViewChange(this.view + 1, 'view change timed out');
        return;
      case TIMER_VIEW_CHANGE_RESEND:
        return this.resendViewChange();
      case TIMER_RECOVERY:
        return this.sendRecovery();
      case TIMER_STATE_TRANSFER:
        this.stateRequested = false;
        if (this.status === 'normal' && !this.synced()) this.requestState();
        return;
      default:
        throw new Error(`vsr: unknown timer ${name}`);
    }
  }

  onRequest(client: ClientId, reqId: number, op: KvOp): void {
    if (this.status === 'recovering') return this.env.reply(client, reqId, { kind: 'redirect', leader: null });
    // The client table is the machine's session table: every replica executes the same committed
    // prefix, so any of them can answer a retry of an executed request (§4.1 step 2).
    const cached = this.env.machine.cached(client, reqId);
    if (cached !== undefined) return this.env.reply(client, reqId, { kind: 'result', result: cached });
    if (this.status !== 'normal' || !this.synced()) {
      return this.env.reply(client, reqId, { kind: 'redirect', leader: null });
    }
    if (!this.isPrimary()) {
      return this.env.reply(client, reqId, { kind: 'redirect', leader: this.primaryOf(this.view) });
    }
    this.acceptRequest({ client, reqId, op });
  }

  inspect(): VsrView {
    return {
      role: this.role(),
      term: this.view,
      leader: this.status === 'normal' ? this.primaryOf(this.view) : null,
      commitIndex: this.commitNumber,
      appliedIndex: this.applied,
      logLength: this.log.length,
      status: this.status,
      view: this.view,
      lastNormalView: this.lastNormalView,
      opNumber: this.log.length,
      commitNumber: this.commitNumber,
      log: this.log,
      nonce: this.nonce,
      doViewChanges: this.doViewChanges,
    };
  }

  // ---------------------------------------------------------------- normal operation (§4.1)

  /** Primary, step 3: append, then send Prepare(v, m, n, k) to every backup. */
  private acceptRequest(cmd: Command): void {
    const newest = this.newestInLog.get(cmd.client);
    // A request already in the log is in progress (its reply comes when it commits); an older
    // one is a stale duplicate its client no longer waits for.
    if (newest !== undefined && cmd.reqId <= newest) return;
    if (this.log.length - this.commitNumber >= this.settings.maxUncommitted) return;
    this.log.push(cmd);
    this.newestInLog.set(cmd.client, cmd.reqId);
    const prepare: Prepare = {
      type: 'Prepare',
      view: this.view,
      op: cmd,
      opNumber: this.log.length,
      commitNumber: this.commitNumber,
    };
    for (const peer of this.env.peers) this.env.send(peer, prepare);
    if (this.quorum === 1) this.advancePrimaryCommit();
  }

  private onPrepare(from: NodeId, msg: Prepare): void {
    if (!this.acceptFromPrimary(from, msg.view)) return;
    const expected = this.log.length + 1;
    if (msg.opNumber === expected) {
      this.log.push(msg.op);
      this.drainBuffer();
    } else if (msg.opNumber > expected) {
      this.bufferPrepare(msg);
      if (this.bugs.has(BUG_ACK_WITH_GAP)) {
        this.sendPrepareOk(msg.opNumber);
      }
    }
    // Cumulative: "I hold ops 1..n" (an older duplicate re-acknowledges, repairing a lost ack).
    this.sendPrepareOk(this.log.length);
    this.advanceBackupCommit(msg.commitNumber);
  }

  private bufferPrepare(msg: Prepare): void {
    if (msg.opNumber - this.log.length <= this.settings.prepareBuffer) this.buffered.set(msg.opNumber, msg.op);
    this.requestState();
  }

  /** Move buffered Prepares that are now in order into the log. */
  private drainBuffer(): void {
    for (let next = this.buffered.get(this.log.length + 1); next !== undefined; ) {
      this.buffered.delete(this.log.length + 1);
      this.log.push(next);
      next = this.buffered.get(this.log.length + 1);
    }
    for (const opNumber of [...this.buffered.keys()]) {
      if (opNumber <= this.log.length) this.buffered.delete(opNumber);
    }
  }

  private sendPrepareOk(opNumber: number): void {
    if (opNumber === 0) return;
    const ok: PrepareOk = { type: 'PrepareOk', view: this.view, opNumber };
    const primary = this.primaryOf(this.view);
    this.env.send(primary, ok);
    this.env.moment({ kind: 'ack', to: primary, index: opNumber, term: this.view });
  }

  private onPrepareOk(from: NodeId, msg: PrepareOk): void {
    if (this.status !== 'normal' || !this.isPrimary() || msg.view !== this.view) return;
    this.acked.set(from, Math.max(this.acked.get(from) ?? 0, msg.opNumber));
    this.advancePrimaryCommit();
  }

  /** Primary, step 5: an op commits once f backups (quorum − 1) acknowledged it and all before it. */
  private advancePrimaryCommit(): void {
    // The (quorum-1)-th largest acknowledgement: insertion sort (descending) into a reused array,
    // cheaper than map + sort with a comparator on this per-PREPAREOK path.
    const acks = this.ackScratch;
    const peers = this.env.peers;
    for (let i = 0; i < peers.length; i++) {
      const v = Math.min(this.acked.get(peers[i] as NodeId) ?? 0, this.log.length);
      let j = i;
      while (j > 0 && (acks[j - 1] as number) < v) {
        acks[j] = acks[j - 1] as number;
        j--;
      }
      acks[j] = v;
    }
    const needed = this.quorum - 1;
    const candidate = needed === 0 ? this.log.length : (acks[needed - 1] ?? 0);
    if (candidate <= this.commitNumber) return;
    this.commitNumber = candidate;
    this.execute();
  }

  private onCommit(from: NodeId, msg: Commit): void {
    if (!this.acceptFromPrimary(from, msg.view)) return;
    this.advanceBackupCommit(msg.commitNumber);
  }

  /** Backup, step 7: execute committed ops in order; ask for state when the primary is ahead. */
  private advanceBackupCommit(primaryCommit: number): void {
    if (primaryCommit > this.log.length) this.requestState();
    const known = Math.min(primaryCommit, this.log.length);
    if (known > this.commitNumber) this.commitNumber = known;
    this.execute();
  }

  /**
   * Shared entry of Prepare and Commit: only from primary(v); a message of a later view (or of
   * our view while we are still changing views) means we missed the StartView: state transfer.
   * Returns true when the message is for the view this replica is a synced backup in.
   */
  private acceptFromPrimary(from: NodeId, view: number): boolean {
    if (this.status === 'recovering' || view < this.view || from !== this.primaryOf(view)) return false;
    if (view > this.view || this.status === 'view-change') {
      this.joinViewAsLaggard(view);
      return false;
    }
    if (this.isPrimary()) return false;
    this.armPrimarySilence();
    if (!this.synced()) {
      this.requestState();
      return false;
    }
    return true;
  }

  /** Execute every committed op not yet executed; the primary replies to its client (step 5). */
  private execute(): void {
    const replies = this.status === 'normal' && this.isPrimary();
    while (this.applied < this.commitNumber) {
      const cmd = this.log[this.applied];
      if (cmd === undefined) throw new Error(`vsr: op ${this.applied + 1} committed but not in the log`);
      const result = this.env.machine.apply(cmd);
      this.applied++;
      if (replies) this.env.reply(cmd.client, cmd.reqId, { kind: 'result', result });
    }
  }

  private onHeartbeatTimer(): void {
    if (this.status !== 'normal' || !this.isPrimary()) return;
    const commit: Commit = { type: 'Commit', view: this.view, commitNumber: this.commitNumber };
    for (const peer of this.env.peers) {
      this.env.send(peer, commit);
      this.resendPrepares(peer);
    }
    this.env.setTimer(TIMER_HEARTBEAT, this.settings.heartbeatUs);
  }

  /** Prepares or PrepareOks get lost: re-send to a backup that made no progress for a heartbeat. */
  private resendPrepares(peer: NodeId): void {
    const acked = this.acked.get(peer) ?? 0;
    const before = this.ackedAtLastHeartbeat.get(peer);
    this.ackedAtLastHeartbeat.set(peer, acked);
    if (acked >= this.log.length || before !== acked) return;
    const last = Math.min(this.log.length, acked + this.settings.resendWindow);
    for (let opNumber = acked + 1; opNumber <= last; opNumber++) {
      const op = this.log[opNumber - 1];
      if (op === undefined) break;
      const prepare: Prepare = { type: 'Prepare', view: this.view, op, opNumber, commitNumber: this.commitNumber };
      this.env.send(peer, prepare);
    }
  }

  // ---------------------------------------------------------------- view change (§4.2)

  /** Step 1: on a timeout or news of a later view, stop normal processing and announce view v. */
  private startViewChange(view: number, why: string): void {
    this.env.note(`start view change to view ${view} (${why})`);
    this.leaveRole();
    this.view = view;
    this.status = 'view-change';
    this.startViewChangeFrom = new Set();
    this.doViewChanges = new Map();
    this.sentDoViewChange = false;
    this.env.moment({ kind: 'era-change', term: view });
    this.env.setTimer(TIMER_VIEW_CHANGE, this.jittered(this.settings.viewChangeTimeoutUs));
    this.resendViewChange();
  }

  private resendViewChange(): void {
    if (this.status !== 'view-change') return;
    const svc: StartViewChange = { type: 'StartViewChange', view: this.view };
    for (const peer of this.env.peers) this.env.send(peer, svc);
    const primary = this.primaryOf(this.view);
    if (this.sentDoViewChange && primary !== this.env.id) this.env.send(primary, this.makeDoViewChange());
    this.env.setTimer(TIMER_VIEW_CHANGE_RESEND, this.settings.heartbeatUs * 2);
  }

  private onStartViewChange(from: NodeId, msg: StartViewChange): void {
    if (this.status === 'recovering' || msg.view < this.view) return;
    if (msg.view > this.view) this.startViewChange(msg.view, `StartViewChange from ${from}`);
    else if (this.status !== 'view-change') return;
    this.startViewChangeFrom.add(from);
    // Step 2: f StartViewChange messages from others (quorum − 1) → DoViewChange to primary(v).
    if (!this.sentDoViewChange && this.startViewChangeFrom.size >= this.quorum - 1) this.sendDoViewChange();
  }

  private sendDoViewChange(): void {
    this.sentDoViewChange = true;
    const dvc = this.makeDoViewChange();
    const primary = this.primaryOf(this.view);
    if (primary === this.env.id) this.recordDoViewChange(this.env.id, dvc);
    else this.env.send(primary, dvc);
    this.env.moment({ kind: 'vote', for: primary, term: this.view });
  }

  private makeDoViewChange(): DoViewChange {
    return {
      type: 'DoViewChange',
      view: this.view,
      log: this.log.slice(),
      lastNormalView: this.lastNormalView,
      opNumber: this.log.length,
      commitNumber: this.commitNumber,
    };
  }

  private onDoViewChange(from: NodeId, msg: DoViewChange): void {
    if (this.status === 'recovering' || msg.view < this.view || this.primaryOf(msg.view) !== this.env.id) return;
    if (msg.view > this.view) this.startViewChange(msg.view, `DoViewChange from ${from}`);
    else if (this.status !== 'view-change') return;
    // A DoViewChange proves f + 1 replicas are in view v; the new primary adds its own state.
    if (!this.sentDoViewChange) this.sendDoViewChange();
    this.recordDoViewChange(from, msg);
  }

  /** Step 3: with f + 1 DoViewChange messages (its own included) the new primary starts the view. */
  private recordDoViewChange(from: NodeId, msg: DoViewChange): void {
    this.doViewChanges.set(from, msg);
    if (this.doViewChanges.size >= this.quorum && this.doViewChanges.has(this.env.id)) this.startView();
  }

  private startView(): void {
    const all = [...this.doViewChanges.values()];
    const chosen = chooseLog(all, this.bugs.has(BUG_LONGEST_LOG_WINS));
    const maxCommit = Math.max(this.commitNumber, ...all.map((m) => m.commitNumber));
    this.installLog(chosen.log.slice(), Math.min(maxCommit, chosen.log.length));
    this.acked = new Map();
    this.ackedAtLastHeartbeat = new Map();
    this.newestInLog = new Map();
    for (const cmd of this.log) this.newestInLog.set(cmd.client, Math.max(cmd.reqId, this.newestInLog.get(cmd.client) ?? 0));
    this.env.note(
      `view ${this.view} starts: log of ${chosen.opNumber} ops from a replica normal in view ${chosen.lastNormalView}, commit ${this.commitNumber}`,
    );
    const startView: StartView = {
      type: 'StartView',
      view: this.view,
      log: this.log.slice(),
      opNumber: this.log.length,
      commitNumber: this.commitNumber,
    };
    for (const peer of this.env.peers) this.env.send(peer, startView);
    this.execute();
    this.onHeartbeatTimer();
  }

  /** Step 5: backups take the new log, execute what is committed, and accept uncommitted ops. */
  private onStartView(from: NodeId, msg: StartView): void {
    if (this.status === 'recovering' || msg.view < this.view || from !== this.primaryOf(msg.view)) return;
    if (msg.view === this.view && this.status === 'normal' && this.synced()) return;
    this.leaveRole();
    this.view = msg.view;
    this.installLog(msg.log.slice(), Math.min(Math.max(this.commitNumber, msg.commitNumber), msg.log.length));
    this.armPrimarySilence();
    this.execute();
    if (this.log.length > this.commitNumber) this.sendPrepareOk(this.log.length);
  }

  /** Adopt `log` as view `this.view`'s log and become normal in it. */
  private installLog(log: Command[], commitNumber: number): void {
    this.log = log;
    this.commitNumber = Math.max(commitNumber, this.applied);
    this.status = 'normal';
    this.lastNormalView = this.view;
    this.buffered = new Map();
    this.env.cancelTimer(TIMER_VIEW_CHANGE);
    this.env.cancelTimer(TIMER_VIEW_CHANGE_RESEND);
  }

  /** Stop whatever this replica did in its current view (timers of its role). */
  private leaveRole(): void {
    this.env.cancelTimer(TIMER_HEARTBEAT);
    this.env.cancelTimer(TIMER_PRIMARY_SILENCE);
    this.env.cancelTimer(TIMER_VIEW_CHANGE);
    this.env.cancelTimer(TIMER_VIEW_CHANGE_RESEND);
    this.buffered = new Map();
    this.stateRequested = false;
  }

  // ---------------------------------------------------------------- state transfer (§5.2)

  /**
   * We learned that view v is running without having its log. Unlike the paper's text we do not
   * truncate the log to the commit-number now, and we keep v′ (lastNormalView) at the view whose
   * log we really hold: a truncated log that claimed v′ = v could win a later view change and
   * drop committed ops (found by J. Vanlightly's TLA+ model of the paper, vsr-tlaplus).
   */
  private joinViewAsLaggard(view: number): void {
    this.env.note(`view ${view} is running without us: state transfer`);
    this.leaveRole();
    this.view = view;
    this.status = 'normal';
    this.armPrimarySilence();
    this.requestState();
  }

  /** Synced: this replica's log is its view's log (normal and lastNormalView === view). */
  private synced(): boolean {
    return this.status === 'normal' && this.lastNormalView === this.view;
  }

  private requestState(): void {
    if (this.stateRequested || this.status !== 'normal' || this.isPrimary()) return;
    this.stateRequested = true;
    // Up to the commit-number every log of a later view agrees with ours; past it, only a synced
    // log does.
    const after = this.synced() ? this.log.length : this.commitNumber;
    const get: GetState = { type: 'GetState', view: this.view, after };
    this.env.send(this.primaryOf(this.view), get);
    this.env.setTimer(TIMER_STATE_TRANSFER, this.settings.stateTransferRetryUs);
  }

  private onGetState(from: NodeId, msg: GetState): void {
    if (!this.synced() || msg.view !== this.view || msg.after > this.log.length) return;
    const state: NewState = {
      type: 'NewState',
      view: this.view,
      after: msg.after,
      entries: this.log.slice(msg.after),
      opNumber: this.log.length,
      commitNumber: this.commitNumber,
    };
    this.env.send(from, state);
  }

  private onNewState(from: NodeId, msg: NewState): void {
    if (this.status !== 'normal' || msg.view !== this.view || from !== this.primaryOf(this.view)) return;
    if (this.synced()) {
      if (msg.after > this.log.length) return;
      const fresh = msg.entries.slice(this.log.length - msg.after);
      for (const op of fresh) this.log.push(op);
    } else {
      if (msg.after > this.commitNumber) return;
      this.log = this.log.slice(0, msg.after).concat(msg.entries);
      this.lastNormalView = this.view;
      this.env.note(`state transfer done: ${this.log.length} ops of view ${this.view}`);
    }
    this.stateRequested = false;
    this.env.cancelTimer(TIMER_STATE_TRANSFER);
    this.drainBuffer();
    this.sendPrepareOk(this.log.length);
    this.advanceBackupCommit(msg.commitNumber);
  }

  // ---------------------------------------------------------------- recovery (§4.3)

  /** A restarted replica has nothing: it asks f + 1 others, and takes no part until it knows. */
  private beginRecovery(): void {
    this.status = 'recovering';
    this.nonce = Math.floor(this.env.random() * NONCE_RANGE);
    this.recoveryResponses = new Map();
    this.env.note(`restarted with no state: recovering with nonce ${this.nonce}`);
    this.sendRecovery();
  }

  private sendRecovery(): void {
    if (this.status !== 'recovering' || this.nonce === null) return;
    const recovery: Recovery = { type: 'Recovery', nonce: this.nonce };
    for (const peer of this.env.peers) this.env.send(peer, recovery);
    this.env.setTimer(TIMER_RECOVERY, this.settings.recoveryRetryUs);
  }

  private onRecovery(from: NodeId, msg: Recovery): void {
    if (!this.synced()) return;
    const response: RecoveryResponse = {
      type: 'RecoveryResponse',
      view: this.view,
      nonce: msg.nonce,
      log: this.isPrimary() ? this.log.slice() : null,
      opNumber: this.log.length,
      commitNumber: this.commitNumber,
    };
    this.env.send(from, response);
  }

  private onRecoveryResponse(from: NodeId, msg: RecoveryResponse): void {
    if (this.status !== 'recovering' || msg.nonce !== this.nonce) return;
    const previous = this.recoveryResponses.get(from);
    if (previous === undefined || msg.view >= previous.view) this.recoveryResponses.set(from, msg);
    this.finishRecovery();
  }

  /** f + 1 responses with our nonce, including one from the primary of the latest view among them. */
  private finishRecovery(): void {
    if (this.recoveryResponses.size < this.quorum) return;
    const latest = Math.max(...[...this.recoveryResponses.values()].map((r) => r.view));
    const primary = this.recoveryResponses.get(this.primaryOf(latest));
    if (primary === undefined || primary.view !== latest || primary.log === null) return;
    this.view = latest;
    this.installLog(primary.log.slice(), Math.min(primary.commitNumber, primary.log.length));
    this.nonce = null;
    this.recoveryResponses = new Map();
    this.env.cancelTimer(TIMER_RECOVERY);
    this.env.note(`recovered: view ${this.view}, ${this.log.length} ops, commit ${this.commitNumber}`);
    this.armPrimarySilence();
    this.execute();
  }

  // ---------------------------------------------------------------- helpers

  /** First boot: every replica starts empty and normal in view 0, whose primary is n1. */
  private enterNormal(): void {
    this.status = 'normal';
    if (this.isPrimary()) this.env.setTimer(TIMER_HEARTBEAT, this.settings.heartbeatUs);
    else this.armPrimarySilence();
  }

  private armPrimarySilence(): void {
    this.env.setTimer(TIMER_PRIMARY_SILENCE, this.jittered(this.settings.viewChangeTimeoutUs));
  }

  /** Spread timeouts so that replicas do not all give up at once. */
  private jittered(baseUs: number): number {
    return baseUs + Math.floor(this.env.random() * (baseUs / 2));
  }

  /** Round-robin: the primary of view v is replica v mod n (view 0 → n1). */
  private primaryOf(view: number): NodeId {
    const nodes = this.env.nodes;
    const primary = nodes[view % nodes.length];
    if (primary === undefined) throw new Error('vsr: empty cluster');
    return primary;
  }

  private isPrimary(): boolean {
    return this.primaryOf(this.view) === this.env.id;
  }

  private role(): VsrRole {
    if (this.status === 'normal') return this.isPrimary() ? 'primary' : 'backup';
    return this.status;
  }
}

/**
 * §4.2 step 3: the log of the DoViewChange with the largest v′, ties broken by the largest
 * op-number. Logs of the same v′ are prefixes of that view's primary log, so the longest of them
 * holds every op committed in v′; older views may hold ops that were never committed.
 * The bug variant compares op-numbers first.
 */
export function chooseLog(messages: readonly DoViewChange[], longestWins: boolean): DoViewChange {
  const rank = (m: DoViewChange): readonly [number, number] =>
    longestWins ? [m.opNumber, m.lastNormalView] : [m.lastNormalView, m.opNumber];
  let best: DoViewChange | undefined;
  for (const m of messages) {
    if (best === undefined || outranks(rank(m), rank(best))) best = m;
  }
  if (best === undefined) throw new Error('vsr: no DoViewChange to choose from');
  return best;
}

/** Lexicographic: first key, then second; equal ranks keep the earlier message. */
function outranks(a: readonly [number, number], b: readonly [number, number]): boolean {
  return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
}

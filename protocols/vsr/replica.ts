/**
 * One VR replica (see index.ts for the algorithm and the paper sections).
 *
 * The replica's status picks one handler object (etcd-raft's `step` per role): a primary and a
 * backup of a view they hold the log of, a backup that learned of a view without its log (state
 * transfer, §5.2), a replica changing views (§4.2) and a recovering one (§4.3). The view rules
 * common to every status but recovering (drop older views, follow news of a later one) run once in
 * `observeView` before the handler's `step`; a status change swaps the handler, so no handler asks
 * which status it is in.
 *
 * This file owns the VR state that decides statuses (view, v′, commit-number) and the handlers;
 * the pieces that need less sit beside it: primary.ts (Prepares, PrepareOks, heartbeats),
 * execution.ts (executing and checkpoints), view-change.ts (one view change's counts, the log
 * choice and its messages), state-transfer.ts (GetState, NewState, the Prepare buffer) and
 * recovery.ts (one recovery round and the RecoveryResponse).
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
  type ProtocolNode,
} from '../api.js';
import type {
  DoViewChange,
  GetState,
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
  vsrOptions,
  type VsrOptions,
} from './options.js';
import { recoveryResponseOf, RecoveryRound } from './recovery.js';
import { viewRule } from './view-rules.js';
import { pieceOf, ReplicaLog, type LogPiece } from './checkpoint.js';
import { assert, ClientSessions } from '../kit/index.js';
import { TIMERS, type StatusHandler, type VsrTimer, type VsrView } from './view.js';
import { doViewChangeOf, startViewOf, ViewChangeRound } from './view-change.js';
import { PrimaryReplication } from './primary.js';
import { newStateFor, PrepareBuffer, StateTransfer } from './state-transfer.js';
import { Execution } from './execution.js';

/**
 * The only thing VR writes to disk: "this replica has been a member before". It is not protocol
 * state (no view, no log): it only tells a restart, which must recover, from the first boot of the
 * group, where every replica starts empty and normal in view 0.
 */
export const JOINED_MARKER = 'vsr:joined';

export { chooseLog } from './view-rules.js';

export type { VsrRole, VsrStatus, VsrView } from './view.js';

export class VsrReplica implements ProtocolNode<VsrMessage, VsrView> {
  private readonly env: NodeEnv<VsrMessage>;
  /** Durations in microseconds. */
  private readonly options: VsrOptions;
  private readonly bugs: ReadonlySet<string>;
  /** Replies needed from distinct replicas: f + 1 when n = 2f + 1. */
  private readonly quorum: number;
  /** Answers retries of executed requests from the machine's session table (the client table). */
  private readonly sessions: ClientSessions;

  // VR state (paper Fig. 2): view-number, status (the handler), op-number (= log.length), log, commit-number.
  private view = 0;
  private current: StatusHandler;
  private lastNormalView = 0;
  /** The log after the latest checkpoint; `log.length` is the op-number of its last op. */
  private readonly log = new ReplicaLog();
  private commitNumber = 0;
  /** Executes committed ops on env.machine and takes the checkpoints. */
  private readonly execution: Execution;

  /** Primary: Prepares out, PrepareOks in, heartbeats. */
  private readonly replication: PrimaryReplication;

  // Backup: out-of-order Prepares, and the GetState it may have outstanding.
  private readonly buffered: PrepareBuffer;
  private readonly transfer: StateTransfer;

  /** The latest view change (its StartViewChange and DoViewChange messages). */
  private viewChange: ViewChangeRound;

  /** The recovery under way (null when not recovering). */
  private recovery: RecoveryRound | null = null;

  /** Normal in a view whose log it holds: the primary, or a backup. */
  private readonly primaryRole: StatusHandler;
  private readonly backupRole: StatusHandler;
  /** Normal in a view it has not got the log of yet: asks the primary for it (§5.2). */
  private readonly transferRole: StatusHandler;
  private readonly viewChangeRole: StatusHandler;
  private readonly recoveringRole: StatusHandler;

  constructor(ctx: CreateContext<VsrMessage>) {
    this.env = ctx.env;
    this.options = vsrOptions(ctx.options);
    this.bugs = ctx.bugs;
    this.quorum = majority(ctx.env.nodes.length);
    this.sessions = new ClientSessions(ctx.env);
    this.replication = new PrimaryReplication(ctx.env, this.log, this.options);
    this.execution = new Execution(ctx.env, this.log, this.options.snapshotEvery);
    this.buffered = new PrepareBuffer(this.options.prepareBuffer);
    this.transfer = new StateTransfer(ctx.env, this.log, this.execution, this.options.stateTransferRetry);
    this.viewChange = new ViewChangeRound(this.quorum);
    const unavailable = (client: ClientId, reqId: number): void => this.sessions.redirect(client, reqId, null);
    /** A status reacts to its own timers only (others it left armed fire into nothing). */
    const onTimers = (actions: Partial<Record<VsrTimer, () => void>>) => (name: VsrTimer) => actions[name]?.();
    const primarySilent = (): void => this.startViewChange(this.view + 1, 'primary silent');
    this.primaryRole = {
      role: 'primary',
      status: 'normal',
      step: (from, msg) => this.stepPrimary(from, msg),
      timer: onTimers({ heartbeat: () => this.onHeartbeatTimer() }),
      request: (client, reqId, op) => this.acceptRequest({ client, reqId, op }),
    };
    this.backupRole = {
      role: 'backup',
      status: 'normal',
      step: (from, msg) => this.stepBackup(from, msg),
      timer: onTimers({ 'primary-silence': primarySilent }),
      request: (client, reqId) => this.sessions.redirect(client, reqId, this.primaryOf(this.view)),
    };
    this.transferRole = {
      role: 'backup',
      status: 'normal',
      step: (from, msg) => this.stepTransfer(from, msg),
      timer: onTimers({ 'primary-silence': primarySilent, 'state-transfer': () => this.requestState() }),
      request: unavailable,
    };
    this.viewChangeRole = {
      role: 'view-change',
      status: 'view-change',
      step: (from, msg) => this.stepViewChange(from, msg),
      timer: onTimers({
        'view-change': () => this.startViewChange(this.view + 1, 'view change timed out'),
        'view-change-resend': () => this.resendViewChange(),
      }),
      request: unavailable,
    };
    this.recoveringRole = {
      role: 'recovering',
      status: 'recovering',
      step: (from, msg) => (msg.type === 'RecoveryResponse' ? this.onRecoveryResponse(from, msg) : undefined),
      timer: onTimers({ recovery: () => this.sendRecovery() }),
      request: unavailable,
    };
    this.current = this.backupRole;
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
    // A recovering replica knows no view yet: only its handler looks at what arrives.
    if (this.current !== this.recoveringRole && !this.observeView(from, msg)) return;
    this.current.step(from, msg);
  }

  onTimer(name: string): void {
    if (!TIMERS.is(name)) throw new Error(`vsr: unknown timer ${name}`);
    // Whatever the status now, the GetState this timer guarded is over.
    if (name === 'state-transfer') this.transfer.abandon();
    this.current.timer(name);
  }

  onRequest(client: ClientId, reqId: number, op: KvOp): void {
    if (this.current === this.recoveringRole) return this.current.request(client, reqId, op);
    // The client table is the machine's session table: every replica executes the same committed
    // prefix, so any of them can answer a retry of an executed request (§4.1 step 2).
    if (!this.sessions.answerIfExecuted(client, reqId)) this.current.request(client, reqId, op);
  }

  inspect(): VsrView {
    const status = this.current.status;
    return {
      role: this.current.role,
      term: this.view,
      leader: status === 'normal' ? this.primaryOf(this.view) : null,
      commitIndex: this.commitNumber,
      appliedIndex: this.execution.applied,
      logLength: this.log.length,
      status,
      view: this.view,
      lastNormalView: this.lastNormalView,
      opNumber: this.log.length,
      commitNumber: this.commitNumber,
      log: this.log.entries,
      checkpoint: this.log.checkpoint,
      nonce: this.recovery?.nonce ?? null,
      doViewChanges: this.viewChange.doViewChanges,
    };
  }

  // ---------------------------------------------------------------- the view rules and the handlers

  /**
   * Rules for every status but recovering (§4.2, §5.2): a message of an older view, or one that
   * only primary(v) may send coming from another replica, is dropped; news of a later view moves
   * this replica there first. Returns false when the message needs nothing more.
   */
  private observeView(from: NodeId, msg: VsrMessage): boolean {
    const rule = viewRule(from, msg, this.view, this.env.id, (view) => this.primaryOf(view));
    switch (rule.kind) {
      case 'drop':
        return false;
      case 'handle':
        return true;
      case 'adopt':
        this.adoptStartView(rule.msg);
        return false;
      case 'join':
        this.joinViewAsLaggard(rule.view);
        return false;
      case 'change':
        this.startViewChange(rule.view, `${msg.type} from ${from}`);
        return true;
      default:
        return assertNever(rule);
    }
  }

  /** Normal, primary(v): PrepareOks commit ops; it serves recovering and lagging replicas. */
  private stepPrimary(from: NodeId, msg: VsrMessage): void {
    if (msg.type === 'PrepareOk') this.onPrepareOk(from, msg);
    else this.serveSynced(from, msg);
  }

  /** Normal backup holding the view's log: Prepares in op-number order, Commits execute (§4.1). */
  private stepBackup(from: NodeId, msg: VsrMessage): void {
    switch (msg.type) {
      case 'Prepare':
        this.armPrimarySilence();
        return this.onPrepare(msg);
      case 'Commit':
        this.armPrimarySilence();
        return this.advanceBackupCommit(msg.commitNumber);
      case 'NewState':
        return this.appendNewState(msg);
      default:
        return this.serveSynced(from, msg);
    }
  }

  /** Answers of a replica that holds its view's log (primary or backup): recovery and GetState. */
  private serveSynced(from: NodeId, msg: VsrMessage): void {
    if (msg.type === 'Recovery') this.onRecovery(from, msg);
    else if (msg.type === 'GetState') this.onGetState(from, msg);
  }

  /** Normal in a view without its log: everything from the primary says "ask for the state". */
  private stepTransfer(from: NodeId, msg: VsrMessage): void {
    switch (msg.type) {
      case 'Prepare':
      case 'Commit':
        this.armPrimarySilence();
        return this.requestState();
      case 'StartView':
        return this.adoptStartView(msg);
      case 'NewState':
        return this.installNewState(msg);
      default:
        return;
    }
  }

  /** Changing views (§4.2): StartViewChange and DoViewChange count; the view's own messages end it. */
  private stepViewChange(from: NodeId, msg: VsrMessage): void {
    switch (msg.type) {
      case 'StartViewChange':
        return this.onStartViewChange(from);
      case 'DoViewChange':
        return this.onDoViewChange(from, msg);
      case 'StartView':
        return this.adoptStartView(msg);
      case 'Prepare':
      case 'Commit':
        // The view started without us hearing StartView: state transfer.
        return this.joinViewAsLaggard(msg.view);
      default:
        return;
    }
  }

  /** Become normal in `this.view`: primary or backup if the log is the view's, else state transfer. */
  private becomeNormal(): void {
    if (this.lastNormalView !== this.view) this.current = this.transferRole;
    else this.current = this.isPrimary() ? this.primaryRole : this.backupRole;
  }

  // ---------------------------------------------------------------- normal operation (§4.1)

  /** Primary, step 3: append, then send Prepare(v, m, n, k) to every backup. */
  private acceptRequest(cmd: Command): void {
    if (!this.replication.append(cmd, this.view, this.commitNumber)) return;
    if (this.quorum === 1) this.advancePrimaryCommit();
  }

  private onPrepare(msg: Prepare): void {
    const expected = this.log.length + 1;
    if (msg.opNumber === expected) {
      this.log.push(msg.op);
      this.buffered.drainInto(this.log);
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
    this.buffered.hold(msg.opNumber, msg.op, this.log);
    this.requestState();
  }

  private sendPrepareOk(opNumber: number): void {
    if (opNumber === 0) return;
    const ok: PrepareOk = { type: 'PrepareOk', view: this.view, opNumber };
    const primary = this.primaryOf(this.view);
    this.env.send(primary, ok);
    this.env.moment({ kind: 'ack', to: primary, index: opNumber, term: this.view });
  }

  private onPrepareOk(from: NodeId, msg: PrepareOk): void {
    this.replication.ack(from, msg.opNumber);
    this.advancePrimaryCommit();
  }

  /** Primary, step 5: an op commits once f backups (quorum − 1) acknowledged it and all before it. */
  private advancePrimaryCommit(): void {
    const candidate = this.replication.committable(this.quorum - 1);
    if (candidate <= this.commitNumber) return;
    this.commitNumber = candidate;
    this.execute();
  }

  /** Backup, step 7: execute committed ops in order; ask for state when the primary is ahead. */
  private advanceBackupCommit(primaryCommit: number): void {
    if (primaryCommit > this.log.length) this.requestState();
    const known = Math.min(primaryCommit, this.log.length);
    if (known > this.commitNumber) this.commitNumber = known;
    this.execute();
  }

  /** Execute every committed op not yet executed; the primary replies to its client (step 5). */
  private execute(): void {
    this.execution.upTo(this.commitNumber, this.current === this.primaryRole);
  }

  /** Primary: Commit (the heartbeat) to every backup, and re-send what a backup did not acknowledge. */
  private onHeartbeatTimer(): void {
    this.replication.heartbeat(this.view, this.commitNumber);
    TIMERS.set(this.env, 'heartbeat', this.options.heartbeat);
  }

  // ---------------------------------------------------------------- view change (§4.2)

  /** Step 1: on a timeout or news of a later view, stop normal processing and announce view v. */
  private startViewChange(view: number, why: string): void {
    this.env.note(`start view change to view ${view} (${why})`);
    this.leaveRole();
    this.view = view;
    this.current = this.viewChangeRole;
    this.viewChange = new ViewChangeRound(this.quorum);
    this.env.moment({ kind: 'era-change', term: view });
    TIMERS.set(this.env, 'view-change', this.jittered(this.options.viewChangeTimeout));
    this.resendViewChange();
  }

  private resendViewChange(): void {
    const svc: StartViewChange = { type: 'StartViewChange', view: this.view };
    for (const peer of this.env.peers) this.env.send(peer, svc);
    const primary = this.primaryOf(this.view);
    if (this.viewChange.sentDoViewChange && primary !== this.env.id) this.env.send(primary, this.makeDoViewChange());
    TIMERS.set(this.env, 'view-change-resend', this.options.heartbeat * 2);
  }

  /** Step 2: f StartViewChange messages from others (quorum − 1) → DoViewChange to primary(v). */
  private onStartViewChange(from: NodeId): void {
    if (this.viewChange.countStartViewChange(from)) this.sendDoViewChange();
  }

  private sendDoViewChange(): void {
    this.viewChange.sentDoViewChange = true;
    const dvc = this.makeDoViewChange();
    const primary = this.primaryOf(this.view);
    if (primary === this.env.id) this.recordDoViewChange(this.env.id, dvc);
    else this.env.send(primary, dvc);
    this.env.moment({ kind: 'vote', for: primary, term: this.view });
  }

  /** Its log after the checkpoint, v′ and commit-number, for primary(v). */
  private makeDoViewChange(): DoViewChange {
    return doViewChangeOf(this.log, this.view, this.lastNormalView, this.commitNumber);
  }

  /** To primary(v) only (observeView checked): it proves f + 1 replicas are in view v. */
  private onDoViewChange(from: NodeId, msg: DoViewChange): void {
    // The new primary adds its own state.
    if (!this.viewChange.sentDoViewChange) this.sendDoViewChange();
    this.recordDoViewChange(from, msg);
  }

  /** Step 3: with f + 1 DoViewChange messages (its own included) the new primary starts the view. */
  private recordDoViewChange(from: NodeId, msg: DoViewChange): void {
    if (this.viewChange.record(from, msg, this.env.id)) this.startView();
  }

  private startView(): void {
    const { chosen, commitNumber } = this.viewChange.choose(this.commitNumber, this.bugs.has(BUG_LONGEST_LOG_WINS));
    this.installLog(pieceOf(chosen), commitNumber);
    this.replication.startView();
    this.env.note(
      `view ${this.view} starts: log of ${chosen.opNumber} ops from a replica normal in view ${chosen.lastNormalView}, commit ${this.commitNumber}`,
    );
    const startView = startViewOf(this.log, this.view, this.commitNumber);
    for (const peer of this.env.peers) this.env.send(peer, startView);
    this.execute();
    this.onHeartbeatTimer();
  }

  /** Step 5: backups take the new log, execute what is committed, and accept uncommitted ops. */
  private adoptStartView(msg: StartView): void {
    this.leaveRole();
    this.view = msg.view;
    this.installLog(pieceOf(msg), Math.min(Math.max(this.commitNumber, msg.commitNumber), msg.opNumber));
    this.armPrimarySilence();
    this.execute();
    if (this.log.length > this.commitNumber) this.sendPrepareOk(this.log.length);
  }

  /** Adopt `piece` as view `this.view`'s log and become normal in it. */
  private installLog(piece: LogPiece, commitNumber: number): void {
    const length = piece.checkpoint.opNumber + piece.entries.length;
    // Every later view's log holds every committed op (§4.2): a shorter one would lose some.
    assert(length >= this.commitNumber, () => `vsr: view ${this.view}'s log of ${length} ops misses committed op ${this.commitNumber}`);
    const applied = this.execution.install(piece);
    this.commitNumber = Math.max(commitNumber, this.commitNumber, applied);
    this.lastNormalView = this.view;
    this.becomeNormal();
    this.buffered.clear();
    TIMERS.cancel(this.env, 'view-change');
    TIMERS.cancel(this.env, 'view-change-resend');
  }

  /** Stop whatever this replica did in its current view (timers of its role). */
  private leaveRole(): void {
    TIMERS.cancel(this.env, 'heartbeat');
    TIMERS.cancel(this.env, 'primary-silence');
    TIMERS.cancel(this.env, 'view-change');
    TIMERS.cancel(this.env, 'view-change-resend');
    this.buffered.clear();
    this.transfer.abandon();
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
    this.becomeNormal();
    this.armPrimarySilence();
    this.requestState();
  }

  /** A backup (never the primary) asks primary(v) for the log it lacks; one request at a time. */
  private requestState(): void {
    assert(this.current === this.backupRole || this.current === this.transferRole, 'vsr: only a backup asks for state');
    // Up to the commit-number every log of a later view agrees with ours; past it, only a synced
    // log does.
    const after = this.current === this.transferRole ? this.commitNumber : this.log.length;
    this.transfer.request(this.primaryOf(this.view), this.view, after);
  }

  /** The ops after `after`, or the checkpoint and the ops after it when `after` was forgotten (§5.2). */
  private onGetState(from: NodeId, msg: GetState): void {
    const state = newStateFor(msg, this.log, this.view, this.commitNumber);
    if (state !== null) this.env.send(from, state);
  }

  /** A synced backup that missed Prepares: append the entries it lacks (or jump to the checkpoint). */
  private appendNewState(msg: NewState): void {
    if (!this.transfer.append(msg)) return;
    // A checkpoint may have taken the machine past the commit-number.
    this.commitNumber = Math.max(this.commitNumber, this.execution.applied);
    this.finishStateTransfer(msg);
  }

  /** A backup without its view's log: keep the committed prefix, take the view's log after it. */
  private installNewState(msg: NewState): void {
    if (!this.transfer.replace(msg, this.commitNumber)) return;
    this.commitNumber = Math.max(this.commitNumber, this.execution.applied);
    assert(this.log.length >= this.commitNumber, () => `vsr: state transfer left ${this.log.length} ops, below commit ${this.commitNumber}`);
    this.lastNormalView = this.view;
    this.becomeNormal();
    this.env.note(`state transfer done: ${this.log.length} ops of view ${this.view}`);
    this.finishStateTransfer(msg);
  }

  /** The ops are in: Prepares held may follow them; acknowledge, and execute what is committed. */
  private finishStateTransfer(msg: NewState): void {
    this.transfer.answered();
    this.buffered.drainInto(this.log);
    this.sendPrepareOk(this.log.length);
    this.advanceBackupCommit(msg.commitNumber);
  }

  // ---------------------------------------------------------------- recovery (§4.3)

  /** A restarted replica has nothing: it asks f + 1 others, and takes no part until it knows. */
  private beginRecovery(): void {
    this.current = this.recoveringRole;
    this.recovery = new RecoveryRound(() => this.env.random(), this.quorum);
    this.env.note(`restarted with no state: recovering with nonce ${this.recovery.nonce}`);
    this.sendRecovery();
  }

  private sendRecovery(): void {
    if (this.recovery === null) return;
    const recovery: Recovery = { type: 'Recovery', nonce: this.recovery.nonce };
    for (const peer of this.env.peers) this.env.send(peer, recovery);
    TIMERS.set(this.env, 'recovery', this.options.recoveryRetry);
  }

  /** Only a replica that holds its view's log answers, and only the primary sends it (with its checkpoint). */
  private onRecovery(from: NodeId, msg: Recovery): void {
    const isPrimary = this.current === this.primaryRole;
    this.env.send(from, recoveryResponseOf(msg.nonce, this.log, isPrimary, this.view, this.commitNumber));
  }

  /** f + 1 responses with our nonce, including one from the primary of the latest view among them. */
  private onRecoveryResponse(from: NodeId, msg: RecoveryResponse): void {
    const primary = this.recovery?.add(from, msg, (view) => this.primaryOf(view)) ?? null;
    if (primary === null) return;
    this.view = primary.view;
    this.installLog(pieceOf(primary), Math.min(primary.commitNumber, primary.opNumber));
    this.recovery = null;
    TIMERS.cancel(this.env, 'recovery');
    this.env.note(`recovered: view ${this.view}, ${this.log.length} ops, commit ${this.commitNumber}`);
    this.armPrimarySilence();
    this.execute();
  }

  // ---------------------------------------------------------------- helpers

  /** First boot: every replica starts empty and normal in view 0, whose primary is n1. */
  private enterNormal(): void {
    this.becomeNormal();
    if (this.current === this.primaryRole) TIMERS.set(this.env, 'heartbeat', this.options.heartbeat);
    else this.armPrimarySilence();
  }

  private armPrimarySilence(): void {
    TIMERS.set(this.env, 'primary-silence', this.jittered(this.options.viewChangeTimeout));
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
}

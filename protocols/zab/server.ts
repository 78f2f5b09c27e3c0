/**
 * What every role of one Zab server shares, whatever phase it is in: the durable state (the
 * paper's history h_f, f.p = acceptedEpoch and f.a = currentEpoch), the commit and delivery of
 * the history, the election vote it answers LOOKING peers with, and the client requests waiting
 * here. The role handlers (election.ts's phase 0, leader.ts, follower.ts) act on it; none of them
 * keeps a copy of any of it.
 */
import type { ClientId, Command, KvOp, NodeEnv, NodeId } from '../api.js';
import { assertNever } from '../api.js';
import { assert, ClientSessions, majority, type Timers } from '../kit/index.js';
import type { ZabConfig } from './config.js';
import type { ServerState, SyncPlan, Vote, VoteMessage, ZabMessage } from './messages.js';
import { zabTimers, type ZabTimer } from './roles.js';
import { commonPrefix } from './sync.js';
import { History, ORIGIN, type HistoryPoint, type ZabSnapshot } from './snapshot.js';
import { formatZxid, sameZxid, type Txn, type Zxid } from './zxid.js';

export const ACCEPTED_EPOCH_KEY = 'zab.acceptedEpoch';
export const CURRENT_EPOCH_KEY = 'zab.currentEpoch';

export const BUG_FORGET_ACCEPTED_EPOCH = 'zab.forget-accepted-epoch';
export const BUG_ACK_BEFORE_DURABLE = 'zab.ack-before-durable';
export const BUG_EPOCH_BEFORE_HISTORY = 'zab.epoch-before-history';

/** A client request waiting here, kept so that it can be proposed or forwarded once a leader is established. */
interface HeldRequest {
  readonly reqId: number;
  readonly op: KvOp;
}

export class ZabServer {
  readonly env: NodeEnv<ZabMessage>;
  readonly config: ZabConfig;
  readonly bugs: ReadonlySet<string>;
  readonly quorum: number;
  readonly timers: Timers<ZabTimer>;

  history!: History;
  acceptedEpoch = 0;
  currentEpoch = 0;
  commitIndex = 0;
  appliedIndex = 0;

  /** FLE's round and this server's vote: a LOOKING peer is answered with them in every role. */
  round = 0;
  vote!: Vote;

  /** Who waits here for which answer (the kit's client sessions: one request per client, the latest). */
  private readonly sessions: ClientSessions;
  /** The same clients' requests in the same order, with their operations (see HeldRequest). */
  private readonly held = new Map<ClientId, HeldRequest>();

  /** How many times a sync removed transactions here, and what the last one removed (for the monitor). */
  truncations = 0;
  truncatedFrom = 0;
  removed: readonly Txn[] = [];

  constructor(env: NodeEnv<ZabMessage>, config: ZabConfig, bugs: ReadonlySet<string>) {
    this.env = env;
    this.config = config;
    this.bugs = bugs;
    this.quorum = majority(env.nodes.length);
    this.timers = zabTimers(env.peers);
    this.sessions = new ClientSessions(env);
  }

  setTimer(name: ZabTimer, afterMicros: number): void {
    this.timers.set(this.env, name, afterMicros);
  }

  cancelTimer(name: ZabTimer): void {
    this.timers.cancel(this.env, name);
  }

  /** Read the durable state back (at boot and after a restart): the snapshot is committed, the log after it is replayed once a leader says so. */
  load(): void {
    this.history = new History(this.env.storage);
    this.acceptedEpoch = this.env.storage.read<number>(ACCEPTED_EPOCH_KEY) ?? 0;
    this.currentEpoch = this.env.storage.read<number>(CURRENT_EPOCH_KEY) ?? 0;
    const restored = this.history.restore(this.env.machine);
    this.commitIndex = restored;
    this.appliedIndex = restored;
  }

  /** Before each step: forget what the latest snapshot covers (the previous step's view still showed it). */
  beginStep(): void {
    this.history.compact();
  }

  lastZxid(): Zxid {
    return this.history.lastZxid();
  }

  selfVote(): Vote {
    return { leader: this.env.id, epoch: this.currentEpoch, zxid: this.lastZxid() };
  }

  sendVote(to: NodeId, state: ServerState): void {
    this.env.send(to, { type: 'VOTE', round: this.round, vote: this.vote, state });
  }

  /** A server that is not LOOKING tells a LOOKING one whom it follows (or that it leads). */
  answerVote(from: NodeId, msg: VoteMessage, state: ServerState): void {
    if (msg.state === 'looking') this.sendVote(from, state);
  }

  writeAcceptedEpoch(epoch: number): void {
    this.acceptedEpoch = epoch;
    this.env.storage.write(ACCEPTED_EPOCH_KEY, epoch);
  }

  writeCurrentEpoch(epoch: number): void {
    this.currentEpoch = epoch;
    this.env.storage.write(CURRENT_EPOCH_KEY, epoch);
  }

  // ------------------------------------------------------------------ synchronization (phase 2)

  applySyncPlan(plan: SyncPlan): void {
    switch (plan.mode) {
      case 'DIFF':
        assert(plan.from === this.history.length, () => `DIFF from ${plan.from} but the history has ${this.history.length}`);
        for (const txn of plan.txns) this.history.append(txn);
        return;
      case 'TRUNC': {
        const kept = this.history.zxidAt(plan.length - 1);
        assert(kept !== undefined && sameZxid(kept, plan.anchor), () => `TRUNC to ${plan.length} expects ${formatZxid(plan.anchor)} there`);
        return this.replaceSuffix(plan.length, plan.txns);
      }
      case 'SNAP':
        // Without a snapshot the leader never compacted: its history from index 0.
        return this.applySnap(plan.snapshot ?? ORIGIN, plan.txns);
      default:
        return assertNever(plan);
    }
  }

  /**
   * SNAP: the leader's history is its snapshot (`from` = its index; none: from 0), then `txns`.
   * Whatever we hold that matches it stays; a snapshot covering more than we can match replaces
   * our machine and history (the monitor is told of no removal there: what the snapshot covers
   * cannot be compared, and the host checks a restored machine against what was applied).
   */
  private applySnap(from: ZabSnapshot | HistoryPoint, txns: readonly Txn[]): void {
    const history = this.history;
    const start = history.start;
    const fromIndex = from.index;
    if (fromIndex <= start) {
      // Our own snapshot covers at least as much: match the rest from our start.
      const keep = start + commonPrefix(history.entries(), txns.slice(start - fromIndex));
      return this.replaceSuffix(keep, txns.slice(keep - fromIndex));
    }
    const point = history.zxidAt(fromIndex - 1);
    if (point !== undefined && sameZxid(point, from.zxid)) {
      const keep = fromIndex + commonPrefix(history.entries().slice(fromIndex - start), txns);
      return this.replaceSuffix(keep, txns.slice(keep - fromIndex));
    }
    assert('machine' in from, () => `SNAP from ${fromIndex} without a snapshot`);
    assert(this.commitIndex <= fromIndex, () => `a snapshot at ${fromIndex} would undo commits up to ${this.commitIndex}`);
    this.env.note(`installed a snapshot of ${fromIndex} transaction(s) (last ${formatZxid(from.zxid)})`);
    history.install(from, this.env.machine);
    this.commitIndex = fromIndex;
    this.appliedIndex = fromIndex;
    for (const txn of txns) history.append(txn);
  }

  /** Keep the first `keep` transactions, then append `tail`; remember what was removed (for the monitor). */
  private replaceSuffix(keep: number, tail: readonly Txn[]): void {
    if (keep < this.history.length) {
      // The leader's history holds everything committed (initial history): nothing we delivered goes.
      assert(keep >= this.commitIndex, () => `a sync removes index ${keep}, below the commit point ${this.commitIndex}`);
      this.truncations++;
      this.truncatedFrom = keep;
      this.removed = this.history.entries().slice(keep - this.history.start);
      this.env.note(`removed ${this.removed.length} transaction(s) from index ${keep}`);
      this.history.truncate(keep);
      this.commitIndex = Math.min(this.commitIndex, keep);
      this.appliedIndex = Math.min(this.appliedIndex, keep);
    }
    for (const txn of tail) this.history.append(txn);
  }

  // ------------------------------------------------------------------ commit and delivery

  /** A follower learns a commit point (never beyond what it holds). */
  advanceCommit(commit: number): void {
    const bounded = Math.min(commit, this.history.length);
    if (bounded <= this.commitIndex) return;
    this.commitIndex = bounded;
    this.applyCommitted();
  }

  /** Deliver committed transactions in order; answer the clients waiting here. */
  applyCommitted(onApply?: (cmd: Command) => void): void {
    assert(this.commitIndex <= this.history.length, () => `commit point ${this.commitIndex} beyond the history's ${this.history.length}`);
    while (this.appliedIndex < this.commitIndex) {
      const txn = this.history.get(this.appliedIndex);
      assert(txn !== undefined, () => `${this.env.id} delivers index ${this.appliedIndex}, which it does not hold`);
      const { cmd } = txn;
      const result = this.env.machine.apply(cmd);
      this.appliedIndex++;
      if (onApply !== undefined) onApply(cmd);
      if (this.held.get(cmd.client)?.reqId === cmd.reqId) this.held.delete(cmd.client);
      this.sessions.applied(cmd, result);
    }
    this.history.maybeSnapshot(this.appliedIndex, this.config.snapshotEvery, this.env.machine);
  }

  // ------------------------------------------------------------------ clients

  /** A request that already executed here is answered from the machine's session table. */
  answerIfExecuted(client: ClientId, reqId: number): boolean {
    if (!this.sessions.answerIfExecuted(client, reqId)) return false;
    this.held.delete(client);
    return true;
  }

  /**
   * Before an epoch is established here, a request waits (held until it can be proposed), except
   * a local read, which is sent to `leader` (anyone when null): it may not read unsynced state.
   */
  holdUntilEstablished(client: ClientId, reqId: number, op: KvOp, leader: NodeId | null): void {
    if (this.isLocalRead(op)) return this.env.reply(client, reqId, { kind: 'redirect', leader });
    this.hold(client, reqId, op);
  }

  /** Keep a client's request until it can be proposed; false for one older than what we hold. */
  hold(client: ClientId, reqId: number, op: KvOp): boolean {
    const known = this.held.get(client);
    if (known !== undefined && known.reqId > reqId) return false;
    if (!this.sessions.wait(client, reqId)) return false;
    this.held.set(client, { reqId, op });
    return true;
  }

  /** Answer a client waiting here for exactly this request, if it already executed. */
  answerWaiting(client: ClientId, reqId: number): void {
    if (this.sessions.isWaiting(client, reqId)) this.answerIfExecuted(client, reqId);
  }

  /** The requests waiting here, oldest client first (to propose or forward once a leader is established). */
  waiting(): IterableIterator<[ClientId, HeldRequest]> {
    return this.held.entries();
  }

  /** A gap that opens on a session starts its reorder window; one that closes cancels it. */
  trackGap(timer: ZabTimer, hadGap: boolean, hasGap: boolean): void {
    if (!hadGap && hasGap) this.setTimer(timer, this.config.reorderWindow);
    else if (hadGap && !hasGap) this.cancelTimer(timer);
  }

  /** `reads: local` sends reads here instead of through the broadcast. */
  isLocalRead(op: KvOp): boolean {
    return op.f === 'read' && this.config.reads === 'local';
  }
}

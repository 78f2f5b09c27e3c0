/**
 * A Zab follower, one handler per phase (Junqueira, Reed, Serafini 2011, steps f.1 to f.3):
 *
 *  - FollowerDiscovery (f.1.1): open a session with CEPOCH(acceptedEpoch); on NEWEPOCH(e') promise
 *    e' by making acceptedEpoch durable, then answer ACK-E with our history's summary.
 *  - FollowerSync (f.2.1, f.2.2): NEWLEADER's DIFF/TRUNC/SNAP made durable, then currentEpoch,
 *    then ACK-LD; COMMIT-LD says the epoch is established.
 *  - FollowerBroadcast (f.3.1, f.3.2): accept proposals in order, durably, ACK them; deliver what
 *    the leader commits; forward client requests.
 *  - FollowerFlushing (buggy variants only): a NEWLEADER whose transactions wait for ZooKeeper's
 *    lazy log flush, with every later leader message queued behind it.
 *
 * What all phases share (the session with the leader, silence and gap timers, RESET) is in
 * FollowerRole.
 */
import type { ClientId, KvOp, NodeId } from '../api.js';
import { assertNever } from '../api.js';
import { assert } from '../kit/index.js';
import type { Body, FollowerMessage, LeaderMessage, ZabMessage } from './messages.js';
import { EpochRole, isPeerGapTimer, type RoleSwitch, type ZabRole, type ZabTimer } from './roles.js';
import { BUG_ACK_BEFORE_DURABLE, BUG_EPOCH_BEFORE_HISTORY, BUG_FORGET_ACCEPTED_EPOCH, type ZabServer } from './server.js';
import { Session, stamp } from './session.js';
import { compareZxid, formatZxid, sameZxid } from './zxid.js';

/** Buggy variants: the lazy flush of synced transactions runs this many heartbeats later. */
const FLUSH_TICKS = 4;

/** Most leader messages queued behind a lazy flush. */
const MAX_QUEUED = 4096;

const SESSION_ID_SPAN = 2147483647;

type NewLeader = LeaderMessage & { type: 'NEWLEADER' };

/** One following of one leader, from the election that chose it until this server looks again. */
interface FollowerState {
  readonly leader: NodeId;
  /** Replaced while connecting: a CEPOCH that reached the leader before it was leading is lost. */
  session: Session<LeaderMessage>;
  /** The epoch promised in this session (null before NEWEPOCH). */
  epoch: number | null;
  /** The handler of the phase this following is in; null once it is over. */
  phase: FollowerRole | null;
}

function newSession(server: ZabServer, leader: NodeId): Session<LeaderMessage> {
  const sid = 1 + Math.floor(server.env.random() * SESSION_ID_SPAN);
  return new Session<LeaderMessage>(leader, sid, 0);
}

/** The election chose `leader`: connect to it (discovery). */
export function startFollowing(server: ZabServer, roles: RoleSwitch, leader: NodeId): void {
  const state: FollowerState = { leader, session: newSession(server, leader), epoch: null, phase: null };
  const discovery = new FollowerDiscovery(server, roles, state);
  state.phase = discovery;
  roles.enter(discovery);
  discovery.sendToLeader({ type: 'CEPOCH', acceptedEpoch: server.acceptedEpoch });
  server.setTimer('init', server.config.initLimit);
  server.setTimer('silence', server.config.leaderTimeout);
  server.setTimer('connect', server.config.tickTime);
}

abstract class FollowerRole extends EpochRole<FollowerState> implements ZabRole {
  readonly role = 'following';
  abstract readonly phase: 'discovery' | 'synchronization' | 'broadcast';

  get leaderId(): NodeId {
    return this.state.leader;
  }

  get term(): number {
    return this.server.currentEpoch;
  }

  step(from: NodeId, msg: ZabMessage): void {
    switch (msg.type) {
      case 'VOTE':
        return this.server.answerVote(from, msg, 'following');
      case 'RESET':
        if (from === this.state.leader && msg.sid === this.state.session.sid) this.roles.look(`${from} reset the session`);
        return;
      case 'ACK-E':
      case 'ACK-LD':
      case 'ACK':
      case 'REQUEST':
      case 'PONG':
        // Not our session (we do not lead): tell the sender to reconnect.
        return this.server.env.send(from, { type: 'RESET', sid: msg.sid });
      case 'NEWEPOCH':
      case 'NEWLEADER':
      case 'COMMIT-LD':
      case 'PROPOSE':
      case 'COMMIT':
      case 'PING':
        if (from === this.state.leader) this.receive(msg);
        return;
      case 'CEPOCH':
        return;
      default:
        return assertNever(msg);
    }
  }

  timer(name: ZabTimer): void {
    if (isPeerGapTimer(name)) return;
    switch (name) {
      case 'silence':
        return this.roles.look(`no word from ${this.state.leader}`);
      case 'gap':
        if (this.state.session.hasGap) this.roles.look('a message from the leader was lost');
        return;
      case 'init':
        return this.onInitLimit();
      case 'connect':
        return this.onConnect();
      case 'flush':
        return this.onFlush();
      case 'election':
      case 'finalize':
      case 'tick':
        return;
      default:
        return assertNever(name);
    }
  }

  /** Until the leader is established a request waits here; a local read is sent to the leader. */
  request(client: ClientId, reqId: number, op: KvOp): void {
    this.server.holdUntilEstablished(client, reqId, op, this.state.leader);
  }

  leave(): void {
    this.state.phase = null;
  }

  /** A message of the session, delivered in order, to the phase we are in. */
  abstract fromLeader(msg: LeaderMessage): void;

  protected onInitLimit(): void {
    this.roles.look('not established within initLimit');
  }

  protected onConnect(): void {}

  protected onFlush(): void {}

  sendToLeader(body: Body<FollowerMessage>): void {
    const session = this.state.session;
    this.server.env.send(session.peer, stamp(body, session.sid, session.nextSeq()) as FollowerMessage);
  }

  protected moveTo(next: FollowerRole): void {
    this.state.phase = next;
    this.roles.enter(next);
  }

  private receive(msg: LeaderMessage): void {
    const state = this.state;
    if (msg.sid !== state.session.sid) return;
    const hadGap = state.session.hasGap;
    const outcome = state.session.receive(msg);
    if (outcome.kind === 'broken') return this.roles.look(`session broken: ${outcome.why}`);
    this.server.setTimer('silence', this.server.config.leaderTimeout);
    this.server.trackGap('gap', hadGap, state.session.hasGap);
    if (outcome.kind !== 'deliver') return;
    this.deliver(outcome.messages);
  }

  /** Each message goes to the phase we are in by then; none once we look for a leader again. */
  protected deliver(messages: readonly LeaderMessage[]): void {
    for (const msg of messages) {
      const phase = this.state.phase;
      if (phase === null) return;
      phase.fromLeader(msg);
    }
  }

  /** After NEWLEADER's history is durable: check it is the leader's, and enter synchronization. */
  protected finishSync(msg: NewLeader): void {
    const history = this.server.history;
    assert(
      history.length === msg.length && sameZxid(history.lastZxid(), msg.lastZxid),
      () => `after ${msg.sync.mode} the history ends at ${history.length}/${formatZxid(history.lastZxid())}, the leader said ${msg.length}/${formatZxid(msg.lastZxid)}`,
    );
    this.moveTo(new FollowerSync(this.server, this.roles, this.state));
  }
}

/** Phase 1: connect, promise the new epoch. */
class FollowerDiscovery extends FollowerRole {
  readonly phase = 'discovery';

  fromLeader(msg: LeaderMessage): void {
    switch (msg.type) {
      case 'NEWEPOCH':
        return this.onNewEpoch(msg.epoch);
      case 'NEWLEADER':
        return this.onNewLeader(msg);
      case 'COMMIT-LD':
        return this.roles.look('COMMIT-LD out of place');
      case 'PROPOSE':
        return this.roles.look('PROPOSE before NEWLEADER');
      case 'COMMIT':
        return;
      case 'PING':
        return this.sendToLeader({ type: 'PONG' });
      default:
        return assertNever(msg);
    }
  }

  /** Like ZooKeeper's connectToLeader retries: until the leader answers, open a new session. */
  protected override onConnect(): void {
    const state = this.state;
    if (state.session.delivered > 0) return;
    state.session = newSession(this.server, state.leader);
    this.sendToLeader({ type: 'CEPOCH', acceptedEpoch: this.server.acceptedEpoch });
    this.server.setTimer('connect', this.server.config.tickTime);
  }

  /** Step f.1.1: promise e' by making acceptedEpoch durable, then ACK-E with our history's summary. */
  private onNewEpoch(epoch: number): void {
    const server = this.server;
    if (this.state.epoch !== null) return this.roles.look('NEWEPOCH out of place');
    if (epoch < server.acceptedEpoch) return this.roles.look(`NEWEPOCH ${epoch} < acceptedEpoch ${server.acceptedEpoch}`);
    let reported = server.currentEpoch;
    if (epoch > server.acceptedEpoch) {
      server.writeAcceptedEpoch(epoch);
      // The promise must survive a crash before anyone can count it (the Paxos promise analogue).
      if (!server.bugs.has(BUG_FORGET_ACCEPTED_EPOCH)) server.env.storage.sync();
    } else {
      // Already promised this epoch (an earlier session): ZooKeeper answers -1, not counted in Q.
      reported = -1;
    }
    this.state.epoch = epoch;
    this.sendToLeader({ type: 'ACK-E', epoch, currentEpoch: reported, lastZxid: server.lastZxid() });
    server.env.moment({ kind: 'vote', for: this.state.session.peer, term: epoch });
  }

  /**
   * Step f.2.1: adopt the leader's history and epoch. The order is the whole point: the history
   * must be on disk before currentEpoch says "I hold epoch e's initial history", and both before
   * ACK-LD lets the leader count us (ZOOKEEPER-3911, -4643, -4646).
   *
   * The two buggy variants model ZooKeeper's asynchronous transaction log: the synced transactions
   * reach the disk only when a lazy flush runs (FLUSH_TICKS heartbeats later); meanwhile later
   * messages from the leader wait behind it, as they would in the log's queue.
   */
  private onNewLeader(msg: NewLeader): void {
    const server = this.server;
    if (this.state.epoch !== msg.epoch || msg.epoch !== server.acceptedEpoch) return mismatch(this.roles, msg, server);
    if (server.bugs.has(BUG_EPOCH_BEFORE_HISTORY)) {
      server.writeCurrentEpoch(msg.epoch);
      server.env.storage.sync();
      return this.deferFlush(msg);
    }
    if (server.bugs.has(BUG_ACK_BEFORE_DURABLE)) {
      this.sendToLeader({ type: 'ACK-LD', epoch: msg.epoch, length: msg.length });
      return this.deferFlush(msg);
    }
    server.applySyncPlan(msg.sync);
    server.env.storage.sync();
    server.writeCurrentEpoch(msg.epoch);
    server.env.storage.sync();
    this.finishSync(msg);
    this.sendToLeader({ type: 'ACK-LD', epoch: msg.epoch, length: msg.length });
  }

  private deferFlush(msg: NewLeader): void {
    this.moveTo(new FollowerFlushing(this.server, this.roles, this.state, msg));
    this.server.env.note(`NEWLEADER ${msg.epoch}: transactions queued for a lazy flush`);
    this.server.setTimer('flush', this.server.config.tickTime * FLUSH_TICKS);
  }
}

/** Buggy variants: still discovery until the lazy flush writes NEWLEADER's transactions. */
class FollowerFlushing extends FollowerRole {
  readonly phase = 'discovery';
  private readonly newLeader: NewLeader;
  private readonly queued: LeaderMessage[] = [];

  constructor(server: ZabServer, roles: RoleSwitch, state: FollowerState, newLeader: NewLeader) {
    super(server, roles, state);
    this.newLeader = newLeader;
  }

  fromLeader(msg: LeaderMessage): void {
    if (this.queued.length >= MAX_QUEUED) return this.roles.look('too many messages behind the flush');
    this.queued.push(msg);
  }

  protected override onFlush(): void {
    const server = this.server;
    const msg = this.newLeader;
    server.applySyncPlan(msg.sync);
    server.writeCurrentEpoch(msg.epoch);
    server.env.storage.sync();
    this.finishSync(msg);
    if (server.bugs.has(BUG_EPOCH_BEFORE_HISTORY)) this.sendToLeader({ type: 'ACK-LD', epoch: msg.epoch, length: msg.length });
    this.deliver(this.queued);
  }
}

/** Phases 2 and 3 alike: proposals are accepted, commits delivered; they differ on COMMIT-LD. */
abstract class SyncedFollower extends FollowerRole {
  fromLeader(msg: LeaderMessage): void {
    switch (msg.type) {
      case 'NEWEPOCH':
        return this.roles.look('NEWEPOCH out of place');
      case 'NEWLEADER':
        return mismatch(this.roles, msg, this.server);
      case 'COMMIT-LD':
        return this.onCommitLeader(msg.commit);
      case 'PROPOSE':
        return this.onPropose(msg);
      case 'COMMIT':
        return this.server.advanceCommit(msg.commit);
      case 'PING':
        this.server.advanceCommit(msg.commit);
        return this.sendToLeader({ type: 'PONG' });
      default:
        return assertNever(msg);
    }
  }

  protected abstract onCommitLeader(commit: number): void;

  /** Step f.3.1: accept proposals strictly in order, durably, then ACK. */
  private onPropose(msg: LeaderMessage & { type: 'PROPOSE' }): void {
    const server = this.server;
    const history = server.history;
    const last = server.lastZxid();
    if (msg.index !== history.length || msg.txn.zxid.epoch !== server.currentEpoch || compareZxid(msg.txn.zxid, last) <= 0) {
      return this.roles.look(`PROPOSE ${formatZxid(msg.txn.zxid)} at ${msg.index} does not extend ${formatZxid(last)} at ${history.length}`);
    }
    history.append(msg.txn);
    server.env.storage.sync();
    this.sendToLeader({ type: 'ACK', epoch: server.currentEpoch, length: history.length });
    server.env.moment({ kind: 'ack', to: this.state.session.peer, index: history.length, term: server.currentEpoch });
  }
}

/** Phase 2: our history is the leader's, durably; wait for the epoch to be established. */
class FollowerSync extends SyncedFollower {
  readonly phase = 'synchronization';

  /** Step f.2.2: the leader is established; deliver its committed prefix, send what waits here. */
  protected onCommitLeader(commit: number): void {
    const server = this.server;
    this.moveTo(new FollowerBroadcast(server, this.roles, this.state));
    server.cancelTimer('init');
    server.advanceCommit(commit);
    for (const [client, request] of server.waiting()) {
      this.sendToLeader({ type: 'REQUEST', client, reqId: request.reqId, op: request.op });
    }
  }
}

/** Phase 3: the leader is established. */
class FollowerBroadcast extends SyncedFollower {
  readonly phase = 'broadcast';

  protected onCommitLeader(): void {
    this.roles.look('COMMIT-LD out of place');
  }

  override request(client: ClientId, reqId: number, op: KvOp): void {
    const server = this.server;
    // ZooKeeper's read path: answer from the local replica (sequentially consistent, may be stale).
    if (server.isLocalRead(op)) return server.env.reply(client, reqId, { kind: 'result', result: server.env.machine.peek(op.key) });
    if (server.hold(client, reqId, op)) this.sendToLeader({ type: 'REQUEST', client, reqId, op });
  }

  protected override onInitLimit(): void {}
}

function mismatch(roles: RoleSwitch, msg: NewLeader, server: ZabServer): void {
  roles.look(`NEWLEADER ${msg.epoch} does not match accepted epoch ${server.acceptedEpoch}`);
}

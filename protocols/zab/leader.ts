/**
 * A Zab leader, one handler per phase (Junqueira, Reed, Serafini 2011, steps l.1 to l.3):
 *
 *  - LeaderDiscovery (l.1.1, l.1.2): gather CEPOCH from a quorum, pick e' above every promise,
 *    send NEWEPOCH(e'), count ACK-E; give up if a follower's history is more recent than ours.
 *  - LeaderSync (l.2.1, l.2.2): persist currentEpoch = e', send each follower NEWLEADER with a
 *    DIFF/TRUNC/SNAP of our history, count ACK-LD; a quorum establishes the epoch.
 *  - LeaderBroadcast (l.3.1 to l.3.3): propose client requests, commit what a quorum acknowledged,
 *    and run discovery and synchronization with any follower that joins late.
 *
 * What all three share (follower sessions, heartbeats, a CEPOCH from a new session) is in
 * LeaderRole; each phase overrides only the hooks where it differs.
 */
import type { ClientId, KvOp, NodeId } from '../api.js';
import { assertNever } from '../api.js';
import { assert, kthLargest, VoteTally } from '../kit/index.js';
import { moreRecent } from './election.js';
import type { Body, FollowerMessage, LeaderMessage, ZabMessage } from './messages.js';
import { EpochRole, isPeerGapTimer, peerGapTimer, peerOfGapTimer, type RoleSwitch, type ZabRole, type ZabTimer } from './roles.js';
import type { ZabServer } from './server.js';
import { Session, stamp } from './session.js';
import { planSync } from './sync.js';
import { compareZxid, formatZxid, makeTxn, ZERO_ZXID, type Zxid } from './zxid.js';

/** Where a follower's session with this leader stands. */
type LinkStage = 'cepoch' | 'newepoch' | 'acked-epoch' | 'newleader' | 'synced' | 'active';

interface FollowerLink {
  readonly session: Session<FollowerMessage>;
  stage: LinkStage;
  lastZxid: Zxid;
}

const LINKS_WITH_HISTORY: readonly LinkStage[] = ['newleader', 'synced', 'active'];

/** One leadership, from the election that chose this server until it steps down. */
interface LeaderState {
  /** e', once a quorum of CEPOCHs fixed it. */
  epoch: number | null;
  readonly links: Map<NodeId, FollowerLink>;
  /** acceptedEpoch of each CEPOCH sender (this node included): the new epoch exceeds them all. */
  readonly promised: Map<NodeId, number>;
  /** Quorum Q of the paper: ACK-E counted, then ACK-LD counted (this node included). */
  readonly ackedEpoch: VoteTally;
  readonly ackedLeader: VoteTally;
  /** Durable history length each follower acknowledged in this epoch (ACK-LD or ACK). */
  readonly acked: Map<NodeId, number>;
  readonly lastHeard: Map<NodeId, number>;
  /** Uncommitted proposals per client: the request id proposed (so a retry is not proposed twice). */
  readonly proposals: Map<ClientId, number>;
  counter: number;
  /** The handler of the phase this leadership is in; null once it is over. */
  phase: LeaderRole | null;
}

/** The election chose this server: become a prospective leader (discovery). */
export function startLeading(server: ZabServer, roles: RoleSwitch): void {
  server.vote = server.selfVote();
  const id = server.env.id;
  const state: LeaderState = {
    epoch: null,
    links: new Map(),
    promised: new Map([[id, server.acceptedEpoch]]),
    ackedEpoch: new VoteTally(server.quorum),
    ackedLeader: new VoteTally(server.quorum),
    acked: new Map(),
    lastHeard: new Map(),
    proposals: new Map(),
    counter: 0,
    phase: null,
  };
  state.ackedEpoch.add(id);
  state.ackedLeader.add(id);
  const discovery = new LeaderDiscovery(server, roles, state);
  state.phase = discovery;
  roles.enter(discovery);
  server.env.note(`prospective leader, round ${server.round}`);
  server.setTimer('init', server.config.initLimit);
  server.setTimer('tick', server.config.tickTime);
  discovery.maybeChooseEpoch();
}

abstract class LeaderRole extends EpochRole<LeaderState> implements ZabRole {
  readonly role = 'leading';
  abstract readonly phase: 'discovery' | 'synchronization' | 'broadcast';

  get leaderId(): NodeId {
    return this.server.env.id;
  }

  get term(): number {
    return this.state.epoch ?? this.server.currentEpoch;
  }

  step(from: NodeId, msg: ZabMessage): void {
    switch (msg.type) {
      case 'VOTE':
        return this.server.answerVote(from, msg, 'leading');
      case 'CEPOCH':
        return this.onCepoch(from, msg);
      case 'ACK-E':
      case 'ACK-LD':
      case 'ACK':
      case 'REQUEST':
      case 'PONG':
        return this.receive(from, msg);
      case 'RESET':
      case 'NEWEPOCH':
      case 'NEWLEADER':
      case 'COMMIT-LD':
      case 'PROPOSE':
      case 'COMMIT':
      case 'PING':
        return;
      default:
        return assertNever(msg);
    }
  }

  timer(name: ZabTimer): void {
    if (isPeerGapTimer(name)) {
      const peer = peerOfGapTimer(name);
      if (this.state.links.get(peer)?.session.hasGap === true) this.dropLink(peer, 'a message was lost');
      return;
    }
    switch (name) {
      case 'tick':
        return this.onTick();
      case 'init':
        return this.onInitLimit();
      case 'election':
      case 'finalize':
      case 'connect':
      case 'flush':
      case 'silence':
      case 'gap':
        return;
      default:
        return assertNever(name);
    }
  }

  /** Before the epoch is established a request waits here (and a local read goes elsewhere). */
  request(client: ClientId, reqId: number, op: KvOp): void {
    this.server.holdUntilEstablished(client, reqId, op, null);
  }

  /** Stepping down: reset every follower's session (a TCP reset), as ZooKeeper closes its sockets. */
  leave(): void {
    for (const [peer, link] of this.state.links) {
      this.server.env.send(peer, { type: 'RESET', sid: link.session.sid });
      this.server.cancelTimer(peerGapTimer(peer));
    }
    this.state.phase = null;
  }

  // ------------------------------------------------------------------ what the phases do differently

  /** Step l.1.2 in discovery; a follower joining later is sent NEWLEADER at once. */
  protected onEpochAcked(_from: NodeId, link: FollowerLink, _msg: FollowerMessage & { type: 'ACK-E' }): void {
    this.sendNewLeader(link);
  }

  /** A follower's history equals ours (ACK-LD); counted in synchronization, committed to in broadcast. */
  protected onLeaderAcked(_from: NodeId, _link: FollowerLink): void {}

  /** A follower acknowledged proposals (ACK): only an established leader commits. */
  protected onAcked(): void {}

  /** A request a follower forwarded: only an established leader proposes. */
  protected onForwarded(_client: ClientId, _reqId: number, _op: KvOp): void {}

  /** initLimit ran out before the epoch was established. */
  protected onInitLimit(): void {
    this.roles.look('not established within initLimit');
  }

  /** After a heartbeat round: false when the leader stepped down. */
  protected afterHeartbeat(_now: number): boolean {
    return true;
  }

  // ------------------------------------------------------------------ shared by all phases

  protected sendToFollower(link: FollowerLink, body: Body<LeaderMessage>): void {
    const session = link.session;
    this.server.env.send(session.peer, stamp(body, session.sid, session.nextSeq()) as LeaderMessage);
  }

  /** A new session (its CEPOCH is message 0): step l.1.1 before e' is chosen, step l.3.3 after. */
  protected onCepoch(from: NodeId, msg: FollowerMessage & { type: 'CEPOCH' }): void {
    const state = this.state;
    const existing = state.links.get(from);
    if (msg.seq !== 0 || existing?.session.sid === msg.sid) return;
    if (existing !== undefined) this.dropLink(from, 'replaced by a new session');
    const link: FollowerLink = { session: new Session<FollowerMessage>(from, msg.sid, 1), stage: 'cepoch', lastZxid: ZERO_ZXID };
    state.links.set(from, link);
    state.lastHeard.set(from, this.server.env.now());
    this.onNewFollower(from, link, msg);
  }

  protected onNewFollower(from: NodeId, link: FollowerLink, msg: FollowerMessage & { type: 'CEPOCH' }): void {
    const epoch = this.state.epoch as number;
    if (msg.acceptedEpoch > epoch) {
      // It promised a later epoch (to a leader that failed): it can never join ours, and if we keep
      // a quorum without it, it would stay out for good. Re-elect; the next epoch exceeds its promise.
      return this.roles.look(`${from} promised epoch ${msg.acceptedEpoch} > ${epoch}`);
    }
    // Step l.3.3: a server joining an established (or establishing) leader.
    this.sendToFollower(link, { type: 'NEWEPOCH', epoch });
    link.stage = 'newepoch';
  }

  private receive(from: NodeId, msg: FollowerMessage): void {
    const state = this.state;
    const link = state.links.get(from);
    if (link === undefined || link.session.sid !== msg.sid) {
      // Not our session (we dropped it): tell the sender to reconnect.
      this.server.env.send(from, { type: 'RESET', sid: msg.sid });
      return;
    }
    state.lastHeard.set(from, this.server.env.now());
    const hadGap = link.session.hasGap;
    const outcome = link.session.receive(msg);
    if (outcome.kind === 'broken') return this.dropLink(from, outcome.why);
    this.server.trackGap(peerGapTimer(from), hadGap, link.session.hasGap);
    if (outcome.kind !== 'deliver') return;
    for (const delivered of outcome.messages) {
      // Each message goes to the phase we are in by then; none once we stepped down or dropped it.
      const phase = state.phase;
      if (phase === null || state.links.get(from) !== link) return;
      phase.fromFollower(from, link, delivered);
    }
  }

  private fromFollower(from: NodeId, link: FollowerLink, msg: FollowerMessage): void {
    switch (msg.type) {
      case 'CEPOCH':
        return this.dropLink(from, 'second CEPOCH on one session');
      case 'ACK-E':
        if (this.state.epoch === null || msg.epoch !== this.state.epoch) return;
        link.lastZxid = msg.lastZxid;
        link.stage = 'acked-epoch';
        return this.onEpochAcked(from, link, msg);
      case 'ACK-LD':
        if (msg.epoch !== this.state.epoch) return;
        this.recordAck(from, msg.length);
        link.stage = 'synced';
        return this.onLeaderAcked(from, link);
      case 'ACK':
        if (msg.epoch !== this.state.epoch) return;
        this.recordAck(from, msg.length);
        return this.onAcked();
      case 'REQUEST':
        return this.onForwarded(msg.client, msg.reqId, msg.op);
      case 'PONG':
        return;
      default:
        return assertNever(msg);
    }
  }

  private recordAck(from: NodeId, length: number): void {
    const history = this.server.history;
    assert(length <= history.length, () => `${from} acknowledged ${length} transactions, the history has ${history.length}`);
    this.state.acked.set(from, Math.max(this.state.acked.get(from) ?? 0, length));
  }

  /** The longest prefix durable on a quorum (this leader included) in this epoch. */
  protected quorumAcked(): number {
    const lengths = [this.server.history.length];
    for (const peer of this.server.env.peers) lengths.push(this.state.acked.get(peer) ?? 0);
    return kthLargest(lengths, this.server.quorum) ?? 0;
  }

  /** Step l.2.1: NEWLEADER(e') with the plan that makes the follower's history ours. */
  protected sendNewLeader(link: FollowerLink): void {
    const history = this.server.history;
    const sync = planSync({ held: history.entries(), compacted: history.compacted, snapshot: history.latest }, link.lastZxid);
    const last = history.lastZxid();
    this.server.env.note(`${sync.mode} to ${link.session.peer} (its last ${formatZxid(link.lastZxid)}, ours ${formatZxid(last)})`);
    this.sendToFollower(link, { type: 'NEWLEADER', epoch: this.state.epoch as number, sync, length: history.length, lastZxid: last });
    link.stage = 'newleader';
  }

  protected dropLink(peer: NodeId, why: string): void {
    const link = this.state.links.get(peer);
    if (link === undefined) return;
    this.state.links.delete(peer);
    this.server.cancelTimer(peerGapTimer(peer));
    this.server.env.send(peer, { type: 'RESET', sid: link.session.sid });
    this.server.env.note(`dropped ${peer}'s session: ${why}`);
  }

  /** Leader heartbeat: PING everyone, drop silent sessions (an established leader also checks its quorum). */
  private onTick(): void {
    const state = this.state;
    const now = this.server.env.now();
    const timeout = this.server.config.leaderTimeout;
    for (const [peer, link] of [...state.links]) {
      if (now - (state.lastHeard.get(peer) ?? now) > timeout) this.dropLink(peer, 'silent');
      else this.sendToFollower(link, { type: 'PING', commit: this.server.commitIndex });
    }
    if (!this.afterHeartbeat(now)) return;
    this.server.setTimer('tick', this.server.config.tickTime);
  }
}

/** Phase 1: CEPOCH from a quorum fixes e'; ACK-E from a quorum lets synchronization start. */
class LeaderDiscovery extends LeaderRole {
  readonly phase = 'discovery';

  /** Step l.1.1: once a quorum sent CEPOCH, e' = 1 + the largest promised epoch among them. */
  maybeChooseEpoch(): void {
    const state = this.state;
    if (state.epoch !== null || state.promised.size < this.server.quorum) return;
    let epoch = 0;
    for (const promised of state.promised.values()) epoch = Math.max(epoch, promised);
    epoch++;
    this.server.writeAcceptedEpoch(epoch);
    this.server.env.storage.sync();
    state.epoch = epoch;
    this.server.env.note(`NEWEPOCH ${epoch}`);
    for (const link of state.links.values()) {
      if (link.stage !== 'cepoch') continue;
      this.sendToFollower(link, { type: 'NEWEPOCH', epoch });
      link.stage = 'newepoch';
    }
    this.maybeStartSync();
  }

  protected override onNewFollower(from: NodeId, link: FollowerLink, msg: FollowerMessage & { type: 'CEPOCH' }): void {
    if (this.state.epoch !== null) return super.onNewFollower(from, link, msg);
    this.state.promised.set(from, msg.acceptedEpoch);
    this.maybeChooseEpoch();
  }

  /** Step l.1.2: count ACK-E; a follower more recent than us means FLE picked wrongly: give up. */
  protected override onEpochAcked(from: NodeId, _link: FollowerLink, msg: FollowerMessage & { type: 'ACK-E' }): void {
    if (msg.currentEpoch >= 0) {
      const server = this.server;
      if (moreRecent(msg.currentEpoch, msg.lastZxid, server.currentEpoch, server.lastZxid())) {
        return this.roles.look(`${from} has a more recent history (${msg.currentEpoch}, ${formatZxid(msg.lastZxid)})`);
      }
      this.state.ackedEpoch.add(from);
    }
    this.maybeStartSync();
  }

  private maybeStartSync(): void {
    if (this.state.epoch === null || !this.state.ackedEpoch.reached) return;
    const next = new LeaderSync(this.server, this.roles, this.state);
    this.state.phase = next;
    this.roles.enter(next);
    next.begin();
  }
}

/** Phase 2: every follower gets NEWLEADER; ACK-LD from a quorum establishes the epoch. */
class LeaderSync extends LeaderRole {
  readonly phase = 'synchronization';

  /** Step l.2.1: with a quorum of promises, adopt e' and send our history as NEWLEADER. */
  begin(): void {
    const state = this.state;
    const epoch = state.epoch as number;
    this.server.writeCurrentEpoch(epoch);
    this.server.env.storage.sync();
    this.server.env.note(`synchronizing epoch ${epoch} with ${state.ackedEpoch.voters().join(',')}`);
    for (const link of state.links.values()) if (link.stage === 'acked-epoch') this.sendNewLeader(link);
    this.maybeEstablish();
  }

  /** Step l.2.2: count ACK-LD; with a quorum the epoch is established. */
  protected override onLeaderAcked(from: NodeId): void {
    this.state.ackedLeader.add(from);
    this.maybeEstablish();
  }

  private maybeEstablish(): void {
    if (!this.state.ackedLeader.reached) return;
    const next = new LeaderBroadcast(this.server, this.roles, this.state);
    this.state.phase = next;
    this.roles.enter(next);
    next.begin();
  }
}

/** Phase 3: propose, count ACKs, commit in zxid order; late followers are synchronized on arrival. */
class LeaderBroadcast extends LeaderRole {
  readonly phase = 'broadcast';

  /** The epoch is established: our whole history is committed (COMMIT-LD); propose what waits. */
  begin(): void {
    const server = this.server;
    const state = this.state;
    server.cancelTimer('init');
    server.env.note(`established epoch ${state.epoch} with ${state.ackedLeader.voters().join(',')}`);
    server.commitIndex = Math.max(server.commitIndex, this.quorumAcked());
    for (const link of state.links.values()) {
      if (link.stage !== 'synced') continue;
      this.sendToFollower(link, { type: 'COMMIT-LD', commit: server.commitIndex });
      link.stage = 'active';
    }
    this.applyCommitted();
    for (const [client, request] of server.waiting()) this.submit(client, request.reqId, request.op);
  }

  override request(client: ClientId, reqId: number, op: KvOp): void {
    const server = this.server;
    // ZooKeeper's read path: answer from the local replica (sequentially consistent, may be stale).
    if (server.isLocalRead(op)) return server.env.reply(client, reqId, { kind: 'result', result: server.env.machine.peek(op.key) });
    if (server.hold(client, reqId, op)) this.submit(client, reqId, op);
  }

  /** A follower that joined late is synchronized: it is told what is committed and gets proposals. */
  protected override onLeaderAcked(_from: NodeId, link: FollowerLink): void {
    this.sendToFollower(link, { type: 'COMMIT-LD', commit: this.server.commitIndex });
    link.stage = 'active';
    this.updateCommit();
  }

  protected override onAcked(): void {
    this.updateCommit();
  }

  protected override onForwarded(client: ClientId, reqId: number, op: KvOp): void {
    this.submit(client, reqId, op);
  }

  protected override onInitLimit(): void {}

  /** Step down without a live quorum (itself included) heard within leaderTimeout. */
  protected override afterHeartbeat(now: number): boolean {
    const timeout = this.server.config.leaderTimeout;
    let alive = 1;
    for (const peer of this.server.env.peers) {
      const heard = this.state.lastHeard.get(peer);
      if (heard !== undefined && now - heard <= timeout) alive++;
    }
    if (alive >= this.server.quorum) return true;
    this.roles.look(`only ${alive} of ${this.server.env.nodes.length} servers reachable`);
    return false;
  }

  /** Step l.3.1: propose a request unless it is already done or proposed. */
  private submit(client: ClientId, reqId: number, op: KvOp): void {
    const server = this.server;
    const state = this.state;
    const cached = server.env.machine.cached(client, reqId);
    if (cached !== undefined) return server.answerWaiting(client, reqId);
    const proposed = state.proposals.get(client);
    if (proposed !== undefined && proposed >= reqId) return;
    state.counter++;
    const txn = makeTxn(state.epoch as number, state.counter, { client, reqId, op });
    assert(compareZxid(txn.zxid, server.lastZxid()) > 0, () => `proposes ${formatZxid(txn.zxid)} after ${formatZxid(server.lastZxid())}`);
    const index = server.history.length;
    server.history.append(txn);
    server.env.storage.sync();
    state.proposals.set(client, reqId);
    for (const link of state.links.values()) {
      if (LINKS_WITH_HISTORY.includes(link.stage)) this.sendToFollower(link, { type: 'PROPOSE', index, txn });
    }
    this.updateCommit();
  }

  /** Step l.3.2: commit in zxid order once a quorum acknowledged. */
  private updateCommit(): void {
    const commit = this.quorumAcked();
    if (commit <= this.server.commitIndex) return;
    this.server.commitIndex = commit;
    for (const link of this.state.links.values()) {
      if (LINKS_WITH_HISTORY.includes(link.stage)) this.sendToFollower(link, { type: 'COMMIT', commit });
    }
    this.applyCommitted();
  }

  private applyCommitted(): void {
    const proposals = this.state.proposals;
    this.server.applyCommitted((cmd) => {
      if (proposals.get(cmd.client) === cmd.reqId) proposals.delete(cmd.client);
    });
  }
}

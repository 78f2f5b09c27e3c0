/**
 * One Zab server: election, discovery, synchronization and broadcast (see index.ts for the tour).
 *
 * Durable state (the paper's h_f, f.p and f.a): the history (a DurableLog of transactions),
 * acceptedEpoch (f.p, the last NEWEPOCH promised) and currentEpoch (f.a, the last NEWLEADER
 * accepted), each written to disk and synced before any message that depends on it leaves.
 * Everything else is volatile and rebuilt after a restart: the committed prefix is learned again
 * from the next leader, and the machine is rebuilt by re-applying it.
 */
import type { ClientId, DurableLog, KvOp, NodeEnv, NodeId, ProtocolNode } from '../api.js';
import { assertNever, majority } from '../api.js';
import { betterVote, moreRecent, sameVote, supportFor } from './election.js';
import type {
  Body,
  FollowerMessage,
  LeaderMessage,
  ServerState,
  SyncPlan,
  Vote,
  VoteMessage,
  ZabMessage,
} from './messages.js';
import { Session } from './session.js';
import { commonPrefix, planSync } from './sync.js';
import { compareZxid, formatZxid, lastZxidOf, makeTxn, sameZxid, ZERO_ZXID, type Txn, type Zxid } from './zxid.js';

export const ACCEPTED_EPOCH_KEY = 'zab.acceptedEpoch';
export const CURRENT_EPOCH_KEY = 'zab.currentEpoch';
export const HISTORY_LOG = 'zab.history';

export const BUG_FORGET_ACCEPTED_EPOCH = 'zab.forget-accepted-epoch';
export const BUG_ACK_BEFORE_DURABLE = 'zab.ack-before-durable';
export const BUG_EPOCH_BEFORE_HISTORY = 'zab.epoch-before-history';

/** Validated options, durations in microseconds. */
export interface ZabConfig {
  readonly tickMicros: number;
  readonly leaderTimeoutMicros: number;
  readonly initLimitMicros: number;
  readonly electionTimeoutMicros: number;
  readonly finalizeWaitMicros: number;
  readonly reorderWindowMicros: number;
  readonly reads: 'broadcast' | 'local';
}

export type Phase = 'election' | 'discovery' | 'synchronization' | 'broadcast';

export interface ZabView {
  readonly role: ServerState;
  readonly term: number;
  readonly leader: NodeId | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly logLength: number;
  readonly phase: Phase;
  /** The epoch this node leads or follows in (null before NEWEPOCH). */
  readonly epoch: number | null;
  readonly acceptedEpoch: number;
  readonly currentEpoch: number;
  /** The live history (read-only; valid until the node's next step). */
  readonly history: readonly Txn[];
  /** How many times a sync removed transactions here, and what the last one removed. */
  readonly truncations: number;
  readonly truncatedFrom: number;
  readonly removed: readonly Txn[];
}

/** Where a follower's session with this leader stands. */
type LinkStage = 'cepoch' | 'newepoch' | 'acked-epoch' | 'newleader' | 'synced' | 'active';

interface FollowerLink {
  readonly session: Session<FollowerMessage>;
  stage: LinkStage;
  lastZxid: Zxid;
}

interface LeaderState {
  /** e', once a quorum of CEPOCHs fixed it. */
  epoch: number | null;
  phase: 'discovery' | 'synchronization' | 'broadcast';
  readonly links: Map<NodeId, FollowerLink>;
  /** acceptedEpoch of each CEPOCH sender (this node included): the new epoch exceeds them all. */
  readonly promised: Map<NodeId, number>;
  /** Quorum Q of the paper: ACK-E counted, then ACK-LD counted (this node included). */
  readonly ackedEpoch: Set<NodeId>;
  readonly ackedLeader: Set<NodeId>;
  /** Durable history length each follower acknowledged in this epoch (ACK-LD or ACK). */
  readonly acked: Map<NodeId, number>;
  readonly lastHeard: Map<NodeId, number>;
  /** Uncommitted proposals per client: the request id proposed (so a retry is not proposed twice). */
  readonly proposals: Map<ClientId, number>;
  counter: number;
}

interface FollowerState {
  readonly leader: NodeId;
  /** Replaced while connecting: a CEPOCH that reached the leader before it was leading is lost. */
  session: Session<LeaderMessage>;
  phase: 'discovery' | 'synchronization' | 'broadcast';
  epoch: number | null;
  /** Buggy variants only: a NEWLEADER whose transactions wait for the lazy flush, and what came after it. */
  flushing: { readonly newLeader: LeaderMessage & { type: 'NEWLEADER' }; readonly queued: LeaderMessage[] } | null;
}

/** Buggy variants: the lazy flush of synced transactions runs this many heartbeats later. */
const FLUSH_TICKS = 4;

/** Most leader messages queued behind a lazy flush. */
const MAX_QUEUED = 4096;

interface PendingRequest {
  readonly reqId: number;
  readonly op: KvOp;
}

const SESSION_ID_SPAN = 2147483647;

const LINKS_WITH_HISTORY: readonly LinkStage[] = ['newleader', 'synced', 'active'];

export class ZabNode implements ProtocolNode<ZabMessage, ZabView> {
  private readonly env: NodeEnv<ZabMessage>;
  private readonly config: ZabConfig;
  private readonly bugs: ReadonlySet<string>;
  private readonly quorum: number;

  private history!: DurableLog<Txn>;
  private acceptedEpoch = 0;
  private currentEpoch = 0;
  private commitIndex = 0;
  private appliedIndex = 0;

  private role: ServerState = 'looking';
  private round = 0;
  private vote!: Vote;
  private votes = new Map<NodeId, Vote>();
  private outOfElection = new Map<NodeId, VoteMessage>();
  private leading: LeaderState | null = null;
  private following: FollowerState | null = null;
  /** Client requests this server accepted and has not answered, one per client (the latest). */
  private readonly pending = new Map<ClientId, PendingRequest>();

  private truncations = 0;
  private truncatedFrom = 0;
  private removed: readonly Txn[] = [];

  constructor(env: NodeEnv<ZabMessage>, config: ZabConfig, bugs: ReadonlySet<string>) {
    this.env = env;
    this.config = config;
    this.bugs = bugs;
    this.quorum = majority(env.nodes.length);
  }

  // ------------------------------------------------------------------ host entry points

  start(): void {
    this.history = this.env.storage.log<Txn>(HISTORY_LOG);
    this.acceptedEpoch = this.env.storage.read<number>(ACCEPTED_EPOCH_KEY) ?? 0;
    this.currentEpoch = this.env.storage.read<number>(CURRENT_EPOCH_KEY) ?? 0;
    this.becomeLooking('start');
  }

  onMessage(from: NodeId, msg: ZabMessage): void {
    switch (msg.type) {
      case 'VOTE':
        return this.onVote(from, msg);
      case 'RESET':
        if (this.following !== null && from === this.following.leader && msg.sid === this.following.session.sid) {
          this.becomeLooking(`${from} reset the session`);
        }
        return;
      case 'CEPOCH':
        if (this.leading !== null) this.onCepoch(from, msg);
        return;
      case 'ACK-E':
      case 'ACK-LD':
      case 'ACK':
      case 'REQUEST':
      case 'PONG':
        return this.receiveFromFollower(from, msg);
      case 'NEWEPOCH':
      case 'NEWLEADER':
      case 'COMMIT-LD':
      case 'PROPOSE':
      case 'COMMIT':
      case 'PING':
        if (this.following !== null && from === this.following.leader) this.receiveFromLeader(msg);
        return;
      default:
        return assertNever(msg);
    }
  }

  onTimer(name: string): void {
    if (name === 'election') return this.onElectionTimer();
    if (name === 'finalize') return this.onFinalizeTimer();
    if (name === 'tick') return this.onTick();
    if (name === 'init') return this.onInitTimer();
    if (name === 'connect') return this.onConnectTimer();
    if (name === 'flush') return this.onFlushTimer();
    if (name === 'silence') {
      if (this.following !== null) this.becomeLooking(`no word from ${this.following.leader}`);
      return;
    }
    if (name === 'gap') {
      if (this.following?.session.hasGap === true) this.becomeLooking('a message from the leader was lost');
      return;
    }
    if (name.startsWith('gap:')) {
      const peer = name.slice(4) as NodeId;
      const link = this.leading?.links.get(peer);
      if (link?.session.hasGap === true) this.dropLink(peer, 'a message was lost');
      return;
    }
    throw new Error(`zab: unknown timer ${name}`);
  }

  onRequest(client: ClientId, reqId: number, op: KvOp): void {
    const cached = this.env.machine.cached(client, reqId);
    if (cached !== undefined) {
      this.env.reply(client, reqId, { kind: 'result', result: cached });
      return;
    }
    if (op.f === 'read' && this.config.reads === 'local') return this.localRead(client, reqId, op.key);
    const known = this.pending.get(client);
    if (known !== undefined && known.reqId > reqId) return;
    this.pending.set(client, { reqId, op });
    if (this.leading?.phase === 'broadcast') this.submit(client, reqId, op);
    else if (this.following?.phase === 'broadcast') this.sendToLeader({ type: 'REQUEST', client, reqId, op });
    // Otherwise it waits in `pending` until this server leads or follows an established leader.
  }

  inspect(): ZabView {
    const leaderId = this.leading !== null ? this.env.id : (this.following?.leader ?? null);
    const epoch = this.leading?.epoch ?? this.following?.epoch ?? null;
    return {
      role: this.role,
      term: this.role === 'leading' && epoch !== null ? epoch : this.currentEpoch,
      leader: leaderId,
      commitIndex: this.commitIndex,
      appliedIndex: this.appliedIndex,
      logLength: this.history.length,
      phase: this.phase(),
      epoch,
      acceptedEpoch: this.acceptedEpoch,
      currentEpoch: this.currentEpoch,
      history: this.history.entries(),
      truncations: this.truncations,
      truncatedFrom: this.truncatedFrom,
      removed: this.removed,
    };
  }

  private phase(): Phase {
    if (this.leading !== null) return this.leading.phase;
    if (this.following !== null) return this.following.phase;
    return 'election';
  }

  // ------------------------------------------------------------------ phase 0: fast leader election

  private selfVote(): Vote {
    return { leader: this.env.id, epoch: this.currentEpoch, zxid: lastZxidOf(this.history.entries()) };
  }

  private becomeLooking(reason: string): void {
    this.leaveRole();
    this.env.note(`LOOKING (${reason})`);
    this.env.moment({ kind: 'era-change', term: this.acceptedEpoch + 1 });
    this.role = 'looking';
    this.round++;
    this.vote = this.selfVote();
    this.votes = new Map([[this.env.id, this.vote]]);
    this.outOfElection = new Map();
    this.broadcastVote();
    this.armElectionTimer();
    this.checkElectionQuorum();
  }

  /** Forget the leader or follower role; a leader tells its followers (a TCP reset). */
  private leaveRole(): void {
    if (this.leading !== null) {
      for (const [peer, link] of this.leading.links) {
        this.env.send(peer, { type: 'RESET', sid: link.session.sid });
        this.env.cancelTimer(`gap:${peer}`);
      }
    }
    this.leading = null;
    this.following = null;
    for (const name of ['tick', 'init', 'silence', 'gap', 'finalize', 'connect', 'flush']) this.env.cancelTimer(name);
  }

  private armElectionTimer(): void {
    const base = this.config.electionTimeoutMicros;
    this.env.setTimer('election', base + Math.floor(this.env.random() * base));
  }

  private broadcastVote(): void {
    for (const peer of this.env.peers) this.sendVote(peer);
  }

  private sendVote(to: NodeId): void {
    this.env.send(to, { type: 'VOTE', round: this.round, vote: this.vote, state: this.role });
  }

  private onVote(from: NodeId, msg: VoteMessage): void {
    if (this.role !== 'looking') {
      if (msg.state === 'looking') this.sendVote(from);
      return;
    }
    if (msg.state === 'looking') {
      this.outOfElection.delete(from);
      this.onLookingVote(from, msg);
    } else {
      this.onSettledVote(from, msg);
    }
  }

  private onLookingVote(from: NodeId, msg: VoteMessage): void {
    if (msg.round < this.round) {
      this.sendVote(from);
      return;
    }
    if (msg.round > this.round) {
      this.round = msg.round;
      const mine = this.selfVote();
      this.vote = betterVote(msg.vote, mine) ? msg.vote : mine;
      this.votes = new Map([[this.env.id, this.vote]]);
      this.broadcastVote();
    } else if (betterVote(msg.vote, this.vote)) {
      this.vote = msg.vote;
      this.votes.set(this.env.id, this.vote);
      this.broadcastVote();
    }
    this.recordVote(from, msg.vote);
    this.checkElectionQuorum();
  }

  /** Within a round a server's vote only improves; an older, worse one arriving late is ignored. */
  private recordVote(from: NodeId, vote: Vote): void {
    const previous = this.votes.get(from);
    if (previous === undefined || !betterVote(previous, vote)) this.votes.set(from, vote);
  }

  /** A server that already follows or leads: join its leader once a quorum (the leader included) says so. */
  private onSettledVote(from: NodeId, msg: VoteMessage): void {
    this.outOfElection.set(from, msg);
    const leader = msg.vote.leader;
    if (leader === this.env.id) {
      // A server already follows us (it decided first): its vote counts in our round.
      if (msg.round === this.round && sameVote(msg.vote, this.vote)) {
        this.recordVote(from, msg.vote);
        this.checkElectionQuorum();
      }
      return;
    }
    const claim = this.outOfElection.get(leader);
    if (claim === undefined || claim.state !== 'leading' || claim.vote.leader !== leader) return;
    let support = 0;
    for (const other of this.outOfElection.values()) if (other.vote.leader === leader) support++;
    if (support < this.quorum) return;
    this.round = Math.max(this.round, claim.round);
    this.vote = claim.vote;
    this.decide(leader);
  }

  private checkElectionQuorum(): void {
    if (supportFor(this.vote, this.votes) >= this.quorum) this.env.setTimer('finalize', this.config.finalizeWaitMicros);
  }

  private onElectionTimer(): void {
    if (this.role !== 'looking') return;
    this.broadcastVote();
    this.armElectionTimer();
  }

  /** FLE waits finalizeWait after reaching a quorum, in case a better vote is still on its way. */
  private onFinalizeTimer(): void {
    if (this.role !== 'looking') return;
    if (supportFor(this.vote, this.votes) < this.quorum) return;
    this.decide(this.vote.leader);
  }

  private decide(leader: NodeId): void {
    this.env.cancelTimer('election');
    this.env.cancelTimer('finalize');
    this.votes = new Map();
    this.outOfElection = new Map();
    if (leader === this.env.id) this.becomeLeader();
    else this.becomeFollower(leader);
  }

  // ------------------------------------------------------------------ phase 1: discovery

  private becomeLeader(): void {
    this.role = 'leading';
    this.vote = this.selfVote();
    this.leading = {
      epoch: null,
      phase: 'discovery',
      links: new Map(),
      promised: new Map([[this.env.id, this.acceptedEpoch]]),
      ackedEpoch: new Set([this.env.id]),
      ackedLeader: new Set([this.env.id]),
      acked: new Map(),
      lastHeard: new Map(),
      proposals: new Map(),
      counter: 0,
    };
    this.env.note(`prospective leader, round ${this.round}`);
    this.env.setTimer('init', this.config.initLimitMicros);
    this.env.setTimer('tick', this.config.tickMicros);
    this.maybeChooseEpoch();
  }

  private becomeFollower(leader: NodeId): void {
    this.role = 'following';
    const sid = 1 + Math.floor(this.env.random() * SESSION_ID_SPAN);
    this.following = { leader, session: new Session<LeaderMessage>(leader, sid, 0), phase: 'discovery', epoch: null, flushing: null };
    this.sendToLeader({ type: 'CEPOCH', acceptedEpoch: this.acceptedEpoch });
    this.env.setTimer('init', this.config.initLimitMicros);
    this.env.setTimer('silence', this.config.leaderTimeoutMicros);
    this.env.setTimer('connect', this.config.tickMicros);
  }

  /** Like ZooKeeper's connectToLeader retries: until the leader answers, open a new session. */
  private onConnectTimer(): void {
    const state = this.following;
    if (state === null || state.phase !== 'discovery' || state.session.delivered > 0) return;
    const sid = 1 + Math.floor(this.env.random() * SESSION_ID_SPAN);
    state.session = new Session<LeaderMessage>(state.leader, sid, 0);
    this.sendToLeader({ type: 'CEPOCH', acceptedEpoch: this.acceptedEpoch });
    this.env.setTimer('connect', this.config.tickMicros);
  }

  /** Step l.1.1: once a quorum sent CEPOCH, e' = 1 + the largest promised epoch among them. */
  private maybeChooseEpoch(): void {
    const leader = this.leading;
    if (leader === null || leader.epoch !== null || leader.promised.size < this.quorum) return;
    let epoch = 0;
    for (const promised of leader.promised.values()) epoch = Math.max(epoch, promised);
    epoch++;
    this.acceptedEpoch = epoch;
    this.env.storage.write(ACCEPTED_EPOCH_KEY, epoch);
    this.env.storage.sync();
    leader.epoch = epoch;
    this.env.note(`NEWEPOCH ${epoch}`);
    for (const link of leader.links.values()) {
      if (link.stage !== 'cepoch') continue;
      this.sendToFollower(link, { type: 'NEWEPOCH', epoch });
      link.stage = 'newepoch';
    }
    this.maybeStartSync();
  }

  private onCepoch(from: NodeId, msg: FollowerMessage & { type: 'CEPOCH' }): void {
    const leader = this.leading as LeaderState;
    const existing = leader.links.get(from);
    if (msg.seq !== 0 || existing?.session.sid === msg.sid) return;
    if (existing !== undefined) this.dropLink(from, 'replaced by a new session');
    const link: FollowerLink = { session: new Session<FollowerMessage>(from, msg.sid, 1), stage: 'cepoch', lastZxid: ZERO_ZXID };
    leader.links.set(from, link);
    leader.lastHeard.set(from, this.env.now());
    if (leader.epoch === null) {
      leader.promised.set(from, msg.acceptedEpoch);
      this.maybeChooseEpoch();
    } else if (msg.acceptedEpoch > leader.epoch) {
      // It promised a later epoch (to a leader that failed): it can never join ours, and if we keep
      // a quorum without it, it would stay out for good. Re-elect; the next epoch exceeds its promise.
      this.becomeLooking(`${from} promised epoch ${msg.acceptedEpoch} > ${leader.epoch}`);
    } else {
      // Step l.3.3: a server joining an established (or establishing) leader.
      this.sendToFollower(link, { type: 'NEWEPOCH', epoch: leader.epoch });
      link.stage = 'newepoch';
    }
  }

  /** Step f.1.1: promise e' by making acceptedEpoch durable, then ACK-E with our history's summary. */
  private onNewEpoch(state: FollowerState, epoch: number): void {
    if (state.phase !== 'discovery' || state.epoch !== null) return this.becomeLooking('NEWEPOCH out of place');
    if (epoch < this.acceptedEpoch) return this.becomeLooking(`NEWEPOCH ${epoch} < acceptedEpoch ${this.acceptedEpoch}`);
    let reported = this.currentEpoch;
    if (epoch > this.acceptedEpoch) {
      this.acceptedEpoch = epoch;
      this.env.storage.write(ACCEPTED_EPOCH_KEY, epoch);
      // The promise must survive a crash before anyone can count it (the Paxos promise analogue).
      if (!this.bugs.has(BUG_FORGET_ACCEPTED_EPOCH)) this.env.storage.sync();
    } else {
      // Already promised this epoch (an earlier session): ZooKeeper answers -1, not counted in Q.
      reported = -1;
    }
    state.epoch = epoch;
    this.sendToLeader({ type: 'ACK-E', epoch, currentEpoch: reported, lastZxid: lastZxidOf(this.history.entries()) });
    this.env.moment({ kind: 'vote', for: state.session.peer, term: epoch });
  }

  /** Step l.1.2: count ACK-E; a follower more recent than us means FLE picked wrongly: give up. */
  private onAckEpoch(from: NodeId, link: FollowerLink, msg: FollowerMessage & { type: 'ACK-E' }): void {
    const leader = this.leading as LeaderState;
    if (leader.epoch === null || msg.epoch !== leader.epoch) return;
    link.lastZxid = msg.lastZxid;
    link.stage = 'acked-epoch';
    if (leader.phase !== 'discovery') return this.sendNewLeader(link);
    if (msg.currentEpoch >= 0) {
      const mine = lastZxidOf(this.history.entries());
      if (moreRecent(msg.currentEpoch, msg.lastZxid, this.currentEpoch, mine)) {
        return this.becomeLooking(`${from} has a more recent history (${msg.currentEpoch}, ${formatZxid(msg.lastZxid)})`);
      }
      leader.ackedEpoch.add(from);
    }
    this.maybeStartSync();
  }

  // ------------------------------------------------------------------ phase 2: synchronization

  /** Step l.2.1: with a quorum of promises, adopt e' and send our history as NEWLEADER. */
  private maybeStartSync(): void {
    const leader = this.leading;
    if (leader === null || leader.phase !== 'discovery' || leader.epoch === null) return;
    if (leader.ackedEpoch.size < this.quorum) return;
    leader.phase = 'synchronization';
    this.currentEpoch = leader.epoch;
    this.env.storage.write(CURRENT_EPOCH_KEY, leader.epoch);
    this.env.storage.sync();
    this.env.note(`synchronizing epoch ${leader.epoch} with ${[...leader.ackedEpoch].join(',')}`);
    for (const link of leader.links.values()) if (link.stage === 'acked-epoch') this.sendNewLeader(link);
    this.maybeEstablish();
  }

  private sendNewLeader(link: FollowerLink): void {
    const leader = this.leading as LeaderState;
    const history = this.history.entries();
    const sync = planSync(history, link.lastZxid);
    this.env.note(`${sync.mode} to ${link.session.peer} (its last ${formatZxid(link.lastZxid)}, ours ${formatZxid(lastZxidOf(history))})`);
    this.sendToFollower(link, {
      type: 'NEWLEADER',
      epoch: leader.epoch as number,
      sync,
      length: history.length,
      lastZxid: lastZxidOf(history),
    });
    link.stage = 'newleader';
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
  private onNewLeader(state: FollowerState, msg: LeaderMessage & { type: 'NEWLEADER' }): void {
    if (state.phase !== 'discovery' || state.epoch !== msg.epoch || msg.epoch !== this.acceptedEpoch) {
      return this.becomeLooking(`NEWLEADER ${msg.epoch} does not match accepted epoch ${this.acceptedEpoch}`);
    }
    if (this.bugs.has(BUG_EPOCH_BEFORE_HISTORY)) {
      this.writeCurrentEpoch(msg.epoch);
      this.env.storage.sync();
      return this.deferFlush(state, msg);
    }
    if (this.bugs.has(BUG_ACK_BEFORE_DURABLE)) {
      this.sendToLeader({ type: 'ACK-LD', epoch: msg.epoch, length: msg.length });
      return this.deferFlush(state, msg);
    }
    this.applySyncPlan(msg.sync);
    this.env.storage.sync();
    this.writeCurrentEpoch(msg.epoch);
    this.env.storage.sync();
    this.finishSync(state, msg);
    this.sendToLeader({ type: 'ACK-LD', epoch: msg.epoch, length: msg.length });
  }

  private deferFlush(state: FollowerState, msg: LeaderMessage & { type: 'NEWLEADER' }): void {
    state.flushing = { newLeader: msg, queued: [] };
    this.env.note(`NEWLEADER ${msg.epoch}: transactions queued for a lazy flush`);
    this.env.setTimer('flush', this.config.tickMicros * FLUSH_TICKS);
  }

  private onFlushTimer(): void {
    const state = this.following;
    const flushing = state?.flushing ?? null;
    if (state === null || flushing === null) return;
    const msg = flushing.newLeader;
    this.applySyncPlan(msg.sync);
    this.writeCurrentEpoch(msg.epoch);
    this.env.storage.sync();
    state.flushing = null;
    this.finishSync(state, msg);
    if (this.bugs.has(BUG_EPOCH_BEFORE_HISTORY)) this.sendToLeader({ type: 'ACK-LD', epoch: msg.epoch, length: msg.length });
    for (const queued of flushing.queued) {
      if (this.following !== state) return;
      this.handleLeaderMessage(state, queued);
    }
  }

  private finishSync(state: FollowerState, msg: LeaderMessage & { type: 'NEWLEADER' }): void {
    const history = this.history.entries();
    if (history.length !== msg.length || !sameZxid(lastZxidOf(history), msg.lastZxid)) {
      throw new Error(`zab ${this.env.id}: after ${msg.sync.mode} history ends at ${history.length}/${formatZxid(lastZxidOf(history))}, leader said ${msg.length}/${formatZxid(msg.lastZxid)}`);
    }
    state.phase = 'synchronization';
  }

  private writeCurrentEpoch(epoch: number): void {
    this.currentEpoch = epoch;
    this.env.storage.write(CURRENT_EPOCH_KEY, epoch);
  }

  private applySyncPlan(plan: SyncPlan): void {
    switch (plan.mode) {
      case 'DIFF':
        if (plan.from !== this.history.length) {
          throw new Error(`zab ${this.env.id}: DIFF from ${plan.from} but history has ${this.history.length}`);
        }
        for (const txn of plan.txns) this.history.append(txn);
        return;
      case 'TRUNC': {
        const kept = this.history.get(plan.length - 1);
        if (kept === undefined || !sameZxid(kept.zxid, plan.anchor)) {
          throw new Error(`zab ${this.env.id}: TRUNC to ${plan.length} expects ${formatZxid(plan.anchor)} there`);
        }
        return this.replaceSuffix(plan.length, plan.txns);
      }
      case 'SNAP': {
        const keep = commonPrefix(this.history.entries(), plan.txns);
        return this.replaceSuffix(keep, plan.txns.slice(keep));
      }
      default:
        return assertNever(plan);
    }
  }

  /** Keep the first `keep` transactions, then append `tail`; remember what was removed (for the monitor). */
  private replaceSuffix(keep: number, tail: readonly Txn[]): void {
    if (keep < this.history.length) {
      this.truncations++;
      this.truncatedFrom = keep;
      this.removed = this.history.entries().slice(keep);
      this.env.note(`removed ${this.removed.length} transaction(s) from index ${keep}`);
      this.history.truncate(keep);
      this.commitIndex = Math.min(this.commitIndex, keep);
      this.appliedIndex = Math.min(this.appliedIndex, keep);
    }
    for (const txn of tail) this.history.append(txn);
  }

  /** Step l.2.2: count ACK-LD; with a quorum the epoch is established. */
  private onAckLeader(from: NodeId, link: FollowerLink, msg: FollowerMessage & { type: 'ACK-LD' }): void {
    const leader = this.leading as LeaderState;
    if (msg.epoch !== leader.epoch) return;
    this.recordAck(from, msg.length);
    link.stage = 'synced';
    if (leader.phase === 'synchronization') {
      leader.ackedLeader.add(from);
      return this.maybeEstablish();
    }
    if (leader.phase === 'broadcast') {
      this.sendToFollower(link, { type: 'COMMIT-LD', commit: this.commitIndex });
      link.stage = 'active';
      this.updateCommit();
    }
  }

  private maybeEstablish(): void {
    const leader = this.leading;
    if (leader === null || leader.phase !== 'synchronization' || leader.ackedLeader.size < this.quorum) return;
    leader.phase = 'broadcast';
    this.env.cancelTimer('init');
    this.env.note(`established epoch ${leader.epoch} with ${[...leader.ackedLeader].join(',')}`);
    this.commitIndex = Math.max(this.commitIndex, this.quorumAcked());
    for (const link of leader.links.values()) {
      if (link.stage !== 'synced') continue;
      this.sendToFollower(link, { type: 'COMMIT-LD', commit: this.commitIndex });
      link.stage = 'active';
    }
    this.applyCommitted();
    for (const [client, request] of this.pending) this.submit(client, request.reqId, request.op);
  }

  /** Step f.2.2: the leader is established; deliver its committed prefix. */
  private onCommitLeader(state: FollowerState, commit: number): void {
    if (state.phase !== 'synchronization') return this.becomeLooking('COMMIT-LD out of place');
    state.phase = 'broadcast';
    this.env.cancelTimer('init');
    this.advanceCommit(commit);
    for (const [client, request] of this.pending) {
      this.sendToLeader({ type: 'REQUEST', client, reqId: request.reqId, op: request.op });
    }
  }

  // ------------------------------------------------------------------ phase 3: broadcast

  /** A request at an established leader: propose it unless it is already done or proposed. */
  private submit(client: ClientId, reqId: number, op: KvOp): void {
    const leader = this.leading as LeaderState;
    const cached = this.env.machine.cached(client, reqId);
    if (cached !== undefined) return this.answer(client, reqId);
    const proposed = leader.proposals.get(client);
    if (proposed !== undefined && proposed >= reqId) return;
    leader.counter++;
    const txn = makeTxn(leader.epoch as number, leader.counter, { client, reqId, op });
    const index = this.history.length;
    this.history.append(txn);
    this.env.storage.sync();
    leader.proposals.set(client, reqId);
    for (const link of leader.links.values()) {
      if (LINKS_WITH_HISTORY.includes(link.stage)) this.sendToFollower(link, { type: 'PROPOSE', index, txn });
    }
    this.updateCommit();
  }

  /** Step f.3.1: accept proposals strictly in order, durably, then ACK. */
  private onPropose(state: FollowerState, msg: LeaderMessage & { type: 'PROPOSE' }): void {
    if (state.phase === 'discovery') return this.becomeLooking('PROPOSE before NEWLEADER');
    const last = lastZxidOf(this.history.entries());
    if (msg.index !== this.history.length || msg.txn.zxid.epoch !== this.currentEpoch || compareZxid(msg.txn.zxid, last) <= 0) {
      return this.becomeLooking(`PROPOSE ${formatZxid(msg.txn.zxid)} at ${msg.index} does not extend ${formatZxid(last)} at ${this.history.length}`);
    }
    this.history.append(msg.txn);
    this.env.storage.sync();
    this.sendToLeader({ type: 'ACK', epoch: this.currentEpoch, length: this.history.length });
    this.env.moment({ kind: 'ack', to: state.session.peer, index: this.history.length, term: this.currentEpoch });
  }

  private onAck(from: NodeId, msg: FollowerMessage & { type: 'ACK' }): void {
    if (msg.epoch !== this.leading?.epoch) return;
    this.recordAck(from, msg.length);
    this.updateCommit();
  }

  private recordAck(from: NodeId, length: number): void {
    const leader = this.leading as LeaderState;
    if (length > this.history.length) {
      throw new Error(`zab ${this.env.id}: ${from} acknowledged ${length} transactions, history has ${this.history.length}`);
    }
    leader.acked.set(from, Math.max(leader.acked.get(from) ?? 0, length));
  }

  /** The longest prefix durable on a quorum (this leader included) in this epoch. */
  private quorumAcked(): number {
    const leader = this.leading as LeaderState;
    const lengths = [this.history.length];
    for (const peer of this.env.peers) lengths.push(leader.acked.get(peer) ?? 0);
    lengths.sort((a, b) => b - a);
    return lengths[this.quorum - 1] ?? 0;
  }

  /** Step l.3.2: commit in zxid order once a quorum acknowledged. */
  private updateCommit(): void {
    const leader = this.leading;
    if (leader === null || leader.phase !== 'broadcast') return;
    const commit = this.quorumAcked();
    if (commit <= this.commitIndex) return;
    this.commitIndex = commit;
    for (const link of leader.links.values()) {
      if (LINKS_WITH_HISTORY.includes(link.stage)) this.sendToFollower(link, { type: 'COMMIT', commit });
    }
    this.applyCommitted();
  }

  private advanceCommit(commit: number): void {
    const bounded = Math.min(commit, this.history.length);
    if (bounded <= this.commitIndex) return;
    this.commitIndex = bounded;
    this.applyCommitted();
  }

  /** Deliver committed transactions in order; answer the clients waiting here. */
  private applyCommitted(): void {
    while (this.appliedIndex < this.commitIndex) {
      const txn = this.history.get(this.appliedIndex) as Txn;
      const result = this.env.machine.apply(txn.cmd);
      this.appliedIndex++;
      const { client, reqId } = txn.cmd;
      if (this.leading !== null && this.leading.proposals.get(client) === reqId) this.leading.proposals.delete(client);
      const waiting = this.pending.get(client);
      if (waiting !== undefined && waiting.reqId === reqId) {
        this.pending.delete(client);
        this.env.reply(client, reqId, { kind: 'result', result });
      }
    }
  }

  private answer(client: ClientId, reqId: number): void {
    const cached = this.env.machine.cached(client, reqId);
    const waiting = this.pending.get(client);
    if (cached === undefined || waiting === undefined || waiting.reqId !== reqId) return;
    this.pending.delete(client);
    this.env.reply(client, reqId, { kind: 'result', result: cached });
  }

  /** ZooKeeper's read path: answer from the local replica (sequentially consistent, may be stale). */
  private localRead(client: ClientId, reqId: number, key: string): void {
    if (this.phase() !== 'broadcast') {
      this.env.reply(client, reqId, { kind: 'redirect', leader: this.following?.leader ?? null });
      return;
    }
    this.env.reply(client, reqId, { kind: 'result', result: this.env.machine.peek(key) });
  }

  // ------------------------------------------------------------------ sessions and liveness

  private sendToLeader(body: Body<FollowerMessage>): void {
    const session = (this.following as FollowerState).session;
    this.env.send(session.peer, stamp(body, session.sid, session.nextSeq()) as FollowerMessage);
  }

  private sendToFollower(link: FollowerLink, body: Body<LeaderMessage>): void {
    const session = link.session;
    this.env.send(session.peer, stamp(body, session.sid, session.nextSeq()) as LeaderMessage);
  }

  private receiveFromFollower(from: NodeId, msg: FollowerMessage): void {
    const leader = this.leading;
    const link = leader?.links.get(from);
    if (leader === null || link === undefined || link.session.sid !== msg.sid) {
      // Not our session (we stopped leading, or dropped it): tell the sender to reconnect.
      this.env.send(from, { type: 'RESET', sid: msg.sid });
      return;
    }
    leader.lastHeard.set(from, this.env.now());
    const hadGap = link.session.hasGap;
    const outcome = link.session.receive(msg);
    if (outcome.kind === 'broken') return this.dropLink(from, outcome.why);
    this.trackGap(`gap:${from}`, hadGap, link.session.hasGap);
    if (outcome.kind !== 'deliver') return;
    for (const delivered of outcome.messages) {
      if (this.leading !== leader || leader.links.get(from) !== link) return;
      this.handleFollowerMessage(from, link, delivered);
    }
  }

  private handleFollowerMessage(from: NodeId, link: FollowerLink, msg: FollowerMessage): void {
    switch (msg.type) {
      case 'CEPOCH':
        return this.dropLink(from, 'second CEPOCH on one session');
      case 'ACK-E':
        return this.onAckEpoch(from, link, msg);
      case 'ACK-LD':
        return this.onAckLeader(from, link, msg);
      case 'ACK':
        return this.onAck(from, msg);
      case 'REQUEST':
        if (this.leading?.phase === 'broadcast') this.submit(msg.client, msg.reqId, msg.op);
        return;
      case 'PONG':
        return;
      default:
        return assertNever(msg);
    }
  }

  private receiveFromLeader(msg: LeaderMessage): void {
    const state = this.following as FollowerState;
    if (msg.sid !== state.session.sid) return;
    const hadGap = state.session.hasGap;
    const outcome = state.session.receive(msg);
    if (outcome.kind === 'broken') return this.becomeLooking(`session broken: ${outcome.why}`);
    this.env.setTimer('silence', this.config.leaderTimeoutMicros);
    this.trackGap('gap', hadGap, state.session.hasGap);
    if (outcome.kind !== 'deliver') return;
    for (const delivered of outcome.messages) {
      if (this.following !== state) return;
      this.handleLeaderMessage(state, delivered);
    }
  }

  private handleLeaderMessage(state: FollowerState, msg: LeaderMessage): void {
    if (state.flushing !== null) {
      if (state.flushing.queued.length >= MAX_QUEUED) return this.becomeLooking('too many messages behind the flush');
      state.flushing.queued.push(msg);
      return;
    }
    switch (msg.type) {
      case 'NEWEPOCH':
        return this.onNewEpoch(state, msg.epoch);
      case 'NEWLEADER':
        return this.onNewLeader(state, msg);
      case 'COMMIT-LD':
        return this.onCommitLeader(state, msg.commit);
      case 'PROPOSE':
        return this.onPropose(state, msg);
      case 'COMMIT':
        if (state.phase !== 'discovery') this.advanceCommit(msg.commit);
        return;
      case 'PING':
        if (state.phase !== 'discovery') this.advanceCommit(msg.commit);
        this.sendToLeader({ type: 'PONG' });
        return;
      default:
        return assertNever(msg);
    }
  }

  /** A gap that opens starts the reorder window; one that closes cancels it. */
  private trackGap(timer: string, hadGap: boolean, hasGap: boolean): void {
    if (!hadGap && hasGap) this.env.setTimer(timer, this.config.reorderWindowMicros);
    else if (hadGap && !hasGap) this.env.cancelTimer(timer);
  }

  private dropLink(peer: NodeId, why: string): void {
    const link = this.leading?.links.get(peer);
    if (link === undefined) return;
    (this.leading as LeaderState).links.delete(peer);
    this.env.cancelTimer(`gap:${peer}`);
    this.env.send(peer, { type: 'RESET', sid: link.session.sid });
    this.env.note(`dropped ${peer}'s session: ${why}`);
  }

  /** Leader heartbeat: PING everyone, drop silent sessions, step down without a live quorum. */
  private onTick(): void {
    const leader = this.leading;
    if (leader === null) return;
    const now = this.env.now();
    const timeout = this.config.leaderTimeoutMicros;
    for (const [peer, link] of [...leader.links]) {
      if (now - (leader.lastHeard.get(peer) ?? now) > timeout) this.dropLink(peer, 'silent');
      else this.sendToFollower(link, { type: 'PING', commit: this.commitIndex });
    }
    if (leader.phase === 'broadcast') {
      let alive = 1;
      for (const peer of this.env.peers) {
        const heard = leader.lastHeard.get(peer);
        if (heard !== undefined && now - heard <= timeout) alive++;
      }
      if (alive < this.quorum) return this.becomeLooking(`only ${alive} of ${this.env.nodes.length} servers reachable`);
    }
    this.env.setTimer('tick', this.config.tickMicros);
  }

  private onInitTimer(): void {
    if (this.phase() === 'broadcast' || this.role === 'looking') return;
    this.becomeLooking(`not established within initLimit`);
  }
}

/**
 * `{ ...body, sid, seq }` with the same key order, by adding the two fields to the body itself
 * (a fresh literal at every call site, not yet sent or frozen). Object spread over the many message
 * shapes was megamorphic and 14% of a zab-nemesis sweep.
 */
function stamp<B extends object>(body: B, sid: number, seq: number): B & { sid: number; seq: number } {
  const msg = body as B & { sid: number; seq: number };
  msg.sid = sid;
  msg.seq = seq;
  return msg;
}

/**
 * One Multi-Paxos server: proposer, acceptor and learner in one (Paxos Made Simple §2.5, §3).
 * The algorithm is explained in index.ts; this file is the node's event handlers.
 *
 * Every node is an acceptor and a learner whatever its role: Prepare, Accept, Heartbeat, Decide and
 * catch-up messages are handled the same way by all. What differs is the proposer, and that is a
 * role handler (etcd-raft's `step` per role): a `follower` only follows (stable leader: redirects
 * clients; `leader: none`: campaigns for its own clients); a `candidate` runs phase 1 for a fresh
 * ballot and counts Promises; a `leader` (a phase 1 quorum, a majority by default, promised its
 * ballot) runs phase 2 slot by slot and counts Accepteds. A role change swaps the handler, so no
 * handler asks which role it is in. Any higher ballot seen, in a Prepare, an Accept, a Heartbeat
 * or a Nack, sends a candidate or leader back to following.
 */
import { assertNever } from '../api.js';
import { assert, ClientSessions, defineTimers, type RoleHandler } from '../kit/index.js';
import type { ClientId, Command, KvOp, NodeEnv, NodeId, ProtocolNode } from '../api.js';
import { Acceptor } from './acceptor.js';
import { BUG_AMNESIA, BUG_SKIP_PHASE1, BUG_STALE_PROMISE } from './bugs.js';
import { BALLOT_ZERO, compareBallots, formatBallot, maxBallot, sameBallot, sameValue, valueKey } from './ballot.js';
import { Learner } from './learner.js';
import type { MultiPaxosConfig } from './options.js';
import { OpenProposals } from './proposals.js';
import { planRecovery, type RecoveryPlan } from './recovery.js';
import { CATCHUP_BATCH, Replica } from './replica.js';
import { RequestQueue } from './requests.js';
import type { Ballot, MultiPaxosMessage, MultiPaxosView, PromisedSlot, Role, SlotValue, SnapshotRecord } from './types.js';

type Env = NodeEnv<MultiPaxosMessage>;
type Msg<T extends MultiPaxosMessage['type']> = Extract<MultiPaxosMessage, { type: T }>;
/** The messages only a proposer acts on: what a role handler's `step` receives. */
type ProposerMessage = Msg<'promise' | 'nack' | 'accepted'>;

const ROUND_KEY = 'paxos.round';

const TIMERS = defineTimers(['election', 'duel', 'resend', 'heartbeat']);
type Timer = (typeof TIMERS.names)[number];

interface Campaign {
  readonly ballot: Ballot;
  readonly fromSlot: number;
  /** Acceptor → the slots its Promise reported. */
  readonly promises: Map<NodeId, readonly PromisedSlot[]>;
}

/** What the proposer does in one role: its messages, its timers, a client's request. */
type ProposerRole = RoleHandler<ProposerMessage, Timer> & { readonly role: Role };

export class MultiPaxosNode implements ProtocolNode<MultiPaxosMessage, MultiPaxosView> {
  private readonly env: Env;
  private readonly options: MultiPaxosConfig;
  private readonly staleTally: boolean;
  private readonly skipRecovery: boolean;
  private readonly acceptor: Acceptor;
  private readonly learner: Learner;
  /** Learning, applying, snapshots and catch-up: the same in every role. */
  private readonly replica: Replica;

  private readonly follower: ProposerRole;
  private readonly candidate: ProposerRole;
  private readonly leader: ProposerRole;
  private current: ProposerRole;
  /** The ballot of our phase 1 (candidate only). */
  private campaign: Campaign | null = null;
  /** The ballot this node leads with (leader only). */
  private leaderBallot: Ballot | null = null;
  /** The promises that made this node leader (shown to the monitor, which checks P2ᶜ against them). */
  private counted: ReadonlyMap<NodeId, readonly PromisedSlot[]> | null = null;
  private leaderHint: NodeId | null = null;
  /** The highest ballot seen in any message: a new ballot must exceed it. */
  private highestSeen: Ballot = BALLOT_ZERO;
  private readonly proposals: OpenProposals;
  private nextSlot = 0;
  /** Commands taken on and not yet proposed. */
  private readonly queue: RequestQueue;
  /** The clients this node will answer once their command is applied. */
  private readonly sessions: ClientSessions;
  /** Promises kept across campaigns (the stale-promise bug only). */
  private staleTallyPromises = new Map<NodeId, readonly PromisedSlot[]>();

  constructor(env: Env, options: MultiPaxosConfig, bugs: ReadonlySet<string>) {
    this.env = env;
    this.options = options;
    this.staleTally = bugs.has(BUG_STALE_PROMISE);
    this.skipRecovery = bugs.has(BUG_SKIP_PHASE1);
    this.acceptor = new Acceptor(env.storage, !bugs.has(BUG_AMNESIA));
    this.learner = new Learner(env.storage);
    this.proposals = new OpenProposals(options.phase2Quorum);
    this.sessions = new ClientSessions(env);
    this.queue = new RequestQueue(this.sessions);
    this.replica = new Replica(env, this.learner, this.acceptor, this.sessions, options.snapshotEvery);
    this.follower = {
      role: 'follower',
      step: (from, msg) => {
        if (msg.type === 'nack') this.onNack(from, msg, null);
      },
      timer: (name) => {
        // No heartbeat from a live leader for a whole (randomised) timeout: try a higher ballot.
        // `duel` (leader: none): a preempted proposer with commands to place tries again.
        if (name === 'election' || (name === 'duel' && this.queue.size > 0)) this.startCampaign();
      },
      request: (client, reqId, op) => {
        if (this.options.leader === 'stable') {
          const hint = this.leaderHint === this.env.id ? null : this.leaderHint;
          this.env.reply(client, reqId, { kind: 'redirect', leader: hint });
          return;
        }
        if (this.enqueue(client, reqId, op)) this.startCampaign(); // leader: none — propose on our own
      },
    };
    this.candidate = {
      role: 'candidate',
      step: (from, msg) => {
        const campaign = this.campaign as Campaign;
        if (msg.type === 'promise') this.onPromise(from, msg, campaign);
        else if (msg.type === 'nack') this.onNack(from, msg, campaign.ballot);
      },
      timer: (name) => {
        // Our own campaign did not gather a quorum in time: try a higher ballot.
        if (name === 'election') this.startCampaign();
        else if (name === 'resend') this.resendPrepare(this.campaign as Campaign);
      },
      request: (client, reqId, op) => void this.enqueue(client, reqId, op),
    };
    this.leader = {
      role: 'leader',
      step: (from, msg) => {
        if (msg.type === 'accepted') this.onAccepted(from, msg);
        else if (msg.type === 'nack') this.onNack(from, msg, this.leaderBallot);
      },
      timer: (name) => {
        if (name !== 'heartbeat') return;
        this.sendHeartbeats();
        this.resendAccepts();
      },
      request: (client, reqId, op) => {
        if (this.enqueue(client, reqId, op)) this.proposeQueued();
      },
    };
    this.current = this.follower;
  }

  // ---- host entry points ------------------------------------------------------------------

  start(): void {
    this.highestSeen = this.acceptor.promised;
    this.replica.start();
    this.armElection();
  }

  /** Acceptor and learner messages are the same in every role; the proposer's go to the role. */
  onMessage(from: NodeId, msg: MultiPaxosMessage): void {
    switch (msg.type) {
      case 'prepare':
        return this.onPrepare(from, msg);
      case 'accept':
        return this.onAccept(from, msg);
      case 'decide':
        return this.learn(msg.slot, msg.value);
      case 'heartbeat':
        return this.onHeartbeat(from, msg);
      case 'catchup':
        return this.onCatchup(from, msg);
      case 'catchup-reply':
        return this.onCatchupReply(from, msg);
      case 'nack':
        this.highestSeen = maxBallot(this.highestSeen, msg.promised);
        return this.current.step(from, msg);
      case 'promise':
      case 'accepted':
        return this.current.step(from, msg);
      default:
        return assertNever(msg);
    }
  }

  onTimer(name: string): void {
    if (!TIMERS.is(name)) throw new Error(`multipaxos: unknown timer ${name}`);
    this.current.timer(name);
  }

  onRequest(client: ClientId, reqId: number, op: KvOp): void {
    if (this.sessions.answerIfExecuted(client, reqId)) return;
    this.current.request(client, reqId, op);
  }

  inspect(): MultiPaxosView {
    const promised = this.acceptor.promised;
    const own = this.ownBallot();
    return {
      role: this.current.role,
      term: (own ?? promised).round,
      // A leader's hint is itself, a candidate's is null (both set when the role began).
      leader: this.leaderHint,
      commitIndex: this.learner.prefix,
      appliedIndex: this.replica.applied,
      logLength: Math.max(this.learner.length, this.acceptor.length),
      promised,
      ballot: own,
      openSlots: this.proposals.size,
      queued: this.queue.size,
      counted: this.counted,
      compaction: this.replica.compaction(),
    };
  }

  /** The ballot we lead or campaign with: each is set only in its role. */
  private ownBallot(): Ballot | null {
    return this.leaderBallot ?? this.campaign?.ballot ?? null;
  }

  /** Take a client's command to propose; false when it is already pending or nothing is free. */
  private enqueue(client: ClientId, reqId: number, op: KvOp): boolean {
    return this.queue.take(client, reqId, op, (command) => this.proposals.holds(command));
  }

  // ---- phase 1: proposer side ----------------------------------------------------------------

  /**
   * A fresh ballot above any seen, with its round persisted before the Prepare leaves, so that a
   * restarted proposer never reuses one (PMS §2.5). One Prepare covers every slot from the first
   * one not known chosen (PMS §3).
   */
  private startCampaign(): void {
    const stored = this.env.storage.read<number>(ROUND_KEY) ?? 0;
    const round = Math.max(stored, this.highestSeen.round, this.acceptor.promised.round) + 1;
    this.env.storage.write(ROUND_KEY, round);
    this.env.storage.sync();
    const ballot: Ballot = Object.freeze({ round, node: this.env.id });
    this.highestSeen = ballot;
    const promises = this.staleTally ? this.staleTallyPromises : new Map<NodeId, readonly PromisedSlot[]>();
    this.campaign = { ballot, fromSlot: this.learner.prefix, promises };
    this.current = this.candidate;
    this.leaderHint = null;
    this.env.note(`phase 1: prepare ballot ${formatBallot(ballot)} from slot ${this.learner.prefix}`);
    this.env.moment({ kind: 'era-change', term: round });
    const prepare: MultiPaxosMessage = { type: 'prepare', ballot, fromSlot: this.learner.prefix };
    for (const peer of this.env.peers) this.env.send(peer, prepare);
    TIMERS.set(this.env, 'resend', this.options.resendInterval);
    this.armElection();
    this.onPrepare(this.env.id, prepare);
  }

  private resendPrepare(campaign: Campaign): void {
    const prepare: MultiPaxosMessage = { type: 'prepare', ballot: campaign.ballot, fromSlot: campaign.fromSlot };
    for (const peer of this.env.peers) if (!campaign.promises.has(peer)) this.env.send(peer, prepare);
    TIMERS.set(this.env, 'resend', this.options.resendInterval);
  }

  private onPromise(from: NodeId, msg: Msg<'promise'>, campaign: Campaign): void {
    // Correct: only promises for this very ballot count. The stale-promise bug also counts one
    // made to an earlier ballot of ours, by an acceptor that may have accepted since.
    if (!sameBallot(msg.ballot, campaign.ballot) && !this.staleTally) return;
    // The acceptor compacted slots we do not know: take its snapshot before counting its report.
    if (msg.snapshot !== undefined) this.installSnapshot(msg.snapshot);
    for (const entry of msg.slots) if (entry.kind === 'chosen') this.learn(entry.slot, entry.value);
    campaign.promises.set(from, msg.slots);
    if (campaign.promises.size >= this.options.phase1Quorum) this.becomeLeader(campaign);
  }

  /** A higher ballot was promised: abandon ours (`own`, null when following) if the Nack is about it. */
  private onNack(from: NodeId, msg: Msg<'nack'>, own: Ballot | null): void {
    if (own === null || !sameBallot(own, msg.ballot)) return;
    if (compareBallots(msg.promised, own) <= 0) return;
    this.env.note(`${from} promised ${formatBallot(msg.promised)}: abandon ballot ${formatBallot(own)}`);
    this.stepDown(msg.promised.node);
  }

  // ---- phase 1 complete: become leader ---------------------------------------------------------

  private becomeLeader(campaign: Campaign): void {
    this.campaign = null;
    this.leaderBallot = campaign.ballot;
    this.counted = campaign.promises;
    this.leaderHint = this.env.id;
    this.current = this.leader;
    TIMERS.cancel(this.env, 'resend');
    TIMERS.cancel(this.env, 'election');
    TIMERS.cancel(this.env, 'duel');
    const voters = [...campaign.promises.keys()].join(', ');
    const plan = this.recoveryPlan(campaign);
    this.env.note(
      `leader at ballot ${formatBallot(campaign.ballot)} (promises from ${voters}): ` +
        `${plan.proposals.filter((p) => p.from !== null).length} slots re-proposed, ` +
        `${plan.proposals.filter((p) => p.from === null).length} gaps filled with no-ops`,
    );
    for (const entry of plan.learned) this.learn(entry.slot, entry.value);
    this.nextSlot = Math.max(plan.nextSlot, this.learner.prefix);
    for (const proposal of plan.proposals) {
      if (proposal.from !== null) {
        this.env.note(`slot ${proposal.slot}: re-propose ${valueKey(proposal.value)} accepted at ${formatBallot(proposal.from)}`);
      }
      if (!this.learner.isKnown(proposal.slot)) this.propose(proposal.slot, proposal.value);
    }
    this.sendHeartbeats();
    this.proposeQueued();
  }

  private recoveryPlan(campaign: Campaign): RecoveryPlan {
    if (this.skipRecovery) {
      // The bug: treat every open slot as free, as if no acceptor had voted in it.
      return { learned: [], proposals: [], nextSlot: this.learner.prefix };
    }
    // Slots below our snapshot point are chosen (a snapshot may have been installed during phase 1).
    const fromSlot = Math.max(campaign.fromSlot, this.learner.start);
    return planRecovery(fromSlot, [...campaign.promises.values()], (slot) => this.learner.get(slot), this.learner.length);
  }

  // ---- phase 2: leader side --------------------------------------------------------------------

  private proposeQueued(): void {
    while (this.current === this.leader && this.queue.size > 0 && this.nextSlot - this.learner.prefix < this.options.window) {
      const command = this.queue.next() as Command;
      // Already executed, or already in a slot (a re-proposal found it in phase 1).
      if (this.env.machine.cached(command.client, command.reqId) !== undefined || this.proposals.holds(command)) continue;
      while (this.learner.isKnown(this.nextSlot)) this.nextSlot++;
      this.propose(this.nextSlot, Object.freeze({ kind: 'command', command }));
      this.nextSlot++;
    }
  }

  /** Phase 2a for one slot: vote locally (persisted first), then ask every other acceptor. */
  private propose(slot: number, value: SlotValue): void {
    const ballot = this.leaderBallot;
    assert(ballot !== null, () => `${this.env.id} proposes in slot ${slot} without leading`);
    assert(!this.proposals.has(slot) && !this.learner.isKnown(slot), () => `slot ${slot} proposed twice`);
    this.proposals.open(slot, value);
    const selfAccepted = this.acceptor.accept(ballot, slot, value);
    if (selfAccepted) this.proposals.ack(slot, this.env.id);
    const accept: MultiPaxosMessage = { type: 'accept', ballot, slot, value, leaderAccepted: selfAccepted };
    for (const peer of this.env.peers) this.env.send(peer, accept);
    this.checkChosen(slot);
  }

  private onAccepted(from: NodeId, msg: Msg<'accepted'>): void {
    if (!sameBallot(msg.ballot, this.leaderBallot as Ballot)) return;
    if (this.proposals.ack(msg.slot, from)) this.checkChosen(msg.slot);
  }

  /** Chosen = accepted by a phase 2 quorum (a majority by default) at one ballot (PMS §2.2); tell every learner. */
  private checkChosen(slot: number): void {
    const proposal = this.proposals.takeChosen(slot);
    if (proposal === undefined) return;
    const decide: MultiPaxosMessage = { type: 'decide', slot, value: proposal.value };
    for (const peer of this.env.peers) this.env.send(peer, decide);
    this.learn(slot, proposal.value);
  }

  private sendHeartbeats(): void {
    const heartbeat: MultiPaxosMessage = {
      type: 'heartbeat',
      ballot: this.leaderBallot as Ballot,
      chosenPrefix: this.learner.prefix,
    };
    for (const peer of this.env.peers) this.env.send(peer, heartbeat);
    TIMERS.set(this.env, 'heartbeat', this.options.heartbeatInterval);
  }

  /** Accepts or Accepteds may have been lost: ask again whoever has not answered (bounded). */
  private resendAccepts(): void {
    const ballot = this.leaderBallot as Ballot;
    let budget = 2 * this.options.window;
    for (const [slot, proposal] of this.proposals.entries()) {
      if (budget-- <= 0) break;
      const accept: MultiPaxosMessage = { type: 'accept', ballot, slot, value: proposal.value, leaderAccepted: proposal.acks.includes(this.env.id) };
      for (const peer of this.env.peers) if (!proposal.acks.includes(peer)) this.env.send(peer, accept);
    }
  }

  // ---- acceptor side -----------------------------------------------------------------------------

  private onPrepare(from: NodeId, msg: Msg<'prepare'>): void {
    this.highestSeen = maxBallot(this.highestSeen, msg.ballot);
    const outcome = this.acceptor.prepare(msg.ballot, msg.fromSlot, (slot) => this.learner.get(slot), this.learner.length);
    if (!outcome.ok) {
      this.env.send(from, { type: 'nack', ballot: msg.ballot, promised: outcome.promised });
      return;
    }
    if (from !== this.env.id) this.yieldTo(msg.ballot);
    let promise: Msg<'promise'> = { type: 'promise', ballot: msg.ballot, fromSlot: msg.fromSlot, slots: outcome.slots };
    const snapshot = this.replica.snapshotFor(msg.fromSlot);
    if (snapshot !== null) promise = { ...promise, snapshot };
    // Our own acceptor's Promise goes straight to our proposer (a candidate: we just campaigned).
    if (from === this.env.id) this.current.step(from, promise);
    else this.env.send(from, promise);
    this.env.moment({ kind: 'vote', for: msg.ballot.node, term: msg.ballot.round });
  }

  private onAccept(from: NodeId, msg: Msg<'accept'>): void {
    this.highestSeen = maxBallot(this.highestSeen, msg.ballot);
    if (!this.acceptor.accept(msg.ballot, msg.slot, msg.value)) {
      this.env.send(from, { type: 'nack', ballot: msg.ballot, promised: this.acceptor.promised });
      return;
    }
    this.yieldTo(msg.ballot);
    this.env.send(from, { type: 'accepted', ballot: msg.ballot, slot: msg.slot, value: msg.value });
    this.env.moment({ kind: 'ack', to: from, index: msg.slot + 1, term: msg.ballot.round });
  }

  private onHeartbeat(from: NodeId, msg: Msg<'heartbeat'>): void {
    this.highestSeen = maxBallot(this.highestSeen, msg.ballot);
    if (compareBallots(msg.ballot, this.acceptor.promised) < 0) {
      // A deposed leader that has not heard: tell it, so it stops taking requests.
      this.env.send(from, { type: 'nack', ballot: msg.ballot, promised: this.acceptor.promised });
      return;
    }
    this.yieldTo(msg.ballot);
    if (msg.chosenPrefix > this.learner.prefix) this.env.send(from, { type: 'catchup', fromSlot: this.learner.prefix });
  }

  /**
   * Someone else acts at `ballot`, which this acceptor has just honoured: if it outranks our own
   * campaign or leadership, follow it. Either way it is a sign of a live proposer.
   */
  private yieldTo(ballot: Ballot): void {
    const own = this.ownBallot();
    if (own !== null && compareBallots(ballot, own) <= 0) return;
    if (own !== null) {
      this.env.note(`ballot ${formatBallot(ballot)} preempts our ballot ${formatBallot(own)}`);
      this.stepDown(ballot.node);
      return;
    }
    this.leaderHint = ballot.node;
    this.armElection();
  }

  // ---- learning and applying -------------------------------------------------------------------

  private onCatchup(from: NodeId, msg: Msg<'catchup'>): void {
    const reply = this.replica.catchupReply(msg.fromSlot);
    if (reply !== null) this.env.send(from, reply);
  }

  private onCatchupReply(from: NodeId, msg: Msg<'catchup-reply'>): void {
    if (msg.snapshot !== undefined) this.installSnapshot(msg.snapshot);
    for (const entry of msg.slots) this.learn(entry.slot, entry.value);
    // A full batch means the sender may know more: ask for the next one without waiting.
    if (msg.slots.length >= CATCHUP_BATCH) this.env.send(from, { type: 'catchup', fromSlot: this.learner.prefix });
  }

  private learn(slot: number, value: SlotValue): void {
    if (!this.replica.learn(slot, value)) return;
    this.closeProposal(slot, value);
    this.proposeQueued();
  }

  /** A peer's snapshot past our state: an open proposal below it is over (requeued if not executed). */
  private installSnapshot(record: SnapshotRecord): void {
    if (!this.replica.install(record)) return;
    for (const [slot] of [...this.proposals.entries()]) if (slot < record.slot) this.closeProposal(slot, null);
    this.proposeQueued();
  }

  /** `slot` is chosen (`value`, or null when only a snapshot says so): our proposal there is over. */
  private closeProposal(slot: number, value: SlotValue | null): void {
    const proposal = this.proposals.close(slot);
    if (proposal === undefined || proposal.value.kind !== 'command') return;
    // Only under a bug can a slot we proposed in choose someone else's value; requeue ours.
    const command = proposal.value.command;
    if (value === null ? this.env.machine.cached(command.client, command.reqId) === undefined : !sameValue(proposal.value, value)) {
      this.queue.putBack([command]);
    }
  }

  // ---- roles and timers ------------------------------------------------------------------------

  private stepDown(hint: NodeId | null): void {
    this.current = this.follower;
    this.campaign = null;
    this.leaderBallot = null;
    this.counted = null;
    this.leaderHint = hint;
    // Our own clients' commands that were in flight: with leader: none we propose them again ourselves.
    const abandoned = this.proposals.drain();
    if (this.options.leader === 'none') this.queue.putBack(abandoned);
    TIMERS.cancel(this.env, 'resend');
    TIMERS.cancel(this.env, 'heartbeat');
    if (this.options.leader === 'stable') {
      // Queued requests were never proposed: send their clients to the new leader.
      this.queue.redirectAll(hint, (client, reqId, leader) => this.env.reply(client, reqId, { kind: 'redirect', leader }));
      this.armElection();
    } else if (this.queue.size > 0) {
      TIMERS.set(this.env, 'duel', this.options.duelRetry);
    }
  }

  /** Stable leader only: campaign after a randomised timeout in [T, 2T) (the back-off of PMS §2.4). */
  private armElection(): void {
    if (this.options.leader !== 'stable') return;
    const timeout = this.options.electionTimeout;
    TIMERS.set(this.env, 'election', timeout + Math.floor(this.env.random() * timeout));
  }
}

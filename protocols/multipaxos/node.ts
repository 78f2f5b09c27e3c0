/**
 * One Multi-Paxos server: proposer, acceptor and learner in one (Paxos Made Simple §2.5, §3).
 * The algorithm is explained in index.ts; this file is the node's event handlers.
 *
 * Roles: a `follower` accepts and learns; a `candidate` runs phase 1 for a fresh ballot; a `leader`
 * (a phase 1 quorum, a majority by default, promised its ballot) runs phase 2 slot by slot. Any higher ballot seen, in a Prepare,
 * an Accept, a Heartbeat or a Nack, sends a candidate or leader back to following.
 */
import { assertNever } from '../api.js';
import type { ClientId, Command, KvOp, NodeEnv, NodeId, ProtocolNode } from '../api.js';
import { sameCommand } from '../kv.js';
import { Acceptor } from './acceptor.js';
import { BALLOT_ZERO, compareBallots, formatBallot, maxBallot, sameBallot, sameValue, valueKey } from './ballot.js';
import { Learner } from './learner.js';
import { planRecovery, type RecoveryPlan } from './recovery.js';
import type {
  Ballot,
  MultiPaxosMessage,
  MultiPaxosOptions,
  MultiPaxosView,
  PromisedSlot,
  Role,
  SlotValue,
} from './types.js';

type Env = NodeEnv<MultiPaxosMessage>;
type Msg<T extends MultiPaxosMessage['type']> = Extract<MultiPaxosMessage, { type: T }>;

export const BUG_DISJOINT_QUORUMS = 'multipaxos.flexible-quorums-disjoint';
export const BUG_AMNESIA = 'multipaxos.acceptor-amnesia';
export const BUG_STALE_PROMISE = 'multipaxos.stale-promise';
export const BUG_SKIP_PHASE1 = 'multipaxos.skip-phase1-recovery';

const ROUND_KEY = 'paxos.round';
/** Client requests a node holds while it has no free slot or no leadership yet. */
const QUEUE_MAX = 256;
/** Chosen slots per catch-up reply. */
const CATCHUP_BATCH = 64;

interface Proposal {
  readonly value: SlotValue;
  /** Acceptors that accepted it at the leader's ballot. */
  readonly acks: NodeId[];
}

interface Campaign {
  readonly ballot: Ballot;
  readonly fromSlot: number;
  /** Acceptor → the slots its Promise reported. */
  readonly promises: Map<NodeId, readonly PromisedSlot[]>;
}

export class MultiPaxosNode implements ProtocolNode<MultiPaxosMessage, MultiPaxosView> {
  private readonly env: Env;
  private readonly options: MultiPaxosOptions;
  /** Flexible Paxos: q1 promises to lead, q2 accepts to choose (both a majority by default). */
  private readonly phase1Quorum: number;
  private readonly phase2Quorum: number;
  private readonly staleTally: boolean;
  private readonly skipRecovery: boolean;
  private readonly acceptor: Acceptor;
  private readonly learner: Learner;

  private role: Role = 'follower';
  private campaign: Campaign | null = null;
  /** The ballot this node leads with (leader only). */
  private leaderBallot: Ballot | null = null;
  /** The promises that made this node leader (shown to the monitor, which checks P2ᶜ against them). */
  private counted: ReadonlyMap<NodeId, readonly PromisedSlot[]> | null = null;
  private leaderHint: NodeId | null = null;
  /** The highest ballot seen in any message: a new ballot must exceed it. */
  private highestSeen: Ballot = BALLOT_ZERO;
  private readonly proposals = new Map<number, Proposal>();
  private nextSlot = 0;
  private queue: Command[] = [];
  /** Client → the request id this node will answer once it is applied. */
  private readonly waiters = new Map<ClientId, number>();
  private applied = 0;
  /** Promises kept across campaigns (the stale-promise bug only). */
  private staleTallyPromises = new Map<NodeId, readonly PromisedSlot[]>();

  constructor(env: Env, options: MultiPaxosOptions, bugs: ReadonlySet<string>) {
    this.env = env;
    this.options = options;
    this.phase1Quorum = options.phase1Quorum;
    this.phase2Quorum = options.phase2Quorum;
    this.staleTally = bugs.has(BUG_STALE_PROMISE);
    this.skipRecovery = bugs.has(BUG_SKIP_PHASE1);
    this.acceptor = new Acceptor(env.storage, !bugs.has(BUG_AMNESIA));
    this.learner = new Learner(env.storage);
  }

  // ---- host entry points ------------------------------------------------------------------

  start(): void {
    this.highestSeen = this.acceptor.promised;
    // A fresh machine: re-apply every chosen slot this node still remembers, in slot order.
    this.applyChosen();
    if (this.applied > 0) this.env.note(`restart: re-applied ${this.applied} chosen slots from the durable log`);
    this.armElection();
  }

  onMessage(from: NodeId, msg: MultiPaxosMessage): void {
    switch (msg.type) {
      case 'prepare':
        return this.onPrepare(from, msg);
      case 'promise':
        return this.onPromise(from, msg);
      case 'nack':
        return this.onNack(from, msg);
      case 'accept':
        return this.onAccept(from, msg);
      case 'accepted':
        return this.onAccepted(from, msg);
      case 'decide':
        return this.learn(msg.slot, msg.value);
      case 'heartbeat':
        return this.onHeartbeat(from, msg);
      case 'catchup':
        return this.onCatchup(from, msg);
      case 'catchup-reply':
        return this.onCatchupReply(from, msg);
      default:
        return assertNever(msg);
    }
  }

  onTimer(name: string): void {
    switch (name) {
      case 'election':
        // No heartbeat from a live leader for a whole (randomised) timeout, or our own campaign
        // did not gather a majority in time: try a higher ballot.
        if (this.role !== 'leader') this.startCampaign();
        return;
      case 'duel':
        if (this.role === 'follower' && this.queue.length > 0) this.startCampaign();
        return;
      case 'resend':
        return this.resendPrepare();
      case 'heartbeat':
        return this.onHeartbeatTimer();
      default:
        throw new Error(`multipaxos: unknown timer ${name}`);
    }
  }

  onRequest(client: ClientId, reqId: number, op: KvOp): void {
    const cached = this.env.machine.cached(client, reqId);
    if (cached !== undefined) {
      this.env.reply(client, reqId, { kind: 'result', result: cached });
      return;
    }
    const command: Command = Object.freeze({ client, reqId, op });
    if (this.role === 'follower' && this.options.leader === 'stable') {
      const hint = this.leaderHint === this.env.id ? null : this.leaderHint;
      this.env.reply(client, reqId, { kind: 'redirect', leader: hint });
      return;
    }
    this.waiters.set(client, reqId);
    if (this.isPending(command)) return;
    if (this.queue.length >= QUEUE_MAX) return; // the client retries
    this.queue.push(command);
    if (this.role === 'leader') this.proposeQueued();
    else if (this.role === 'follower') this.startCampaign(); // leader: none — propose on our own
  }

  inspect(): MultiPaxosView {
    const promised = this.acceptor.promised;
    const own = this.role === 'leader' ? this.leaderBallot : this.campaign?.ballot ?? null;
    return {
      role: this.role,
      term: (own ?? promised).round,
      leader: this.role === 'leader' ? this.env.id : this.role === 'candidate' ? null : this.leaderHint,
      commitIndex: this.learner.prefix,
      appliedIndex: this.applied,
      logLength: Math.max(this.learner.length, this.acceptor.length),
      promised,
      ballot: own,
      openSlots: this.proposals.size,
      queued: this.queue.length,
      counted: this.role === 'leader' ? this.counted : null,
    };
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
    this.setRole('candidate');
    this.leaderHint = null;
    this.env.note(`phase 1: prepare ballot ${formatBallot(ballot)} from slot ${this.learner.prefix}`);
    this.env.moment({ kind: 'era-change', term: round });
    const prepare: MultiPaxosMessage = { type: 'prepare', ballot, fromSlot: this.learner.prefix };
    for (const peer of this.env.peers) this.env.send(peer, prepare);
    this.env.setTimer('resend', this.options.resendIntervalUs);
    this.armElection();
    this.onPrepare(this.env.id, prepare);
  }

  private resendPrepare(): void {
    const campaign = this.campaign;
    if (this.role !== 'candidate' || campaign === null) return;
    const prepare: MultiPaxosMessage = { type: 'prepare', ballot: campaign.ballot, fromSlot: campaign.fromSlot };
    for (const peer of this.env.peers) {
      if (!campaign.promises.has(peer)) this.env.send(peer, prepare);
    }
    this.env.setTimer('resend', this.options.resendIntervalUs);
  }

  private onPromise(from: NodeId, msg: Msg<'promise'>): void {
    const campaign = this.campaign;
    if (this.role !== 'candidate' || campaign === null) return;
    // Correct: only promises for this very ballot count. The stale-promise bug also counts one
    // made to an earlier ballot of ours, by an acceptor that may have accepted since.
    if (!sameBallot(msg.ballot, campaign.ballot) && !this.staleTally) return;
    for (const entry of msg.slots) if (entry.kind === 'chosen') this.learn(entry.slot, entry.value);
    campaign.promises.set(from, msg.slots);
    if (campaign.promises.size >= this.phase1Quorum) this.becomeLeader(campaign);
  }

  private onNack(from: NodeId, msg: Msg<'nack'>): void {
    this.highestSeen = maxBallot(this.highestSeen, msg.promised);
    const own = this.role === 'leader' ? this.leaderBallot : this.campaign?.ballot ?? null;
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
    this.setRole('leader');
    this.env.cancelTimer('resend');
    this.env.cancelTimer('election');
    this.env.cancelTimer('duel');
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
      if (this.learner.get(proposal.slot) === undefined) this.propose(proposal.slot, proposal.value);
    }
    this.sendHeartbeats();
    this.proposeQueued();
  }

  private recoveryPlan(campaign: Campaign): RecoveryPlan {
    if (this.skipRecovery) {
      // The bug: treat every open slot as free, as if no acceptor had voted in it.
      return { learned: [], proposals: [], nextSlot: this.learner.prefix };
    }
    return planRecovery(
      campaign.fromSlot,
      [...campaign.promises.values()],
      (slot) => this.learner.get(slot),
      this.learner.length,
    );
  }

  // ---- phase 2: leader side --------------------------------------------------------------------

  private proposeQueued(): void {
    while (this.role === 'leader' && this.queue.length > 0 && this.nextSlot - this.learner.prefix < this.options.window) {
      const command = this.queue.shift() as Command;
      // Already executed, or already in a slot (a re-proposal found it in phase 1).
      if (this.env.machine.cached(command.client, command.reqId) !== undefined || this.inFlight(command)) continue;
      while (this.learner.get(this.nextSlot) !== undefined) this.nextSlot++;
      this.propose(this.nextSlot, Object.freeze({ kind: 'command', command }));
      this.nextSlot++;
    }
  }

  /** Phase 2a for one slot: vote locally (persisted first), then ask every other acceptor. */
  private propose(slot: number, value: SlotValue): void {
    const ballot = this.leaderBallot;
    if (this.role !== 'leader' || ballot === null) throw new Error(`multipaxos: ${this.env.id} proposes without leading`);
    if (this.proposals.has(slot) || this.learner.get(slot) !== undefined) throw new Error(`multipaxos: slot ${slot} proposed twice`);
    const proposal: Proposal = { value, acks: [] };
    this.proposals.set(slot, proposal);
    const selfAccepted = this.acceptor.accept(ballot, slot, value);
    if (selfAccepted) proposal.acks.push(this.env.id);
    const accept: MultiPaxosMessage = { type: 'accept', ballot, slot, value, leaderAccepted: selfAccepted };
    for (const peer of this.env.peers) this.env.send(peer, accept);
    this.checkChosen(slot);
  }

  private onAccepted(from: NodeId, msg: Msg<'accepted'>): void {
    if (this.role !== 'leader' || !sameBallot(msg.ballot, this.leaderBallot as Ballot)) return;
    const proposal = this.proposals.get(msg.slot);
    if (proposal === undefined || proposal.acks.includes(from)) return;
    proposal.acks.push(from);
    this.checkChosen(msg.slot);
  }

  /** Chosen = accepted by a phase 2 quorum (a majority by default) at one ballot (PMS §2.2); tell every learner. */
  private checkChosen(slot: number): void {
    const proposal = this.proposals.get(slot);
    if (proposal === undefined || proposal.acks.length < this.phase2Quorum) return;
    this.proposals.delete(slot);
    const decide: MultiPaxosMessage = { type: 'decide', slot, value: proposal.value };
    for (const peer of this.env.peers) this.env.send(peer, decide);
    this.learn(slot, proposal.value);
  }

  private onHeartbeatTimer(): void {
    if (this.role !== 'leader') return;
    this.sendHeartbeats();
    this.resendAccepts();
  }

  private sendHeartbeats(): void {
    const heartbeat: MultiPaxosMessage = {
      type: 'heartbeat',
      ballot: this.leaderBallot as Ballot,
      chosenPrefix: this.learner.prefix,
    };
    for (const peer of this.env.peers) this.env.send(peer, heartbeat);
    this.env.setTimer('heartbeat', this.options.heartbeatIntervalUs);
  }

  /** Accepts or Accepteds may have been lost: ask again whoever has not answered (bounded). */
  private resendAccepts(): void {
    const ballot = this.leaderBallot as Ballot;
    let budget = 2 * this.options.window;
    for (const [slot, proposal] of this.proposals) {
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
    const promise: MultiPaxosMessage = { type: 'promise', ballot: msg.ballot, fromSlot: msg.fromSlot, slots: outcome.slots };
    if (from === this.env.id) this.onPromise(from, promise);
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
    const own = this.role === 'leader' ? this.leaderBallot : this.campaign?.ballot ?? null;
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
    const slots = this.learner.contiguousFrom(msg.fromSlot, CATCHUP_BATCH);
    if (slots.length > 0) this.env.send(from, { type: 'catchup-reply', slots });
  }

  private onCatchupReply(from: NodeId, msg: Msg<'catchup-reply'>): void {
    for (const entry of msg.slots) this.learn(entry.slot, entry.value);
    // A full batch means the sender may know more: ask for the next one without waiting.
    if (msg.slots.length >= CATCHUP_BATCH) this.env.send(from, { type: 'catchup', fromSlot: this.learner.prefix });
  }

  private learn(slot: number, value: SlotValue): void {
    if (!this.learner.learn(slot, value)) return;
    const proposal = this.proposals.get(slot);
    if (proposal !== undefined) {
      this.proposals.delete(slot);
      // Only under a bug can a slot we proposed in choose someone else's value; requeue ours.
      if (!sameValue(proposal.value, value) && proposal.value.kind === 'command') this.queue.unshift(proposal.value.command);
    }
    this.applyChosen();
    this.proposeQueued();
  }

  /** Execute the chosen prefix in slot order, skipping no-ops, and answer waiting clients. */
  private applyChosen(): void {
    while (this.applied < this.learner.prefix) {
      const value = this.learner.get(this.applied) as SlotValue;
      this.applied++;
      if (value.kind === 'noop') continue;
      const { client, reqId } = value.command;
      const result = this.env.machine.apply(value.command);
      if (this.waiters.get(client) === reqId) {
        this.waiters.delete(client);
        this.env.reply(client, reqId, { kind: 'result', result });
      }
    }
  }

  private isPending(command: Command): boolean {
    for (const queued of this.queue) if (sameCommand(queued, command)) return true;
    return this.inFlight(command);
  }

  private inFlight(command: Command): boolean {
    for (const proposal of this.proposals.values()) {
      if (proposal.value.kind === 'command' && sameCommand(proposal.value.command, command)) return true;
    }
    return false;
  }

  // ---- roles and timers ------------------------------------------------------------------------

  private stepDown(hint: NodeId | null): void {
    this.setRole('follower');
    this.campaign = null;
    this.leaderBallot = null;
    this.counted = null;
    this.leaderHint = hint;
    if (this.options.leader === 'none') {
      // Our own clients' commands that were in flight: we will propose them again ourselves.
      const abandoned: Command[] = [];
      for (const proposal of this.proposals.values()) if (proposal.value.kind === 'command') abandoned.push(proposal.value.command);
      this.queue = [...abandoned, ...this.queue].slice(0, QUEUE_MAX);
    }
    this.proposals.clear();
    this.env.cancelTimer('resend');
    this.env.cancelTimer('heartbeat');
    if (this.options.leader === 'stable') {
      // Queued requests were never proposed: send their clients to the new leader.
      for (const command of this.queue) {
        this.waiters.delete(command.client);
        this.env.reply(command.client, command.reqId, { kind: 'redirect', leader: hint });
      }
      this.queue = [];
      this.armElection();
    } else if (this.queue.length > 0) {
      this.env.setTimer('duel', this.options.duelRetryUs);
    }
  }

  private setRole(role: Role): void {
    this.role = role;
  }

  /** Stable leader only: campaign after a randomised timeout in [T, 2T) (the back-off of PMS §2.4). */
  private armElection(): void {
    if (this.options.leader !== 'stable') return;
    const timeout = this.options.electionTimeoutUs;
    this.env.setTimer('election', timeout + Math.floor(this.env.random() * timeout));
  }
}

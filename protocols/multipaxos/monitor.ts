/**
 * Multi-Paxos online invariants, judged from the messages nodes send and the views they expose:
 *
 * - one-value-per-slot: a value is chosen in a slot when a majority (option q2: a phase 2 quorum) of acceptors accepted one
 *   proposal (one ballot) there (PMS §2.2); no slot may choose two different values (§2.1).
 * - p2b: once v is chosen in a slot at ballot b, every Accept for that slot at a ballot above b
 *   carries v (P2ᵇ, §2.2) — this fires one step earlier than a second choice would.
 * - unique-ballot: two Accepts for one slot at one ballot carry the same value (§2.5's disjoint
 *   proposal numbers, which must hold across proposer restarts).
 * - promise-monotonic: an acceptor's promised ballot never decreases, crashes included (§2.5:
 *   an acceptor must remember what it promised "even if it fails and then restarts").
 *
 * And the local steps the proof of P2ᵇ rests on, each checked when it is taken, so that a broken
 * step is reported the first time it runs whatever the schedule does next:
 * - p2c: a leader's Accept in a slot carries the value of the highest-numbered vote reported there
 *   by the Promises its phase 1 counted (a value reported chosen counts as such a vote), and any
 *   value only where none reported a vote (P2ᶜ, §2.2). The counted Promises come from the leader's
 *   view; Accepts sent in the step that made it leader are checked right after that step.
 * - promise-current-ballot: every Promise a leader counted was made to the very ballot it leads
 *   with: the acceptor sent that ballot's Promise to it (or is the leader's own acceptor, which
 *   promised the ballot). §2.2's phase 2 needs "a response to its prepare request (numbered n)
 *   from a majority"; a Promise to an earlier ballot says nothing about votes cast since.
 * - p1a: an acceptor never votes (Accepted, or a leader's own vote) at a ballot below one it has
 *   promised (P1ᵃ, §2.2).
 *
 * Votes are read from Accepted messages and from the `leaderAccepted` flag of Accept messages
 * (a leader votes locally, without a message). Applied-prefix agreement is checked by the host.
 *
 * Bounded records. The per-slot records (votes per ballot, the value chosen) are kept only for
 * slots at or above the lowest snapshot point of all nodes (their views show it): below it every
 * node, restarted or not, knows the slot chosen from a durable snapshot, so no node proposes there
 * again and there is nothing left to check (a late Accepted for such a slot is ignored). As a
 * backstop against a node that never snapshots (down for good), at most `SLOT_WINDOW` slots below
 * the highest one seen are kept. Promise records keep only each proposer's highest ballot: a node
 * can lead no ballot of its own but its latest.
 */
import type { InvariantFinding, InvariantMonitor, MonitorContext, NodeId } from '../api.js';
import { defineInvariants } from '../kit/index.js';
import { compareBallots, formatBallot, sameBallot, valueKey } from './ballot.js';
import { readConfig } from './options.js';
import type { Ballot, MultiPaxosMessage, MultiPaxosView, PromisedSlot, SlotValue } from './types.js';

interface Tally {
  readonly ballot: Ballot;
  readonly value: string;
  /** The value object first seen (messages of one proposal share it: compared before the key). */
  readonly valueObj: SlotValue;
  readonly acceptors: NodeId[];
}

interface Choice {
  readonly ballot: Ballot;
  readonly value: string;
  readonly valueObj: SlotValue;
  readonly acceptors: readonly NodeId[];
}

/** What P2ᶜ lets a leader propose in one slot: the value of the highest vote its promises reported. */
interface Mandate {
  readonly value: SlotValue;
  /** The vote's ballot; null when a promiser reported the value chosen. */
  readonly ballot: Ballot | null;
  readonly reporter: NodeId;
}

interface Leadership {
  readonly ballot: Ballot;
  readonly mandates: ReadonlyMap<number, Mandate>;
}

interface PendingAccept {
  readonly from: NodeId;
  readonly ballot: Ballot;
  readonly slot: number;
  readonly value: SlotValue;
}

/** Same value as the record's: the same object (the usual case) without building the key. */
function sameAs(record: { readonly value: string; readonly valueObj: SlotValue }, value: SlotValue): boolean {
  return record.valueObj === value || record.value === valueKey(value);
}

export class MultiPaxosMonitor implements InvariantMonitor<MultiPaxosMessage, MultiPaxosView> {
  private readonly quorum: number;
  /** slot → who accepted what, one tally per ballot (a slot sees few ballots: a list, no string keys). */
  private readonly tallies = new Map<number, Tally[]>();
  /** slot → the first value seen chosen there. */
  private readonly chosen = new Map<number, Choice>();
  /** acceptor → highest promised ballot seen in its views, across incarnations. */
  private readonly promised = new Map<NodeId, Ballot>();
  /** acceptor → the highest ballot it sent a Promise for (P1ᵃ's floor, with `promised`). */
  private readonly promiseSent = new Map<NodeId, Ballot>();
  /** proposer → its highest ballot sent a Promise, and the acceptors that promised it that ballot. */
  private readonly promisers = new Map<NodeId, { readonly ballot: Ballot; readonly acceptors: Set<NodeId> }>();
  /** node → the snapshot point its last view showed. */
  private readonly snapshotSlots = new Map<NodeId, number>();
  private readonly nodes: readonly NodeId[];
  /** Per-slot records below this slot are forgotten (see the top of this file). */
  private slotFloor = 0;
  private highestSlot = 0;
  /** node → the leadership its last view showed, with the P2ᶜ mandates of its counted promises. */
  private readonly leading = new Map<NodeId, Leadership>();
  /** Accepts sent by a node whose leadership the monitor has not seen yet (the step that made it leader). */
  private pending: PendingAccept[] = [];

  constructor(ctx: MonitorContext) {
    this.quorum = readConfig(ctx.nodes.length, ctx.options).phase2Quorum;
    this.nodes = ctx.nodes;
  }

  afterStep(node: NodeId, view: MultiPaxosView): InvariantFinding | null {
    this.noteSnapshot(node, view.compaction.snapshotSlot);
    return this.checkPromised(node, view) ?? this.checkLeadership(node, view) ?? this.drainPending(node);
  }

  /** How many per-slot and per-proposer records the monitor holds (what its bound is about). */
  sizes(): { readonly slots: number; readonly chosen: number; readonly proposers: number; readonly pending: number } {
    return { slots: this.tallies.size, chosen: this.chosen.size, proposers: this.promisers.size, pending: this.pending.length };
  }

  private noteSnapshot(node: NodeId, slot: number): void {
    if (this.snapshotSlots.get(node) === slot) return;
    this.snapshotSlots.set(node, slot);
    let lowest = Infinity;
    for (const id of this.nodes) lowest = Math.min(lowest, this.snapshotSlots.get(id) ?? 0);
    this.forgetBelow(lowest);
  }

  private forgetBelow(slot: number): void {
    if (slot <= this.slotFloor) return;
    this.slotFloor = slot;
    for (const key of this.tallies.keys()) if (key < slot) this.tallies.delete(key);
    for (const key of this.chosen.keys()) if (key < slot) this.chosen.delete(key);
  }

  private checkPromised(node: NodeId, view: MultiPaxosView): InvariantFinding | null {
    const before = this.promised.get(node);
    if (before !== undefined && compareBallots(view.promised, before) < 0) {
      return INV.finding(
        'promise-monotonic',
        `${node} had promised ballot ${formatBallot(before)} and now promises only ${formatBallot(view.promised)}`,
        [node],
      );
    }
    this.promised.set(node, view.promised);
    return null;
  }

  onSend(from: NodeId, to: NodeId, msg: MultiPaxosMessage): InvariantFinding | null {
    if (msg.type === 'accept') {
      const finding = this.checkP2c(from, msg.ballot, msg.slot, msg.value) ?? this.checkAccept(from, msg.ballot, msg.slot, msg.value);
      if (finding !== null || !msg.leaderAccepted) return finding;
      return this.checkP1a(from, msg.ballot, msg.slot) ?? this.vote(from, msg.ballot, msg.slot, msg.value);
    }
    if (msg.type === 'accepted') return this.checkP1a(from, msg.ballot, msg.slot) ?? this.vote(from, msg.ballot, msg.slot, msg.value);
    if (msg.type === 'promise') this.promisedTo(from, to, msg.ballot);
    return null;
  }

  onCrash(node: NodeId): void {
    this.leading.delete(node);
  }

  // ---- the proof's local steps -----------------------------------------------------------------

  private promisedTo(acceptor: NodeId, proposer: NodeId, ballot: Ballot): void {
    const known = this.promisers.get(proposer);
    if (known === undefined || compareBallots(ballot, known.ballot) > 0) {
      this.promisers.set(proposer, { ballot, acceptors: new Set([acceptor]) });
    } else if (sameBallot(ballot, known.ballot)) {
      known.acceptors.add(acceptor);
    }
    const floor = this.promiseSent.get(acceptor);
    if (floor === undefined || compareBallots(ballot, floor) > 0) this.promiseSent.set(acceptor, ballot);
  }

  /** P1ᵃ: no vote below a ballot this acceptor promised in an earlier step (or sent a Promise for). */
  private checkP1a(acceptor: NodeId, ballot: Ballot, slot: number): InvariantFinding | null {
    for (const floor of [this.promised.get(acceptor), this.promiseSent.get(acceptor)]) {
      if (floor === undefined || compareBallots(ballot, floor) >= 0) continue;
      return INV.finding(
        'p1a',
        `${acceptor} votes in slot ${slot} at ballot ${formatBallot(ballot)} after promising ${formatBallot(floor)}`,
        [acceptor],
      );
    }
    return null;
  }

  /**
   * A node that now leads a ballot the monitor has not seen it lead: its counted promises must be
   * for that ballot; their reports fix what it may propose in each slot (P2ᶜ).
   */
  private checkLeadership(node: NodeId, view: MultiPaxosView): InvariantFinding | null {
    const ballot = view.ballot;
    if (view.role === 'candidate' && ballot !== null && sameBallot(view.promised, ballot)) this.promisedTo(node, node, ballot);
    if (view.role !== 'leader' || ballot === null || view.counted === null) {
      this.leading.delete(node);
      return null;
    }
    const known = this.leading.get(node);
    if (known !== undefined && sameBallot(known.ballot, ballot)) return null;
    const latest = this.promisers.get(node);
    const promisers = latest !== undefined && sameBallot(latest.ballot, ballot) ? latest.acceptors : undefined;
    const mandates = new Map<number, Mandate>();
    for (const [acceptor, slots] of view.counted) {
      const own = acceptor === node && sameBallot(view.promised, ballot);
      if (!own && promisers?.has(acceptor) !== true) {
        return INV.finding(
          'promise-current-ballot',
          `${node} leads ballot ${formatBallot(ballot)} counting a Promise from ${acceptor}, which never promised it that ballot`,
          [node, acceptor],
        );
      }
      for (const entry of slots) addMandate(mandates, entry, acceptor);
    }
    this.leading.set(node, { ballot, mandates });
    return null;
  }

  private drainPending(node: NodeId): InvariantFinding | null {
    if (this.pending.length === 0) return null;
    const rest: PendingAccept[] = [];
    let found: InvariantFinding | null = null;
    for (const accept of this.pending) {
      if (accept.from !== node) rest.push(accept);
      else if (found === null) found = this.checkP2c(accept.from, accept.ballot, accept.slot, accept.value, true);
    }
    this.pending = rest;
    return found;
  }

  /** P2ᶜ for one Accept; `settled` once the sender's step is over (no leadership: nothing to check). */
  private checkP2c(from: NodeId, ballot: Ballot, slot: number, value: SlotValue, settled = false): InvariantFinding | null {
    const leadership = this.leading.get(from);
    if (leadership === undefined || !sameBallot(leadership.ballot, ballot)) {
      if (!settled && this.pending.length < PENDING_MAX) this.pending.push({ from, ballot, slot, value });
      return null;
    }
    const mandate = leadership.mandates.get(slot);
    if (mandate === undefined || mandate.value === value || valueKey(mandate.value) === valueKey(value)) return null;
    const vote = mandate.ballot === null ? 'reported it chosen' : `voted for it at ballot ${formatBallot(mandate.ballot)}`;
    return INV.finding(
      'p2c',
      `${from} proposes ${valueKey(value)} in slot ${slot} at ballot ${formatBallot(ballot)}, but the promises it counted ` +
        `name ${valueKey(mandate.value)} there (${mandate.reporter} ${vote})`,
      [from, mandate.reporter],
    );
  }

  /** The proposal itself: P2ᵇ and ballot uniqueness. */
  private checkAccept(from: NodeId, ballot: Ballot, slot: number, value: SlotValue): InvariantFinding | null {
    const choice = this.chosen.get(slot);
    if (choice !== undefined && compareBallots(ballot, choice.ballot) > 0 && !sameAs(choice, value)) {
      const key = valueKey(value);
      return INV.finding(
        'p2b',
        `slot ${slot} chose ${choice.value} at ballot ${formatBallot(choice.ballot)}, ` +
          `but ${from} proposes ${key} there at the higher ballot ${formatBallot(ballot)}`,
        [from, ...choice.acceptors],
      );
    }
    const tally = findTally(this.tallies.get(slot), ballot);
    if (tally !== undefined && !sameAs(tally, value)) {
      return INV.finding(
        'unique-ballot',
        `two proposals at ballot ${formatBallot(ballot)} in slot ${slot}: ${tally.value} and ${valueKey(value)} (from ${from})`,
        [from],
      );
    }
    return null;
  }

  private vote(acceptor: NodeId, ballot: Ballot, slot: number, value: SlotValue): InvariantFinding | null {
    if (slot < this.slotFloor) return null;
    if (slot > this.highestSlot) {
      this.highestSlot = slot;
      // In batches of a quarter window, so that pruning costs O(1) per slot.
      if (slot - this.slotFloor > SLOT_WINDOW + SLOT_WINDOW / 4) this.forgetBelow(slot - SLOT_WINDOW);
    }
    let bySlot = this.tallies.get(slot);
    if (bySlot === undefined) {
      bySlot = [];
      this.tallies.set(slot, bySlot);
    }
    let tally = findTally(bySlot, ballot);
    if (tally === undefined) {
      tally = { ballot, value: valueKey(value), valueObj: value, acceptors: [] };
      bySlot.push(tally);
    }
    if (!sameAs(tally, value)) {
      return INV.finding(
        'unique-ballot',
        `${acceptor} accepted ${valueKey(value)} in slot ${slot} at ballot ${formatBallot(ballot)}, where others accepted ${tally.value}`,
        [acceptor],
      );
    }
    if (tally.acceptors.includes(acceptor)) return null;
    tally.acceptors.push(acceptor);
    if (tally.acceptors.length !== this.quorum) return null;
    return this.choose(slot, tally);
  }

  private choose(slot: number, tally: Tally): InvariantFinding | null {
    const earlier = this.chosen.get(slot);
    if (earlier === undefined) {
      this.chosen.set(slot, { ballot: tally.ballot, value: tally.value, valueObj: tally.valueObj, acceptors: [...tally.acceptors] });
      return null;
    }
    if (earlier.value === tally.value) return null;
    return INV.finding(
      'one-value-per-slot',
      `slot ${slot} chose ${earlier.value} at ballot ${formatBallot(earlier.ballot)} (accepted by ${earlier.acceptors.join(', ')}) ` +
        `and ${tally.value} at ballot ${formatBallot(tally.ballot)} (accepted by ${tally.acceptors.join(', ')})`,
      [...new Set([...earlier.acceptors, ...tally.acceptors])].sort(),
    );
  }
}

/** Slots of per-slot records kept below the highest slot voted in (up to a quarter more; a backstop: see the top). */
const SLOT_WINDOW = 65_536;

/** Accepts waiting for their sender's step to end: one step's worth of proposals (the window, twice). */
const PENDING_MAX = 4096;

/** Keep, per slot, the highest-numbered vote reported; a value reported chosen outranks any vote. */
function addMandate(mandates: Map<number, Mandate>, entry: PromisedSlot, reporter: NodeId): void {
  const current = mandates.get(entry.slot);
  if (entry.kind === 'chosen') {
    if (current === undefined || current.ballot !== null) mandates.set(entry.slot, { value: entry.value, ballot: null, reporter });
    return;
  }
  if (current !== undefined && (current.ballot === null || compareBallots(entry.ballot, current.ballot) <= 0)) return;
  mandates.set(entry.slot, { value: entry.value, ballot: entry.ballot, reporter });
}

function findTally(tallies: readonly Tally[] | undefined, ballot: Ballot): Tally | undefined {
  if (tallies === undefined) return undefined;
  for (const tally of tallies) if (sameBallot(tally.ballot, ballot)) return tally;
  return undefined;
}

/** What this monitor checks, for `consensim list` and docs/multipaxos.md. */
const INV = defineInvariants([
  { name: "one-value-per-slot", description: "No slot chooses two values (chosen = accepted by a majority at one ballot).", source: "Paxos Made Simple §2.1-2.2" },
  { name: "p2b", description: "Once v is chosen in a slot at ballot b, every Accept there at a higher ballot carries v.", source: "Paxos Made Simple §2.2, P2b" },
  { name: "unique-ballot", description: "Two Accepts for one slot at one ballot carry the same value.", source: "Paxos Made Simple §2.5" },
  { name: "promise-monotonic", description: "An acceptor's promised ballot never decreases, crashes included.", source: "Paxos Made Simple §2.5" },
  { name: "p2c", description: "A leader's Accept in a slot carries the value of the highest-numbered vote its counted Promises reported there; any value only where none reported one.", source: "Paxos Made Simple §2.2, P2c" },
  { name: "promise-current-ballot", description: "Every Promise a leader counted was made to the ballot it leads with.", source: "Paxos Made Simple §2.2, phase 2(a)" },
  { name: "p1a", description: "An acceptor never votes at a ballot below one it has promised.", source: "Paxos Made Simple §2.2, P1a" },
] as const);

export const MULTIPAXOS_INVARIANTS = INV.list;

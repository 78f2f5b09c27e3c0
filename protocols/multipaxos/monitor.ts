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
 * Votes are read from Accepted messages and from the `leaderAccepted` flag of Accept messages
 * (a leader votes locally, without a message). Applied-prefix agreement is checked by the host.
 */
import type { InvariantFinding, InvariantMonitor, MonitorContext, NodeId } from '../api.js';
import { compareBallots, formatBallot, sameBallot, valueKey } from './ballot.js';
import { phase2QuorumSize } from './quorums.js';
import type { Ballot, MultiPaxosMessage, MultiPaxosView, SlotValue } from './types.js';

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

  constructor(ctx: MonitorContext) {
    this.quorum = phase2QuorumSize(ctx.nodes.length, ctx.options);
  }

  afterStep(node: NodeId, view: MultiPaxosView): InvariantFinding | null {
    const before = this.promised.get(node);
    if (before !== undefined && compareBallots(view.promised, before) < 0) {
      return {
        name: 'promise-monotonic',
        detail: `${node} had promised ballot ${formatBallot(before)} and now promises only ${formatBallot(view.promised)}`,
        nodes: [node],
      };
    }
    this.promised.set(node, view.promised);
    return null;
  }

  onSend(from: NodeId, _to: NodeId, msg: MultiPaxosMessage): InvariantFinding | null {
    if (msg.type === 'accept') {
      const finding = this.checkAccept(from, msg.ballot, msg.slot, msg.value);
      if (finding !== null || !msg.leaderAccepted) return finding;
      return this.vote(from, msg.ballot, msg.slot, msg.value);
    }
    if (msg.type === 'accepted') return this.vote(from, msg.ballot, msg.slot, msg.value);
    return null;
  }

  /** The proposal itself: P2ᵇ and ballot uniqueness. */
  private checkAccept(from: NodeId, ballot: Ballot, slot: number, value: SlotValue): InvariantFinding | null {
    const choice = this.chosen.get(slot);
    if (choice !== undefined && compareBallots(ballot, choice.ballot) > 0 && !sameAs(choice, value)) {
      const key = valueKey(value);
      return {
        name: 'p2b',
        detail:
          `slot ${slot} chose ${choice.value} at ballot ${formatBallot(choice.ballot)}, ` +
          `but ${from} proposes ${key} there at the higher ballot ${formatBallot(ballot)}`,
        nodes: [from, ...choice.acceptors],
      };
    }
    const tally = findTally(this.tallies.get(slot), ballot);
    if (tally !== undefined && !sameAs(tally, value)) {
      return {
        name: 'unique-ballot',
        detail: `two proposals at ballot ${formatBallot(ballot)} in slot ${slot}: ${tally.value} and ${valueKey(value)} (from ${from})`,
        nodes: [from],
      };
    }
    return null;
  }

  private vote(acceptor: NodeId, ballot: Ballot, slot: number, value: SlotValue): InvariantFinding | null {
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
      return {
        name: 'unique-ballot',
        detail: `${acceptor} accepted ${valueKey(value)} in slot ${slot} at ballot ${formatBallot(ballot)}, where others accepted ${tally.value}`,
        nodes: [acceptor],
      };
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
    return {
      name: 'one-value-per-slot',
      detail:
        `slot ${slot} chose ${earlier.value} at ballot ${formatBallot(earlier.ballot)} (accepted by ${earlier.acceptors.join(', ')}) ` +
        `and ${tally.value} at ballot ${formatBallot(tally.ballot)} (accepted by ${tally.acceptors.join(', ')})`,
      nodes: [...new Set([...earlier.acceptors, ...tally.acceptors])].sort(),
    };
  }
}

function findTally(tallies: readonly Tally[] | undefined, ballot: Ballot): Tally | undefined {
  if (tallies === undefined) return undefined;
  for (const tally of tallies) if (sameBallot(tally.ballot, ballot)) return tally;
  return undefined;
}

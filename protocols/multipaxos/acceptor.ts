/**
 * The acceptor of Paxos Made Simple §2.2, run for every slot of the log at once (§3): one promised
 * ballot covers all slots, and each slot keeps the highest-numbered proposal accepted there.
 *
 * §2.5: "An acceptor records its intended response in stable storage before actually sending the
 * response." Every change is written and synced here, inside the call, so the caller may send the
 * reply as soon as the call returns. The `acceptor-amnesia` bug keeps the same state in memory only,
 * so a crash forgets every promise and vote.
 *
 * Votes in slots below the node's snapshot point are compacted away (snapshots.ts): those slots
 * are known chosen, so a Promise reports the snapshot instead of them (the node attaches it), and
 * an Accept there (from a leader that is behind) is answered without keeping the vote.
 */
import type { DurableLog, DurableStore } from '../api.js';
import { assertSlot, BALLOT_ZERO, compareBallots } from './ballot.js';
import type { AcceptedVote, Ballot, PromisedSlot, SlotValue } from './types.js';

const PROMISED_KEY = 'paxos.promised';
const VOTES_LOG = 'paxos.votes';

/** Votes live on disk, or (amnesia) in an array that dies with the node. */
interface VoteLog {
  readonly length: number;
  readonly start: number;
  compact(upTo: number): void;
  get(slot: number): AcceptedVote | null | undefined;
  append(vote: AcceptedVote | null): void;
  set(slot: number, vote: AcceptedVote | null): void;
}

export type PrepareOutcome =
  | { readonly ok: true; readonly slots: readonly PromisedSlot[] }
  | { readonly ok: false; readonly promised: Ballot };

export class Acceptor {
  private promisedBallot: Ballot;
  private readonly votes: VoteLog;
  private readonly storage: DurableStore;
  private readonly durable: boolean;

  constructor(storage: DurableStore, durable: boolean) {
    this.storage = storage;
    this.durable = durable;
    if (durable) {
      this.promisedBallot = storage.read<Ballot>(PROMISED_KEY) ?? BALLOT_ZERO;
      this.votes = storage.log<AcceptedVote | null>(VOTES_LOG) as DurableLog<AcceptedVote | null>;
    } else {
      this.promisedBallot = BALLOT_ZERO;
      this.votes = new MemoryVotes();
    }
  }

  get promised(): Ballot {
    return this.promisedBallot;
  }

  /** Slots this acceptor has a vote (or an empty place) for, compacted ones included. */
  get length(): number {
    return this.votes.length;
  }

  vote(slot: number): AcceptedVote | null {
    return this.votes.get(slot) ?? null;
  }

  /** Vote places held in memory: what compaction bounds. */
  get held(): number {
    return this.votes.length - this.votes.start;
  }

  /** Forget the votes below `slot`, all in chosen slots the node's snapshot covers. */
  compactTo(slot: number): void {
    while (this.votes.length < slot) this.votes.append(null);
    this.votes.compact(slot);
  }

  /**
   * Phase 1b for every slot ≥ fromSlot. A repeated Prepare of the promised ballot is answered
   * again (the first Promise may have been lost); a lower one is refused.
   * `chosen(slot)` reports values this node already knows were chosen, which outrank any vote.
   */
  prepare(ballot: Ballot, fromSlot: number, chosen: (slot: number) => SlotValue | undefined, knownSlots: number): PrepareOutcome {
    if (compareBallots(ballot, this.promisedBallot) < 0) return { ok: false, promised: this.promisedBallot };
    if (compareBallots(ballot, this.promisedBallot) > 0) this.promise(ballot);
    return { ok: true, slots: this.report(fromSlot, chosen, knownSlots) };
  }

  /** Phase 2b: accept unless a higher ballot was promised (P1ᵃ, §2.2). True when accepted. */
  accept(ballot: Ballot, slot: number, value: SlotValue): boolean {
    assertSlot(slot);
    if (compareBallots(ballot, this.promisedBallot) < 0) return false;
    if (compareBallots(ballot, this.promisedBallot) > 0) {
      // Accepting b also promises b: nothing lower may be accepted afterwards.
      this.promisedBallot = ballot;
      if (this.durable) this.storage.write(PROMISED_KEY, ballot);
    }
    // A compacted slot is chosen and in our snapshot: the promise above is all that counts there.
    if (slot >= this.votes.start) {
      while (this.votes.length <= slot) this.votes.append(null);
      this.votes.set(slot, Object.freeze({ ballot, value }));
    }
    this.persist();
    return true;
  }

  private promise(ballot: Ballot): void {
    this.promisedBallot = ballot;
    if (this.durable) this.storage.write(PROMISED_KEY, ballot);
    this.persist();
  }

  private persist(): void {
    if (this.durable) this.storage.sync();
  }

  private report(fromSlot: number, chosen: (slot: number) => SlotValue | undefined, knownSlots: number): PromisedSlot[] {
    const slots: PromisedSlot[] = [];
    const end = Math.max(this.votes.length, knownSlots);
    for (let slot = Math.max(fromSlot, this.votes.start); slot < end; slot++) {
      const value = chosen(slot);
      if (value !== undefined) {
        slots.push(Object.freeze({ slot, kind: 'chosen', value }));
        continue;
      }
      const vote = this.votes.get(slot);
      if (vote) slots.push(Object.freeze({ slot, kind: 'accepted', ballot: vote.ballot, value: vote.value }));
    }
    return slots;
  }
}

class MemoryVotes implements VoteLog {
  private entries: (AcceptedVote | null)[] = [];
  start = 0;
  get length(): number {
    return this.start + this.entries.length;
  }
  get(slot: number): AcceptedVote | null | undefined {
    return slot < this.start ? undefined : this.entries[slot - this.start];
  }
  append(vote: AcceptedVote | null): void {
    this.entries.push(vote);
  }
  set(slot: number, vote: AcceptedVote | null): void {
    this.entries[slot - this.start] = vote;
  }
  compact(upTo: number): void {
    if (upTo <= this.start) return;
    this.entries = this.entries.slice(upTo - this.start);
    this.start = upTo;
  }
}

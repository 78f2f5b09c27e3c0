/**
 * What a new leader proposes after phase 1 (Paxos Made Simple §3): for every open slot from the
 * Prepare's `fromSlot` up to the highest slot any promiser reported, the value of the
 * highest-numbered proposal reported there (P2ᶜ, §2.2), or a no-op when nobody reported one, so
 * that the log has no gaps. Slots some promiser already knows chosen are learned, not proposed.
 *
 * Pure: the node calls it with the promises of a majority and applies the plan.
 */
import { compareBallots, NOOP } from './ballot.js';
import type { Ballot, ChosenSlot, PromisedSlot, SlotValue } from './types.js';

export interface RecoveryProposal {
  readonly slot: number;
  readonly value: SlotValue;
  /** The ballot that value was accepted at (null for a gap filled with a no-op). */
  readonly from: Ballot | null;
}

export interface RecoveryPlan {
  /** Reported as chosen by some promiser. */
  readonly learned: readonly ChosenSlot[];
  readonly proposals: readonly RecoveryProposal[];
  /** The first slot free for new commands. */
  readonly nextSlot: number;
}

/**
 * `known(slot)` gives what the leader itself already knows chosen; `knownLength` is one past its
 * highest known-chosen slot.
 */
export function planRecovery(
  fromSlot: number,
  promises: readonly (readonly PromisedSlot[])[],
  known: (slot: number) => SlotValue | undefined,
  knownLength: number,
): RecoveryPlan {
  const chosen = new Map<number, SlotValue>();
  const best = new Map<number, { ballot: Ballot; value: SlotValue }>();
  let end = Math.max(fromSlot, knownLength);
  for (const report of promises) {
    for (const entry of report) {
      if (entry.slot < fromSlot) continue;
      end = Math.max(end, entry.slot + 1);
      if (entry.kind === 'chosen') {
        if (!chosen.has(entry.slot)) chosen.set(entry.slot, entry.value);
        continue;
      }
      const current = best.get(entry.slot);
      if (current === undefined || compareBallots(entry.ballot, current.ballot) > 0) {
        best.set(entry.slot, { ballot: entry.ballot, value: entry.value });
      }
    }
  }
  const learned: ChosenSlot[] = [];
  const proposals: RecoveryProposal[] = [];
  for (let slot = fromSlot; slot < end; slot++) {
    if (known(slot) !== undefined) continue;
    const value = chosen.get(slot);
    if (value !== undefined) {
      learned.push({ slot, value });
      continue;
    }
    const vote = best.get(slot);
    proposals.push(vote === undefined ? { slot, value: NOOP, from: null } : { slot, value: vote.value, from: vote.ballot });
  }
  return { learned, proposals, nextSlot: end };
}

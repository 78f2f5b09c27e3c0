/**
 * The learner (Paxos Made Simple §2.3): the values this node knows were chosen, slot by slot.
 *
 * Chosen values are facts, so keeping them is an optimisation, not a safety duty: they are written
 * to storage but not synced on their own (they ride along with the acceptor's next sync). Whatever a
 * crash loses is learned again from the leader (catch-up) or from Promises.
 *
 * Slots below the log's compacted start live only in a machine snapshot (snapshots.ts): they are
 * known chosen, but their values are gone.
 */
import type { DurableLog, DurableStore } from '../api.js';
import { assert } from '../kit/index.js';
import { assertSlot } from './ballot.js';
import type { SlotValue } from './types.js';

const CHOSEN_LOG = 'paxos.chosen';

export class Learner {
  private readonly log: DurableLog<SlotValue | null>;
  /** Slots [0, prefix) are all known chosen. */
  private chosenPrefix: number;

  constructor(storage: DurableStore) {
    this.log = storage.log<SlotValue | null>(CHOSEN_LOG);
    this.chosenPrefix = this.log.start;
    this.advance();
  }

  /** The first slot whose value is still held: below it, slots are in the snapshot. */
  get start(): number {
    return this.log.start;
  }

  /** Slots whose values (or empty places) are held in memory: what compaction bounds. */
  get held(): number {
    return this.log.length - this.log.start;
  }

  /** True when `slot` is known chosen (its value held, or compacted into the snapshot). */
  isKnown(slot: number): boolean {
    return slot < this.log.start || this.log.get(slot) != null;
  }

  /** Length of the known-chosen prefix: the first slot not yet known chosen. */
  get prefix(): number {
    return this.chosenPrefix;
  }

  /** One past the highest slot known chosen. */
  get length(): number {
    return this.log.length;
  }

  get(slot: number): SlotValue | undefined {
    return this.log.get(slot) ?? undefined;
  }

  /** Record that `slot` chose `value`. False when it was already known (the first value stays). */
  learn(slot: number, value: SlotValue): boolean {
    assertSlot(slot);
    if (this.isKnown(slot)) return false;
    while (this.log.length <= slot) this.log.append(null);
    this.log.set(slot, value);
    this.advance();
    return true;
  }

  /** Known-chosen slots from `fromSlot` on, contiguous, at most `limit`. */
  contiguousFrom(fromSlot: number, limit: number): { slot: number; value: SlotValue }[] {
    const out: { slot: number; value: SlotValue }[] = [];
    for (let slot = fromSlot; slot < this.log.length && out.length < limit; slot++) {
      const value = this.get(slot);
      if (value === undefined) break;
      out.push({ slot, value });
    }
    return out;
  }

  /**
   * Forget the values of slots below `slot` (all known chosen and applied, their effect in a
   * persisted snapshot): from now on they are known chosen without a value.
   */
  compactTo(slot: number): void {
    assert(slot >= this.log.start, () => `compaction to slot ${slot} below the start ${this.log.start}`);
    while (this.log.length < slot) this.log.append(null);
    this.log.compact(slot);
    if (this.chosenPrefix < slot) this.chosenPrefix = slot;
    this.advance();
  }

  /** Grow the known-chosen prefix (the commit index), which never falls below the compacted start. */
  private advance(): void {
    while (this.chosenPrefix < this.log.length && this.log.get(this.chosenPrefix) != null) this.chosenPrefix++;
    assert(this.chosenPrefix >= this.log.start, () => `chosen prefix ${this.chosenPrefix} below the compacted start ${this.log.start}`);
  }
}

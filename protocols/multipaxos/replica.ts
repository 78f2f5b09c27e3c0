/**
 * The learner's side of a node (Paxos Made Simple §2.3, §3): the chosen log, the state machine it
 * drives in slot order, the snapshots that bound the log (snapshots.ts, Paxos Made Live §5.5),
 * and catch-up for learners that fell behind. Nothing here depends on the proposer's role: every
 * node learns, applies, snapshots and answers catch-up requests the same way.
 */
import type { NodeEnv } from '../api.js';
import { assert, type ClientSessions } from '../kit/index.js';
import type { Acceptor } from './acceptor.js';
import type { Learner } from './learner.js';
import { Snapshots } from './snapshots.js';
import type { CompactionView, MultiPaxosMessage, SlotValue, SnapshotRecord } from './types.js';

/** Chosen slots per catch-up reply. */
export const CATCHUP_BATCH = 64;

type CatchupReply = Extract<MultiPaxosMessage, { type: 'catchup-reply' }>;

export class Replica {
  private readonly env: NodeEnv<MultiPaxosMessage>;
  private readonly learner: Learner;
  private readonly acceptor: Acceptor;
  private readonly sessions: ClientSessions;
  private readonly snapshots: Snapshots;
  /** Slots [0, applied) are applied to the machine (or restored from a snapshot). */
  private appliedSlots = 0;

  constructor(env: NodeEnv<MultiPaxosMessage>, learner: Learner, acceptor: Acceptor, sessions: ClientSessions, snapshotEvery: number) {
    this.env = env;
    this.learner = learner;
    this.acceptor = acceptor;
    this.sessions = sessions;
    this.snapshots = new Snapshots(env.storage, env.machine, learner, acceptor, snapshotEvery);
  }

  get applied(): number {
    return this.appliedSlots;
  }

  /** A fresh machine: restore the snapshot, then re-apply every chosen slot still kept after it. */
  start(): void {
    const restored = this.snapshots.restore();
    this.appliedSlots = restored;
    this.apply();
    const replayed = this.appliedSlots - restored;
    if (restored > 0) this.env.note(`restart: restored the snapshot of slots [0, ${restored}), re-applied ${replayed} chosen slots`);
    else if (replayed > 0) this.env.note(`restart: re-applied ${replayed} chosen slots from the durable log`);
  }

  /** Record that `slot` chose `value` and apply what became contiguous. False when already known. */
  learn(slot: number, value: SlotValue): boolean {
    if (!this.learner.learn(slot, value)) return false;
    this.apply();
    return true;
  }

  /**
   * A peer's snapshot: when it covers more than we applied, it becomes our state and the slots
   * below it are known chosen. False when we are already past it.
   */
  install(record: SnapshotRecord): boolean {
    if (record.slot <= this.appliedSlots) return false;
    this.snapshots.install(record, this.appliedSlots);
    this.env.note(`installed a peer's snapshot of slots [0, ${record.slot}) over ${this.appliedSlots} applied slots`);
    this.appliedSlots = record.slot;
    this.apply();
    return true;
  }

  /** Our snapshot, for a peer that asks from `fromSlot`, when it covers slots we no longer hold. */
  snapshotFor(fromSlot: number): SnapshotRecord | null {
    return fromSlot < this.learner.start ? this.snapshots.record : null;
  }

  /** What to answer a catch-up request from `fromSlot`: the snapshot first if needed, then slots. */
  catchupReply(fromSlot: number): CatchupReply | null {
    const snapshot = this.snapshotFor(fromSlot);
    const slots = this.learner.contiguousFrom(Math.max(fromSlot, this.learner.start), CATCHUP_BATCH);
    if (snapshot !== null) return { type: 'catchup-reply', slots, snapshot };
    return slots.length > 0 ? { type: 'catchup-reply', slots } : null;
  }

  compaction(): CompactionView {
    return { snapshotSlot: this.snapshots.slot, chosenHeld: this.learner.held, votesHeld: this.acceptor.held };
  }

  /** Execute the chosen prefix in slot order, skipping no-ops, answer waiting clients, snapshot when due. */
  private apply(): void {
    const from = this.appliedSlots;
    assert(from <= this.learner.prefix, () => `${from} slots applied but only ${this.learner.prefix} known chosen`);
    while (this.appliedSlots < this.learner.prefix) {
      const value = this.learner.get(this.appliedSlots) as SlotValue;
      this.appliedSlots++;
      if (value.kind === 'noop') continue;
      this.sessions.applyAndAnswer(value.command);
    }
    assert(this.appliedSlots === this.learner.prefix, () => `applied ${this.appliedSlots} of ${this.learner.prefix} chosen slots`);
    if (this.appliedSlots > from && this.snapshots.takeIfDue(this.appliedSlots)) {
      this.env.note(`snapshot of slots [0, ${this.appliedSlots}): chosen values and votes below slot ${this.appliedSlots} compacted`);
    }
  }
}

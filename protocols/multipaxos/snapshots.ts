/**
 * Snapshots and log compaction, so that a long run keeps bounded memory (Paxos Made Live §5.5,
 * "Snapshots": the replicated log would grow without bound, so the application takes a snapshot of
 * its state, and the log entries it covers are deleted).
 *
 * Every `snapshotEvery` applied slots, a node writes a snapshot record — the slot S it covers and
 * the machine's state after applying slots [0, S) — to storage, then compacts its learner log and
 * its acceptor's votes below S, and syncs: the snapshot and the compaction become durable together
 * (a crash before the sync brings back the old snapshot and the old entries). Slots below S are
 * chosen and applied; their values are gone, their effect is the snapshot.
 *
 * What the rest of the protocol does with a snapshot point S:
 * - a restarted node restores the machine from its snapshot and replays only the slots after S;
 * - an acceptor asked in phase 1 from a slot below S reports its votes from S on and attaches the
 *   snapshot, which the candidate installs before it counts the Promise: a new leader therefore
 *   knows every slot below the snapshot point of every acceptor of its phase 1 quorum, and never
 *   proposes there (it would find no votes to re-propose: they were compacted);
 * - a learner that asks the leader to catch up from a slot below the leader's S gets the snapshot
 *   and then the chosen slots after it (PML §5.5's catch-up by state transfer).
 */
import type { DurableStore, ReplicatedMachine } from '../api.js';
import { assert } from '../kit/index.js';
import type { Acceptor } from './acceptor.js';
import type { Learner } from './learner.js';
import type { SnapshotRecord } from './types.js';

const SNAPSHOT_KEY = 'paxos.snapshot';

export class Snapshots {
  private readonly storage: DurableStore;
  private readonly machine: ReplicatedMachine;
  private readonly learner: Learner;
  private readonly acceptor: Acceptor;
  private readonly every: number;
  /** The latest snapshot this node persisted or installed (null before the first). */
  private latest: SnapshotRecord | null;

  /** `every`: applied slots between two snapshots. */
  constructor(storage: DurableStore, machine: ReplicatedMachine, learner: Learner, acceptor: Acceptor, every: number) {
    this.storage = storage;
    this.machine = machine;
    this.learner = learner;
    this.acceptor = acceptor;
    this.every = every;
    this.latest = storage.read<SnapshotRecord>(SNAPSHOT_KEY) ?? null;
  }

  /** Slots below this are in the snapshot (0 before the first). */
  get slot(): number {
    return this.latest?.slot ?? 0;
  }

  /** The snapshot to send a peer that needs slots below `slot` (null before the first). */
  get record(): SnapshotRecord | null {
    return this.latest;
  }

  /** At start: load the durable snapshot into the fresh machine; the number of slots it applied. */
  restore(): number {
    const latest = this.latest;
    if (latest === null) return 0;
    assert(this.learner.start === latest.slot, () => `snapshot at slot ${latest.slot} but the chosen log starts at ${this.learner.start}`);
    this.machine.restore(latest.machine);
    return latest.slot;
  }

  /** After applying slots [0, applied): take a snapshot there when one is due. True when it did. */
  takeIfDue(applied: number): boolean {
    if (applied - this.slot < this.every) return false;
    this.persist({ slot: applied, machine: this.machine.snapshot() });
    return true;
  }

  /**
   * Install a peer's snapshot, which covers more than this node applied: the machine becomes the
   * snapshot's state, and the slots below it are known chosen.
   */
  install(record: SnapshotRecord, applied: number): void {
    assert(record.slot > applied, () => `snapshot at slot ${record.slot} installed over ${applied} applied slots`);
    this.machine.restore(record.machine);
    this.persist(record);
  }

  /** Persist the record, compact both logs below it, then sync all of it at once. */
  private persist(record: SnapshotRecord): void {
    assert(record.slot >= this.slot, () => `snapshot at slot ${record.slot} would replace one at ${this.slot}`);
    this.storage.write(SNAPSHOT_KEY, record);
    this.learner.compactTo(record.slot);
    this.acceptor.compactTo(record.slot);
    this.storage.sync();
    this.latest = record;
  }
}

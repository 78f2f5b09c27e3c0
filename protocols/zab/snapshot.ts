/**
 * A server's history with snapshots and log compaction, so that a long run keeps bounded memory
 * (ZooKeeper's snapCount and its SNAP sync).
 *
 * Every `snapshotEvery` delivered transactions a server snapshots its machine together with the
 * zxid of the last transaction the snapshot covers, writes it to the durable cell `zab.snapshot`,
 * and forgets the history below it (`DurableLog.compact`). Indices never move: the history still
 * has its full logical length, it only holds the entries from `start` on. Compaction runs at the
 * beginning of the server's next step, so the transactions a step delivers are still there for
 * whoever looks at the node after that step (the trace, the invariant monitor); and because the
 * snapshot cell is written first, a crash leaves either the old snapshot with the full log or the
 * new snapshot with a log that may still hold what it covers (start() compacts it).
 *
 * After a restart the machine is restored from the snapshot and only the log after it is
 * replayed, once the next leader says it is committed. A server that needs transactions some
 * leader already compacted gets the snapshot instead (SNAP, then the rest as with DIFF); the
 * last zxid it reports (election, ACK-E) comes from the snapshot when nothing follows it.
 */
import type { DurableLog, DurableStore, MachineSnapshot, ReplicatedMachine } from '../api.js';
import { assert } from '../kit/index.js';
import { makeTxn, sameZxid, ZERO_ZXID, type Txn, type Zxid } from './zxid.js';

export const HISTORY_LOG = 'zab.history';
export const SNAPSHOT_KEY = 'zab.snapshot';

/** A point of the history: the first `index` transactions, the last of which is `zxid`. */
export interface HistoryPoint {
  readonly index: number;
  readonly zxid: Zxid;
}

/** The machine after the first `index` transactions (a durable cell, and SNAP's payload). */
export interface ZabSnapshot extends HistoryPoint {
  readonly machine: MachineSnapshot;
}

export const ORIGIN: HistoryPoint = Object.freeze({ index: 0, zxid: ZERO_ZXID });

/** Stands in for forgotten entries while the log is moved past its end (compacted at once). */
const FILLER: Txn = makeTxn(0, 0, { client: 'c0', reqId: 0, op: { f: 'read', key: '' } });

export class History {
  private readonly storage: DurableStore;
  private readonly log: DurableLog<Txn>;
  /** Where the held entries start: `compacted.index` = the log's start, with the zxid just below it. */
  compacted: HistoryPoint = ORIGIN;
  /** The latest snapshot, taken here or installed from a leader (null before the first). */
  latest: ZabSnapshot | null;

  constructor(storage: DurableStore) {
    this.storage = storage;
    this.log = storage.log<Txn>(HISTORY_LOG);
    this.latest = storage.read<ZabSnapshot>(SNAPSHOT_KEY) ?? null;
  }

  /** The full logical length (compacted transactions included). */
  get length(): number {
    return this.log.length;
  }

  /** Index of the first transaction still held. */
  get start(): number {
    return this.log.start;
  }

  /** Transaction `index`, or undefined when it was compacted (or is beyond the end). */
  get(index: number): Txn | undefined {
    return this.log.get(index);
  }

  /** The held transactions, [start, length) (read-only; valid until the next write). */
  entries(): readonly Txn[] {
    return this.log.entries();
  }

  append(txn: Txn): void {
    this.log.append(txn);
  }

  truncate(length: number): void {
    this.log.truncate(length);
  }

  /** The zxid of the last transaction, held or compacted. */
  lastZxid(): Zxid {
    const held = this.log.entries();
    const last = held[held.length - 1];
    return last === undefined ? this.compacted.zxid : last.zxid;
  }

  /** The zxid at `index` when this server still knows it (held, or the compaction point), else undefined. */
  zxidAt(index: number): Zxid | undefined {
    if (index === -1) return ZERO_ZXID;
    if (index === this.compacted.index - 1) return this.compacted.zxid;
    return this.log.get(index)?.zxid;
  }

  /** At boot: restore the latest snapshot into the machine; how many transactions it covers. */
  restore(machine: ReplicatedMachine): number {
    const latest = this.latest;
    if (latest === null) return 0;
    machine.restore(latest.machine);
    this.moveStart(latest, false);
    return latest.index;
  }

  /** After delivering: snapshot the machine once `every` transactions have been delivered since the last one. */
  maybeSnapshot(delivered: number, every: number, machine: ReplicatedMachine): void {
    if (delivered - (this.latest?.index ?? 0) < every) return;
    const zxid = this.zxidAt(delivered - 1);
    assert(zxid !== undefined, () => `snapshot at ${delivered} of a transaction not held`);
    const snapshot: ZabSnapshot = Object.freeze({ index: delivered, zxid, machine: machine.snapshot() });
    this.latest = snapshot;
    this.storage.write(SNAPSHOT_KEY, snapshot);
  }

  /** Between steps: forget what the latest snapshot covers. */
  compact(): void {
    const latest = this.latest;
    if (latest !== null && latest.index > this.log.start) this.moveStart(latest, false);
  }

  /** SNAP: the leader's snapshot replaces the machine and everything held here. */
  install(snapshot: ZabSnapshot, machine: ReplicatedMachine): void {
    machine.restore(snapshot.machine);
    this.latest = snapshot;
    this.storage.write(SNAPSHOT_KEY, snapshot);
    this.moveStart(snapshot, true);
  }

  /** The held entries start at `point` (dropping what follows it too when `clear`). */
  private moveStart(point: HistoryPoint, clear: boolean): void {
    const log = this.log;
    assert(point.index >= log.start, () => `the history would start at ${point.index}, below its start ${log.start}`);
    const last = log.get(point.index - 1);
    assert(clear || last === undefined || sameZxid(last.zxid, point.zxid), () => `the snapshot at ${point.index} does not end with the transaction held there`);
    while (log.length < point.index) log.append(FILLER);
    log.compact(point.index);
    if (clear) log.truncate(point.index);
    this.compacted = { index: point.index, zxid: point.zxid };
  }
}

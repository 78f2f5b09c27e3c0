/**
 * Raft's persistent state (Figure 2: currentTerm, votedFor, log[], plus the snapshot of §7) over
 * the host's durable store.
 *
 * Writes are visible at once; they survive a crash only after `sync()`, which the node calls
 * before it sends any message or reply that depends on them (a vote, an acknowledgement, the
 * entries of a new term). Kept apart from the volatile state so that a restart is simply "build a
 * new node over the same store".
 *
 * Log compaction (§7). The entries up to `snapshotIndex` live only in a machine snapshot (one
 * durable cell, written together with the compaction, so one `sync()` makes both durable or a
 * crash loses both). The log keeps the entries after it. Raft indices never move: entry `i`
 * sits at durable-log position `i - 1 - offset`, where `offset` is 0 until a follower installs a
 * leader's snapshot that its own log does not reach (then the whole log is discarded and the
 * next entry, `snapshotIndex + 1`, starts at the durable log's current start).
 */
import type { DurableLog, DurableStore, MachineSnapshot, NodeId } from '../api.js';
import { assert } from '../kit/index.js';
import type { LogEntry } from './messages.js';

const TERM_KEY = 'raft.currentTerm';
const VOTE_KEY = 'raft.votedFor';
const SNAPSHOT_KEY = 'raft.snapshot';
const LOG_NAME = 'raft.log';

/** Where a snapshot ends (§7): the last entry it replaces, and that entry's term. */
export interface SnapshotMark {
  readonly lastIncludedIndex: number;
  readonly lastIncludedTerm: number;
}

export const NO_SNAPSHOT: SnapshotMark = Object.freeze({ lastIncludedIndex: 0, lastIncludedTerm: 0 });

/** What the snapshot cell holds (§7: last included index and term, and the machine's state). */
export interface SnapshotRecord extends SnapshotMark {
  readonly machine: MachineSnapshot;
  /** Raft index of durable-log position p is p + 1 + logOffset. */
  readonly logOffset: number;
}

export class PersistentState {
  private readonly store: DurableStore;
  private readonly entries: DurableLog<LogEntry>;
  private term: number;
  private vote: NodeId | null;
  /** Bug `raft.forget-vote`: votedFor lives only in memory and is lost by a crash. */
  private readonly voteVolatile: boolean;
  private snap: SnapshotRecord | null;

  constructor(store: DurableStore, voteVolatile: boolean) {
    this.store = store;
    this.voteVolatile = voteVolatile;
    this.entries = store.log<LogEntry>(LOG_NAME);
    this.term = store.read<number>(TERM_KEY) ?? 0;
    this.vote = voteVolatile ? null : (store.read<NodeId | null>(VOTE_KEY) ?? null);
    this.snap = store.read<SnapshotRecord>(SNAPSHOT_KEY) ?? null;
  }

  get currentTerm(): number {
    return this.term;
  }

  get votedFor(): NodeId | null {
    return this.vote;
  }

  /** A new term starts with no vote cast in it. */
  setTerm(term: number): void {
    if (term <= this.term) throw new Error(`term must grow: ${this.term} -> ${term}`);
    this.term = term;
    this.store.write(TERM_KEY, term);
    this.setVote(null);
  }

  setVote(vote: NodeId | null): void {
    this.vote = vote;
    if (!this.voteVolatile) this.store.write(VOTE_KEY, vote);
  }

  private get offset(): number {
    return this.snap === null ? 0 : this.snap.logOffset;
  }

  /** The latest snapshot, or null while nothing has been compacted. */
  get snapshot(): SnapshotRecord | null {
    return this.snap;
  }

  /** Last index the snapshot covers (0 without one): the log holds the entries after it. */
  get snapshotIndex(): number {
    return this.snap === null ? 0 : this.snap.lastIncludedIndex;
  }

  /** Index of the last entry (0 when empty): the full logical length, compacted entries included. */
  get lastIndex(): number {
    return this.entries.length + this.offset;
  }

  /** Term of entry `index` (1-based); the snapshot's last term at its index; 0 for index 0. */
  termAt(index: number): number {
    if (index === this.snapshotIndex) return this.snap === null ? 0 : this.snap.lastIncludedTerm;
    return this.entry(index).term;
  }

  get lastTerm(): number {
    return this.termAt(this.lastIndex);
  }

  entry(index: number): LogEntry {
    const entry = index > this.snapshotIndex ? this.entries.get(index - 1 - this.offset) : undefined;
    assert(entry !== undefined, () => `no entry ${index} (held ${this.snapshotIndex + 1}..${this.lastIndex})`);
    return entry;
  }

  /** Entries [from, to] inclusive, 1-based, all after the snapshot, as a fresh array. */
  slice(from: number, to: number): LogEntry[] {
    const first = this.snapshotIndex + 1;
    assert(from >= first, () => `entries from ${from} were compacted (held ${first}..${this.lastIndex})`);
    return this.entries.entries().slice(from - first, to - first + 1);
  }

  /** The live array of the entries after the snapshot (entry snapshotIndex + 1 first): read-only, valid until the next write. */
  held(): readonly LogEntry[] {
    return this.entries.entries();
  }

  append(entry: LogEntry): void {
    this.entries.append(entry);
  }

  /** Keep entries 1..lastKept; never below the snapshot (its entries are committed). */
  truncateAfter(lastKept: number): void {
    assert(lastKept >= this.snapshotIndex, () => `truncating to ${lastKept}, below the snapshot at ${this.snapshotIndex}`);
    this.entries.truncate(lastKept - this.offset);
  }

  /**
   * This node's own snapshot of its machine after applying entry `index`: persisted, then the
   * log forgets entries up to `index`. Durable at the next `sync()`, together.
   */
  compactTo(index: number, machine: MachineSnapshot): void {
    const offset = this.offset;
    this.setSnapshot({ lastIncludedIndex: index, lastIncludedTerm: this.termAt(index), machine, logOffset: offset });
    this.entries.compact(index - offset);
  }

  /**
   * A leader's snapshot (§7's InstallSnapshot receiver, steps 5–7): if the log holds the last
   * included entry with its term, keep the entries after it; otherwise discard the whole log.
   */
  install(lastIncludedIndex: number, lastIncludedTerm: number, machine: MachineSnapshot): void {
    const holdsLast =
      lastIncludedIndex <= this.lastIndex && lastIncludedIndex >= this.snapshotIndex && this.termAt(lastIncludedIndex) === lastIncludedTerm;
    if (holdsLast) {
      const offset = this.offset;
      this.setSnapshot({ lastIncludedIndex, lastIncludedTerm, machine, logOffset: offset });
      this.entries.compact(lastIncludedIndex - offset);
      return;
    }
    // Empty the log at its current start; entry lastIncludedIndex + 1 goes there next.
    const start = this.entries.start;
    this.entries.truncate(start);
    this.setSnapshot({ lastIncludedIndex, lastIncludedTerm, machine, logOffset: lastIncludedIndex - start });
  }

  private setSnapshot(record: SnapshotRecord): void {
    this.snap = record;
    this.store.write(SNAPSHOT_KEY, record);
  }

  sync(): void {
    this.store.sync();
  }
}

/**
 * Raft's persistent state (Figure 2: currentTerm, votedFor, log[]) over the host's durable store.
 *
 * Writes are visible at once; they survive a crash only after `sync()`, which the node calls
 * before it sends any message or reply that depends on them (a vote, an acknowledgement, the
 * entries of a new term). Kept apart from the volatile state so that a restart is simply "build a
 * new node over the same store".
 */
import type { DurableLog, DurableStore, NodeId } from '../api.js';
import type { LogEntry } from './messages.js';

const TERM_KEY = 'raft.currentTerm';
const VOTE_KEY = 'raft.votedFor';
const LOG_NAME = 'raft.log';

export class PersistentState {
  private readonly store: DurableStore;
  private readonly entries: DurableLog<LogEntry>;
  private term: number;
  private vote: NodeId | null;
  /** Bug `raft.forget-vote`: votedFor lives only in memory and is lost by a crash. */
  private readonly voteVolatile: boolean;

  constructor(store: DurableStore, voteVolatile: boolean) {
    this.store = store;
    this.voteVolatile = voteVolatile;
    this.entries = store.log<LogEntry>(LOG_NAME);
    this.term = store.read<number>(TERM_KEY) ?? 0;
    this.vote = voteVolatile ? null : (store.read<NodeId | null>(VOTE_KEY) ?? null);
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

  /** Index of the last entry (0 when empty). */
  get lastIndex(): number {
    return this.entries.length;
  }

  /** Term of entry `index` (1-based); 0 for index 0. */
  termAt(index: number): number {
    if (index === 0) return 0;
    const entry = this.entries.get(index - 1);
    if (entry === undefined) throw new Error(`no entry ${index} (last ${this.entries.length})`);
    return entry.term;
  }

  get lastTerm(): number {
    return this.termAt(this.lastIndex);
  }

  entry(index: number): LogEntry {
    const entry = this.entries.get(index - 1);
    if (entry === undefined) throw new Error(`no entry ${index} (last ${this.entries.length})`);
    return entry;
  }

  /** Entries [from, to] inclusive, 1-based, as a fresh array. */
  slice(from: number, to: number): LogEntry[] {
    return this.entries.entries().slice(from - 1, to);
  }

  /** The live array of all entries: read-only, valid until the next write. */
  all(): readonly LogEntry[] {
    return this.entries.entries();
  }

  append(entry: LogEntry): void {
    this.entries.append(entry);
  }

  /** Keep entries 1..lastKept. */
  truncateAfter(lastKept: number): void {
    this.entries.truncate(lastKept);
  }

  sync(): void {
    this.store.sync();
  }
}

/**
 * Quorum arithmetic every protocol does: the highest index a quorum holds, and votes counted once
 * per voter however often a message is duplicated or retried.
 */
import type { NodeId } from '../api.js';

export { majority } from '../api.js';

/**
 * The k-th largest of `values` (k = 1: the largest). With every node's acknowledged index and
 * k = the quorum size, this is the highest index that at least k nodes hold (Raft's commit rule,
 * VR's and Zab's commit points). Undefined when there are fewer than k values.
 */
export function kthLargest(values: Iterable<number>, k: number): number | undefined {
  if (!Number.isInteger(k) || k < 1) throw new Error(`kthLargest: k must be a positive integer, got ${k}`);
  const sorted = Array.from(values).sort((a, b) => b - a);
  return sorted.length < k ? undefined : sorted[k - 1];
}

/** Votes towards one decision; a voter counts once. */
export class VoteTally {
  readonly needed: number;
  private readonly from = new Set<NodeId>();

  constructor(needed: number) {
    if (!Number.isInteger(needed) || needed < 1) throw new Error(`VoteTally: needed must be a positive integer, got ${needed}`);
    this.needed = needed;
  }

  /** Count `voter`'s vote. True exactly when this vote is the one that first reaches `needed`. */
  add(voter: NodeId): boolean {
    if (this.from.has(voter)) return false;
    this.from.add(voter);
    return this.from.size === this.needed;
  }

  has(voter: NodeId): boolean {
    return this.from.has(voter);
  }

  get count(): number {
    return this.from.size;
  }

  get reached(): boolean {
    return this.from.size >= this.needed;
  }

  voters(): NodeId[] {
    return [...this.from];
  }

  clear(): void {
    this.from.clear();
  }
}

/**
 * Votes for several values at once (PBFT's matching digests, prepares per (view, sequence)): a
 * voter counts once per key. Keys are compared with `Map` semantics (use strings or numbers).
 */
export class KeyedTally<K> {
  private readonly byKey = new Map<K, Set<NodeId>>();

  /** Count `voter` for `key`; returns how many distinct voters `key` now has. */
  add(key: K, voter: NodeId): number {
    let voters = this.byKey.get(key);
    if (voters === undefined) {
      voters = new Set();
      this.byKey.set(key, voters);
    }
    voters.add(voter);
    return voters.size;
  }

  count(key: K): number {
    return this.byKey.get(key)?.size ?? 0;
  }

  has(key: K, voter: NodeId): boolean {
    return this.byKey.get(key)?.has(voter) ?? false;
  }

  voters(key: K): NodeId[] {
    const voters = this.byKey.get(key);
    return voters === undefined ? [] : [...voters];
  }

  keys(): IterableIterator<K> {
    return this.byKey.keys();
  }

  delete(key: K): void {
    this.byKey.delete(key);
  }

  /** Drop every key for which `drop` is true (garbage collection below a water mark). */
  deleteWhere(drop: (key: K) => boolean): void {
    for (const key of [...this.byKey.keys()]) if (drop(key)) this.byKey.delete(key);
  }

  clear(): void {
    this.byKey.clear();
  }

  get size(): number {
    return this.byKey.size;
  }
}

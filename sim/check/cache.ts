/**
 * The search's memory of configurations already explored: (linearized ok ops, state) plus the set
 * of linearized info ops. Lowe's cache (Testing for linearizability, 2017, §4) stores exact
 * (bitset, state) pairs; we add one sound refinement for info operations:
 *
 * an info operation may take effect later or never, and nothing waits for it (its return is at
 * infinity), so a configuration with MORE info ops still pending can do everything one with fewer
 * pending can. A new configuration is therefore pruned when a stored one has the same ok set and
 * state and a SUBSET of its linearized info ops. Without info ops this is exactly Lowe's cache.
 *
 * Layout: one growable Uint32Array arena of records [hash, state, lo, n, n ok words…, info
 * words…] and an open-addressing table of record offsets; no per-entry allocation. The ok set is
 * stored as `lo` (all ops below it are linearized) plus the words from lo's to the highest
 * linearized op's: the window of concurrency, so long histories do not make records long.
 */
/** Memory bounds of one key's search: 4M configurations, 192 MB of records. */
const MAX_CONFIGS = 4_000_000;
const MAX_WORDS = 48_000_000;

export class ConfigCache {
  private readonly infoWords: number;
  private arena: Uint32Array;
  private used = 0;
  private slots: Int32Array;
  private mask: number;
  private count = 0;

  constructor(infoWords: number) {
    this.infoWords = infoWords;
    this.arena = new Uint32Array(1024);
    this.slots = new Int32Array(128);
    this.mask = 127;
  }

  get size(): number {
    return this.count;
  }

  /** True once the cache holds as much as one search may use (the verdict becomes "unknown"). */
  get full(): boolean {
    return this.count >= MAX_CONFIGS || this.used >= MAX_WORDS;
  }

  /**
   * True if the configuration is covered by a stored one; otherwise stores it. The linearized ok
   * set is given as `lo` (every op below it is linearized) and the words `ok[from..to)` that hold
   * the rest, so a record's size follows the concurrency window, not the history's length.
   */
  seenOrAdd(hash: number, state: number, lo: number, ok: Uint32Array, from: number, to: number, info: Uint32Array): boolean {
    const arena = this.arena;
    const slots = this.slots;
    const length = to - from;
    const infoWords = this.infoWords;
    let index = hash & this.mask;
    for (let record = slots[index] as number; record !== 0; record = slots[index] as number) {
      const base = record - 1;
      if (arena[base] === hash && arena[base + 1] === state && arena[base + 2] === lo && arena[base + 3] === length) {
        let same = true;
        for (let w = 0; w < length; w++) {
          if (arena[base + 4 + w] !== ok[from + w]) {
            same = false;
            break;
          }
        }
        if (same) {
          const infoBase = base + 4 + length;
          for (let w = 0; w < infoWords; w++) {
            // stored ⊆ current: no bit stored that the current configuration lacks.
            if (((arena[infoBase + w] as number) & ~(info[w] as number)) !== 0) {
              same = false;
              break;
            }
          }
          if (same) return true;
        }
      }
      index = (index + 1) & this.mask;
    }
    this.store(index, hash, state, lo, ok, from, length, info);
    return false;
  }

  private store(index: number, hash: number, state: number, lo: number, ok: Uint32Array, from: number, length: number, info: Uint32Array): void {
    const size = 4 + length + this.infoWords;
    if (this.used + size > this.arena.length) {
      const bigger = new Uint32Array(Math.max(this.arena.length * 2, this.used + size));
      bigger.set(this.arena);
      this.arena = bigger;
    }
    const arena = this.arena;
    const base = this.used;
    arena[base] = hash;
    arena[base + 1] = state;
    arena[base + 2] = lo;
    arena[base + 3] = length;
    for (let w = 0; w < length; w++) arena[base + 4 + w] = ok[from + w] as number;
    const infoBase = base + 4 + length;
    for (let w = 0; w < this.infoWords; w++) arena[infoBase + w] = info[w] as number;
    this.used += size;
    this.count++;
    this.slots[index] = base + 1;
    if (this.count * 2 > this.slots.length) this.rehash();
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (const record of this.slots) {
      if (record === 0) continue;
      let index = (this.arena[record - 1] as number) & mask;
      while (slots[index] !== 0) index = (index + 1) & mask;
      slots[index] = record;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

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
 * Layout: one growable Uint32Array arena of fixed-size records [hash, state, ok words…, info
 * words…] and an open-addressing table of record numbers; no per-entry allocation.
 */
/** Memory bounds of one key's search: 4M configurations, 192 MB of records. */
const MAX_CONFIGS = 4_000_000;
const MAX_WORDS = 48_000_000;

export class ConfigCache {
  private readonly okWords: number;
  private readonly infoWords: number;
  private readonly stride: number;
  private arena: Uint32Array;
  private slots: Int32Array;
  private mask: number;
  private count = 0;

  constructor(okWords: number, infoWords: number) {
    this.okWords = okWords;
    this.infoWords = infoWords;
    this.stride = 2 + okWords + infoWords;
    this.arena = new Uint32Array(this.stride * 64);
    this.slots = new Int32Array(128);
    this.mask = 127;
  }

  get size(): number {
    return this.count;
  }

  /** True once the cache holds as much as one search may use (the verdict becomes "unknown"). */
  get full(): boolean {
    return this.count >= MAX_CONFIGS || this.count * this.stride >= MAX_WORDS;
  }

  /** True if (state, ok, info) is covered by a stored configuration; otherwise stores it. */
  seenOrAdd(hash: number, state: number, ok: Uint32Array, info: Uint32Array): boolean {
    const arena = this.arena;
    const slots = this.slots;
    const stride = this.stride;
    const okWords = this.okWords;
    const infoWords = this.infoWords;
    let index = hash & this.mask;
    for (let record = slots[index] as number; record !== 0; record = slots[index] as number) {
      const base = (record - 1) * stride;
      if (arena[base] === hash && arena[base + 1] === state) {
        let same = true;
        for (let w = 0; w < okWords; w++) {
          if (arena[base + 2 + w] !== ok[w]) {
            same = false;
            break;
          }
        }
        if (same) {
          const infoBase = base + 2 + okWords;
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
    this.store(index, hash, state, ok, info);
    return false;
  }

  private store(index: number, hash: number, state: number, ok: Uint32Array, info: Uint32Array): void {
    const base = this.count * this.stride;
    if (base + this.stride > this.arena.length) {
      const bigger = new Uint32Array(this.arena.length * 2);
      bigger.set(this.arena);
      this.arena = bigger;
    }
    const arena = this.arena;
    arena[base] = hash;
    arena[base + 1] = state;
    for (let w = 0; w < this.okWords; w++) arena[base + 2 + w] = ok[w] as number;
    const infoBase = base + 2 + this.okWords;
    for (let w = 0; w < this.infoWords; w++) arena[infoBase + w] = info[w] as number;
    this.count++;
    this.slots[index] = this.count;
    if (this.count * 2 > this.slots.length) this.rehash();
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let record = 1; record <= this.count; record++) {
      let index = (this.arena[(record - 1) * this.stride] as number) & mask;
      while (slots[index] !== 0) index = (index + 1) & mask;
      slots[index] = record;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/**
 * Simulated durable storage (DurableStore/DurableLog in protocols/api.ts).
 *
 * Two copies: what the node sees (every write, at once) and what is on "disk" (what the last
 * `sync()` saw). A crash throws away the first and rebuilds it from the second; `amnesia` wipes
 * both. Values are kept by reference (the node promises not to mutate them), so a sync costs
 * O(changes): each log remembers the lowest index touched since the last sync.
 */
import type { DurableLog, DurableStore } from '../../protocols/api.js';

class MemoryLog<T> implements DurableLog<T> {
  /** What the node sees: entries [liveStart, liveStart + live.length). */
  private live: T[] = [];
  private liveStart = 0;
  /** What survives a crash: entries [diskStart, diskStart + disk.length). */
  private disk: T[] = [];
  private diskStart = 0;
  /** Lowest index written, set or truncated since the last sync (Infinity when clean). */
  private dirtyFrom = Infinity;

  get length(): number {
    return this.liveStart + this.live.length;
  }

  get start(): number {
    return this.liveStart;
  }

  get(index: number): T | undefined {
    return index < this.liveStart ? undefined : this.live[index - this.liveStart];
  }

  append(entry: T): void {
    const length = this.length;
    if (length < this.dirtyFrom) this.dirtyFrom = length;
    this.live.push(entry);
  }

  set(index: number, entry: T): void {
    if (!Number.isInteger(index) || index < this.liveStart || index >= this.length) {
      throw new Error(`DurableLog.set(${index}) outside [${this.liveStart}, ${this.length})`);
    }
    if (index < this.dirtyFrom) this.dirtyFrom = index;
    this.live[index - this.liveStart] = entry;
  }

  truncate(newLength: number): void {
    if (!Number.isInteger(newLength) || newLength < this.liveStart) {
      throw new Error(`DurableLog.truncate(${newLength}) below the compacted start ${this.liveStart}`);
    }
    if (newLength >= this.length) return;
    if (newLength < this.dirtyFrom) this.dirtyFrom = newLength;
    this.live.length = newLength - this.liveStart;
  }

  compact(upTo: number): void {
    if (!Number.isInteger(upTo) || upTo < 0) throw new Error(`DurableLog.compact(${upTo})`);
    if (upTo <= this.liveStart) return;
    if (upTo >= this.length) {
      // Past the end (a snapshot installed by a node far behind): the log is empty from upTo on.
      this.live = [];
    } else {
      this.live = this.live.slice(upTo - this.liveStart);
    }
    this.liveStart = upTo;
    this.compactPending = true;
  }

  /** A compaction not yet synced. */
  private compactPending = false;

  entries(): readonly T[] {
    return this.live;
  }

  get dirty(): boolean {
    return this.dirtyFrom !== Infinity || this.compactPending;
  }

  sync(): void {
    if (this.compactPending) {
      // First the disk forgets what the live log forgot (all of it, when the start moved past its end).
      const diskEnd = this.diskStart + this.disk.length;
      this.disk = this.liveStart >= diskEnd ? [] : this.disk.slice(this.liveStart - this.diskStart);
      this.diskStart = this.liveStart;
      this.compactPending = false;
    }
    if (this.dirtyFrom !== Infinity) {
      // Then it takes the live entries from the lowest touched index (both logs start at liveStart now).
      const from = Math.max(this.dirtyFrom, this.diskStart);
      const disk = this.disk;
      disk.length = Math.min(from - this.diskStart, disk.length);
      for (let i = this.diskStart + disk.length; i < this.length; i++) disk.push(this.live[i - this.liveStart] as T);
      this.dirtyFrom = Infinity;
    }
  }

  crash(): void {
    this.live = this.disk.slice();
    this.liveStart = this.diskStart;
    this.dirtyFrom = Infinity;
    this.compactPending = false;
  }

  get durableLength(): number {
    return this.diskStart + this.disk.length;
  }
}

export class MemoryStore implements DurableStore {
  private live = new Map<string, unknown>();
  private disk = new Map<string, unknown>();
  private dirtyCells = new Set<string>();
  private readonly logs = new Map<string, MemoryLog<unknown>>();

  read<T>(key: string): T | undefined {
    return this.live.get(key) as T | undefined;
  }

  write(key: string, value: unknown): void {
    this.live.set(key, value);
    this.dirtyCells.add(key);
  }

  log<T>(name: string): DurableLog<T> {
    let log = this.logs.get(name);
    if (log === undefined) {
      log = new MemoryLog<unknown>();
      this.logs.set(name, log);
    }
    return log as MemoryLog<T>;
  }

  /** Told after a sync that made something new durable (set by the world while moments are watched). */
  onPersist: (() => void) | null = null;

  sync(): void {
    if (this.onPersist !== null && this.isDirty()) {
      this.syncNow();
      this.onPersist();
      return;
    }
    this.syncNow();
  }

  private isDirty(): boolean {
    if (this.dirtyCells.size > 0) return true;
    for (const log of this.logs.values()) if (log.dirty) return true;
    return false;
  }

  private syncNow(): void {
    for (const key of this.dirtyCells) this.disk.set(key, this.live.get(key));
    this.dirtyCells.clear();
    for (const log of this.logs.values()) log.sync();
  }

  /** Lose every write not yet synced. */
  crash(): void {
    this.live = new Map(this.disk);
    this.dirtyCells.clear();
    for (const log of this.logs.values()) log.crash();
  }

  /** Lose everything, synced or not (a disk replaced or wiped). */
  wipe(): void {
    this.live = new Map();
    this.disk = new Map();
    this.dirtyCells.clear();
    this.logs.clear();
  }
}

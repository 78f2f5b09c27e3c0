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
  private live: T[] = [];
  private disk: T[] = [];
  /** Lowest index written, set or truncated since the last sync (Infinity when clean). */
  private dirtyFrom = Infinity;

  get length(): number {
    return this.live.length;
  }

  get(index: number): T | undefined {
    return this.live[index];
  }

  append(entry: T): void {
    if (this.live.length < this.dirtyFrom) this.dirtyFrom = this.live.length;
    this.live.push(entry);
  }

  set(index: number, entry: T): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.live.length) {
      throw new Error(`DurableLog.set(${index}) outside [0, ${this.live.length})`);
    }
    if (index < this.dirtyFrom) this.dirtyFrom = index;
    this.live[index] = entry;
  }

  truncate(newLength: number): void {
    if (!Number.isInteger(newLength) || newLength < 0) throw new Error(`DurableLog.truncate(${newLength})`);
    if (newLength >= this.live.length) return;
    if (newLength < this.dirtyFrom) this.dirtyFrom = newLength;
    this.live.length = newLength;
  }

  entries(): readonly T[] {
    return this.live;
  }

  get dirty(): boolean {
    return this.dirtyFrom !== Infinity;
  }

  sync(): void {
    if (this.dirtyFrom === Infinity) return;
    const from = this.dirtyFrom;
    const disk = this.disk;
    disk.length = Math.min(from, disk.length);
    for (let i = disk.length; i < this.live.length; i++) disk.push(this.live[i] as T);
    this.dirtyFrom = Infinity;
  }

  crash(): void {
    this.live = this.disk.slice();
    this.dirtyFrom = Infinity;
  }

  get durableLength(): number {
    return this.disk.length;
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

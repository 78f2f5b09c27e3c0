/**
 * A replica's durable registers: one (tag, value) per key, kept in `reg:<key>` cells, with the
 * list of keys in a durable log so that a restarted replica finds them all again.
 *
 * The one rule a replica follows (ABD's propagate phase): store an incoming (tag, value) only if
 * the tag is higher than the one held; otherwise keep what it has. Either way it then answers that
 * it holds the tag or a higher one. A stored value is synced before that answer leaves, so an
 * acknowledged write survives a crash (the `quorum.ack-before-durable` bug answers first and syncs
 * later).
 */
import type { DurableLog, DurableStore, Value } from '../api.js';
import { compareTags, TAG_ZERO, type Tag } from './tag.js';
import type { Tagged } from './types.js';

const INITIAL: Tagged = Object.freeze({ tag: TAG_ZERO, value: null });

export class Replica {
  private readonly storage: DurableStore;
  private readonly keys: DurableLog<string>;
  readonly registers = new Map<string, Tagged>();
  /** `quorum.tag-without-writer`: an equal tag replaces the held value (the last to arrive wins). */
  private readonly tieReplaces: boolean;

  constructor(storage: DurableStore, tieReplaces: boolean) {
    this.storage = storage;
    this.tieReplaces = tieReplaces;
    this.keys = storage.log<string>('keys');
    for (const key of this.keys.entries()) {
      const held = storage.read<Tagged>(`reg:${key}`);
      if (held !== undefined) this.registers.set(key, held);
    }
  }

  get(key: string): Tagged {
    return this.registers.get(key) ?? INITIAL;
  }

  /**
   * Store (tag, value) for `key` when the tag is higher than the one held; true when it changed
   * anything. The caller syncs before acknowledging.
   */
  store(key: string, tag: Tag, value: Value): boolean {
    const held = this.registers.get(key);
    if (held !== undefined) {
      const order = compareTags(tag, held.tag);
      if (order < 0 || (order === 0 && !(this.tieReplaces && held.value !== value))) return false;
    } else if (compareTags(tag, TAG_ZERO) <= 0) {
      return false;
    } else {
      this.keys.append(key);
    }
    const next: Tagged = Object.freeze({ tag, value });
    this.registers.set(key, next);
    this.storage.write(`reg:${key}`, next);
    return true;
  }
}

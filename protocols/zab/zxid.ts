/**
 * Zab's transaction identifier and history entries.
 *
 * A zxid is the pair (epoch, counter) (as in the paper): the epoch of the primary that proposed
 * the transaction and a counter that this primary increments for each proposal, starting again at
 * 1 in every epoch. Zxids are totally ordered lexicographically, and a history is always sorted by
 * zxid, so "the same zxid" means "the same transaction" and (because only one primary owns an
 * epoch) "the same prefix before it".
 */
import type { Command } from '../api.js';

export interface Zxid {
  readonly epoch: number;
  readonly counter: number;
}

/** One transaction of a history: what the primary proposed under this zxid. */
export interface Txn {
  readonly zxid: Zxid;
  readonly cmd: Command;
}

export const ZERO_ZXID: Zxid = Object.freeze({ epoch: 0, counter: 0 });

export const COUNTER_SPAN = 4294967296;

/** Negative, zero or positive, like a comparator. */
export function compareZxid(a: Zxid, b: Zxid): number {
  return a.epoch !== b.epoch ? a.epoch - b.epoch : a.counter - b.counter;
}

export function sameZxid(a: Zxid, b: Zxid): boolean {
  return a.epoch === b.epoch && a.counter === b.counter;
}

/** A single number with the same order (epochs stay far below 2^21 in any simulated run). */
export function zxidNumber(z: Zxid): number {
  return z.epoch * COUNTER_SPAN + z.counter;
}

export function formatZxid(z: Zxid): string {
  return `${z.epoch}.${z.counter}`;
}

export function makeTxn(epoch: number, counter: number, cmd: Command): Txn {
  return Object.freeze({ zxid: Object.freeze({ epoch, counter }), cmd });
}

/** The zxid of the last transaction of `history`, or (0, 0) when it is empty. */
export function lastZxidOf(history: readonly Txn[]): Zxid {
  const last = history[history.length - 1];
  return last === undefined ? ZERO_ZXID : last.zxid;
}

/** Index of `zxid` in a zxid-sorted history, or -1 (binary search). */
export function indexOfZxid(history: readonly Txn[], zxid: Zxid): number {
  let low = 0;
  let high = history.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const cmp = compareZxid((history[mid] as Txn).zxid, zxid);
    if (cmp === 0) return mid;
    if (cmp < 0) low = mid + 1;
    else high = mid - 1;
  }
  return -1;
}

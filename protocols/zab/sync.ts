/**
 * Synchronization planning (paper phase 2; ZooKeeper's LearnerHandler.syncFollower): how a leader
 * brings a follower whose last transaction is `followerLast` to its own history.
 *
 * The argument rests on one fact: a zxid names one transaction and the whole prefix before it,
 * because only the unique leader of an epoch creates that epoch's zxids and followers accept
 * them in order. Hence:
 *  - DIFF when the follower's last zxid is in our history: it holds exactly our prefix, send the rest;
 *  - TRUNC (then DIFF) when our last transaction below its last zxid belongs to the same epoch
 *    as that zxid: both hold a prefix of that epoch's leader's history, so the follower holds ours
 *    up to there; cut its tail (what the dead primary alone logged) and send the rest;
 *  - SNAP otherwise (a divergent tail from an epoch we never saw): send everything.
 * With log compaction "our history" is the transactions we still hold, from `start` on, plus the
 * compaction point just below them (its zxid is known): a follower whose last zxid is that point
 * gets a DIFF of everything held, and one below it gets SNAP, which then carries our snapshot.
 */
import type { SyncPlan } from './messages.js';
import type { HistoryPoint, ZabSnapshot } from './snapshot.js';
import { compareZxid, indexOfZxid, sameZxid, type Txn, type Zxid } from './zxid.js';

/** What a leader holds: transactions from `compacted.index` on, and its latest snapshot. */
export interface LeaderHistory {
  readonly held: readonly Txn[];
  readonly compacted: HistoryPoint;
  readonly snapshot: ZabSnapshot | null;
}

export function planSync(history: LeaderHistory, followerLast: Zxid): SyncPlan {
  const { held, compacted } = history;
  const start = compacted.index;
  if (start === 0 && followerLast.epoch === 0 && followerLast.counter === 0) {
    return { mode: 'DIFF', from: 0, txns: held.slice() };
  }
  if (start > 0 && sameZxid(followerLast, compacted.zxid)) return { mode: 'DIFF', from: start, txns: held.slice() };
  const at = indexOfZxid(held, followerLast);
  if (at >= 0) return { mode: 'DIFF', from: start + at + 1, txns: held.slice(at + 1) };
  const below = countBelow(held, followerLast);
  const anchor = below > 0 ? (held[below - 1] as Txn).zxid : start > 0 ? compacted.zxid : undefined;
  if (anchor !== undefined && anchor.epoch === followerLast.epoch && compareZxid(anchor, followerLast) < 0) {
    return { mode: 'TRUNC', length: start + below, anchor, txns: held.slice(below) };
  }
  const snapshot = history.snapshot;
  if (start === 0 || snapshot === null) return { mode: 'SNAP', txns: held.slice() };
  return { mode: 'SNAP', snapshot, txns: held.slice(snapshot.index - start) };
}

/** How many transactions of a zxid-sorted history are below `zxid`. */
function countBelow(history: readonly Txn[], zxid: Zxid): number {
  let low = 0;
  let high = history.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareZxid((history[mid] as Txn).zxid, zxid) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** How many leading transactions two histories share (by zxid). */
export function commonPrefix(a: readonly Txn[], b: readonly Txn[]): number {
  const limit = Math.min(a.length, b.length);
  let k = 0;
  while (k < limit) {
    const x = a[k] as Txn;
    const y = b[k] as Txn;
    if (x.zxid.epoch !== y.zxid.epoch || x.zxid.counter !== y.zxid.counter) break;
    k++;
  }
  return k;
}

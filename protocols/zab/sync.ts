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
 */
import type { SyncPlan } from './messages.js';
import { compareZxid, indexOfZxid, type Txn, type Zxid } from './zxid.js';

export function planSync(history: readonly Txn[], followerLast: Zxid): SyncPlan {
  if (followerLast.epoch === 0 && followerLast.counter === 0) {
    return { mode: 'DIFF', from: 0, txns: history.slice() };
  }
  const at = indexOfZxid(history, followerLast);
  if (at >= 0) return { mode: 'DIFF', from: at + 1, txns: history.slice(at + 1) };
  const below = countBelow(history, followerLast);
  const anchor = history[below - 1];
  if (anchor !== undefined && anchor.zxid.epoch === followerLast.epoch) {
    return { mode: 'TRUNC', length: below, anchor: anchor.zxid, txns: history.slice(below) };
  }
  return { mode: 'SNAP', txns: history.slice() };
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

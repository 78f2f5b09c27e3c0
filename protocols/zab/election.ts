/**
 * Fast leader election (FLE), ZooKeeper's phase 0 (the paper leaves the choice of a prospective leader open; this is
 * the algorithm ZooKeeper ships, as modelled in apache/zookeeper's FastLeaderElection spec).
 *
 * Each LOOKING server votes for itself, then adopts any better vote it hears in its round, where
 * better means the larger (epoch, zxid, server id) — epoch being the candidate's currentEpoch.
 * When a quorum holds the same vote (and no better one arrives for a short while), the voted
 * server leads and the others follow it. A LOOKING server that hears a quorum of servers already
 * FOLLOWING or LEADING one leader (that leader among them) joins it directly.
 *
 * Election is only a good guess: safety comes from discovery (a quorum of promises, acceptedEpoch)
 * and from the leader refusing to go on when a follower turns out to be more up to date.
 */
import type { NodeId } from '../api.js';
import type { Vote } from './messages.js';
import { compareZxid } from './zxid.js';

function idNumber(node: NodeId): number {
  return Number(node.slice(1));
}

/** True when `a` is a strictly better vote than `b` (FLE's totalOrderPredicate). */
export function betterVote(a: Vote, b: Vote): boolean {
  if (a.epoch !== b.epoch) return a.epoch > b.epoch;
  const byZxid = compareZxid(a.zxid, b.zxid);
  if (byZxid !== 0) return byZxid > 0;
  return idNumber(a.leader) > idNumber(b.leader);
}

export function sameVote(a: Vote, b: Vote): boolean {
  return a.leader === b.leader && a.epoch === b.epoch && compareZxid(a.zxid, b.zxid) === 0;
}

/** How many of `votes` equal `vote`. */
export function supportFor(vote: Vote, votes: ReadonlyMap<NodeId, Vote>): number {
  let count = 0;
  for (const other of votes.values()) if (sameVote(vote, other)) count++;
  return count;
}

/**
 * Zab's "more recent history" order on (currentEpoch, lastZxid) (paper step l.1.2; ZooKeeper's
 * StateSummary.isMoreRecentThan): a prospective leader must not be behind any promise it counts.
 */
export function moreRecent(epochA: number, zxidA: Vote['zxid'], epochB: number, zxidB: Vote['zxid']): boolean {
  if (epochA !== epochB) return epochA > epochB;
  return compareZxid(zxidA, zxidB) > 0;
}

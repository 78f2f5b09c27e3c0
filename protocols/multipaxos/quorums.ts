/**
 * Quorum sizes for Multi-Paxos, after Flexible Paxos (Howard, Malkhi and Spiegelman, "Flexible
 * Paxos: Quorum intersection revisited", 2016). Paxos needs only that every phase 1 quorum meets
 * every phase 2 quorum: a new leader's Prepare quorum must contain an acceptor of any quorum
 * that chose a value, so that it finds and re-proposes it. Two phase 2 quorums need not meet
 * (only one leader per ballot proposes), nor two phase 1 quorums. With counting quorums that is
 * q1 + q2 > n; majorities are the special case q1 = q2 = ⌊n/2⌋ + 1. A small q2 makes each
 * command cheaper (fewer acceptors to wait for), paid for by a larger q1 at every leader change.
 *
 * Options `q1` and `q2` are given as counts; 0 means a majority.
 */
import { majority } from '../kit/index.js';

/** A quorum of `count` acceptors out of `n`; 0 means a majority, the classic Paxos quorum. */
export function quorumSize(n: number, count: number): number {
  return count === 0 ? majority(n) : count;
}

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
import { majority, type ProtocolOptions } from '../api.js';

export function phase1QuorumSize(n: number, options: ProtocolOptions): number {
  return size(n, options['q1']);
}

export function phase2QuorumSize(n: number, options: ProtocolOptions): number {
  return size(n, options['q2']);
}

function size(n: number, option: unknown): number {
  // Absent (a definition built in code without the option): a majority, the classic Paxos quorum.
  if (option === undefined || option === 0) return majority(n);
  if (typeof option !== 'number' || !Number.isInteger(option) || option < 0) throw new Error(`multipaxos: bad quorum size ${String(option)}`);
  return option;
}

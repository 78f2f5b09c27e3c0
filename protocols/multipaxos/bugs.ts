/** The deliberately broken variants of Multi-Paxos (for teaching; described in index.ts). */
export const BUG_DISJOINT_QUORUMS = 'multipaxos.flexible-quorums-disjoint';
export const BUG_AMNESIA = 'multipaxos.acceptor-amnesia';
export const BUG_STALE_PROMISE = 'multipaxos.stale-promise';
export const BUG_SKIP_PHASE1 = 'multipaxos.skip-phase1-recovery';

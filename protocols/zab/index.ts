/**
 * Zab — ZooKeeper Atomic Broadcast (Junqueira, Reed, Serafini, "Zab: High-performance broadcast
 * for primary-backup systems", DSN 2011; ZooKeeper's TLA+ specs in apache/zookeeper
 * zookeeper-specifications/zab).
 *
 * Zab orders the state changes of a primary-backup system. One primary (the leader) at a time
 * proposes transactions, each named by a zxid = (epoch, counter); a transaction commits once a
 * quorum has it on disk, and every server delivers committed transactions in zxid order. What Zab
 * adds over "just a leader" is what happens when primaries change (the paper's phases; step names l.x.y/f.x.y as there):
 *
 *  Phase 0, election (election.ts). Fast leader election: servers exchange votes
 *    (epoch, zxid, id) and settle on the server with the most recent history. A guess, not a
 *    guarantee: everything below stays safe if it picks badly.
 *  Phase 1, discovery. Followers send CEPOCH(acceptedEpoch); with a quorum the prospective leader
 *    picks e' above all of them and sends NEWEPOCH(e'). A follower promises e' by persisting
 *    acceptedEpoch = e' before ACK-E (carrying its currentEpoch and last zxid), so no two leaders
 *    can collect a quorum for the same epoch. If a follower's history is more recent than the
 *    leader's, the leader gives up (ZooKeeper's rule; the paper instead copies that history).
 *  Phase 2, synchronization. The leader sends NEWLEADER(e') with a DIFF, TRUNC or SNAP (sync.ts)
 *    that makes the follower's history equal to its own. The follower makes that history durable,
 *    then persists currentEpoch = e', then answers ACK-LD. With a quorum of ACK-LD the leader is
 *    established: its whole history is committed (COMMIT-LD, ZooKeeper's UPTODATE).
 *  Phase 3, broadcast. PROPOSE(zxid) → follower appends durably → ACK → on a quorum, COMMIT, in
 *    zxid order. Servers that come late run phases 1–2 against the established leader (l.3.3).
 *
 * Channels (session.ts): Zab assumes FIFO links without loss, duplication or reordering (TCP). The
 * simulator's network has all three, so each follower–leader pair talks over a session with
 * sequence numbers: reordering and duplicates are hidden as TCP would, and a lost message breaks
 * the session, which the follower treats as a lost connection (back to election, then re-sync).
 *
 * Clients: any server accepts requests; followers forward them to the leader and answer once they
 * deliver the transaction. Reads go through the broadcast by default (linearizable); `reads: local`
 * answers them from the local replica as ZooKeeper does (sequentially consistent, not
 * linearizable). Retries are answered from the machine's session table and never proposed twice.
 */
import type { ClientPolicy, ProtocolDefinition, ProtocolOptions } from '../api.js';
import type { ZabMessage } from './messages.js';
import { ZabMonitor, ZAB_INVARIANTS } from './monitor.js';
import { ZabNode, type ZabView } from './node.js';
import { BUG_ACK_BEFORE_DURABLE, BUG_EPOCH_BEFORE_HISTORY, BUG_FORGET_ACCEPTED_EPOCH } from './server.js';
import { OPTIONS, zabConfig } from './config.js';
import { zabNarrator } from './narrator.js';

export const zab: ProtocolDefinition<ZabMessage, ZabView> = {
  name: 'zab',
  description: 'ZooKeeper Atomic Broadcast: fast leader election, discovery, synchronization, broadcast',
  options: OPTIONS,
  bugs: [
    {
      name: BUG_FORGET_ACCEPTED_EPOCH,
      description: 'a follower answers ACK-E before acceptedEpoch is on disk; after a crash it can promise the same epoch to a second leader',
    },
    {
      name: BUG_ACK_BEFORE_DURABLE,
      description: 'a follower answers ACK-LD before the synced transactions are on disk (ZOOKEEPER-3911/-4646): committed transactions can vanish',
    },
    {
      name: BUG_EPOCH_BEFORE_HISTORY,
      description: 'a follower persists currentEpoch before the synced history (ZOOKEEPER-4643): it can win an election with a short history and truncate committed transactions',
    },
  ],
  createNode: (ctx) => new ZabNode(ctx.env, zabConfig(ctx.options), ctx.bugs),
  narrator: zabNarrator,
  invariants: ZAB_INVARIANTS,
  createMonitor: (ctx) => new ZabMonitor(ctx),
  clientPolicy: (_nodes: number, options: ProtocolOptions): ClientPolicy => ({
    replyQuorum: 1,
    retry: 'next',
    retryAfterMicros: Math.max(150_000, zabConfig(options).tickTime * 3),
  }),
};

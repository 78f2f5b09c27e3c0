/**
 * Raft as a consensim protocol: options, bug variants, node factory, invariant monitor and the
 * client policy. The algorithm itself is described at the top of `node.ts`.
 */
import type { ClientPolicy, ProtocolDefinition, ProtocolOptions } from '../api.js';
import { RAFT_BUGS, RAFT_OPTIONS, raftConfig } from './config.js';
import type { RaftMessage } from './messages.js';
import { RaftMonitor, RAFT_INVARIANTS } from './monitor.js';
import { raftNarrator } from './narrator.js';
import { RaftNode, type RaftView } from './node.js';

export type { RaftMessage } from './messages.js';
export type { RaftView, RaftRole } from './node.js';

export const raft: ProtocolDefinition<RaftMessage, RaftView> = {
  name: 'raft',
  description: 'Raft (Ongaro & Ousterhout 2014): leader election, log replication, §5.4.2 commitment; PreVote and ReadIndex as options.',
  options: RAFT_OPTIONS,
  bugs: RAFT_BUGS,
  createNode: (ctx) => new RaftNode(ctx.env, raftConfig(ctx.options, ctx.bugs)),
  invariants: RAFT_INVARIANTS,
  createMonitor: (ctx) => new RaftMonitor(ctx),
  narrator: raftNarrator,
  clientPolicy: (_nodes: number, options: ProtocolOptions, bugs: ReadonlySet<string>): ClientPolicy => {
    // A non-leader answers at once with a redirect; silence means the node is cut off or
    // crashed, so try the next one after about one election's worth of time.
    const config = raftConfig(options, bugs);
    return { replyQuorum: 1, retry: 'next', retryAfterMicros: config.electionTimeoutUs };
  },
};

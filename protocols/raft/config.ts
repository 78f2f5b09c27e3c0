/**
 * Raft's options and bug variants, as the scenario loader sees them and as a node uses them.
 */
import type { BugDefinition, ProtocolOptions } from '../api.js';
import { readOptions, type OptionSchema } from '../kit/index.js';

export const RAFT_OPTIONS = {
  electionTimeout: {
    type: 'duration',
    default: '150ms',
    description: 'Base election timeout T; each wait is drawn uniformly from [T, 2T] (§5.2).',
  },
  heartbeatInterval: {
    type: 'duration',
    default: '40ms',
    description: 'How often a leader sends AppendEntries when it has nothing new (§5.2); keep well below T.',
  },
  readPath: {
    type: 'enum',
    values: ['log', 'readindex'],
    default: 'log',
    description: 'Linearizable reads through the log (§8), or by ReadIndex (thesis §6.4).',
  },
  preVote: {
    type: 'boolean',
    default: false,
    description: 'Run a pre-vote before campaigning so a partitioned node cannot disrupt a healthy leader (thesis §9.6).',
  },
  maxBatch: {
    type: 'integer',
    default: 64,
    min: 1,
    max: 10000,
    description: 'Most log entries carried by one AppendEntries.',
  },
  snapshotEvery: {
    type: 'integer',
    default: 4096,
    min: 1,
    max: 1_000_000,
    description: 'Applied log entries between snapshots; each snapshot compacts the log up to it (§7).',
  },
} as const satisfies OptionSchema;

export const BUG_COMMIT_PREVIOUS_TERM = 'raft.commit-previous-term';
export const BUG_FORGET_VOTE = 'raft.forget-vote';
export const BUG_COMMIT_INDEX_UNCAPPED = 'raft.commit-index-uncapped';
export const BUG_STALE_LEADER_READ = 'raft.stale-leader-read';

export const RAFT_BUGS: readonly BugDefinition[] = [
  {
    name: BUG_COMMIT_PREVIOUS_TERM,
    description:
      'A leader commits an entry from an earlier term as soon as a majority stores it (Figure 8): a later leader may overwrite it (§5.4.2).',
  },
  {
    name: BUG_FORGET_VOTE,
    description: 'votedFor is kept only in memory: after a crash a node can vote twice in one term, electing two leaders.',
  },
  {
    name: BUG_COMMIT_INDEX_UNCAPPED,
    description:
      'A follower takes leaderCommit up to its own last entry instead of the last entry the AppendEntries verified, committing a stale tail.',
  },
  {
    name: BUG_STALE_LEADER_READ,
    description: 'A leader answers reads from its own state without confirming it still leads: a deposed leader serves stale data.',
  },
];

/** Limits that keep every queue bounded; not options because no scenario needs to change them. */
export const LIMITS = {
  /** A leader refuses new commands while this many entries wait to commit. */
  maxUncommitted: 10_000,
  /** Reads waiting for a ReadIndex round. */
  maxPendingReads: 1_000,
  /** Entries sent to a follower beyond what it acknowledged before the leader waits for answers. */
  maxInFlightEntries: 1_024,
} as const;

export interface RaftConfig {
  readonly electionTimeoutUs: number;
  readonly heartbeatIntervalUs: number;
  readonly readPath: 'log' | 'readindex';
  readonly preVote: boolean;
  readonly maxBatch: number;
  readonly snapshotEvery: number;
  readonly bugs: {
    readonly commitPreviousTerm: boolean;
    readonly forgetVote: boolean;
    readonly commitIndexUncapped: boolean;
    readonly staleLeaderRead: boolean;
  };
}

/** The node's configuration: options as validated (defaults from the schema), bugs as flags. */
export function raftConfig(options: ProtocolOptions, bugs: ReadonlySet<string>): RaftConfig {
  const o = readOptions(RAFT_OPTIONS, options);
  return {
    electionTimeoutUs: o.electionTimeout,
    heartbeatIntervalUs: o.heartbeatInterval,
    readPath: o.readPath,
    preVote: o.preVote,
    maxBatch: o.maxBatch,
    snapshotEvery: o.snapshotEvery,
    bugs: {
      commitPreviousTerm: bugs.has(BUG_COMMIT_PREVIOUS_TERM),
      forgetVote: bugs.has(BUG_FORGET_VOTE),
      commitIndexUncapped: bugs.has(BUG_COMMIT_INDEX_UNCAPPED),
      staleLeaderRead: bugs.has(BUG_STALE_LEADER_READ),
    },
  };
}

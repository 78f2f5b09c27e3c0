/**
 * Multi-Paxos options: the schema the scenario loader validates `protocolOptions` against, and
 * the typed configuration a node and the monitor read from it (the kit's `readOptions`: durations
 * in µs, every default written once, here).
 */
import { readOptions, type OptionSchema, type OptionValues } from '../kit/index.js';
import type { ProtocolOptions } from '../api.js';
import { quorumSize } from './quorums.js';

export const OPTIONS = {
  leader: {
    type: 'enum',
    values: ['stable', 'none'],
    default: 'stable',
    description: 'stable: one leader elected by ballot; none: every node proposes on its own (dueling proposers, PMS §2.4)',
  },
  electionTimeout: {
    type: 'duration',
    default: '150ms',
    description: 'a follower with no heartbeat for this long plus a random extra of up to as much campaigns for leader',
  },
  heartbeatInterval: { type: 'duration', default: '30ms', description: 'how often the leader announces itself and its chosen prefix' },
  resendInterval: { type: 'duration', default: '60ms', description: 'unanswered Prepares are sent again after this long' },
  duelRetry: {
    type: 'duration',
    default: '3ms',
    description: 'leader: none only — a preempted proposer retries after exactly this long (no jitter)',
  },
  window: {
    type: 'integer',
    default: 32,
    min: 1,
    max: 1024,
    description: 'slots a leader may propose beyond the chosen prefix (α in PMS §3)',
  },
  q1: {
    type: 'integer',
    default: 0,
    min: 0,
    max: 64,
    description: 'phase 1 quorum (Flexible Paxos): promises a ballot needs to lead; 0 = a majority; q1 + q2 must exceed n',
  },
  q2: {
    type: 'integer',
    default: 0,
    min: 0,
    max: 64,
    description: 'phase 2 quorum (Flexible Paxos): accepts that choose a value; 0 = a majority',
  },
  snapshotEvery: {
    type: 'integer',
    default: 4096,
    min: 1,
    max: 1_000_000,
    description:
      'applied slots between two snapshots: each snapshot compacts the chosen log and the votes below it (a peer that needs them gets the snapshot)',
  },
} as const satisfies OptionSchema;

/** The options as a node reads them, with both quorum sizes resolved for the cluster. */
export type MultiPaxosConfig = OptionValues<typeof OPTIONS> & {
  /** Promises a ballot needs to lead (phase 1 quorum, Flexible Paxos's Q1). */
  readonly phase1Quorum: number;
  /** Accepts that choose a value (phase 2 quorum, Flexible Paxos's Q2). */
  readonly phase2Quorum: number;
};

export function readConfig(nodes: number, options: ProtocolOptions): MultiPaxosConfig {
  const values = readOptions(OPTIONS, options);
  return { ...values, phase1Quorum: quorumSize(nodes, values.q1), phase2Quorum: quorumSize(nodes, values.q2) };
}

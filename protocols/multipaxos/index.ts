/**
 * Multi-Paxos: a replicated log built from one Paxos consensus instance per slot, driven by a
 * stable leader (Lamport, "Paxos Made Simple", 2001; engineering notes from Chandra, Griesemer and
 * Redstone, "Paxos Made Live", 2007).
 *
 * Single-decree Paxos (PMS §2.2). A proposer picks a proposal number (ballot) b and sends
 * Prepare(b). An acceptor that has not promised anything higher promises b — it will never again
 * accept a proposal numbered below b — and reports the highest-numbered proposal it has accepted.
 * With promises from a majority, the proposer sends Accept(b, v), where v is the value of the
 * highest-numbered proposal reported, or any value if none was (this keeps P2ᶜ). An acceptor
 * accepts unless it has promised a higher ballot (P1ᵃ). A value is chosen once a majority of
 * acceptors accepted one proposal; any two majorities intersect, so every later proposal carries
 * the chosen value (P2ᵇ) and no slot ever chooses two values.
 *
 * Stable storage (PMS §2.5). Acceptors must remember their promised ballot and their votes across
 * restarts: each is written and synced before the reply leaves. Ballots are (round, node) pairs,
 * disjoint per proposer, and the round is persisted before a Prepare is sent, so a restarted
 * proposer never reuses a ballot.
 *
 * The log (PMS §3). Slot i of the log holds the value chosen by instance i. A newly elected leader
 * runs phase 1 once for all slots from its first unknown one: one Prepare(b, fromSlot), one
 * Promise per acceptor listing its votes from there on. It then re-proposes, in every open slot,
 * the highest-ballot value reported, and fills slots nobody voted in with no-ops so that later
 * slots can execute. After that each client command costs only phase 2: Accept(b, slot, cmd) →
 * Accepted, chosen on a majority, then a Decide tells every learner. Followers that missed
 * Decides catch up from the leader (its heartbeat says how far it has chosen). Every node applies
 * chosen slots in slot order, skipping no-ops; reads are ordinary commands, so they are
 * linearizable without leases (PML §5.2's master leases are not used). A restarted node rebuilds
 * its state machine by re-applying the chosen slots it kept, then learns the rest again.
 *
 * Leader election (PMS §2.4). Two proposers that keep preempting each other's ballots can stop
 * all progress, so a distinguished proposer is needed for liveness (never for safety). Here the
 * leader is whoever holds promises from a majority for the highest ballot; followers that hear no
 * heartbeat for a randomised timeout campaign with a higher ballot, and a proposer that meets a
 * higher ballot backs off for a random time. Option `leader: none` removes the distinguished
 * proposer: every node proposes for its own clients and retries without jitter — the livelock of
 * §2.4, shown by the `multipaxos-dueling-proposers` scenario.
 *
 * Client requests carry (client, reqId); the machine's session table answers a retry with the
 * first result, so a command chosen twice (proposed again after a failover) executes once.
 * Non-leaders redirect clients to the leader they know.
 */
import type { ClientPolicy, ProtocolDefinition, ProtocolOptions, ScenarioProblem, ScenarioShape } from '../api.js';
import { phase1QuorumSize, phase2QuorumSize } from './quorums.js';
import { BUG_AMNESIA, BUG_DISJOINT_QUORUMS, BUG_SKIP_PHASE1, BUG_STALE_PROMISE, MultiPaxosNode } from './node.js';
import { MultiPaxosMonitor, MULTIPAXOS_INVARIANTS } from './monitor.js';
import type { MultiPaxosMessage, MultiPaxosOptions, MultiPaxosView } from './types.js';
import { multipaxosNarrator } from './narrator.js';

export type { MultiPaxosMessage, MultiPaxosView } from './types.js';

function readOptions(nodes: number, options: ProtocolOptions): MultiPaxosOptions {
  const leader = options['leader'];
  if (leader !== 'stable' && leader !== 'none') throw new Error(`multipaxos: bad leader option ${String(leader)}`);
  return {
    leader,
    electionTimeoutUs: numberOption(options, 'electionTimeout'),
    heartbeatIntervalUs: numberOption(options, 'heartbeatInterval'),
    resendIntervalUs: numberOption(options, 'resendInterval'),
    duelRetryUs: numberOption(options, 'duelRetry'),
    window: numberOption(options, 'window'),
    phase1Quorum: phase1QuorumSize(nodes, options),
    phase2Quorum: phase2QuorumSize(nodes, options),
  };
}

/** Flexible Paxos (quorums.ts): each quorum at most n, and every phase 1 quorum meets every phase 2 quorum. */
function checkScenario(scenario: ScenarioShape): ScenarioProblem | null {
  const n = scenario.nodes;
  for (const name of ['q1', 'q2'] as const) {
    const value = scenario.options[name];
    if (typeof value === 'number' && value > n) {
      return { field: `protocolOptions.${name}`, message: `expected a quorum size from 1 to n = ${n} (0 for a majority), found ${value}` };
    }
  }
  const q1 = phase1QuorumSize(n, scenario.options);
  const q2 = phase2QuorumSize(n, scenario.options);
  if (q1 + q2 > n || scenario.bugs.has(BUG_DISJOINT_QUORUMS)) return null;
  return {
    field: scenario.options['q1'] !== 0 ? 'protocolOptions.q1' : 'protocolOptions.q2',
    message:
      `q1 + q2 = ${q1} + ${q2} is not more than n = ${n}: a new leader's phase 1 quorum could miss every acceptor that chose a value, ` +
      `and choose another (make q1 + q2 > n, or add the bug ${BUG_DISJOINT_QUORUMS} to watch that happen)`,
  };
}

function numberOption(options: ProtocolOptions, name: string): number {
  const value = options[name];
  if (typeof value !== 'number') throw new Error(`multipaxos: option ${name} missing after validation`);
  return value;
}

export const multipaxos: ProtocolDefinition<MultiPaxosMessage, MultiPaxosView> = {
  name: 'multipaxos',
  description:
    'Multi-Paxos (Paxos Made Simple §3): a stable leader runs phase 1 once for all open slots, then one phase 2 per command; no-ops fill gaps.',
  options: {
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
  },
  bugs: [
    {
      name: BUG_AMNESIA,
      description: 'acceptors keep promises and votes in memory only: a restarted acceptor forgets what it promised and accepted',
    },
    {
      name: BUG_STALE_PROMISE,
      description: 'a candidate counts Promises made to its earlier ballots toward the quorum of its current one',
    },
    {
      name: BUG_SKIP_PHASE1,
      description: "a new leader proposes fresh commands in open slots without re-proposing what acceptors reported there",
    },
    {
      name: BUG_DISJOINT_QUORUMS,
      description: 'q1 + q2 ≤ n is allowed: a new leader\'s phase 1 quorum can miss every acceptor of a chosen value and choose another in its slot',
    },
  ],
  checkScenario,
  createNode(ctx) {
    return new MultiPaxosNode(ctx.env, readOptions(ctx.env.nodes.length, ctx.options), ctx.bugs);
  },
  narrator: multipaxosNarrator,
  invariants: MULTIPAXOS_INVARIANTS,
  createMonitor(ctx) {
    return new MultiPaxosMonitor(ctx);
  },
  clientPolicy(_nodes, options): ClientPolicy {
    // With a stable leader, followers redirect and a client tries the next node on silence. With
    // no leader every node proposes, so a silent request is sent to all of them: the duel.
    return { replyQuorum: 1, retry: options['leader'] === 'none' ? 'all' : 'next', retryAfterMicros: 100_000 };
  },
};

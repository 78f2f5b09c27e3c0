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
import type { ClientPolicy, ProtocolDefinition, ScenarioProblem, ScenarioShape } from '../api.js';
import { BUG_AMNESIA, BUG_DISJOINT_QUORUMS, BUG_SKIP_PHASE1, BUG_STALE_PROMISE } from './bugs.js';
import { MultiPaxosNode } from './node.js';
import { MultiPaxosMonitor, MULTIPAXOS_INVARIANTS } from './monitor.js';
import { OPTIONS, readConfig } from './options.js';
import type { MultiPaxosMessage, MultiPaxosView } from './types.js';
import { multipaxosNarrator } from './narrator.js';

export type { MultiPaxosMessage, MultiPaxosView } from './types.js';

/** Flexible Paxos (quorums.ts): each quorum at most n, and every phase 1 quorum meets every phase 2 quorum. */
function checkScenario(scenario: ScenarioShape): ScenarioProblem | null {
  const n = scenario.nodes;
  const config = readConfig(n, scenario.options);
  for (const name of ['q1', 'q2'] as const) {
    if (config[name] > n) {
      return { field: `protocolOptions.${name}`, message: `expected a quorum size from 1 to n = ${n} (0 for a majority), found ${config[name]}` };
    }
  }
  const q1 = config.phase1Quorum;
  const q2 = config.phase2Quorum;
  if (q1 + q2 > n || scenario.bugs.has(BUG_DISJOINT_QUORUMS)) return null;
  return {
    field: config.q1 !== 0 ? 'protocolOptions.q1' : 'protocolOptions.q2',
    message:
      `q1 + q2 = ${q1} + ${q2} is not more than n = ${n}: a new leader's phase 1 quorum could miss every acceptor that chose a value, ` +
      `and choose another (make q1 + q2 > n, or add the bug ${BUG_DISJOINT_QUORUMS} to watch that happen)`,
  };
}

export const multipaxos: ProtocolDefinition<MultiPaxosMessage, MultiPaxosView> = {
  name: 'multipaxos',
  description:
    'Multi-Paxos (Paxos Made Simple §3): a stable leader runs phase 1 once for all open slots, then one phase 2 per command; no-ops fill gaps.',
  options: OPTIONS,
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
    return new MultiPaxosNode(ctx.env, readConfig(ctx.env.nodes.length, ctx.options), ctx.bugs);
  },
  narrator: multipaxosNarrator,
  invariants: MULTIPAXOS_INVARIANTS,
  createMonitor(ctx) {
    return new MultiPaxosMonitor(ctx);
  },
  clientPolicy(nodes, options): ClientPolicy {
    // With a stable leader, followers redirect and a client tries the next node on silence. With
    // no leader every node proposes, so a silent request is sent to all of them: the duel.
    return { replyQuorum: 1, retry: readConfig(nodes, options).leader === 'none' ? 'all' : 'next', retryAfterMicros: 100_000 };
  },
};

/**
 * Quorum: the multi-writer atomic register of Attiya, Bar-Noy and Dolev ("Sharing Memory Robustly
 * in Message-Passing Systems", 1995), in the multi-writer form of Lynch and Shvartsman ("Robust
 * emulation of shared memory using dynamic quorum-acknowledged broadcasts", 1997), with read and
 * write quorums of tunable size r and w, one register per key. No leader, no log, no consensus.
 *
 * Tags. Every stored value carries a tag (ts, writer); tags are totally ordered (ts first, the
 * writer breaks ties) and each replica keeps, per key, only the value with the highest tag it has
 * seen. A replica never lowers its tag, and syncs a new value before acknowledging it.
 *
 * Write (two rounds). Query: ask the replicas for their tags and wait for r replies; take the
 * highest ts. Store: send (ts + 1, this writer, value) to the replicas and wait for w acks. Every
 * read quorum meets every write quorum (r + w > n), so the query sees the tag of every write that
 * completed before this one began, and the new tag is larger: writes take effect in tag order.
 * (That is the only intersection needed: the query uses a read quorum, so two write quorums need
 * not meet, and w may be below a majority when r makes up for it.)
 *
 * Read (two rounds). Query r replicas and take the highest (tag, value). Then write it back:
 * store that same (tag, value) at w replicas before answering — skipped when w of the replies
 * already hold it. Without the write-back a read can return a value that only one replica holds
 * (a write still in progress); a later read whose quorum misses that replica returns the older
 * value: new, then old — not linearizable, even with r + w > n (the `quorum.no-read-repair`
 * bug and the `quorum-read-repair` scenario). With r = n every later query meets that replica, so
 * the write-back may be switched off (`readRepair: false`).
 *
 * Why no cas. A compare-and-set must see every earlier write and place itself after exactly the
 * one it compared with; two concurrent cas calls that both saw the same value must not both win.
 * That is agreement on an order — consensus — which no quorum register can give (Herlihy's
 * consensus hierarchy: registers have consensus number 1). A scenario whose workload has cas is
 * refused at load time.
 *
 * Coordinators. Any node coordinates any client request (node.ts); clients send a request to one
 * node and retry reads elsewhere. A write is sent once and never retried at another node: with no
 * replicated session table, a write coordinated twice could take effect twice, the second time
 * after a later write. A request the client gives up on is recorded as unknown (`info`).
 *
 * What the simulator checks: linearizability of the client history, and online (monitor.ts) that
 * tags never go back, that a completed write stays held by w replicas, and that one tag names one
 * value. The register keeps no replicated command order, so the generic applied-prefix check does
 * not apply (`commandOrder: 'none'`).
 */
import type { ClientPolicy, ProtocolDefinition, ProtocolOptions, ScenarioProblem, ScenarioShape } from '../api.js';
import { readOptions, type OptionSchema } from '../kit/index.js';
import { QUORUM_INVARIANTS, QuorumMonitor } from './monitor.js';
import { BUG_ACK_BEFORE_DURABLE, BUG_NO_READ_REPAIR, BUG_SLOPPY, BUG_TAG_WITHOUT_WRITER, QuorumNode } from './node.js';
import { quorumSizes } from './sizes.js';
import type { QuorumMessage, QuorumOptions, QuorumView } from './types.js';

export type { QuorumMessage, QuorumView } from './types.js';

export const QUORUM_OPTIONS = {
  r: {
    type: 'integer',
    default: 0,
    min: 0,
    max: 64,
    description: 'read quorum: query replies a read (and the first round of a write) waits for; 0 = a majority; r + w must exceed n',
  },
  w: {
    type: 'integer',
    default: 0,
    min: 0,
    max: 64,
    description: 'write quorum: store acknowledgements a write (and a read\'s write-back) waits for; 0 = a majority',
  },
  readRepair: {
    type: 'boolean',
    default: true,
    description: 'a read writes the value it returns back to w replicas first (unless w replies already held it); false only with r = n',
  },
  resendInterval: { type: 'duration', default: '50ms', description: 'a coordinator sends a query or store again to replicas that have not answered after this long' },
  giveUpAfter: { type: 'duration', default: '2s', description: 'a coordinator drops an operation still open after this long (its client has given up)' },
} as const satisfies OptionSchema;

function quorumOptions(nodes: number, options: ProtocolOptions): QuorumOptions {
  const read = readOptions(QUORUM_OPTIONS, options);
  const { r, w } = quorumSizes(nodes, read);
  return { r, w, readRepair: read.readRepair, resendIntervalUs: read.resendInterval, giveUpAfterUs: read.giveUpAfter };
}

/** The rules between the options, the cluster size, the bugs and the workload. */
function checkScenario(scenario: ScenarioShape): ScenarioProblem | null {
  if (scenario.mix.cas > 0) {
    return {
      field: 'workload.mix.cas',
      message:
        'quorum cannot run cas: a compare-and-set needs every replica to agree on one order of writes, which is consensus, ' +
        'and a quorum register offers only read and write (set cas to 0, or run a consensus protocol)',
    };
  }
  if ((scenario.mix.append ?? 0) > 0) {
    return {
      field: 'workload.mix.append',
      message:
        'quorum cannot run append: an append reads the value and writes a longer one in one step, which needs every replica ' +
        'to agree on one order of writes (consensus); a quorum register offers only read and write (set append to 0)',
    };
  }
  const n = scenario.nodes;
  for (const name of ['r', 'w'] as const) {
    const value = scenario.options[name];
    if (typeof value === 'number' && value > n) {
      return { field: `protocolOptions.${name}`, message: `expected a quorum size from 1 to n = ${n} (0 for a majority), found ${value}` };
    }
  }
  const { r, w } = quorumSizes(n, scenario.options);
  if (r + w <= n && !scenario.bugs.has(BUG_SLOPPY)) {
    return {
      field: scenario.options['w'] !== 0 ? 'protocolOptions.w' : 'protocolOptions.r',
      message:
        `r + w = ${r} + ${w} is not more than n = ${n}: a read quorum could miss every replica of the last write and return a stale value ` +
        `(make r + w > n, or add the bug ${BUG_SLOPPY} to watch that happen)`,
    };
  }
  if (scenario.options['readRepair'] === false && r < n && !scenario.bugs.has(BUG_NO_READ_REPAIR)) {
    return {
      field: 'protocolOptions.readRepair',
      message:
        `readRepair: false is safe only with r = n (here r = ${r}, n = ${n}): otherwise a read may return a value held by one replica and a later read miss it ` +
        `(add the bug ${BUG_NO_READ_REPAIR} to watch that happen)`,
    };
  }
  return null;
}

export const quorum: ProtocolDefinition<QuorumMessage, QuorumView> = {
  name: 'quorum',
  description:
    'Multi-writer ABD register (Attiya, Bar-Noy, Dolev 1995; Lynch & Shvartsman 1997): read and write quorums of r and w replicas, tags, reads that write back; read and write only, no consensus.',
  options: QUORUM_OPTIONS,
  bugs: [
    {
      name: BUG_NO_READ_REPAIR,
      description: 'reads skip the write-back: a read returns a value only one replica holds, a later read misses it (new, then old)',
    },
    {
      name: BUG_SLOPPY,
      description: 'r + w ≤ n is allowed: a read quorum can miss every replica of the last completed write and return a stale value',
    },
    {
      name: BUG_TAG_WITHOUT_WRITER,
      description: 'tags are a counter only: two concurrent writes take the same tag and each replica keeps whichever arrived last',
    },
    {
      name: BUG_ACK_BEFORE_DURABLE,
      description: 'a replica acknowledges a store before syncing it (it syncs up to 100ms later): a crash loses acknowledged writes',
    },
  ],
  commandOrder: 'none',
  invariants: QUORUM_INVARIANTS.list,
  checkScenario,
  createNode(ctx) {
    return new QuorumNode(ctx.env, quorumOptions(ctx.env.nodes.length, ctx.options), ctx.bugs);
  },
  createMonitor(ctx) {
    return new QuorumMonitor(ctx);
  },
  clientPolicy(): ClientPolicy {
    // Any node coordinates; a silent read goes to the next node, a write is sent once (see above).
    return { replyQuorum: 1, retry: 'next', retryAfterMicros: 100_000, retryWrites: false };
  },
};

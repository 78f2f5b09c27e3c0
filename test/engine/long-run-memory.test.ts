/**
 * A long run holds a bounded amount of memory: nothing the simulator keeps grows with `duration`.
 * Before the fix the applied-prefix ledger kept every command ever applied and the latency recorder
 * every sample, so a 24-hour scenario ran out of memory whatever the protocol did. These tests run
 * a protocol whose own state is bounded (a sequencer that keeps no log) and the quorum register
 * for a short and a long virtual time, and compare what the run holds at its end (entry counts,
 * see RetainedSizes): each must stay under a bound set by the window, the workload or the cluster,
 * far below the number of operations. Nothing is timed.
 */
import { describe, expect, it } from 'vitest';
import type { ClientId, Command, CreateContext, KvOp, NodeEnv, NodeId, NodeView, ProtocolDefinition, ProtocolNode } from '../../protocols/api.js';
import { runScenario, type RunOutcome } from '../../sim/run.js';
import { loadScenario } from '../../sim/scenario/load.js';
import { LEDGER_WINDOW } from '../../sim/world/applied.js';
import { PROTOCOLS } from '../../protocols/registry.js';
import { fixtureScenario } from '../fixtures/scenario.js';

type RelayMessage = { readonly type: 'apply'; readonly seq: number; readonly cmd: Command };

const SEQUENCER: NodeId = 'n1';

/**
 * n1 applies each request at once, answers, and relays the command with its sequence number; the
 * others apply relayed commands in sequence order (holding the few that arrive early). No log, no
 * faults survived: its memory is its machine and the commands in flight, so it shows the
 * simulator's own memory.
 */
class RelayNode implements ProtocolNode<RelayMessage> {
  private readonly env: NodeEnv<RelayMessage>;
  private readonly early = new Map<number, Command>();

  constructor(ctx: CreateContext<RelayMessage>) {
    this.env = ctx.env;
  }

  start(): void {}
  onTimer(): void {}

  onRequest(client: ClientId, reqId: number, op: KvOp): void {
    if (this.env.id !== SEQUENCER) return this.env.reply(client, reqId, { kind: 'redirect', leader: SEQUENCER });
    const cached = this.env.machine.cached(client, reqId);
    if (cached !== undefined) return this.env.reply(client, reqId, { kind: 'result', result: cached });
    const cmd: Command = { client, reqId, op };
    const seq = this.env.machine.appliedCount;
    const result = this.env.machine.apply(cmd);
    this.env.reply(client, reqId, { kind: 'result', result });
    for (const peer of this.env.peers) this.env.send(peer, { type: 'apply', seq, cmd });
  }

  onMessage(_from: NodeId, msg: RelayMessage): void {
    this.early.set(msg.seq, msg.cmd);
    for (let next = this.early.get(this.env.machine.appliedCount); next !== undefined; next = this.early.get(this.env.machine.appliedCount)) {
      this.early.delete(this.env.machine.appliedCount);
      this.env.machine.apply(next);
    }
  }

  inspect(): NodeView {
    const applied = this.env.machine.appliedCount;
    return { role: this.env.id === SEQUENCER ? 'sequencer' : 'follower', term: 1, leader: SEQUENCER, commitIndex: applied, appliedIndex: applied, logLength: 0 };
  }
}

const relay: ProtocolDefinition<RelayMessage> = {
  name: 'relay',
  description: 'test-only sequencer with no log',
  options: {},
  bugs: [],
  createNode: (ctx) => new RelayNode(ctx),
  clientPolicy: () => ({ replyQuorum: 1, retry: 'next', retryAfterMicros: 50_000 }),
};

function relayRun(seconds: number): RunOutcome {
  const scenario = fixtureScenario({
    name: 'relay-long',
    protocol: 'relay',
    durationUs: seconds * 1_000_000,
    workload: { clients: 4, keys: 3, mix: { read: 0.4, write: 0.4, cas: 0.2 }, intervalUs: 2_000, timeoutUs: 300_000 },
  });
  return runScenario(scenario, { protocols: [relay], hashTrace: false, keepHistory: false });
}

const opsOf = (o: RunOutcome): number => o.result.stats.ops.ok + o.result.stats.ops.fail + o.result.stats.ops.info;

describe('long runs hold bounded memory', () => {
  it('a protocol with bounded state: the ledger, the latency recorder and the history stay bounded as the run grows', () => {
    const short = relayRun(10);
    const long = relayRun(120);
    expect(short.result.ok).toBe(true);
    expect(long.result.ok).toBe(true);
    const commands = opsOf(long);
    // Long enough that the ledger has let go of commands several times over.
    expect(commands).toBeGreaterThan(4 * LEDGER_WINDOW);
    const held = long.retained;
    if (held === undefined) throw new Error('runScenario reports no retained sizes');
    expect(held.ledger).toBeLessThanOrEqual(2 * LEDGER_WINDOW + 256);
    expect(held.ledger).toBeLessThan(commands / 2);
    expect(held.historyKept).toBe(0);
    // Distinct latencies in µs: a reply takes two one-way delays of 1–5 ms here, so at most 8,001
    // values per kind (plus one op in flight per client), however many operations ran.
    expect(held.latency).toBeLessThanOrEqual(3 * 8_001 + 4);
    expect(held.latency).toBeLessThan(commands / 2);
    // No faults: every segment closes, nothing is carried.
    expect(held.segmented).toBeLessThan(100);
    expect(held.queued).toBeLessThan(100);
    expect(held.parked).toBe(0);
    expect(held.faultsKept).toBe(0);
    // What the short run held bounds what the long one holds, but for the ledger's window filling up.
    const few = short.retained;
    if (few === undefined) throw new Error('runScenario reports no retained sizes');
    expect(held.queued).toBeLessThanOrEqual(few.queued + 20);
    expect(held.segmented).toBeLessThanOrEqual(few.segmented + 20);
  });

  it('quorum-nemesis (no log): faults, losses and timeouts do not make the simulator hold more', () => {
    const base = loadScenario('scenarios/quorum-nemesis.yaml', PROTOCOLS);
    const run = (seconds: number): RunOutcome => runScenario({ ...base, durationUs: seconds * 1_000_000 }, { protocols: PROTOCOLS, seed: 3, hashTrace: false, keepHistory: false });
    const long = run(200);
    expect(long.result.ok).toBe(true);
    const held = long.retained;
    if (held === undefined) throw new Error('runScenario reports no retained sizes');
    const ops = opsOf(long);
    expect(ops).toBeGreaterThan(10_000);
    expect(held.ledger).toBe(0); // no replicated command order: no ledger
    expect(held.historyKept).toBe(0);
    // One bucket per distinct µs of latency, up to the 800 ms op timeout, per kind.
    expect(held.latency).toBeLessThanOrEqual(3 * 800_001 + 4);
    // Carried `info` operations are the one part that grows, by one per unobserved timeout.
    expect(held.segmented).toBeLessThanOrEqual(long.result.stats.ops.info + 200);
    expect(held.queued).toBeLessThan(1_000);
  });
});

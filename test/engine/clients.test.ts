import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../sim/history/types.js';
import { eventsOf, runScenario, type TraceEvent } from '../../sim/run.js';
import type { ScriptedFault } from '../../sim/scenario/types.js';
import { fixtureProtocols } from '../fixtures/primary.js';
import { fixtureScenario } from '../fixtures/scenario.js';
import { stubProtocol } from '../fixtures/stub.js';

function run(extra: Parameters<typeof fixtureScenario>[0] = {}, bugs: string[] = []) {
  const outcome = runScenario(fixtureScenario(extra), { protocols: fixtureProtocols, collectTrace: true, extraBugs: bugs });
  return { ...outcome, trace: outcome.trace as readonly TraceEvent[] };
}

/** Every invoke has at most one completion, by the same process, later, with the same f and key. */
function wellFormed(history: readonly HistoryEvent[]): void {
  const open = new Map<number, HistoryEvent>();
  let last = -1;
  for (const e of history) {
    expect(e.time).toBeGreaterThanOrEqual(last);
    last = e.time;
    if (e.type === 'invoke') {
      expect(open.has(e.process)).toBe(false);
      open.set(e.process, e);
    } else {
      const inv = open.get(e.process);
      expect(inv).toBeDefined();
      expect([inv?.f, inv?.key]).toEqual([e.f, e.key]);
      open.delete(e.process);
    }
  }
}

describe('generic clients', () => {
  it('follow redirect hints to the primary', () => {
    const { result, trace, history } = run({ workload: { clients: 4, keys: 2, mix: { read: 0.5, write: 0.5, cas: 0 }, intervalUs: 20_000, timeoutUs: 300_000 } });
    const redirects = eventsOf(trace, 'send').filter((e) => (e.msg as { reply?: { kind: string } }).reply?.kind === 'redirect');
    expect(redirects.length).toBeGreaterThan(0);
    // after a redirect from nX the client's next request goes to n1 without waiting for a retry
    const first = redirects[0];
    const next = eventsOf(trace, 'send').find((e) => e.from === first?.to && e.t > first.t);
    expect(next?.to).toBe('n1');
    wellFormed(history);
    expect(result.ok).toBe(true);
  });

  it('back off and try the next node after a redirect without a hint', () => {
    const { result, history } = run({}, ['fixture.no-hint']);
    expect(result.stats.ops.ok).toBeGreaterThan(20);
    wellFormed(history);
  });

  it('retry the same request id through message loss', () => {
    const { result, trace, history } = run({ network: { latency: { dist: 'fixed', valueUs: 2_000 }, loss: 0.2, duplicate: 0.1 } });
    const requests = eventsOf(trace, 'send').filter((e) => e.from.startsWith('c'));
    const byReq = new Map<string, number>();
    for (const e of requests) {
      const key = `${String(e.from)}#${(e.msg as { reqId: number }).reqId}`;
      byReq.set(key, (byReq.get(key) ?? 0) + 1);
    }
    expect([...byReq.values()].some((count) => count > 1)).toBe(true);
    expect(result.stats.messages.dropped).toBeGreaterThan(0);
    expect(result.stats.messages.duplicated).toBeGreaterThan(0);
    wellFormed(history);
    expect(result.ok).toBe(true);
  });

  it('record info (reads: fail) at the op timeout and continue as a new process', () => {
    const faults: ScriptedFault[] = [{ atUs: 500_000, action: { kind: 'crash', target: { kind: 'node', node: 'n1' }, restartUs: 800_000, amnesia: false }, line: 0 }];
    const { result, history } = run({ faults, workload: { clients: 2, keys: 2, mix: { read: 0.5, write: 0.5, cas: 0 }, intervalUs: 20_000, timeoutUs: 200_000 } });
    const infos = history.filter((e) => e.type === 'info');
    expect(infos.length).toBeGreaterThan(0);
    expect(infos.every((e) => e.f !== 'read')).toBe(true);
    const readFails = history.filter((e) => e.type === 'fail' && e.f === 'read');
    expect(readFails.length).toBeGreaterThan(0);
    // a process never invokes again after an info
    for (const info of infos) {
      expect(history.some((e) => e.process === info.process && e.time > info.time && e.type === 'invoke')).toBe(false);
    }
    expect(Math.max(...history.map((e) => e.process))).toBeGreaterThanOrEqual(2);
    expect(result.stats.ops.info).toBe(infos.length);
    wellFormed(history);
    expect(result.ok).toBe(true);
  });

  it('record definite failures (cas mismatch) as fail, and every client probes at the end', () => {
    const { result, history, trace } = run({ workload: { clients: 3, keys: 1, mix: { read: 0.2, write: 0.3, cas: 0.5 }, intervalUs: 10_000, timeoutUs: 300_000 } });
    expect(history.some((e) => e.type === 'fail' && e.f === 'cas')).toBe(true);
    expect(history.some((e) => e.type === 'ok' && e.f === 'cas')).toBe(true);
    const probes = eventsOf(trace, 'invoke').filter((e) => e.t >= 2_000_000);
    expect(probes.map((e) => e.client).sort()).toEqual(['c1', 'c2', 'c3']);
    expect(probes.every((e) => e.f === 'read')).toBe(true);
    expect(result.checks.liveness).toBe(true);
  });

  it('fail liveness when the probes cannot complete', () => {
    // 10ms of settle leaves a client too little time to finish its op and then probe. Seed 6 (found by
    // searching seeds 1..40) ends with c2's probe still waiting for its reply; on some other seeds
    // (e.g. 1) both probes squeeze in and liveness fails only because n2 has not caught up yet.
    const faults: ScriptedFault[] = [{ atUs: 1_900_000, action: { kind: 'pause', target: { kind: 'node', node: 'n1' }, forUs: 50_000 }, line: 0 }];
    const { result } = run({ seed: 6, faults, settleUs: 10_000 });
    expect(result.checks.liveness).toBe(false);
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/^liveness: probe read of c/);
  });
});

describe('client policy', () => {
  /** Every node answers at once; n3 lies. With replyQuorum 2, only the honest answer can win. */
  const liars = stubProtocol(
    'liars',
    (env) => ({
      onRequest: (client, reqId) =>
        env.reply(client, reqId, { kind: 'result', result: { type: 'ok', value: env.id === 'n3' ? 'bad' : 'good' } }),
    }),
    { replyQuorum: 2, retry: 'all', retryAfterMicros: 30_000 },
  );

  it('accepts a result only from replyQuorum matching nodes, retrying to all nodes', () => {
    const scenario = fixtureScenario({
      protocol: 'liars',
      checks: { linearizability: false, invariants: true, liveness: true },
      workload: { clients: 2, keys: 1, mix: { read: 1, write: 0, cas: 0 }, intervalUs: 10_000, timeoutUs: 300_000 },
    });
    const { history, trace } = runScenario(scenario, { protocols: () => liars, collectTrace: true });
    const oks = history.filter((e) => e.type === 'ok');
    expect(oks.length).toBeGreaterThan(10);
    expect(oks.every((e) => e.value === 'good')).toBe(true);
    // the first send of an op goes to one node; a retry goes to all three
    const sends = eventsOf(trace ?? [], 'send').filter((e) => e.from === 'c1');
    const perReq = new Map<number, string[]>();
    for (const e of sends) {
      const reqId = (e.msg as { reqId: number }).reqId;
      perReq.set(reqId, [...(perReq.get(reqId) ?? []), String(e.to)]);
    }
    const shapes = [...perReq.values()].map((to) => to.length);
    expect(shapes.every((k) => k === 1 || k === 4)).toBe(true);
    expect(shapes.some((k) => k === 4)).toBe(true);
  });
});

describe('request immutability', () => {
  it('hands nodes a frozen op', () => {
    const seen: boolean[] = [];
    const probe = stubProtocol('probe', (env) => ({
      onRequest: (client, reqId, op) => {
        seen.push(Object.isFrozen(op));
        env.reply(client, reqId, { kind: 'result', result: { type: 'ok', value: null } });
      },
    }));
    runScenario(fixtureScenario({ protocol: 'probe', durationUs: 200_000, settleUs: 100_000 }), { protocols: () => probe });
    expect(seen.length).toBeGreaterThan(3);
    expect(seen.every(Boolean)).toBe(true);
  });
});

describe('history times', () => {
  it('strictly increase (ties within a microsecond are spaced by 0.001) and read back through the history parser', async () => {
    const { parseHistory, toJsonLines } = await import('../../sim/history/index.js');
    // zero think time: a client's next invoke happens in the microsecond its last op completed
    const scenario = fixtureScenario({ workload: { clients: 4, keys: 2, mix: { read: 0.5, write: 0.5, cas: 0 }, intervalUs: 0, timeoutUs: 300_000 } });
    const { history } = runScenario(scenario, { protocols: fixtureProtocols, hashTrace: false });
    for (let i = 1; i < history.length; i++) expect((history[i] as HistoryEvent).time).toBeGreaterThan((history[i - 1] as HistoryEvent).time);
    expect(history.some((e) => !Number.isInteger(e.time))).toBe(true);
    expect(history.every((e) => Math.abs(e.time * 1000 - Math.round(e.time * 1000)) < 1e-6)).toBe(true);
    expect(parseHistory(toJsonLines(history), 'mem.jsonl')).toEqual(history);
  });
});

import { describe, expect, it } from 'vitest';
import { eventsOf, runScenario, type TraceEvent } from '../../sim/run.js';
import { fixtureScenario } from '../fixtures/scenario.js';
import { stubProtocol } from '../fixtures/stub.js';

/** A node that only ticks every 100ms of its own clock and notes what its clock reads. */
const ticker = stubProtocol(
  'ticker',
  (env) => ({
    start: () => env.setTimer('tick', 100_000),
    onTimer: () => {
      env.note(String(env.now()));
      env.setTimer('tick', 100_000);
    },
    onRequest: (client, reqId) => env.reply(client, reqId, { kind: 'result', result: { type: 'ok', value: null } }),
  }),
  { replyQuorum: 1, retry: 'next', retryAfterMicros: 100_000 },
);

function ticks(trace: readonly TraceEvent[], node: string): { t: number; local: number }[] {
  return eventsOf(trace, 'note').filter((e) => e.node === node).map((e) => ({ t: e.t, local: Number(e.text) }));
}

describe('node clocks', () => {
  const scenario = fixtureScenario({
    protocol: 'ticker',
    durationUs: 1_000_000,
    settleUs: 100_000,
    clock: { skewUs: 30_000, driftPpm: 5_000 },
    checks: { linearizability: false, invariants: true, liveness: false },
    faults: [{ atUs: 550_000, action: { kind: 'clock', target: { kind: 'node', node: 'n2' }, jumpUs: 50_000 }, line: 0 }],
  });
  const { trace } = runScenario(scenario, { protocols: () => ticker, collectTrace: true });
  const t = trace as TraceEvent[];

  it('start with different offsets within the skew', () => {
    const first = ['n1', 'n2', 'n3'].map((node) => (ticks(t, node)[0] as { t: number; local: number }));
    const offsets = first.map((x) => x.local - x.t);
    for (const o of offsets) expect(Math.abs(o)).toBeLessThanOrEqual(60_000 + 1_000);
    expect(new Set(offsets).size).toBe(3);
  });

  it('time timers in local time, so drift stretches or shrinks them in real time', () => {
    const realGaps = new Set<number>();
    for (const node of ['n1', 'n3']) {
      const list = ticks(t, node);
      for (let i = 1; i < list.length; i++) {
        const a = list[i - 1] as { t: number; local: number };
        const b = list[i] as { t: number; local: number };
        expect(Math.abs(b.local - a.local - 100_000)).toBeLessThanOrEqual(1);
        realGaps.add(b.t - a.t);
      }
    }
    expect([...realGaps].some((g) => g !== 100_000)).toBe(true);
  });

  it('jump a clock without moving armed timers', () => {
    const list = ticks(t, 'n2');
    const across = list.findIndex((x) => x.t > 550_000);
    const before = list[across - 1] as { t: number; local: number };
    const after = list[across] as { t: number; local: number };
    expect(Math.abs(after.local - before.local - 150_000)).toBeLessThanOrEqual(1);
    expect(Math.abs(after.t - before.t - 100_000)).toBeLessThanOrEqual(1_000);
    expect(t.find((e) => e.kind === 'fault')).toMatchObject({ t: 550_000, action: 'clock', nodes: ['n2'], jumpUs: 50_000 });
  });
});

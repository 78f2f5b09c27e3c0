import { describe, expect, it } from 'vitest';
import { runScenario } from '../../sim/run.js';
import { fixtureProtocols } from '../fixtures/primary.js';
import { fixtureScenario } from '../fixtures/scenario.js';

const allFaults = ['partition', 'crash', 'pause', 'clock', 'cut'] as const;

describe('edge configurations run to the end without crashing', () => {
  it('a single node under every nemesis fault', () => {
    const { result } = runScenario(fixtureScenario({ nodes: 1, nemesis: { everyUs: 200_000, faults: allFaults } }), { protocols: fixtureProtocols });
    expect(result.stats.virtualMs).toBe(3_000);
    expect(result.ok).toBe(true);
  });

  it('no clients at all', () => {
    const { result, history } = runScenario(
      fixtureScenario({ workload: { clients: 0, keys: 1, mix: { read: 1, write: 0, cas: 0 }, intervalUs: 10_000, timeoutUs: 100_000 } }),
      { protocols: fixtureProtocols },
    );
    expect(history).toEqual([]);
    expect(result.checks.linearizable).toBe(true);
    expect(result.checks.liveness).toBe(true);
  });

  it('zero latency', () => {
    const { result } = runScenario(
      fixtureScenario({
        network: { latency: { dist: 'fixed', valueUs: 0 }, loss: 0, duplicate: 0 },
        workload: { clients: 3, keys: 1, mix: { read: 0.3, write: 0.4, cas: 0.3 }, intervalUs: 1_000, timeoutUs: 50_000 },
        durationUs: 200_000,
        settleUs: 100_000,
      }),
      { protocols: fixtureProtocols, hashTrace: false },
    );
    expect(result.ok).toBe(true);
    expect(result.stats.ops.ok).toBeGreaterThan(100);
  });

  it('zero latency and zero think time stop time; the run fails with a clear reason instead of spinning', () => {
    const { result } = runScenario(
      fixtureScenario({
        network: { latency: { dist: 'fixed', valueUs: 0 }, loss: 0, duplicate: 0 },
        workload: { clients: 3, keys: 1, mix: { read: 0.3, write: 0.4, cas: 0.3 }, intervalUs: 0, timeoutUs: 50_000 },
      }),
      { protocols: fixtureProtocols, hashTrace: false },
    );
    expect(result.ok).toBe(false);
    expect(result.checks.invariants[0]).toMatchObject({ name: 'limit:instant', time: 0 });
    expect(result.reason).toContain('virtual time stopped advancing');
  });

  it('a zero-delay message loop hits the per-instant bound', () => {
    const scenario = fixtureScenario({ bugs: ['fixture.chatty'], network: { latency: { dist: 'fixed', valueUs: 0 }, loss: 0, duplicate: 0 } });
    const { result } = runScenario(scenario, { protocols: fixtureProtocols, hashTrace: false, limits: { maxEventsPerInstant: 5_000 } });
    expect(result.checks.invariants[0]).toMatchObject({ name: 'limit:instant', time: 0 });
  });

  it('a lossy, duplicating network with long exponential tails, all faults, all checks', () => {
    const { result } = runScenario(
      fixtureScenario({
        nodes: 5,
        network: { latency: { dist: 'exponential', meanUs: 20_000 }, loss: 0.3, duplicate: 0.3 },
        clock: { skewUs: 500_000, driftPpm: 50_000 },
        nemesis: { everyUs: 100_000, faults: allFaults },
      }),
      { protocols: fixtureProtocols },
    );
    expect(result.stats.messages.dropped).toBeGreaterThan(0);
    expect(result.checks.invariants).toEqual([]);
    expect(result.checks.linearizable).toBe(true);
  });

  it('faults and nemesis scheduled at or past the end of the safety phase are ignored', () => {
    const { result } = runScenario(
      fixtureScenario({
        durationUs: 500_000,
        faults: [
          { atUs: 500_000, action: { kind: 'crash', target: { kind: 'all' }, restartUs: null, amnesia: true }, line: 3 },
          { atUs: 900_000, action: { kind: 'partition', groups: [[{ kind: 'leader' }], [{ kind: 'rest' }]] }, line: 4 },
        ],
        nemesis: { everyUs: 10_000_000, faults: ['crash'] },
      }),
      { protocols: fixtureProtocols, collectTrace: true },
    );
    expect(result.ok).toBe(true);
  });
});

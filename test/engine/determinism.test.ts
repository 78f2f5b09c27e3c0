import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runScenario, traceToJsonLines } from '../../sim/run.js';
import { fixtureProtocols } from '../fixtures/primary.js';
import { fixtureScenario } from '../fixtures/scenario.js';

/** Loss, duplication, skewed drifting clocks and a nemesis: every random stream in use. */
const stormy = fixtureScenario({
  nodes: 5,
  durationUs: 3_000_000,
  settleUs: 2_000_000,
  network: { latency: { dist: 'exponential', meanUs: 4_000 }, loss: 0.02, duplicate: 0.02 },
  clock: { skewUs: 20_000, driftPpm: 200 },
  nemesis: { everyUs: 500_000, faults: ['partition', 'crash', 'pause', 'clock', 'cut'] },
});

describe('determinism', () => {
  it('gives the same trace hash for the same scenario and seed', () => {
    const a = runScenario(stormy, { seed: 5, protocols: fixtureProtocols });
    const b = runScenario(stormy, { seed: 5, protocols: fixtureProtocols });
    expect(a.result.traceHash).toMatch(/^[0-9a-f]{64}$/);
    expect(b.result.traceHash).toBe(a.result.traceHash);
    expect(b.history).toEqual(a.history);
    expect(b.result.stats).toEqual({ ...a.result.stats, wallMs: b.result.stats.wallMs });
  });

  it('gives a different trace hash for a different seed', () => {
    const hashes = new Set([1, 2, 3].map((seed) => runScenario(stormy, { seed, protocols: fixtureProtocols }).result.traceHash));
    expect(hashes.size).toBe(3);
  });

  it('hashes exactly the JSON Lines text of the collected trace', () => {
    const { result, trace } = runScenario(stormy, { seed: 9, protocols: fixtureProtocols, collectTrace: true });
    expect(trace).not.toBeNull();
    const text = traceToJsonLines(trace ?? []);
    expect(createHash('sha256').update(text).digest('hex')).toBe(result.traceHash);
    expect(text.split('\n')[0]).toMatch(/^\{"t":0,"kind":"/);
  });

  it('does not change the run when hashing is off', () => {
    const hashed = runScenario(stormy, { seed: 4, protocols: fixtureProtocols });
    const bare = runScenario(stormy, { seed: 4, protocols: fixtureProtocols, hashTrace: false });
    expect(bare.result.traceHash).toBe('');
    expect(bare.history).toEqual(hashed.history);
    expect(bare.result.stats.events).toBe(hashed.result.stats.events);
  });

  it('uses the scenario seed unless overridden, and reports it with a repro command', () => {
    const run = runScenario({ ...stormy, seed: 3, file: 'scenarios/x.yaml' }, { protocols: fixtureProtocols, hashTrace: false });
    expect(run.result.seed).toBe(3);
    expect(run.result.repro).toBe('consensim run scenarios/x.yaml --seed 3');
    const other = runScenario(
      { ...stormy, file: 'scenarios/x.yaml' },
      { seed: 8, protocols: fixtureProtocols, hashTrace: false, reproArgs: ['--protocol', 'fixture'], extraBugs: ['fixture.no-hint'] },
    );
    expect(other.result.repro).toBe('consensim run scenarios/x.yaml --seed 8 --protocol fixture --bug fixture.no-hint');
  });
});

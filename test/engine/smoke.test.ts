import { describe, expect, it } from 'vitest';
import { runScenario } from '../../sim/run.js';
import { fixtureProtocols } from '../fixtures/primary.js';
import { fixtureScenario } from '../fixtures/scenario.js';

describe('runScenario end to end', () => {
  it('runs the fixture protocol with clients and passes the checks', () => {
    const { result, history } = runScenario(fixtureScenario(), { protocols: fixtureProtocols });
    expect(result.reason).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.stats.ops.ok).toBeGreaterThan(50);
    expect(result.checks.liveness).toBe(true);
    expect(result.checks.invariants).toEqual([]);
    expect(history.length).toBeGreaterThan(100);
    expect(result.traceHash).toMatch(/^[0-9a-f]{64}$/);
  });
});

/**
 * The correct protocols never trip the proof-step invariants (nor exactly-once) under faults, also
 * with the workloads that expose reuse: a bounded sweep of every nemesis scenario with appends and
 * three reused values (the full 2,000-seed sweeps of the bundled scenarios run from the shell).
 */
import { describe, expect, it } from 'vitest';
import { loadScenario, runScenario } from '../fixtures/bundled.js';
import type { Scenario } from '../../sim/scenario/types.js';

function withReuse(name: string): Scenario {
  const s = loadScenario(`scenarios/${name}.yaml`);
  return {
    ...s,
    durationUs: Math.min(s.durationUs, 5_000_000),
    workload: { ...s.workload, mix: { read: 0.3, write: 0.25, cas: 0.2, append: 0.25 }, reuseValues: 3 },
  };
}

describe('proof-step invariants stay quiet on the correct protocols (nemesis, appends, reused values)', () => {
  for (const [name, seeds] of [['multipaxos-nemesis', 25], ['raft-nemesis', 25], ['vsr-nemesis', 25], ['zab-nemesis', 25], ['pbft-nemesis', 10]] as const) {
    it(`${name}, seeds 1..${seeds}`, () => {
      const s = withReuse(name);
      for (let seed = 1; seed <= seeds; seed++) {
        const { result } = runScenario(s, { seed, hashTrace: false });
        expect({ seed, reason: result.reason }).toEqual({ seed, reason: undefined });
      }
    });
  }
});

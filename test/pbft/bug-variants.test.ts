/**
 * Every bug variant is caught on its teaching scenario, and the correct protocol passes the same
 * seeds; f+1 traitors break safety. (Bounded: the first 10 seeds each.)
 */
import { describe, expect, it } from 'vitest';
import { pbft } from '../../protocols/pbft/index.js';
import { firstFailingSeed, run, scenario } from './helpers.js';

const CASES = [
  { bug: 'pbft.prepare-quorum-2f-minus-1', scenario: 'pbft-equivocating-primary', check: 'prepared-agreement' },
  // Caught at the broken step: a correct backup entering the view with a NEW-VIEW whose O does not follow from V.
  { bug: 'pbft.new-view-unchecked', scenario: 'pbft-forged-view-change', check: 'new-view-o' },
  // Caught at the broken step: a correct replica's VIEW-CHANGE without a certificate it holds.
  { bug: 'pbft.drop-prepared-on-view-change', scenario: 'pbft-prepared-across-view-change', check: 'prepared-kept' },
  { bug: 'pbft.reply-quorum-1', scenario: 'pbft-lying-replica', check: 'linearizability' },
] as const;

describe('PBFT bug variants', () => {
  it('lists exactly the four documented variants', () => {
    expect(pbft.bugs.map((b) => b.name)).toEqual(CASES.map((c) => c.bug));
  });

  for (const c of CASES) {
    it(`${c.bug} is caught on ${c.scenario} (${c.check}), the correct protocol passes`, () => {
      const s = scenario(c.scenario);
      const seed = firstFailingSeed(s, 1, 10, [c.bug]);
      expect(seed).not.toBeNull();
      const { result } = run(s, seed ?? 1, [c.bug]);
      if (c.check === 'linearizability') expect(result.checks.linearizable).toBe(false);
      else expect(result.checks.invariants[0]?.name).toBe(c.check);
      expect(result.repro).toContain(`--bug ${c.bug}`);
      expect(run(s, seed ?? 1).result.ok).toBe(true);
    });
  }

  it('pbft-too-many-traitors: f+1 byzantine replicas break agreement on every seed tried', () => {
    const s = scenario('pbft-too-many-traitors');
    for (let seed = 1; seed <= 3; seed++) {
      const { result } = run(s, seed);
      expect(result.ok).toBe(false);
      expect(['prepared-agreement', 'committed-agreement']).toContain(result.checks.invariants[0]?.name);
    }
  });
});

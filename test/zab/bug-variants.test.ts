/**
 * Each bug variant breaks one rule of Zab's disk discipline and is caught on a bundled scenario
 * within a bounded number of seeds; the correct protocol passes the very same seed.
 */
import { describe, expect, it } from 'vitest';
import { zab } from '../../protocols/zab/index.js';
import { firstFailingSeed, run, scenario } from './helpers.js';

const CASES = [
  // Discovery: a promise (acceptedEpoch) that does not survive a crash lets two leaders own one epoch.
  { bug: 'zab.forget-accepted-epoch', scenario: 'zab-crash-storm', to: 200, findings: ['zab.epoch-promise'] },
  // Synchronization: ACK-LD before the synced transactions are durable (ZOOKEEPER-3911/-4646).
  {
    bug: 'zab.ack-before-durable',
    scenario: 'zab-crash-after-sync-ack',
    to: 20,
    findings: ['zab.initial-history', 'applied-prefix', 'zab.prefix-consistency', 'zab.committed-truncated'],
  },
  // Synchronization: currentEpoch durable before the history (ZOOKEEPER-4643).
  { bug: 'zab.epoch-before-history', scenario: 'zab-leader-crash-during-sync', to: 20, findings: ['zab.initial-history'] },
] as const;

describe('Zab bug variants', () => {
  it('lists exactly the three documented variants', () => {
    expect(zab.bugs.map((b) => b.name)).toEqual(CASES.map((c) => c.bug));
  });

  for (const c of CASES) {
    it(`${c.bug} is caught on ${c.scenario} within ${c.to} seeds; the correct protocol passes that seed`, () => {
      const s = scenario(c.scenario);
      const seed = firstFailingSeed(s, 1, c.to, [c.bug]);
      expect(seed).not.toBeNull();
      const { result } = run(s, seed ?? 1, [c.bug]);
      expect(c.findings as readonly string[]).toContain(result.checks.invariants[0]?.name);
      expect(result.repro).toContain(`--bug ${c.bug}`);
      expect(run(s, seed ?? 1).result.ok).toBe(true);
    });
  }
});

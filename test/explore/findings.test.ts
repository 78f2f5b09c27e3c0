/**
 * What `explore --runs 5000` found on correct PBFT: liveness gaps, no safety violation, now fixed.
 * - run 317 (shrunk to one partition) and run 3353: a replica cut off while the others execute a
 *   few requests past the stable checkpoint never caught up once the group was idle (nothing told
 *   it it was behind);
 * - run 1748 (byzantine n3 `selective`, crashes and partitions of correct replicas): the client's
 *   probe read never completed, even with a 30 s settle.
 * The fix: a replica that goes idle after executing announces how far it got for a few status
 * rounds, and a replica that hears a peer got further asks for what it missed. These runs failed
 * liveness before it and pass every check after it.
 */
import { describe, expect, it } from 'vitest';
import { loadScenario, runScenario } from '../fixtures/bundled.js';

const FILES = ['pbft-lagging-replica-run317', 'pbft-lagging-replica-run3353', 'pbft-stuck-probe-run1748'];

describe('PBFT liveness gaps found by explore, fixed', () => {
  for (const name of FILES) {
    it(`${name}: passes every check (it failed liveness before the fix)`, () => {
      const { result } = runScenario(loadScenario(`test/fixtures/explore-findings/${name}.yaml`));
      expect(result.checks.invariants).toEqual([]);
      expect(result.checks.linearizable).toBe(true);
      expect(result.checks.liveness).toBe(true);
      expect(result.ok).toBe(true);
    });
  }
});

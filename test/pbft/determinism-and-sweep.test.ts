/**
 * Same seed, same bytes; and a bounded sweep of the nemesis scenario (the full 2,000-seed sweep
 * runs from the shell: `consensim sweep scenarios/pbft-nemesis.yaml --seeds 1..2000`).
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../fixtures/bundled.js';
import { pbft } from '../../protocols/pbft/index.js';
import { scenario } from './helpers.js';

describe('PBFT determinism, cluster sizes and a bounded nemesis sweep', () => {
  it('replays a byzantine nemesis run byte for byte', () => {
    const s = scenario('pbft-nemesis', { durationUs: 3_000_000, settleUs: 2_000_000 });
    const a = runScenario(s, { seed: 11 }).result;
    const b = runScenario(s, { seed: 11 }).result;
    expect(a.traceHash).toBe(b.traceHash);
    expect(a.stats).toEqual({ ...b.stats, wallMs: a.stats.wallMs });
    expect(runScenario(s, { seed: 12 }).result.traceHash).not.toBe(a.traceHash);
  });

  it('accepts n = 3f+1 >= 4 only', () => {
    expect(pbft.checkClusterSize?.(4)).toBeNull();
    expect(pbft.checkClusterSize?.(7)).toBeNull();
    for (const n of [1, 3, 5, 6, 8]) expect(pbft.checkClusterSize?.(n)).toMatch(/3f\+1/);
  });

  it('tolerates f = 2 traitors with 7 replicas', () => {
    const s = scenario('pbft-basic', { nodes: 7, durationUs: 1_500_000, settleUs: 1_500_000, byzantine: { n1: 'equivocate', n5: 'flood' } });
    const { result } = runScenario(s, { seed: 3 });
    expect(result.reason).toBeUndefined();
  });

  it('regression: nemesis seed 932 (replicas stuck at views 7, 8 and 9 until the join rule re-ran on retransmissions)', () => {
    const { result } = runScenario(scenario('pbft-nemesis'), { seed: 932, hashTrace: false });
    expect(result.reason).toBeUndefined();
  });

  function failures(byzantine: Record<string, string>, from: number, to: number): string[] {
    const s = scenario('pbft-nemesis', { byzantine });
    const failed: string[] = [];
    for (let seed = from; seed <= to; seed++) {
      const { result } = runScenario(s, { seed, hashTrace: false });
      if (!result.ok) failed.push(`${seed}: ${result.reason ?? ''}`);
    }
    return failed;
  }

  it('pbft-nemesis (n2 byzantine) passes seeds 1..100', () => {
    expect(failures({ n2: 'random' }, 1, 100)).toEqual([]);
  });

  it('pbft-nemesis with the first primary byzantine (n1) passes seeds 1..50', () => {
    expect(failures({ n1: 'random' }, 1, 50)).toEqual([]);
  });
});

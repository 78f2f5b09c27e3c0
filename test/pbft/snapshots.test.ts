/**
 * Castro & Liskov 1999, §4.3: stable checkpoints are snapshots, and the log below them is gone —
 * in memory and on disk. With a small checkpoint interval k every replica compacts constantly;
 * crashes, restarts, partitions and byzantine replicas must not notice.
 */
import { describe, expect, it } from 'vitest';
import { eventsOf } from '../../sim/run.js';
import { notes, run, scenario } from './helpers.js';
import { runScenario } from '../fixtures/bundled.js';
import { Proposals } from '../../protocols/pbft/stable.js';
import type { Command } from '../../protocols/api.js';

describe('PBFT snapshots and log compaction (§4.3)', () => {
  it('a restarted replica restores its stable checkpoint and replays only the log above it (k = 2)', () => {
    const s = scenario('pbft-basic', {
      durationUs: 4_000_000,
      settleUs: 2_000_000,
      protocolOptions: { checkpointInterval: 2 },
      faults: [{ atUs: 1_500_000, action: { kind: 'crash', target: { kind: 'node', node: 'n4' }, restartUs: 500_000, amnesia: false }, line: 0 }],
    });
    const { result, trace } = run(s, 3);
    expect(result.reason).toBeUndefined();
    // The first state n4 shows after the restart starts from its stable checkpoint's snapshot, not
    // from sequence number 1: everything below it was compacted away before the crash.
    const restartAt = eventsOf(trace, 'fault').find((e) => e.action === 'restart' && e.nodes.includes('n4'))?.t ?? Infinity;
    const first = eventsOf(trace, 'state').find((e) => e.node === 'n4' && e.t >= restartAt);
    const lowWaterMark = Number(first?.view['lowWaterMark']);
    expect(lowWaterMark).toBeGreaterThan(10);
    expect(first?.appliedIndex).toBe(lowWaterMark);
    expect(result.checks.liveness).toBe(true);
  });

  for (const k of [2, 3, 5, 8]) {
    it(`pbft-nemesis (crashes with restarts, partitions, pauses, clock jumps, a traitor) passes seeds 1..8 with k = ${k}`, () => {
      const s = scenario('pbft-nemesis', { protocolOptions: { checkpointInterval: k } });
      const failed: string[] = [];
      for (let seed = 1; seed <= 8; seed++) {
        const { result } = runScenario(s, { seed, hashTrace: false });
        if (!result.ok) failed.push(`${seed}: ${result.reason ?? ''}`);
      }
      expect(failed).toEqual([]);
    });
  }

  it('regression: nemesis with k = 2, seed 311 (CHECKPOINTs lost with the window full stalled every replica at H: own CHECKPOINTs are now sent again)', () => {
    const { result } = runScenario(scenario('pbft-nemesis', { protocolOptions: { checkpointInterval: 2 } }), { seed: 311, hashTrace: false });
    expect(result.reason).toBeUndefined();
  });

  it('a replica down while the others compacted past it catches up by state transfer (k = 2, 7 replicas)', () => {
    const s = scenario('pbft-basic', {
      nodes: 7,
      durationUs: 4_000_000,
      settleUs: 2_000_000,
      protocolOptions: { checkpointInterval: 2 },
      faults: [{ atUs: 500_000, action: { kind: 'crash', target: { kind: 'node', node: 'n6' }, restartUs: 2_000_000, amnesia: false }, line: 0 }],
    });
    const { result, trace } = run(s, 4);
    expect(result.reason).toBeUndefined();
    expect(result.checks.liveness).toBe(true);
    expect(notes(trace, 'n6').some((text) => text.startsWith('state transfer: installed checkpoint'))).toBe(true);
  });
});

describe("the primary's record of what it ordered (Proposals)", () => {
  it('refuses every request it ordered in this view, collected or not, and nothing else', () => {
    const p = new Proposals();
    const cmd = (client: `c${number}`, reqId: number): Command => ({ client, reqId, op: { f: 'read', key: 'k' } });
    for (let id = 1; id <= 5; id++) p.add(cmd('c1', id), id);
    p.add(cmd('c1', 8), 6);
    p.collect(6);
    for (const id of [1, 3, 5, 8]) expect(p.has(cmd('c1', id))).toBe(true);
    for (const id of [6, 7, 9]) expect(p.has(cmd('c1', id))).toBe(false);
    expect(p.has(cmd('c2', 1))).toBe(false);
    expect(p.size).toBe(2); // two runs: 1..5 and 8
    p.add(cmd('c1', 6), 7);
    p.add(cmd('c1', 7), 8);
    expect(p.has(cmd('c1', 7))).toBe(true);
    p.collect(8);
    expect(p.size).toBe(1); // one run: 1..8
    p.clear();
    expect(p.has(cmd('c1', 1))).toBe(false);
  });

  it('keeps at most 16 runs per client, merging the oldest', () => {
    const p = new Proposals();
    for (let i = 0; i < 40; i++) p.add({ client: 'c1', reqId: 3 * i, op: { f: 'read', key: 'k' } }, i + 1);
    p.collect(40);
    expect(p.size).toBe(16);
    expect(p.has({ client: 'c1', reqId: 3 * 39, op: { f: 'read', key: 'k' } })).toBe(true);
    expect(p.has({ client: 'c1', reqId: 3 * 39 - 1, op: { f: 'read', key: 'k' } })).toBe(false);
  });
});

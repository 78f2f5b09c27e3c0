/**
 * The sweep library in this thread (workers: 1), driven by the engine's test-only fixture
 * protocol, handed in by the test as its only protocol (the simulator has no registry).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../sim/errors.js';
import { protocolSet, runScenario, sweep as simSweep, type SweepOptions } from '../../sim/index.js';
import type { SweepResult } from '../../sim/result.js';
import { sweepSeeds } from '../../sim/sweep.js';
import { loadScenario } from '../../sim/scenario/load.js';
import { failureKinds } from '../../cli/sweep.js';
import { fixtureProtocol } from '../fixtures/primary.js';

let file = '';
const FIXTURE = protocolSet([fixtureProtocol]);
const sweep = (source: string, options: Omit<SweepOptions, 'protocols'>) => simSweep(source, { ...options, protocols: FIXTURE });

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'consensim-sweep-'));
  file = join(dir, 'fixture-sweep.yaml');
  writeFileSync(file, 'protocol: fixture\nnodes: 3\nduration: 300ms\nsettle: 300ms\nworkload: { clients: 2, keys: 2, timeout: 200ms }\nnetwork: { loss: 0.05 }\n');
});

const stable = (r: SweepResult) => ({ ...r, wallMs: 0, seedsPerSec: 0 });

describe('seed ranges and shards', () => {
  it('shards K/N partition the range: disjoint, and together every seed once', () => {
    const all = sweepSeeds(3, 40);
    const shards = [1, 2, 3, 4].map((k) => sweepSeeds(3, 40, { k, n: 4 }));
    expect(shards.flat().sort((a, b) => a - b)).toEqual(all);
    expect(shards[1]).toEqual([4, 8, 12, 16, 20, 24, 28, 32, 36, 40]);
  });

  it('a shard past the end of a short range is empty, not an error', () => {
    expect(sweepSeeds(7, 7, { k: 2, n: 3 })).toEqual([]);
    expect(sweepSeeds(7, 7, { k: 1, n: 3 })).toEqual([7]);
  });

  it('rejects reversed ranges and impossible shards as input errors', () => {
    expect(() => sweepSeeds(5, 4)).toThrow(InputError);
    expect(() => sweepSeeds(1, 4, { k: 3, n: 2 })).toThrow(InputError);
    expect(() => sweepSeeds(1, 4, { k: 0, n: 2 })).toThrow(InputError);
  });
});

describe('sweep in this thread', () => {
  it('is deterministic: the same range twice gives the same verdicts and counts', async () => {
    const a = await sweep(file, { from: 1, to: 6, workers: 1 });
    const b = await sweep(file, { from: 1, to: 6, workers: 1 });
    expect(stable(a.result)).toEqual(stable(b.result));
    expect(a.result).toMatchObject({ scenario: 'fixture-sweep', protocol: 'fixture', seeds: { from: 1, to: 6, count: 6 } });
    expect(a.result.passed + a.result.failed.length).toBe(6);
    expect(a.totals.events).toBeGreaterThan(0);
  });

  it('lists each failing seed with a reproduce command that repeats the bug', async () => {
    const progress: number[] = [];
    const { result } = await sweep(file, { from: 2, to: 4, workers: 1, extraBugs: ['fixture.monitor'], onProgress: (p) => progress.push(p.done) });
    expect(result.failed.map((f) => f.seed)).toEqual([2, 3, 4]);
    expect(result.failed[0]?.repro).toBe(`consensim run ${file} --seed 2 --bug fixture.monitor`);
    expect(result.failed[0]?.reason).toMatch(/fixture-monitor/);
    expect(progress).toEqual([1, 2, 3]);
  });

  it('gives each failing seed the traceHash that run of its reproduce command prints', async () => {
    const { result } = await sweep(file, { from: 2, to: 3, workers: 1, extraBugs: ['fixture.monitor'] });
    const scenario = loadScenario(file, [fixtureProtocol]);
    for (const failure of result.failed) {
      const run = runScenario(scenario, { seed: failure.seed, extraBugs: ['fixture.monitor'], protocols: [fixtureProtocol] });
      expect(failure.traceHash).toMatch(/^[0-9a-f]{64}$/);
      expect(failure.traceHash).toBe(run.result.traceHash);
    }
  });

  it('fail-fast stops at the lowest failing seed', async () => {
    const { result } = await sweep(file, { from: 5, to: 9, workers: 1, extraBugs: ['fixture.monitor'], failFast: true });
    expect(result.failed.map((f) => f.seed)).toEqual([5]);
    expect(result.seeds.count).toBe(1);
  });

  it('a shard runs only its seeds', async () => {
    const { result } = await sweep(file, { from: 1, to: 9, workers: 1, shard: { k: 2, n: 3 }, extraBugs: ['fixture.monitor'] });
    expect(result.failed.map((f) => f.seed)).toEqual([2, 5, 8]);
  });
});

describe('sweep output', () => {
  it('groups failure reasons by kind, most frequent first', () => {
    expect(failureKinds([
      'history is not linearizable (key k1)',
      'invariant applied-prefix violated at 5.8ms on n1: n1 applied c2#85',
      'invariant applied-prefix violated at 1.2ms on n3: n3 applied c1#4',
      'liveness: probe read of c1 did not complete',
    ])).toBe('2× invariant applied-prefix violated, 1× history is not linearizable, 1× liveness');
  });
});

/**
 * explore and shrink, end to end in this thread: a named bug is found with no scenario file, the
 * written file reproduces the failure on its own, the same base seed gives the same runs and
 * coverage, and shrink keeps the failure kind without ever growing the scenario.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROTOCOLS } from '../../protocols/registry.js';
import { failureKind } from '../../sim/explore/outcome.js';
import { scenarioToYaml } from '../../sim/scenario/write.js';
import { explore, loadScenario, parseScenario, runScenario, shrinkScenario } from '../fixtures/bundled.js';

const dir = mkdtempSync(join(tmpdir(), 'consensim-explore-'));

describe('explore', () => {
  it('finds multipaxos.stale-promise with no scenario file and writes a file that fails the same way on its own', async () => {
    const { result } = await explore({ protocol: 'multipaxos', bugs: ['multipaxos.stale-promise'], runs: 200, workers: 1, outDir: dir });
    expect(result.failures).toHaveLength(1);
    const failure = result.failures[0];
    if (failure === undefined) return;
    expect(failure.file.startsWith(dir)).toBe(true);
    expect(failure.repro).toBe(`consensim run ${failure.file}`);
    const loaded = loadScenario(failure.file);
    expect(loaded.nemesis).toBeNull();
    expect(loaded.bugs).toEqual(['multipaxos.stale-promise']);
    expect(failureKind(runScenario(loaded).result)).toBe(failure.kind);
  }, 120_000);

  it('the same base seed gives the same runs, coverage and first failure; another seed explores differently', async () => {
    const options = { protocol: 'zab', bugs: ['zab.ack-before-durable'], runs: 64, workers: 1, outDir: null, mode: 'guided' as const };
    const a = await explore(options);
    const b = await explore(options);
    const strip = (r: typeof a.result) => ({ ...r, wallMs: 0, runsPerSec: 0 });
    expect(strip(b.result)).toEqual(strip(a.result));
    expect(b.growth).toEqual(a.growth);
    const c = await explore({ ...options, seed: 2, bugs: [], runs: 32 });
    expect(c.result.coverage).toBeGreaterThan(0);
    expect(c.growth).not.toEqual(a.growth.slice(0, 2));
  }, 120_000);

  it('a correct protocol: a short exploration finds nothing and coverage grows', async () => {
    const { result, growth } = await explore({ protocol: 'raft', runs: 48, workers: 1, outDir: null, mode: 'guided' });
    expect(result.failures).toEqual([]);
    expect(result.runs).toBe(48);
    expect((growth[2] as readonly [number, number])[1]).toBeGreaterThan((growth[0] as readonly [number, number])[1]);
  }, 120_000);
});

describe('shrink', () => {
  it('keeps the failure kind, never grows the scenario, and the minimal file fails the same way on its own', async () => {
    const { result, failingScenarios } = await explore({ protocol: 'vsr', bugs: ['vsr.ack-with-gap'], runs: 200, workers: 1, outDir: null });
    const failing = failingScenarios[0];
    const kind = result.failures[0]?.kind;
    expect(failing).toBeDefined();
    if (failing === undefined) return;
    const outcome = shrinkScenario(failing, { budgetRuns: 150 });
    expect(outcome.kind).toBe(kind);
    expect(outcome.after.faults).toBeLessThanOrEqual(outcome.before.faults);
    expect(outcome.after.clients).toBeLessThanOrEqual(outcome.before.clients);
    expect(outcome.after.nodes).toBeLessThanOrEqual(outcome.before.nodes);
    expect(outcome.after.durationMs).toBeLessThanOrEqual(outcome.before.durationMs);
    const vsr = PROTOCOLS.find((p) => p.name === 'vsr');
    if (vsr === undefined) throw new Error('vsr is registered');
    const reloaded = parseScenario(scenarioToYaml(outcome.scenario, vsr), 'min.yaml', PROTOCOLS);
    expect(failureKind(runScenario(reloaded).result)).toBe(kind);
  }, 180_000);

  it('a run that passes has nothing to shrink', () => {
    const scenario = loadScenario('scenarios/raft-basic.yaml');
    const outcome = shrinkScenario(scenario);
    expect(outcome.kind).toBeNull();
    expect(outcome.scenario).toBe(scenario);
  });
});

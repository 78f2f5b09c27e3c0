/**
 * Acceptance: every bundled scenario gives the same traceHash twice for one seed (in this process
 * and, when dist/ is built and fresh, in a child `node` process), and another seed changes it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalogue, runScenario } from '../fixtures/bundled.js';
import type { Scenario } from '../../sim/scenario/types.js';

const root = join(import.meta.dirname, '..', '..');

/** The hash does not depend on the after-the-run linearizability check: skip it for speed. */
function hashOf(scenario: Scenario, seed: number): string {
  const quick = { ...scenario, checks: { ...scenario.checks, linearizability: false } };
  return runScenario(quick, { seed }).result.traceHash;
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    newest = Math.max(newest, stat.isDirectory() ? newestSource(path) : name.endsWith('.ts') ? stat.mtimeMs : 0);
  }
  return newest;
}

const distRun = join(root, 'dist', 'sim', 'run.js');
const distFresh =
  existsSync(distRun) && statSync(distRun).mtimeMs >= Math.max(newestSource(join(root, 'sim')), newestSource(join(root, 'protocols')));

describe('bundled scenarios are deterministic', () => {
  const entries = loadCatalogue().filter((e) => e.scenario !== null);

  it('has bundled scenarios to check', () => {
    expect(entries.length).toBeGreaterThan(0);
  });

  for (const entry of entries) {
    const scenario = entry.scenario as Scenario;
    it(`${scenario.name}: same seed, same hash; another seed, another hash`, () => {
      const first = hashOf(scenario, scenario.seed);
      expect(first).toMatch(/^[0-9a-f]{64}$/);
      expect(hashOf(scenario, scenario.seed)).toBe(first);
      expect(hashOf(scenario, scenario.seed + 1)).not.toBe(first);
    });
  }

  it.skipIf(!distFresh)('gives the same hash in a separate process (built dist/)', () => {
    const picks = entries.slice(0, 3).map((e) => e.scenario as Scenario);
    const script = `
      const { loadScenario } = await import(${JSON.stringify(join(root, 'dist', 'sim', 'scenario', 'load.js'))});
      const { runScenario } = await import(${JSON.stringify(distRun)});
      const { PROTOCOLS } = await import(${JSON.stringify(join(root, 'dist', 'protocols', 'registry.js'))});
      const out = [];
      for (const file of JSON.parse(process.argv[1])) {
        const s = loadScenario(file, PROTOCOLS);
        out.push(runScenario({ ...s, checks: { ...s.checks, linearizability: false } }, { seed: s.seed, protocols: PROTOCOLS }).result.traceHash);
      }
      process.stdout.write(JSON.stringify(out));`;
    const text = execFileSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(picks.map((s) => s.file))], {
      encoding: 'utf8',
    });
    expect(JSON.parse(text)).toEqual(picks.map((s) => hashOf(s, s.seed)));
  });
});

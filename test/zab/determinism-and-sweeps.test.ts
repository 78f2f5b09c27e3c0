/**
 * Same seed, same bytes; and bounded sweeps of the random scenarios (the full 2000-seed sweep is a
 * one-off shell command, see docs/zab.md). `--protocol zab` runs the protocol-agnostic scenarios.
 */
import { describe, expect, it } from 'vitest';
import { withOverrides } from '../fixtures/bundled.js';
import { run, scenario } from './helpers.js';

describe('determinism', () => {
  it('one seed gives one trace hash; another seed another', () => {
    const s = scenario('zab-nemesis');
    const a = run(s, 7, [], true).result;
    const b = run(s, 7, [], true).result;
    const c = run(s, 8, [], true).result;
    expect(a.traceHash).toMatch(/^[0-9a-f]{64}$/);
    expect(b.traceHash).toBe(a.traceHash);
    expect(c.traceHash).not.toBe(a.traceHash);
  });
});

describe('bounded sweeps (correct protocol)', () => {
  const cases = [
    { name: 'zab-nemesis', seeds: 25 },
    { name: 'zab-crash-storm', seeds: 60 },
    { name: 'zab-leader-crash-during-sync', seeds: 20 },
    { name: 'zab-crash-after-sync-ack', seeds: 20 },
    { name: 'zab-skipped-proposal', seeds: 20 },
  ];
  for (const c of cases) {
    it(`${c.name}: seeds 1..${c.seeds} pass every check`, () => {
      const s = scenario(c.name);
      for (let seed = 1; seed <= c.seeds; seed++) {
        const { result } = run(s, seed);
        expect(result.reason ?? 'ok', `seed ${seed}`).toBe('ok');
      }
    });
  }

  it('--protocol zab runs the protocol-agnostic raft-nemesis and vsr-basic scenarios', () => {
    for (const name of ['raft-nemesis', 'vsr-basic', 'multipaxos-basic']) {
      const s = withOverrides(scenario(name), { protocol: 'zab' });
      for (let seed = 1; seed <= 3; seed++) expect(run(s, seed).result.reason ?? 'ok', `${name} seed ${seed}`).toBe('ok');
    }
  });
});

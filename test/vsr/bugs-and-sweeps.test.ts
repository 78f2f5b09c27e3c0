/**
 * Bounded seed sweeps: the correct protocol passes its scenarios (and the protocol-agnostic ones
 * of other protocols), each bug variant is caught within a few seeds of a bundled scenario, a
 * failing seed reproduces, and runs are deterministic. The full 2,000-seed sweep is a shell job.
 */
import { describe, expect, it } from 'vitest';
import { vsr } from '../../protocols/vsr/index.js';
import { VsrMonitor } from '../../protocols/vsr/monitor.js';
import { runScenario, withOverrides } from '../fixtures/bundled.js';
import { firstFailingSeed, run, scenario } from './run-helpers.js';

const VSR_SCENARIOS = ['vsr-basic', 'vsr-nemesis', 'vsr-primary-crash-view-change', 'vsr-recovery', 'vsr-log-selection-trap', 'vsr-amnesiac-backup'];

describe('correct VR passes bounded sweeps', () => {
  it('vsr-nemesis seeds 1..60', () => {
    expect(firstFailingSeed('vsr-nemesis', 1, 60, [])).toBeNull();
  });

  it('the scripted VR scenarios, seeds 1..10 each', () => {
    for (const name of VSR_SCENARIOS.filter((n) => n !== 'vsr-nemesis')) {
      expect([name, firstFailingSeed(name, 1, 10, [])]).toEqual([name, null]);
    }
  });

  it('protocol-agnostic scenarios of other protocols, run with --protocol vsr', () => {
    for (const name of ['raft-nemesis', 'multipaxos-nemesis', 'zab-nemesis']) {
      const switched = withOverrides(scenario(name), { protocol: 'vsr' });
      for (let seed = 1; seed <= 8; seed++) {
        const { result } = runScenario(switched, { seed, hashTrace: false });
        expect([name, seed, result.reason]).toEqual([name, seed, undefined]);
      }
    }
  });
});

describe('scenarios of disk-based protocols that crash a majority', () => {
  it('stay safe under VR and fail only liveness (the diskless limit)', () => {
    for (const name of ['raft-crash-restart', 'zab-crash-storm', 'zab-leader-crash-during-sync']) {
      const switched = withOverrides(scenario(name), { protocol: 'vsr' });
      for (let seed = 1; seed <= 3; seed++) {
        const { checks } = runScenario(switched, { seed, hashTrace: false }).result;
        expect([name, seed, checks.invariants, checks.linearizable, checks.liveness]).toEqual([name, seed, [], true, false]);
      }
    }
  });
});

describe('each bug variant is caught, and its failing seed reproduces', () => {
  const cases: readonly [bug: string, scenario: string, invariant: string][] = [
    ['vsr.rejoin-without-recovery', 'vsr-recovery', 'recovering-replica-silent'],
    ['vsr.rejoin-without-recovery', 'vsr-nemesis', 'recovering-replica-silent'],
    ['vsr.rejoin-without-recovery', 'vsr-amnesiac-backup', 'recovering-replica-silent'],
    ['vsr.longest-log-wins', 'vsr-log-selection-trap', 'committed-op-kept'],
    ['vsr.ack-with-gap', 'vsr-nemesis', 'prepare-ok-holds-prefix'],
    ['vsr.ack-with-gap', 'vsr-basic', 'prepare-ok-holds-prefix'],
  ];
  for (const [bug, name, invariant] of cases) {
    it(`${bug} in ${name}`, () => {
      const seed = firstFailingSeed(name, 1, 30, [bug]);
      expect(seed).not.toBeNull();
      const first = run(name, seed ?? 0, { bugs: [bug] }).result;
      const again = run(name, seed ?? 0, { bugs: [bug] }).result;
      expect(first.checks.invariants[0]?.name).toBe(invariant);
      expect(again.checks.invariants).toEqual(first.checks.invariants);
      expect(first.repro).toContain(`--bug ${bug}`);
    });
  }
});

describe('what vsr.ack-with-gap does when the PrepareOk invariant is not watching', () => {
  it('vsr-nemesis seed 588: a committed op is missing from a later StartView', () => {
    // The consequence is rare: 588 is the first seed that shows it (a search of seeds 1..2000 found
    // 588, 625 and 663 first); the correct protocol passes the same seed.
    const lenient = {
      ...vsr,
      createMonitor: (ctx: Parameters<NonNullable<typeof vsr.createMonitor>>[0]) => new VsrMonitor(ctx, new Set(['prepare-ok-holds-prefix'])),
    };
    const { result } = runScenario(scenario('vsr-nemesis'), { seed: 588, extraBugs: ['vsr.ack-with-gap'], protocols: () => lenient, hashTrace: false });
    expect(result.checks.invariants[0]?.name).toBe('committed-op-kept');
    expect(runScenario(scenario('vsr-nemesis'), { seed: 588, hashTrace: false }).result.ok).toBe(true);
  });
});

describe('determinism', () => {
  it('the same seed gives the same trace hash; another seed another one', () => {
    for (const name of VSR_SCENARIOS) {
      const a = runScenario(scenario(name), { seed: 5 }).result.traceHash;
      const b = runScenario(scenario(name), { seed: 5 }).result.traceHash;
      const c = runScenario(scenario(name), { seed: 6 }).result.traceHash;
      expect(a).toMatch(/^[0-9a-f]{64}$/);
      expect(b).toBe(a);
      expect(c).not.toBe(a);
    }
  });
});

/**
 * The bundled quorum-register and Flexible Paxos scenarios end to end: each passes (or, with its
 * bug, fails) as its description says, the first failing seeds stay small, the printed reproduce
 * command reproduces, runs are deterministic. The 2,000-seed sweeps are run from the shell.
 */
import { describe, expect, it } from 'vitest';
import type { Moment } from '../../protocols/api.js';
import type { Scenario } from '../../sim/scenario/types.js';
import { loadScenario, prepareJob, runScenario, type RunOutcome } from '../fixtures/bundled.js';

const load = (name: string): Scenario => loadScenario(`scenarios/${name}.yaml`);

/** The first seed in [1, limit] whose run fails, with its outcome. */
function firstFailure(scenario: Scenario, bugs: readonly string[], limit: number): { seed: number; outcome: RunOutcome } | null {
  for (let seed = 1; seed <= limit; seed++) {
    const outcome = runScenario(scenario, { seed, extraBugs: bugs, hashTrace: false });
    if (!outcome.result.ok) return { seed, outcome };
  }
  return null;
}

function passes(name: string, seeds: number): void {
  const scenario = load(name);
  for (let seed = 1; seed <= seeds; seed++) {
    const { result } = runScenario(scenario, { seed, hashTrace: false });
    expect(result.reason, `${name} seed ${seed}`).toBeUndefined();
  }
}

describe('bundled quorum scenarios pass', () => {
  it('quorum-basic, quorum-read-repair, quorum-tunable and quorum-tunable-r5-w1 (3 seeds each)', () => {
    for (const name of ['quorum-basic', 'quorum-read-repair', 'quorum-tunable', 'quorum-tunable-r5-w1']) passes(name, 3);
  });

  it('quorum-nemesis (10 seeds)', () => passes('quorum-nemesis', 10));

  it('a write quorum below a majority is safe when r + w > n (the query round meets every write quorum)', () => {
    const scenario = load('quorum-nemesis');
    for (const [r, w] of [[4, 2], [5, 1]] as const) {
      const changed = { ...scenario, protocolOptions: { ...scenario.protocolOptions, r, w } };
      for (let seed = 1; seed <= 4; seed++) {
        expect(runScenario(changed, { seed, hashTrace: false }).result.reason, `r=${r} w=${w} seed ${seed}`).toBeUndefined();
      }
    }
  });

  it('quorum-basic reads and writes only, with latency per kind and no cas', () => {
    const { result } = runScenario(load('quorum-basic'));
    expect(result.checks).toMatchObject({ linearizable: true, invariants: [], liveness: true });
    expect(result.stats.latency?.read.count).toBeGreaterThan(100);
    expect(result.stats.latency?.write.count).toBeGreaterThan(100);
    expect(result.stats.latency?.cas).toEqual({ count: 0, p50: null, p99: null });
  });

  it('quorum-tunable: a replica down blocks a quorum of five, so operations time out during the crash', () => {
    const { result } = runScenario(load('quorum-tunable'));
    expect(result.ok).toBe(true);
    expect(result.stats.ops.info + result.stats.ops.fail).toBeGreaterThan(0);
  });

  it('reports ack moments (a replica stored a tag for a coordinator) and nothing a register has not', () => {
    const kinds = new Map<string, number>();
    const watched = runScenario(load('quorum-basic'), { moments: (_node, m: Moment) => void kinds.set(m.kind, (kinds.get(m.kind) ?? 0) + 1) });
    expect(kinds.get('ack')).toBeGreaterThan(100);
    expect(kinds.get('persist')).toBeGreaterThan(100);
    for (const kind of ['vote', 'era-change', 'leader', 'commit', 'apply']) expect(kinds.has(kind), kind).toBe(false);
    expect(watched.result.traceHash).toBe(runScenario(load('quorum-basic')).result.traceHash);
  });
});

describe('quorum bug variants are caught, and the reproduce command reproduces', () => {
  const cases: [scenario: string, bug: string, limit: number, reason: RegExp][] = [
    ['quorum-read-repair', 'quorum.no-read-repair', 10, /^history is not linearizable/],
    ['quorum-nemesis', 'quorum.tag-without-writer', 5, /^invariant unique-tag violated/],
    ['quorum-nemesis', 'quorum.ack-before-durable', 5, /^invariant (tag-monotonic|write-quorum) violated/],
  ];
  for (const [name, bug, limit, reason] of cases) {
    it(`${bug} in ${name}`, async () => {
      const found = firstFailure(load(name), [bug], limit);
      expect(found, `${bug} not caught in seeds 1..${limit}`).not.toBeNull();
      const { seed, outcome } = found as { seed: number; outcome: RunOutcome };
      expect(outcome.result.reason).toMatch(reason);
      // The printed command, through the CLI's own loading path.
      const argv = outcome.result.repro.split(' ');
      expect(argv.slice(0, 3)).toEqual(['consensim', 'run', `scenarios/${name}.yaml`]);
      const { job } = await prepareJob(argv[2] as string, { extraBugs: argv.filter((_, i) => argv[i - 1] === '--bug') });
      const again = runScenario(job.scenario, { seed: Number(argv[argv.indexOf('--seed') + 1]), extraBugs: job.extraBugs });
      expect(again.result.seed).toBe(seed);
      expect(again.result.reason).toBe(outcome.result.reason);
    });
  }

  it('quorum.sloppy (in the scenario file, expect: fail) gives a stale read', () => {
    const scenario = load('quorum-sloppy');
    expect(scenario.expect).toBe('fail');
    const found = firstFailure(scenario, [], 10);
    expect(found?.outcome.result.reason).toMatch(/^history is not linearizable/);
  });
});

describe('runs are deterministic', () => {
  it('same seed, same trace; another seed, another trace', () => {
    const scenario = load('quorum-nemesis');
    const a = runScenario(scenario, { seed: 7 }).result;
    const b = runScenario(scenario, { seed: 7 }).result;
    const c = runScenario(scenario, { seed: 8 }).result;
    expect(b.traceHash).toBe(a.traceHash);
    expect(b.stats).toEqual({ ...a.stats, wallMs: b.stats.wallMs });
    expect(c.traceHash).not.toBe(a.traceHash);
  });
});

describe('Flexible Paxos (multipaxos q1, q2)', () => {
  it('q1 = q2 = a majority is the default: explicit majorities leave the trace as it was', () => {
    const scenario = load('multipaxos-nemesis');
    const explicit = { ...scenario, protocolOptions: { ...scenario.protocolOptions, q1: 3, q2: 3 } };
    expect(runScenario(explicit).result.traceHash).toBe(runScenario(scenario).result.traceHash);
  });

  it('multipaxos-flexible (q1 = 4, q2 = 2) passes 5 seeds, choosing values with two acceptors', () => {
    passes('multipaxos-flexible', 5);
  });

  it('commits faster with q2 = 2 than with majorities on the same seed', () => {
    const scenario = load('multipaxos-flexible');
    const calm = { ...scenario, faults: [], nemesis: null };
    const flexible = runScenario(calm).result.stats.latency;
    const classic = runScenario({ ...calm, protocolOptions: { ...calm.protocolOptions, q1: 0, q2: 0 } }).result.stats.latency;
    expect(flexible?.write.p50).toBeLessThan(classic?.write.p50 ?? 0);
  });

  it('multipaxos-flexible-disjoint (q1 + q2 = n, with the bug) is caught by the monitor', () => {
    const scenario = load('multipaxos-flexible-disjoint');
    expect(scenario.expect).toBe('fail');
    const found = firstFailure(scenario, [], 10);
    expect(found?.outcome.result.reason).toMatch(/^invariant (p2b|one-value-per-slot) violated/);
  });
});

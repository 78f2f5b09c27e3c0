/**
 * The bundled Multi-Paxos scenarios end to end: each does what its description says (asserted on
 * the trace), the nemesis passes a bounded sweep, every bug variant is caught, runs are
 * deterministic. Full 2,000-seed sweeps are run from the shell, not here.
 */
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../../sim/scenario/types.js';
import { loadScenario, runScenario, withOverrides, type RunOutcome } from '../fixtures/bundled.js';
import { eventsOf, type TraceEvent, type TraceEventOf } from '../../sim/run.js';

type NoteEvent = TraceEventOf<'note'>;

const load = (name: string): Scenario => loadScenario(`scenarios/${name}.yaml`);
const notes = (trace: readonly TraceEvent[] | null, node?: string): NoteEvent[] =>
  eventsOf(trace ?? [], 'note').filter((e) => node === undefined || e.node === node);
const text = (e: NoteEvent): string => e.text;

/** The first seed in [1, limit] whose run fails, with its outcome. */
function firstFailure(scenario: Scenario, bug: string, limit: number): { seed: number; outcome: RunOutcome } | null {
  for (let seed = 1; seed <= limit; seed++) {
    const outcome = runScenario(scenario, { seed, extraBugs: [bug], hashTrace: false });
    if (!outcome.result.ok) return { seed, outcome };
  }
  return null;
}

describe('multipaxos-basic (PMS §3 normal operation)', () => {
  const { result, trace } = runScenario(load('multipaxos-basic'), { collectTrace: true });

  it('passes every check', () => {
    expect(result.reason).toBeUndefined();
    expect(result.checks).toMatchObject({ linearizable: true, invariants: [], liveness: true });
    expect(result.stats.ops.ok).toBeGreaterThan(200);
  });

  it('elects one leader with one phase 1 and then runs phase 2 only', () => {
    const leaders = eventsOf(trace ?? [], 'role').filter((e) => e.role === 'leader');
    expect(leaders).toHaveLength(1);
    const prepares = eventsOf(trace ?? [], 'send').filter((e) => (e.msg as { type?: string }).type === 'prepare');
    expect(prepares).toHaveLength(2); // one Prepare to each of the two other acceptors
    expect(notes(trace).filter((e) => text(e).startsWith('leader at ballot'))).toHaveLength(1);
  });
});

describe('multipaxos-failover-mid-slot (P2ᶜ: the new leader re-proposes what a majority accepted)', () => {
  const scenario = load('multipaxos-failover-mid-slot');
  const { result, trace } = runScenario(scenario, { collectTrace: true });
  const events = trace ?? [];
  const crash = eventsOf(events, 'fault').find((e) => e.action === 'crash');
  const oldLeader = crash?.nodes[0];

  it('passes every check', () => {
    expect(result.reason).toBeUndefined();
    expect(result.checks).toMatchObject({ linearizable: true, invariants: [], liveness: true });
  });

  it('re-proposes, after the crash, exactly the values the old leader had sent in those slots', () => {
    expect(oldLeader).toBeDefined();
    const reproposals = notes(events).filter((e) => e.t > (crash?.t ?? 0) && / re-propose /.test(text(e)));
    expect(reproposals.length).toBeGreaterThan(0);
    for (const note of reproposals) {
      const [, slot, key] = /^slot (\d+): re-propose (\S+) accepted at /.exec(text(note)) ?? [];
      const sent = eventsOf(events, 'send').find((e) => {
        const msg = e.msg as { type?: string; slot?: number; value?: { kind: string; command?: { client: string; reqId: number } } };
        return e.from === oldLeader && msg.type === 'accept' && msg.slot === Number(slot);
      });
      const value = (sent?.msg as { value: { command: { client: string; reqId: number } } } | undefined)?.value.command;
      expect(value === undefined ? undefined : `${value.client}#${value.reqId}`).toBe(key);
    }
  });

  it('rebuilds the restarted old leader from its durable chosen log', () => {
    expect(notes(trace, oldLeader).some((e) => /^restart: re-applied \d+ chosen slots/.test(text(e)))).toBe(true);
  });

  it('catches multipaxos.skip-phase1-recovery on the bundled seed at the broken step: P2ᶜ (the Accept ignores the counted votes)', () => {
    const buggy = runScenario(scenario, { extraBugs: ['multipaxos.skip-phase1-recovery'] }).result;
    expect(buggy.ok).toBe(false);
    expect(buggy.checks.invariants[0]?.name).toBe('p2c');
  });
});

describe('multipaxos-dueling-proposers (PMS §2.4: progress needs a distinguished proposer)', () => {
  const scenario = load('multipaxos-dueling-proposers');

  it('with leader: none, stays safe but makes no progress: the liveness check fails', () => {
    const { result, trace } = runScenario(scenario, { collectTrace: true });
    expect(scenario.expect).toBe('fail');
    expect(result.checks.invariants).toEqual([]);
    expect(result.checks.linearizable).toBe(true);
    expect(result.checks.liveness).toBe(false);
    expect(result.stats.ops.ok).toBe(0);
    // Ballots keep climbing: proposers preempt each other again and again.
    const preemptions = notes(trace).filter((e) => / preempts our ballot /.test(text(e)));
    expect(preemptions.length).toBeGreaterThan(100);
  });

  it('§3 "safety is preserved" without a leader: dueling proposers under the nemesis never break an invariant', () => {
    const nemesis = load('multipaxos-nemesis');
    const duel: Scenario = {
      ...nemesis,
      durationUs: 4_000_000,
      protocolOptions: { ...nemesis.protocolOptions, leader: 'none', duelRetry: 40_000 },
      checks: { ...nemesis.checks, liveness: false },
    };
    let completed = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const { result } = runScenario(duel, { seed, hashTrace: false });
      expect(result.reason, `seed ${seed}`).toBeUndefined();
      completed += result.stats.ops.ok;
    }
    expect(completed).toBeGreaterThan(0); // values do get chosen now and then, and stay chosen
  });

  it('with leader: stable, the same scenario passes', () => {
    const stable = { ...scenario, protocolOptions: { ...scenario.protocolOptions, leader: 'stable' } };
    const { result } = runScenario(stable);
    expect(result.reason).toBeUndefined();
    expect(result.stats.ops.ok).toBeGreaterThan(100);
  });
});

describe('multipaxos-nemesis (bounded sweep; the full 2,000 seeds run from the shell)', () => {
  const scenario = load('multipaxos-nemesis');

  it('passes seeds 1..30', () => {
    const failures: string[] = [];
    for (let seed = 1; seed <= 30; seed++) {
      const { result } = runScenario(scenario, { seed, hashTrace: false });
      if (!result.ok) failures.push(`${seed}: ${result.reason}`);
    }
    expect(failures).toEqual([]);
  });

  it('catches multipaxos.acceptor-amnesia: a restarted acceptor forgets its promise', () => {
    const found = firstFailure(scenario, 'multipaxos.acceptor-amnesia', 20);
    expect(found?.outcome.result.checks.invariants[0]?.name).toBe('promise-monotonic');
  });

  it('catches multipaxos.stale-promise when the leader counts promises made to an earlier ballot (promise-current-ballot)', () => {
    const found = firstFailure(scenario, 'multipaxos.stale-promise', 40);
    expect(found?.outcome.result.checks.invariants[0]?.name).toBe('promise-current-ballot');
  });
});

describe('protocol-agnostic scenarios run with --protocol multipaxos', () => {
  for (const name of ['raft-basic', 'raft-nemesis']) {
    it(`passes ${name} (seeds 1..5)`, () => {
      const scenario = withOverrides(load(name), { protocol: 'multipaxos' });
      for (let seed = 1; seed <= 5; seed++) {
        const { result } = runScenario(scenario, { seed, hashTrace: false });
        expect(result.reason, `seed ${seed}`).toBeUndefined();
      }
    });
  }
});

describe('determinism', () => {
  for (const name of ['multipaxos-basic', 'multipaxos-nemesis', 'multipaxos-failover-mid-slot', 'multipaxos-dueling-proposers']) {
    it(`${name}: same seed, same trace hash; another seed, another hash`, () => {
      const scenario = load(name);
      const a = runScenario(scenario, { seed: 7 }).result;
      const b = runScenario(scenario, { seed: 7 }).result;
      const c = runScenario(scenario, { seed: 8 }).result;
      expect(b.traceHash).toBe(a.traceHash);
      expect(b.stats.events).toBe(a.stats.events);
      expect(c.traceHash).not.toBe(a.traceHash);
    });
  }
});

describe('snapshots and compaction under faults (snapshotEvery 2..8, Paxos Made Live §5.5)', () => {
  const withSnapshots = (name: string, every: number): Scenario => {
    const scenario = load(name);
    return { ...scenario, protocolOptions: { ...scenario.protocolOptions, snapshotEvery: every } };
  };

  it('the nemesis (partitions, crashes with restarts, pauses, clock jumps) passes with snapshots every 2, 3, 5 and 8 slots', () => {
    const failures: string[] = [];
    const seen = { taken: 0, installed: 0, restored: 0 };
    for (const every of [2, 3, 5, 8]) {
      for (let seed = 1; seed <= 3; seed++) {
        const { result, trace } = runScenario(withSnapshots('multipaxos-nemesis', every), { seed, collectTrace: true, hashTrace: false });
        if (!result.ok) failures.push(`every ${every}, seed ${seed}: ${result.reason}`);
        for (const note of notes(trace)) {
          if (text(note).startsWith('snapshot of slots')) seen.taken++;
          else if (text(note).startsWith("installed a peer's snapshot")) seen.installed++;
          else if (text(note).startsWith('restart: restored the snapshot')) seen.restored++;
        }
      }
    }
    expect(failures).toEqual([]);
    // Every path ran: snapshots taken, installed from a peer (Promise or catch-up), restored after a crash.
    expect(seen.taken).toBeGreaterThan(100);
    expect(seen.installed).toBeGreaterThan(0);
    expect(seen.restored).toBeGreaterThan(0);
  });

  for (const name of ['multipaxos-failover-mid-slot', 'multipaxos-flexible']) {
    it(`${name} passes with snapshots every 2 slots (seeds 1..3)`, () => {
      for (let seed = 1; seed <= 3; seed++) {
        const { result } = runScenario(withSnapshots(name, 2), { seed, hashTrace: false });
        expect(result.reason, `seed ${seed}`).toBeUndefined();
      }
    });
  }

  it('every bug variant is still caught at seed 1 by the same invariant with snapshots every 3 slots', () => {
    const cases: [string, string, string][] = [
      ['multipaxos-nemesis', 'multipaxos.acceptor-amnesia', 'promise-monotonic'],
      ['multipaxos-nemesis', 'multipaxos.stale-promise', 'promise-current-ballot'],
      ['multipaxos-failover-mid-slot', 'multipaxos.skip-phase1-recovery', 'p2c'],
      ['multipaxos-flexible-disjoint', '', 'p2b'],
    ];
    for (const [name, bug, invariant] of cases) {
      const { result } = runScenario(withSnapshots(name, 3), { seed: 1, extraBugs: bug === '' ? [] : [bug], hashTrace: false });
      expect(result.checks.invariants[0]?.name, `${name} ${bug}`).toBe(invariant);
    }
  });
});

import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../protocols/api.js';
import { eventsOf, runScenario, type TraceEvent } from '../../sim/run.js';
import type { FaultAction, NodeSelector, ScriptedFault } from '../../sim/scenario/types.js';
import { fixtureProtocols } from '../fixtures/primary.js';
import { fixtureScenario } from '../fixtures/scenario.js';

const n = (node: NodeId) => ({ kind: 'node', node }) as const;
const at = (atUs: number, action: FaultAction): ScriptedFault => ({ atUs, action, line: 0 });

function run(faults: ScriptedFault[], extra: Parameters<typeof fixtureScenario>[0] = {}) {
  const outcome = runScenario(fixtureScenario({ faults, ...extra }), { protocols: fixtureProtocols, collectTrace: true });
  const trace = outcome.trace as readonly TraceEvent[];
  return { ...outcome, trace };
}

/** Messages between two nodes delivered in [from, to) µs. */
function delivered(trace: readonly TraceEvent[], src: string, dst: string, from: number, to: number): number {
  return trace.filter((e) => e.kind === 'deliver' && e.from === src && e.to === dst && e.t >= from && e.t < to).length;
}

describe('partitions, cuts and heal', () => {
  it('a symmetric partition blocks both directions until healed; clients still reach the isolated node', () => {
    const { result, trace } = run([
      at(500_000, { kind: 'partition', groups: [[n('n3')], [{ kind: 'rest' }]] }),
      at(1_000_000, { kind: 'heal', target: { kind: 'all' } }),
    ]);
    const fault = trace.find((e) => e.kind === 'fault' && e.action === 'partition');
    expect(fault).toMatchObject({ t: 500_000, source: 'script', groups: [['n3'], ['n1', 'n2']] });
    // nothing crosses the partition once in-flight messages are gone (latency ≤ 5ms)
    expect(delivered(trace, 'n1', 'n3', 500_000, 1_000_000)).toBe(0);
    expect(delivered(trace, 'n3', 'n1', 500_000, 1_000_000)).toBe(0);
    expect(delivered(trace, 'n1', 'n2', 500_000, 1_000_000)).toBeGreaterThan(10);
    expect(trace.some((e) => e.kind === 'drop' && e.reason === 'partition' && e.to === 'n3')).toBe(true);
    expect(delivered(trace, 'n1', 'n3', 1_000_000, 1_100_000)).toBeGreaterThan(0);
    // clients are outside the partition: requests to n3 still arrive
    expect(trace.some((e) => e.kind === 'deliver' && String(e.from).startsWith('c') && e.to === 'n3' && e.t > 500_000 && e.t < 1_000_000) ||
      !trace.some((e) => e.kind === 'send' && String(e.from).startsWith('c') && e.to === 'n3' && e.t > 500_000 && e.t < 995_000)).toBe(true);
    expect(result.ok).toBe(true);
  });

  it('a one-way cut blocks only its direction, and heal of one node restores its links', () => {
    const { result, trace } = run([
      at(500_000, { kind: 'cut', from: n('n2'), to: [n('n1')] }),
      at(1_000_000, { kind: 'heal', target: n('n1') }),
    ]);
    expect(trace.find((e) => e.kind === 'fault' && e.action === 'cut')).toMatchObject({ nodes: ['n2'], to: ['n1'] });
    expect(delivered(trace, 'n2', 'n1', 505_000, 1_000_000)).toBe(0);
    expect(trace.some((e) => e.kind === 'drop' && e.from === 'n2' && e.to === 'n1' && e.reason === 'partition')).toBe(true);
    expect(delivered(trace, 'n1', 'n2', 505_000, 1_000_000)).toBeGreaterThan(10);
    expect(delivered(trace, 'n3', 'n1', 505_000, 1_000_000)).toBeGreaterThan(10);
    expect(delivered(trace, 'n2', 'n1', 1_000_000, 1_100_000)).toBeGreaterThan(0);
    expect(result.ok).toBe(true);
  });

  it('the settle phase heals everything left broken', () => {
    const { result, trace } = run([at(500_000, { kind: 'partition', groups: [[n('n1')], [{ kind: 'rest' }]] })]);
    expect(trace.find((e) => e.kind === 'fault' && e.action === 'heal')).toMatchObject({ t: 2_000_000, source: 'settle' });
    expect(result.checks.liveness).toBe(true);
  });
});

describe('crash and restart', () => {
  it('drops the node, its timers and messages, and restarts it over its durable store', () => {
    const { result, trace } = run([at(800_000, { kind: 'crash', target: n('n2'), restartUs: 300_000, amnesia: false })]);
    expect(trace.filter((e) => e.kind === 'fault').map((e) => [e.t, e.action, e.nodes])).toEqual([
      [800_000, 'crash', ['n2']],
      [1_100_000, 'restart', ['n2']],
    ]);
    expect(trace.some((e) => e.kind === 'deliver' && e.to === 'n2' && e.t > 800_000 && e.t < 1_100_000)).toBe(false);
    expect(trace.some((e) => e.kind === 'timer' && e.node === 'n2' && e.t > 800_000 && e.t < 1_100_000)).toBe(false);
    expect(trace.some((e) => e.kind === 'drop' && e.to === 'n2' && e.reason === 'crashed')).toBe(true);
    const notes = eventsOf(trace, 'note').filter((e) => e.node === 'n2').map((e) => e.text);
    expect(notes[0]).toBe('n2 started with 0 entries');
    expect(notes[1]).toMatch(/^n2 started with [1-9][0-9]* entries$/);
    // a role event is emitted again for the fresh incarnation
    expect(trace.filter((e) => e.kind === 'role' && e.node === 'n2').map((e) => e.t)).toEqual([0, 1_100_000]);
    expect(result.ok).toBe(true);
  });

  it('amnesia wipes durable storage', () => {
    const { trace } = run([at(800_000, { kind: 'crash', target: n('n2'), restartUs: 100_000, amnesia: true })]);
    const notes = eventsOf(trace, 'note').filter((e) => e.node === 'n2').map((e) => e.text);
    expect(notes).toEqual(['n2 started with 0 entries', 'n2 started with 0 entries']);
  });

  it('the leader selector resolves to the node that claims leadership', () => {
    const { trace } = run([at(800_000, { kind: 'crash', target: { kind: 'leader' }, restartUs: 100_000, amnesia: false })]);
    expect(trace.find((e) => e.kind === 'fault' && e.action === 'crash')).toMatchObject({ nodes: ['n1'] });
  });

  it('a crashed node left down is restarted when the run settles', () => {
    const { result, trace } = run([at(800_000, { kind: 'crash', target: n('n3'), restartUs: null, amnesia: false })]);
    expect(trace.find((e) => e.kind === 'fault' && e.action === 'restart')).toMatchObject({ t: 2_000_000, source: 'settle' });
    expect(result.checks.liveness).toBe(true);
  });
});

describe('faults that do nothing are traced as skipped and reported in the result', () => {
  it('a selector that names no node, a restart of a live node, a crash of a down one, a pause of a down one', () => {
    const crash = (target: NodeSelector): FaultAction => ({ kind: 'crash', target, restartUs: null, amnesia: false });
    const { result, trace } = run([
      { atUs: 500_000, action: crash(n('n1')), line: 10 },
      { atUs: 600_000, action: crash({ kind: 'leader' }), line: 11 },
      { atUs: 700_000, action: { kind: 'restart', target: n('n2') }, line: 12 },
      { atUs: 800_000, action: crash(n('n1')), line: 13 },
      { atUs: 900_000, action: { kind: 'pause', target: n('n1'), forUs: 1_000 }, line: 14 },
      { atUs: 950_000, action: { kind: 'partition', groups: [[{ kind: 'leader' }], [{ kind: 'rest' }]] }, line: 15 },
    ]);
    expect(eventsOf(trace, 'fault').filter((e) => e.skipped !== undefined).map((e) => [e.t, e.action, e.nodes, e.skipped])).toEqual([
      [600_000, 'crash', [], 'no node matches leader'],
      [700_000, 'restart', ['n2'], 'n2 is not down'],
      [800_000, 'crash', ['n1'], 'n1 is already down'],
      [900_000, 'pause', ['n1'], 'n1 is down'],
      [950_000, 'partition', ['n1', 'n2', 'n3'], 'fewer than two groups'],
    ]);
    expect(result.skippedFaults).toEqual([
      { time: 600_000, line: 11, action: 'crash', reason: 'crash leader: no leader yet (no live node claimed leadership)' },
      { time: 700_000, line: 12, action: 'restart', reason: 'restart n2: it is up, not down' },
      { time: 800_000, line: 13, action: 'crash', reason: 'crash n1: it is already down' },
      { time: 900_000, line: 14, action: 'pause', reason: 'pause n1: it is down' },
      { time: 950_000, line: 15, action: 'partition', reason: 'partition [[leader], rest] left fewer than two non-empty groups: no leader yet (no live node claimed leadership)' },
    ]);
    // Skips never change what the run does: same verdict as without them.
    expect(result.ok).toBe(true);
  });

  it('a run whose faults all took effect has no skippedFaults field (the --json object is unchanged)', () => {
    const { result } = run([at(500_000, { kind: 'crash', target: n('n2'), restartUs: 100_000, amnesia: false })]);
    expect('skippedFaults' in result).toBe(false);
  });

  it('a cut that names no link between two nodes is skipped', () => {
    const { result } = run([
      { atUs: 400_000, action: { kind: 'crash', target: n('n1'), restartUs: null, amnesia: false }, line: 2 },
      { atUs: 500_000, action: { kind: 'cut', from: { kind: 'leader' }, to: [n('n2')] }, line: 3 },
      { atUs: 600_000, action: { kind: 'cut', from: n('n3'), to: [n('n2')] }, line: 4 },
    ]);
    expect(result.skippedFaults).toEqual([{ time: 500_000, line: 3, action: 'cut', reason: 'cut from leader: no leader yet (no live node claimed leadership)' }]);
  });
});

describe('pause', () => {
  it('delivers and fires nothing while paused, then everything queued at resume', () => {
    const { result, trace } = run([at(500_000, { kind: 'pause', target: n('n1'), forUs: 200_000 })]);
    const during = trace.filter((e) => (e.kind === 'deliver' && e.to === 'n1') || (e.kind === 'timer' && e.node === 'n1'));
    expect(during.some((e) => e.t > 500_000 && e.t < 700_000)).toBe(false);
    const atResume = during.filter((e) => e.t === 700_000);
    expect(atResume.some((e) => e.kind === 'timer')).toBe(true);
    expect(atResume.some((e) => e.kind === 'deliver')).toBe(true);
    expect(trace.find((e) => e.kind === 'fault' && e.action === 'resume')).toMatchObject({ t: 700_000, nodes: ['n1'] });
    expect(result.ok).toBe(true);
  });
});

describe('nemesis', () => {
  const kinds = ['partition', 'crash', 'pause', 'clock', 'cut'] as const;
  const scenario = fixtureScenario({
    nodes: 5,
    durationUs: 6_000_000,
    settleUs: 1_000_000,
    nemesis: { everyUs: 300_000, faults: kinds },
  });

  it('injects one fault at a time, only of the listed kinds, and stops at the settle phase', () => {
    const { trace } = runScenario(scenario, { seed: 11, protocols: fixtureProtocols, collectTrace: true });
    const faults = eventsOf(trace ?? [], 'fault').filter((e) => e.source === 'nemesis');
    const started = new Set(faults.map((e) => String(e.action)));
    for (const action of ['partition', 'crash', 'pause', 'clock', 'cut']) expect(started.has(action)).toBe(true);
    expect(faults.every((e) => e.t < 6_000_000)).toBe(true);
    expect(faults.some((e) => e.action === 'crash' && e.amnesia === true)).toBe(false);
    // one at a time: every fault that needs ending is ended before the next begins
    const ends: Record<string, string> = { partition: 'heal', cut: 'heal', crash: 'restart', pause: 'resume' };
    let open: string | null = null;
    for (const e of faults) {
      const action = String(e.action);
      if (open !== null) {
        expect(action).toBe(open);
        open = null;
      } else if (action in ends) {
        open = ends[action] ?? null;
      } else {
        expect(action).toBe('clock');
      }
    }
  });

  it('draws the same faults from the same seed, and different ones from another seed', () => {
    const faultsOf = (seed: number) =>
      (runScenario(scenario, { seed, protocols: fixtureProtocols, collectTrace: true }).trace as TraceEvent[])
        .filter((e) => e.kind === 'fault')
        .map((e) => JSON.stringify(e));
    expect(faultsOf(3)).toEqual(faultsOf(3));
    expect(faultsOf(4)).not.toEqual(faultsOf(3));
  });

  it('wipes durable storage only when amnesia is listed', () => {
    // the fixture is not built to survive amnesia, so only the faults are of interest here
    const amnesiac = {
      ...scenario,
      checks: { linearizability: false, invariants: false, liveness: false },
      nemesis: { everyUs: 300_000, faults: ['amnesia'] as const },
    };
    const { trace } = runScenario(amnesiac, { seed: 2, protocols: fixtureProtocols, collectTrace: true });
    const crashes = eventsOf(trace ?? [], 'fault').filter((e) => e.action === 'crash');
    expect(crashes.length).toBeGreaterThan(3);
    expect(crashes.every((e) => e.amnesia === true)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import type { NodeEnv, ProtocolDefinition, ProtocolNode } from '../../protocols/api.js';
import { InputError } from '../../sim/errors.js';
import { runScenario, type TraceEvent } from '../../sim/run.js';
import { fixtureProtocol, fixtureProtocols, type FixtureMessage } from '../fixtures/primary.js';
import { fixtureScenario } from '../fixtures/scenario.js';

const opts = { protocols: fixtureProtocols, collectTrace: true };

describe('invariants and failures', () => {
  it('catch a node whose applied sequence diverges (applied-prefix)', () => {
    const { result, trace } = runScenario(fixtureScenario({ bugs: ['fixture.diverge'] }), opts);
    expect(result.ok).toBe(false);
    expect(result.checks.invariants).toHaveLength(1);
    expect(result.checks.invariants[0]).toMatchObject({ name: 'applied-prefix', node: 'n2' });
    expect(result.reason).toMatch(/^invariant applied-prefix violated at .* on n2: n2 applied c\d#\d+ at position 3/);
    // The node that applied the other command first is named (n1, the fixture's primary).
    expect(result.reason).toMatch(/at position 3, where n1 applied c\d#\d+$/);
    const t = trace as TraceEvent[];
    const violation = t.find((e) => e.kind === 'violation');
    expect(violation).toMatchObject({ name: 'applied-prefix', node: 'n2' });
    expect(t.some((e) => e.t > (violation?.t ?? 0))).toBe(false);
    expect(result.checks.liveness).toBe(false);
  });

  it('stop at the protocol monitor’s first finding', () => {
    const { result } = runScenario(fixtureScenario({ bugs: ['fixture.monitor'] }), opts);
    expect(result.checks.invariants[0]).toMatchObject({ name: 'fixture-monitor', node: 'n1' });
    expect(result.ok).toBe(false);
  });

  it('skip invariants when not checked', () => {
    const scenario = fixtureScenario({ bugs: ['fixture.monitor'], checks: { linearizability: false, invariants: false, liveness: true } });
    const { result } = runScenario(scenario, opts);
    expect(result.checks.invariants).toEqual([]);
    expect(result.checks.invariantsChecked).toBe(false);
    expect(result.ok).toBe(true);
    expect(runScenario(fixtureScenario(), opts).result.checks.invariantsChecked).toBe(true);
  });

  it('report an exception thrown by protocol code as a failed run', () => {
    const { result } = runScenario(fixtureScenario({ bugs: ['fixture.throw'] }), opts);
    expect(result.ok).toBe(false);
    expect(result.checks.invariants[0]).toMatchObject({ name: 'exception', node: 'n1' });
    expect(result.reason).toContain('fixture bug: thrown on purpose');
    expect(() => runScenario(fixtureScenario({ bugs: ['fixture.throw'] }), { ...opts, rethrow: true })).toThrow('thrown on purpose');
  });

  it('report exceeding the event bound as a failure instead of hanging', () => {
    const scenario = fixtureScenario({ bugs: ['fixture.chatty'], network: { latency: { dist: 'fixed', valueUs: 0 }, loss: 0, duplicate: 0 } });
    const { result } = runScenario(scenario, { ...opts, limits: { maxEvents: 20_000 } });
    expect(result.ok).toBe(false);
    expect(result.checks.invariants[0]).toMatchObject({ name: 'limit:events', time: 0 });
    expect(result.stats.events).toBe(20_001);
  });

  it('report exceeding the queue bound', () => {
    const { result } = runScenario(fixtureScenario(), { ...opts, limits: { maxQueue: 3 } });
    expect(result.checks.invariants[0]).toMatchObject({ name: 'limit:queue' });
  });

  it('reject unknown protocols, bug names and cluster sizes as input errors', () => {
    expect(() => runScenario(fixtureScenario({ protocol: 'nope' }), opts)).toThrow(InputError);
    expect(() => runScenario(fixtureScenario(), { ...opts, extraBugs: ['fixture.nope'] })).toThrow(/no bug variant "fixture.nope"/);
    const picky: ProtocolDefinition<FixtureMessage> = { ...fixtureProtocol, checkClusterSize: (k) => (k === 4 ? null : 'needs 4 nodes') };
    expect(() => runScenario(fixtureScenario(), { protocols: () => picky })).toThrow(/needs 4 nodes/);
    expect(() => runScenario(fixtureScenario({ byzantine: { n2: 'liar' } }), opts)).toThrow(/no byzantine behaviour "liar"/);
  });
});

describe('linearizability', () => {
  it('checks the history and reports a lost write', () => {
    const good = runScenario(fixtureScenario(), opts);
    expect(good.result.checks.linearizable).toBe(true);
    const { result } = runScenario(fixtureScenario({ bugs: ['fixture.lost-write'] }), opts);
    expect(result.checks.linearizable).toBe(false);
    expect(result.checks.invariants).toEqual([]);
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/^history is not linearizable \(key k\d\)$/);
  });

  it('is null when not checked', () => {
    const scenario = fixtureScenario({ bugs: ['fixture.lost-write'], checks: { linearizability: false, invariants: true, liveness: true } });
    const { result } = runScenario(scenario, opts);
    expect(result.checks.linearizable).toBeNull();
    expect(result.ok).toBe(true);
  });
});

describe('byzantine wrappers', () => {
  it('wrap the listed node and let the behaviour rewrite what it sends', () => {
    const seen: string[] = [];
    const mute: ProtocolDefinition<FixtureMessage> = {
      ...fixtureProtocol,
      byzantine: {
        mute: {
          name: 'mute',
          description: 'drops every message to n3',
          wrap: (env: NodeEnv<FixtureMessage>, node: () => ProtocolNode<FixtureMessage>) => ({
            env: { ...env, send: (to, msg) => (to === 'n3' ? undefined : env.send(to, msg)) },
            onStart: () => {
              seen.push(node().inspect().role);
              env.setTimer('byz:tick', 1_000);
            },
            onTimer: (name) => seen.push(name),
          }),
        },
      },
    };
    const { trace } = runScenario(fixtureScenario({ byzantine: { n1: 'mute' } }), { protocols: () => mute, collectTrace: true });
    expect(seen).toEqual(['primary', 'byz:tick']);
    const t = trace as TraceEvent[];
    expect(t.some((e) => e.kind === 'send' && e.from === 'n1' && e.to === 'n3')).toBe(false);
    expect(t.some((e) => e.kind === 'send' && e.from === 'n1' && e.to === 'n2')).toBe(true);
  });
});

describe('protocol code outside node steps', () => {
  it('reports a monitor that throws in onCrash as a failed run', () => {
    const brittle: ProtocolDefinition<FixtureMessage> = {
      ...fixtureProtocol,
      createMonitor: () => ({
        afterStep: () => null,
        onCrash: () => {
          throw new Error('monitor broke');
        },
      }),
    };
    const scenario = fixtureScenario({
      faults: [{ atUs: 100_000, action: { kind: 'crash', target: { kind: 'node', node: 'n2' }, restartUs: null, amnesia: false }, line: 0 }],
    });
    const { result } = runScenario(scenario, { protocols: () => brittle });
    expect(result.ok).toBe(false);
    expect(result.checks.invariants[0]).toMatchObject({ name: 'exception', time: 100_000 });
    expect(result.reason).toContain('monitor broke');
  });
});

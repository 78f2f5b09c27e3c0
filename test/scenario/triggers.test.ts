/**
 * Event-triggered faults (`faults: - { when: {...}, <action>: ... }`): validated like every other
 * field, and firing at exactly the moment they name — after the step that reported it, before
 * anything else happens at that instant — as many times as they say.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../sim/errors.js';
import { runScenario, type TraceEvent } from '../../sim/run.js';
import { parseScenario } from '../../sim/scenario/load.js';
import { PROTOCOLS } from '../../protocols/registry.js';
import { fixtureScenario } from '../fixtures/scenario.js';
import { TICK_US, voterProtocol } from '../fixtures/voter.js';
import type { TriggeredFault } from '../../sim/scenario/types.js';

const protocols = (name: string) => (name === 'voter' ? voterProtocol : undefined);

function run(triggers: TriggeredFault[]): readonly TraceEvent[] {
  const scenario = fixtureScenario({ protocol: 'voter', triggers, workload: { clients: 0, keys: 1, mix: { read: 1, write: 0, cas: 0 }, intervalUs: 10_000, timeoutUs: 100_000 }, checks: { linearizability: false, invariants: false, liveness: false } });
  return runScenario(scenario, { protocols, collectTrace: true }).trace ?? [];
}

function rule(partial: Partial<TriggeredFault['when']>, action: TriggeredFault['action']): TriggeredFault {
  return { when: { moment: 'vote', node: 'any', nth: 1, chance: 1, times: 1, ...partial }, action, index: 0, line: 1 };
}

describe('event-triggered faults', () => {
  it('crash self on n2\'s second vote: the crash comes right after that tick\'s ping was sent, at the same virtual time', () => {
    const trace = run([rule({ node: 'n2', nth: 2 }, { kind: 'crash', target: { kind: 'self' }, restartUs: 50_000, amnesia: false })]);
    const faults = trace.filter((e) => e.kind === 'fault');
    expect(faults.map((e) => [e.t, e['action'], e['source'], e['nodes']])).toEqual([
      [2 * TICK_US, 'crash', 'faults[0]', ['n2']],
      [2 * TICK_US + 50_000, 'restart', 'faults[0]', ['n2']],
    ]);
    // n2's second tick (timer, then its ping to n3) happened, and the crash came next in the trace.
    const crashAt = trace.indexOf(faults[0] as TraceEvent);
    const before = trace.slice(0, crashAt).filter((e) => e.t === 2 * TICK_US);
    const n2Tick = before.findIndex((e) => e.kind === 'timer' && e['node'] === 'n2');
    expect(n2Tick).toBeGreaterThanOrEqual(0);
    expect(before.slice(n2Tick).some((e) => e.kind === 'send' && e['from'] === 'n2' && e['to'] === 'n3')).toBe(true);
  });

  it('fires at most `times` times, from the nth matching moment on', () => {
    const trace = run([rule({ node: 'n1', nth: 3, times: 2 }, { kind: 'pause', target: { kind: 'self' }, forUs: 10_000 })]);
    const pauses = trace.filter((e) => e.kind === 'fault' && e['action'] === 'pause');
    expect(pauses.map((e) => e.t)).toEqual([3 * TICK_US, 4 * TICK_US]);
  });

  it('peer is whom the vote went to; cut and isolate heal after `for`', () => {
    const trace = run([
      rule({ node: 'n1' }, { kind: 'cut', from: { kind: 'self' }, to: { kind: 'peer' }, forUs: 30_000 }),
      { ...rule({ node: 'n3', nth: 2 }, { kind: 'isolate', target: { kind: 'peer' }, forUs: 20_000 }), index: 1 },
    ]);
    const faults = trace.filter((e) => e.kind === 'fault').map((e) => [e.t, e['action'], e['nodes'], e['to'] ?? e['groups'] ?? null]);
    expect(faults).toEqual([
      [TICK_US, 'cut', ['n1'], ['n2']],
      [TICK_US + 30_000, 'heal', ['n1'], null],
      [2 * TICK_US, 'partition', ['n1', 'n2', 'n3'], [['n1'], ['n2', 'n3']]],
      [2 * TICK_US + 20_000, 'heal', ['n1'], null],
    ]);
  });

  it('a scenario without rules runs exactly as before (same trace hash with and without the feature path)', () => {
    const scenario = fixtureScenario({ protocol: 'voter', checks: { linearizability: false, invariants: false, liveness: false } });
    const a = runScenario(scenario, { protocols }).result.traceHash;
    const b = runScenario({ ...scenario, triggers: [] }, { protocols }).result.traceHash;
    expect(a).toBe(b);
  });
});

describe('when: rules in a scenario file', () => {
  const head = 'protocol: raft\nnodes: 3\nfaults:\n';
  const load = (faults: string) => parseScenario(head + faults, 'rules.yaml', PROTOCOLS);

  it('reads every form and keeps each rule\'s place in the list', () => {
    const s = load(
      [
        '  - { at: 1s, crash: n1, restart: 1s }',
        '  - { when: { moment: vote, node: n2, nth: 2, chance: 0.5, times: 3 }, crash: self, restart: 50ms }',
        '  - { when: { moment: leader }, isolate: self, for: 300ms }',
        '  - { when: { moment: ack }, cut: { from: self, to: peer }, for: 200ms }',
        '  - { when: { moment: era-change }, pause: leader, for: 100ms }',
        '  - { when: { moment: commit }, crash: self, amnesia: true }',
      ].join('\n'),
    );
    expect(s.faults).toHaveLength(1);
    expect(s.triggers?.map((t) => [t.index, t.when.moment, t.action.kind])).toEqual([
      [1, 'vote', 'crash'],
      [2, 'leader', 'isolate'],
      [3, 'ack', 'cut'],
      [4, 'era-change', 'pause'],
      [5, 'commit', 'crash'],
    ]);
    expect(s.triggers?.[0]?.when).toEqual({ moment: 'vote', node: 'n2', nth: 2, chance: 0.5, times: 3 });
  });

  const bad: [string, RegExp][] = [
    ['  - { when: { moment: elected }, crash: self }', /rules\.yaml:4:\d+: faults\[0\]\.when\.moment: expected one of vote, ack/],
    ['  - { when: { node: n1 }, crash: self }', /faults\[0\]\.when\.moment: missing/],
    ['  - { when: { moment: vote, nth: 0 }, crash: self }', /faults\[0\]\.when\.nth/],
    ['  - { when: { moment: vote, chance: 2 }, crash: self }', /faults\[0\]\.when\.chance/],
    ['  - { when: { moment: vote, node: n9 }, crash: self }', /faults\[0\]\.when\.node: unknown node "n9"/],
    ['  - { when: { moment: leader }, crash: peer }', /faults\[0\]\.crash: peer names whom a vote or ack went to/],
    ['  - { when: { moment: vote }, pause: self }', /faults\[0\]\.for: missing/],
    ['  - { when: { moment: vote }, crash: self, pause: self }', /exactly one action/],
    ['  - { when: { moment: vote }, heal: all }', /faults\[0\]\.heal: unknown key|faults\[0\]/],
    ['  - { when: { moment: vote }, crash: self, for: 1s }', /faults\[0\]\.for: not allowed with crash/],
    ['  - { when: { moment: vote, every: 2 }, crash: self }', /faults\[0\]\.when\.every: unknown key/],
  ];
  for (const [text, pattern] of bad) {
    it(`rejects ${text.trim()} with a located error`, () => {
      let error: unknown;
      try {
        load(text);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toMatch(pattern);
      expect((error as Error).message).toMatch(/^rules\.yaml:4:\d+: /);
    });
  }
});

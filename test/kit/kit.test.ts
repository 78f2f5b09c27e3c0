/**
 * The protocol kit on its own: client sessions, quorum arithmetic, typed options, named
 * invariants, typed timers, and a local assert that fails the run with the seed.
 */
import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { ClientId, ClientReply, NodeId, OptionSpec } from '../../protocols/api.js';
import {
  assert,
  ClientSessions,
  defaultOptions,
  defineInvariants,
  defineTimers,
  durationMicros,
  KeyedTally,
  kthLargest,
  readOptions,
  VoteTally,
} from '../../protocols/kit/index.js';
import { KvMachine } from '../../protocols/kv.js';
import { runScenario } from '../../sim/run.js';
import { fixtureScenario } from '../fixtures/scenario.js';
import { stubProtocol } from '../fixtures/stub.js';

function sessionsWithLog(maxWaiting?: number) {
  const replies: { client: ClientId; reqId: number; reply: ClientReply }[] = [];
  const machine = new KvMachine();
  const env = { machine, reply: (client: ClientId, reqId: number, reply: ClientReply) => replies.push({ client, reqId, reply }) };
  return { replies, machine, sessions: new ClientSessions(env, maxWaiting === undefined ? {} : { maxWaiting }) };
}

describe('ClientSessions', () => {
  it('answers on apply only the request its client waits for, once', () => {
    const { replies, sessions } = sessionsWithLog();
    expect(sessions.wait('c1', 1)).toBe(true);
    expect(sessions.wait('c1', 2)).toBe(true); // a newer request replaces the older one
    sessions.applyAndAnswer({ client: 'c1', reqId: 1, op: { f: 'write', key: 'x', value: 1 } });
    expect(replies).toEqual([]);
    sessions.applyAndAnswer({ client: 'c1', reqId: 2, op: { f: 'write', key: 'x', value: 2 } });
    expect(replies).toEqual([{ client: 'c1', reqId: 2, reply: { kind: 'result', result: { type: 'ok', value: 2 } } }]);
    expect(sessions.waiting).toBe(0);
  });

  it('answers a retry of an executed request from the machine, without executing it again', () => {
    const { replies, machine, sessions } = sessionsWithLog();
    sessions.applyAndAnswer({ client: 'c2', reqId: 7, op: { f: 'write', key: 'k', value: 'v' } });
    expect(sessions.answerIfExecuted('c2', 7)).toBe(true);
    expect(sessions.answerIfExecuted('c2', 8)).toBe(false);
    expect(machine.appliedCount).toBe(1);
    expect(replies).toEqual([{ client: 'c2', reqId: 7, reply: { kind: 'result', result: { type: 'ok', value: 'v' } } }]);
  });

  it('redirects everyone waiting on step-down, in arrival order, and forgets them', () => {
    const { replies, sessions } = sessionsWithLog();
    sessions.wait('c3', 1);
    sessions.wait('c1', 4);
    sessions.redirectAll('n2');
    expect(replies.map((r) => [r.client, r.reqId, r.reply])).toEqual([
      ['c3', 1, { kind: 'redirect', leader: 'n2' }],
      ['c1', 4, { kind: 'redirect', leader: 'n2' }],
    ]);
    expect(sessions.waiting).toBe(0);
    sessions.redirectAll(null);
    expect(replies).toHaveLength(2);
  });

  it('stays bounded: past maxWaiting a new client is refused, a waiting one may still move on', () => {
    const { sessions } = sessionsWithLog(2);
    expect(sessions.wait('c1', 1)).toBe(true);
    expect(sessions.wait('c2', 1)).toBe(true);
    expect(sessions.wait('c3', 1)).toBe(false);
    expect(sessions.wait('c1', 2)).toBe(true);
    expect(sessions.waiting).toBe(2);
  });
});

describe('quorum helpers', () => {
  it('kthLargest is the highest index at least k values reach', () => {
    expect(kthLargest([5, 3, 9], 2)).toBe(5);
    expect(kthLargest([5, 3, 9], 1)).toBe(9);
    expect(kthLargest([5, 3], 3)).toBeUndefined();
    fc.assert(
      fc.property(fc.array(fc.nat(50), { minLength: 1, maxLength: 9 }), fc.integer({ min: 1, max: 9 }), (values, k) => {
        const answer = kthLargest(values, k);
        if (values.length < k) return answer === undefined;
        const atLeast = values.filter((v) => v >= (answer as number)).length;
        const above = values.filter((v) => v > (answer as number)).length;
        return atLeast >= k && above < k;
      }),
      { seed: 7 },
    );
    expect(() => kthLargest([1], 0)).toThrow();
  });

  it('VoteTally counts a voter once and reports the vote that reaches the quorum', () => {
    const tally = new VoteTally(2);
    expect(tally.add('n1')).toBe(false);
    expect(tally.add('n1')).toBe(false);
    expect(tally.count).toBe(1);
    expect(tally.add('n2')).toBe(true);
    expect(tally.add('n3')).toBe(false);
    expect(tally.reached).toBe(true);
    expect(tally.voters()).toEqual(['n1', 'n2', 'n3']);
  });

  it('KeyedTally counts a voter once per value', () => {
    const tally = new KeyedTally<string>();
    expect(tally.add('d1', 'n1')).toBe(1);
    expect(tally.add('d1', 'n1')).toBe(1);
    expect(tally.add('d2', 'n1')).toBe(1);
    expect(tally.add('d1', 'n2')).toBe(2);
    expect(tally.has('d2', 'n2')).toBe(false);
    tally.deleteWhere((key) => key === 'd1');
    expect(tally.count('d1')).toBe(0);
    expect(tally.size).toBe(1);
  });
});

describe('readOptions', () => {
  const SCHEMA = {
    timeout: { type: 'duration', default: '150ms', description: 't' },
    batch: { type: 'integer', default: 64, min: 1, max: 100, description: 'b' },
    fast: { type: 'boolean', default: false, description: 'f' },
    path: { type: 'enum', values: ['log', 'lease'], default: 'log', description: 'p' },
  } as const satisfies Record<string, OptionSpec>;

  it('types and defaults every option from the schema alone', () => {
    const options = readOptions(SCHEMA, { batch: 8, path: 'lease' });
    expect(options).toEqual({ timeout: 150_000, batch: 8, fast: false, path: 'lease' });
    expectTypeOf(options.path).toEqualTypeOf<'log' | 'lease'>();
    expectTypeOf(options.fast).toEqualTypeOf<boolean>();
    expect(defaultOptions(SCHEMA)).toEqual({ timeout: 150_000, batch: 64, fast: false, path: 'log' });
  });

  it('refuses a value of the wrong type (a programmer error: the loader never makes one)', () => {
    expect(() => readOptions(SCHEMA, { path: 'raft' })).toThrow(/option path/);
    expect(() => readOptions(SCHEMA, { batch: 'many' })).toThrow(/option batch/);
  });

  it('parses durations as scenario files write them', () => {
    expect(durationMicros('1.5s')).toBe(1_500_000);
    expect(durationMicros('40us')).toBe(40);
    expect(() => durationMicros('soon')).toThrow(/not a duration/);
  });
});

describe('defineInvariants and defineTimers', () => {
  it('builds findings for declared names only', () => {
    const INV = defineInvariants([
      { name: 'toy.one-leader', description: 'At most one leader per term.', source: 'here' },
      { name: 'toy.monotonic', description: 'Commit never goes back.', source: 'here' },
    ] as const);
    expect(INV.finding('toy.one-leader', 'two leaders', ['n1', 'n2'])).toEqual({ name: 'toy.one-leader', detail: 'two leaders', nodes: ['n1', 'n2'] });
    expect(INV.list.map((i) => i.name)).toEqual(['toy.one-leader', 'toy.monotonic']);
    // @ts-expect-error an undeclared invariant is a compile error
    INV.finding('toy.undeclared', 'x', []);
    expect(() => defineInvariants([{ name: 'a', description: '', source: '' }, { name: 'a', description: '', source: '' }])).toThrow(/twice/);
  });

  it('narrows timer names and rejects unknown ones at compile time', () => {
    const TIMERS = defineTimers(['election', 'heartbeat'] as const);
    const armed: string[] = [];
    const env = { setTimer: (name: string) => armed.push(name), cancelTimer: (name: string) => armed.push(`-${name}`) };
    TIMERS.set(env, 'heartbeat', 10);
    TIMERS.cancel(env, 'election');
    // @ts-expect-error an unknown timer is a compile error
    TIMERS.set(env, 'hartbeat', 10);
    expect(armed).toEqual(['heartbeat', '-election', 'hartbeat']);
    const name: string = 'election';
    expect(TIMERS.is(name)).toBe(true);
    expect(TIMERS.is('other')).toBe(false);
  });
});

describe('assert', () => {
  it('fails the run with an assertion violation naming the node, and the seed to reproduce it', () => {
    const definition = stubProtocol('asserting', (env) => ({
      onRequest: (client: ClientId, reqId: number) => {
        const applied = env.machine.appliedCount;
        assert(env.id !== ('n2' as NodeId), () => `request ${client}#${reqId} reached n2 with ${applied} applied`);
        env.reply(client, reqId, { kind: 'redirect', leader: 'n2' });
      },
    }));
    const scenario = fixtureScenario({ protocol: 'asserting', seed: 5 });
    const { result } = runScenario(scenario, { protocols: (name) => (name === 'asserting' ? definition : undefined) });
    expect(result.ok).toBe(false);
    expect(result.checks.invariants[0]).toMatchObject({ name: 'assertion', node: 'n2' });
    expect(result.reason).toMatch(/^invariant assertion violated at [\d.]+ms on n2: n2 failed a local assertion: request c\d+#\d+ reached n2 with 0 applied$/);
    expect(result.repro).toMatch(/--seed 5\b/);
  });

  it('is silent when the condition holds', () => {
    expect(() => assert(1 + 1 === 2, 'arithmetic')).not.toThrow();
    expect(() => assert(0, 'zero')).toThrow('zero');
  });
});

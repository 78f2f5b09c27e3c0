/**
 * What the host offers a protocol with no replicated command order (a quorum register): the
 * applied-prefix invariant and the liveness "same applied sequence" condition are skipped when a
 * definition says `commandOrder: 'none'`; `retryWrites: false` makes the client send a write
 * once; `checkScenario` problems are input errors at run time too; per-kind latency figures.
 */
import { describe, expect, it } from 'vitest';
import type { ProtocolDefinition } from '../../protocols/api.js';
import { InputError } from '../../sim/errors.js';
import type { HistoryEvent } from '../../sim/history/types.js';
import { latencyStats, percentileMs } from '../../sim/latency.js';
import { runScenario } from '../../sim/run.js';
import { fixtureProtocol } from '../fixtures/primary.js';
import { fixtureScenario } from '../fixtures/scenario.js';
import { stubProtocol } from '../fixtures/stub.js';

const withDefinition = (definition: ProtocolDefinition<any, any>) => (name: string) => (name === definition.name ? definition : undefined);

describe("commandOrder: 'none'", () => {
  it('skips the applied-prefix invariant that catches a diverging node of an ordered protocol', () => {
    const scenario = fixtureScenario({ bugs: ['fixture.diverge'], checks: { linearizability: false, invariants: true, liveness: true } });
    const ordered = runScenario(scenario, { protocols: withDefinition(fixtureProtocol) });
    expect(ordered.result.checks.invariants[0]).toMatchObject({ name: 'applied-prefix' });
    const unordered = runScenario(scenario, { protocols: withDefinition({ ...fixtureProtocol, commandOrder: 'none' }) });
    expect(unordered.result.checks.invariants).toEqual([]);
    // Liveness no longer compares the machines (which differ): the probes alone decide it.
    expect(unordered.result.checks.liveness).toBe(true);
  });
});

describe('ClientPolicy.retryWrites', () => {
  /** A protocol that answers reads and never answers writes; counts the requests it gets. */
  function silentOnWrites(retryWrites: boolean | undefined) {
    const received = { read: 0, write: 0 };
    const policy = { replyQuorum: 1, retry: 'next' as const, retryAfterMicros: 30_000, ...(retryWrites === undefined ? {} : { retryWrites }) };
    const definition = stubProtocol(
      'silent-writes',
      (env) => ({
        onRequest: (client, reqId, op) => {
          if (op.f === 'write') {
            received.write++;
            return;
          }
          received.read++;
          env.reply(client, reqId, { kind: 'result', result: { type: 'ok', value: null } });
        },
      }),
      policy,
    );
    const scenario = fixtureScenario({
      protocol: 'silent-writes',
      workload: { clients: 1, keys: 1, mix: { read: 0, write: 1, cas: 0 }, intervalUs: 20_000, timeoutUs: 300_000 },
      durationUs: 1_000_000,
      checks: { linearizability: true, invariants: true, liveness: true },
    });
    const { result } = runScenario(scenario, { protocols: withDefinition(definition) });
    return { received, result };
  }

  it('false: each write goes to one node once, and times out as info', () => {
    const { received, result } = silentOnWrites(false);
    expect(result.stats.ops.info).toBeGreaterThan(1);
    expect(received.write).toBe(result.stats.ops.info);
    expect(result.checks.liveness).toBe(true); // the probe read is still retried and answered
  });

  it('absent (the default): a write is sent again after every retry interval', () => {
    const { received, result } = silentOnWrites(undefined);
    expect(received.write).toBeGreaterThan(5 * result.stats.ops.info);
  });
});

describe('ProtocolDefinition.checkScenario', () => {
  const picky: ProtocolDefinition<any, any> = {
    ...fixtureProtocol,
    checkScenario: (s) => (s.mix.cas > 0 && !s.bugs.has('fixture.diverge') ? { field: 'workload.mix.cas', message: 'no cas here' } : null),
  };

  it('is checked by runScenario with the bugs added on the command line', () => {
    const scenario = fixtureScenario();
    expect(() => runScenario(scenario, { protocols: withDefinition(picky) })).toThrow(InputError);
    expect(() => runScenario(scenario, { protocols: withDefinition(picky) })).toThrow('workload.mix.cas: no cas here');
    expect(() => runScenario(scenario, { protocols: withDefinition(picky), extraBugs: ['fixture.diverge'] })).not.toThrow();
  });
});

describe('latency figures', () => {
  const ev = (process: number, type: HistoryEvent['type'], f: HistoryEvent['f'], time: number): HistoryEvent => ({ process, type, f, key: 'k', value: null, time });

  it('take invoke-to-ok time per kind, nearest rank, and leave out fail and info', () => {
    const history: HistoryEvent[] = [
      ev(0, 'invoke', 'read', 0),
      ev(1, 'invoke', 'write', 10),
      ev(0, 'ok', 'read', 2_000),
      ev(0, 'invoke', 'read', 3_000),
      ev(1, 'info', 'write', 500_000),
      ev(0, 'ok', 'read', 7_500),
      ev(2, 'invoke', 'cas', 8_000),
      ev(2, 'fail', 'cas', 9_000),
    ];
    expect(latencyStats(history)).toEqual({
      read: { count: 2, p50: 2, p99: 4.5 },
      write: { count: 0, p50: null, p99: null },
      cas: { count: 0, p50: null, p99: null },
    });
  });

  it('percentiles by nearest rank', () => {
    const sorted = Array.from({ length: 200 }, (_, i) => (i + 1) * 1000);
    expect(percentileMs(sorted, 50)).toBe(100);
    expect(percentileMs(sorted, 99)).toBe(198);
    expect(percentileMs([1234], 99)).toBe(1.234);
  });

  it('appear in every run result', () => {
    const { result } = runScenario(fixtureScenario(), { protocols: withDefinition(fixtureProtocol) });
    const latency = result.stats.latency;
    expect(latency?.read.count).toBeGreaterThan(0);
    expect(latency?.read.p50).toBeLessThanOrEqual(latency?.read.p99 ?? 0);
  });
});

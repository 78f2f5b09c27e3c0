/**
 * Workloads that expose reuse: `mix.append` and `reuseValues` (ABA). A node that loses a
 * request's identity executes a duplicate as a new request: with unique written values a second
 * execution of a write looks like a late one, but an append shows up twice in the string, and a
 * reused value lets a replayed cas succeed twice. The tests use a one-node protocol that answers
 * from its machine, correct or with that bug.
 */
import { describe, expect, it } from 'vitest';
import type { Command } from '../../protocols/api.js';
import { runScenario } from '../../sim/run.js';
import { fixtureScenario } from '../fixtures/scenario.js';
import { stubProtocol } from '../fixtures/stub.js';

/** Executes each request it receives; `forgetful` gives every delivery a new request id. */
function solo(forgetful: boolean) {
  return stubProtocol('solo', (env) => {
    let fresh = 1_000_000;
    return {
      onRequest: (client, reqId, op) => {
        const cmd: Command = { client, reqId: forgetful ? fresh++ : reqId, op };
        env.reply(client, reqId, { kind: 'result', result: env.machine.apply(cmd) });
      },
    };
  });
}

const base = fixtureScenario({
  nodes: 1,
  network: { latency: { dist: 'uniform', minUs: 1_000, maxUs: 5_000 }, loss: 0, duplicate: 0.3 },
  workload: { clients: 3, keys: 1, mix: { read: 0.4, write: 0.3, cas: 0.3, append: 0.4 }, reuseValues: 3, intervalUs: 5_000, timeoutUs: 300_000 },
});

describe('append and value reuse in the workload', () => {
  it('records appends and reused values in the history, and the correct node stays linearizable', () => {
    for (const seed of [1, 2, 3]) {
      const { result, history } = runScenario(base, { seed, protocols: () => solo(false) });
      expect(result.checks.linearizable).toBe(true);
      expect(history.some((e) => e.f === 'append' && e.type === 'ok')).toBe(true);
      const written = history.filter((e) => e.type === 'invoke' && e.f === 'write').map((e) => e.value);
      expect(new Set(written).size).toBeLessThan(written.length);
      expect(written.every((v) => typeof v === 'number' && v >= 1 && v <= 3)).toBe(true);
    }
  });

  it('makes a duplicated execution visible to the checker', () => {
    for (const seed of [1, 2, 3]) {
      const { result } = runScenario(base, { seed, protocols: () => solo(true) });
      expect(result.checks.linearizable).toBe(false);
    }
  });

});

/**
 * Protocol moments: every protocol names its votes, acknowledgements and era changes through
 * `env.moment`, and the host adds leader, commit, apply and persist for all of them. Watching
 * moments must never change the run.
 */
import { describe, expect, it } from 'vitest';
import type { Moment, MomentKind, NodeId } from '../../protocols/api.js';
import { MOMENT_KINDS } from '../../protocols/api.js';
import { loadScenario, runScenario } from '../fixtures/bundled.js';

const NEMESIS = ['raft', 'multipaxos', 'vsr', 'zab', 'pbft'];

describe('protocol moments', () => {
  for (const protocol of NEMESIS) {
    it(`${protocol}: reports every kind of moment on its nemesis scenario, and watching leaves the trace as it was`, () => {
      const scenario = loadScenario(`scenarios/${protocol}-nemesis.yaml`);
      const seen = new Map<MomentKind, number>();
      const log: { node: NodeId; moment: Moment; time: number }[] = [];
      const watched = runScenario(scenario, {
        seed: 3,
        moments: (node, moment, time) => {
          seen.set(moment.kind, (seen.get(moment.kind) ?? 0) + 1);
          if (log.length < 5000) log.push({ node, moment, time });
        },
      });
      const plain = runScenario(scenario, { seed: 3 });
      expect(watched.result.traceHash).toBe(plain.result.traceHash);
      for (const kind of MOMENT_KINDS) expect(seen.get(kind) ?? 0, `${protocol} ${kind}`).toBeGreaterThan(0);
      // Moments come in time order, and a node's apply positions count up by one within an incarnation.
      for (let i = 1; i < log.length; i++) expect((log[i] as { time: number }).time).toBeGreaterThanOrEqual((log[i - 1] as { time: number }).time);
      for (const entry of log) {
        if (entry.moment.kind === 'vote') expect(entry.moment.for).toMatch(/^n\d+$/);
        if (entry.moment.kind === 'ack' || entry.moment.kind === 'apply') expect(entry.moment.index).toBeGreaterThan(0);
      }
    });
  }
});

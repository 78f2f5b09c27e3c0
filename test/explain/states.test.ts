/**
 * "State of every node at time t" rebuilt from the trace alone agrees with what the protocol's own
 * inspect() said at that time, on nemesis runs (crashes, pauses, partitions, clock jumps): the
 * common numbers at any time, the protocol's own fields at snapshot ticks.
 */
import { describe, expect, it } from 'vitest';
import type { NodeView } from '../../protocols/api.js';
import { SNAPSHOT_INTERVAL_US } from '../../sim/index.js';
import { explainRun, loadScenario } from '../fixtures/bundled.js';

const TIMES_US = [137_113, 1_000_000, 2_345_678, 3_500_000, 4_250_001, 5_999_999, 7_777_777, 9_000_000];

const checkedDown = new Map<string, number>();

describe('explain --at: rebuilt state equals inspect()', () => {
  for (const protocol of ['raft', 'multipaxos', 'vsr', 'zab', 'pbft']) {
    it(`${protocol}-nemesis, seed 3, at ${TIMES_US.length} times`, () => {
      const seen = new Map<number, readonly (NodeView | null)[]>();
      const scenario = loadScenario(`scenarios/${protocol}-nemesis.yaml`);
      // A view may hold live references (a log array that keeps growing): copy it as it is now.
      const copy = (view: NodeView | null): NodeView | null =>
        view === null ? null : (Object.fromEntries(Object.entries(view).map(([k, v]) => [k, Array.isArray(v) ? { length: v.length } : v])) as unknown as NodeView);
      const explanation = explainRun(scenario, { seed: 3, inspectAt: { timesUs: TIMES_US, onInspect: (t, views) => seen.set(t, views.map(copy)) } });
      const endUs = explanation.outcome.result.stats.virtualMs * 1000;
      let down = 0;
      for (const t of TIMES_US.filter((time) => time <= endUs)) {
        const views = seen.get(t);
        expect(views, `inspected at ${t}`).toBeDefined();
        explanation.nodes.forEach((node, i) => {
          const view = (views as readonly (NodeView | null)[])[i];
          const state = explanation.states.of(node, t);
          if (view === null || view === undefined) {
            down++;
            expect(state.live, `${node} at ${t}`).toBe('down');
            return;
          }
          expect(state.live, `${node} at ${t}`).not.toBe('down');
          expect({ role: state.role, term: state.term, leader: state.leader, commitIndex: state.commitIndex, appliedIndex: state.appliedIndex, logLength: state.logLength }, `${node} at ${t}`).toEqual({
            role: view.role,
            term: view.term,
            leader: view.leader,
            commitIndex: view.commitIndex,
            appliedIndex: view.appliedIndex,
            logLength: view.logLength,
          });
          if (t % SNAPSHOT_INTERVAL_US === 0 && state.snapshotUs === t) {
            for (const [key, value] of Object.entries(state.view)) {
              const own = (view as unknown as Record<string, unknown>)[key.replace(/\.length$/, '')];
              expect(key.endsWith('.length') ? (own as { length: number }).length : own, `${node}.${key} at ${t}`).toEqual(value);
            }
          }
        });
      }
      checkedDown.set(protocol, down);
    });
  }

  it('met at least one crashed node among those times (so "down" was compared too)', () => {
    expect([...checkedDown.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });
});

/**
 * Snapshots and log compaction end to end: the bundled crash, partition and nemesis scenarios
 * pass with a snapshot every 2..8 applied entries (so InstallSnapshot, restarts from a snapshot
 * and AppendEntries at the snapshot boundary happen all the time), and a long run keeps bounded
 * memory: what every node holds of its log and what the monitor keeps do not grow with the
 * run's duration. No test here times anything.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InvariantMonitor, NodeId, ProtocolDefinition } from '../../protocols/api.js';
import { raft, type RaftMessage, type RaftView } from '../../protocols/raft/index.js';
import { LIMITS } from '../../protocols/raft/config.js';
import { MAX_COMMITTED_WINDOW, RaftMonitor } from '../../protocols/raft/monitor.js';
import { eventsOf } from '../../sim/run.js';
import type { Scenario } from '../../sim/scenario/types.js';
import { loadScenario, runScenario } from '../fixtures/bundled.js';

const root = join(import.meta.dirname, '..', '..');

function scenario(name: string, options: Record<string, number | boolean | string>, duration?: number): Scenario {
  const loaded = loadScenario(join(root, 'scenarios', `${name}.yaml`));
  return { ...loaded, ...(duration === undefined ? {} : { durationUs: duration }), protocolOptions: { ...loaded.protocolOptions, ...options } };
}

describe('compaction under crashes, partitions and restarts', () => {
  const cases: [string, number][] = [
    ['raft-crash-restart', 2],
    ['raft-crash-restart', 5],
    ['raft-leader-isolation', 3],
    ['raft-leader-isolation', 8],
    ['raft-nemesis', 2],
    ['raft-nemesis', 3],
    ['raft-nemesis', 5],
    ['raft-nemesis', 8],
  ];
  for (const [name, every] of cases) {
    it(`${name} passes with snapshotEvery ${every}`, () => {
      let snapshotsSent = 0;
      for (let seed = 1; seed <= 3; seed++) {
        const { result, trace } = runScenario(scenario(name, { snapshotEvery: every }), { seed, collectTrace: true });
        expect(result.checks.invariants, `${name} seed ${seed}`).toEqual([]);
        expect(result.ok, `${name} seed ${seed}`).toBe(true);
        snapshotsSent += eventsOf(trace ?? [], 'send').filter((e) => (e.msg as RaftMessage).type === 'InstallSnapshot').length;
      }
      // The point of the exercise: followers did need snapshots.
      expect(snapshotsSent).toBeGreaterThan(0);
    });
  }

  it('readindex and preVote keep working with compaction', () => {
    for (const options of [{ readPath: 'readindex' }, { preVote: true }]) {
      for (let seed = 1; seed <= 3; seed++) {
        const { result } = runScenario(scenario('raft-nemesis', { snapshotEvery: 3, ...options }), { seed });
        expect(result.ok, `${JSON.stringify(options)} seed ${seed}`).toBe(true);
      }
    }
  });
});

interface Peak {
  held: number;
  committed: number;
  leaders: number;
  tallies: number;
  votes: number;
  commitIndex: number;
}

/** Raft with a monitor that records the largest log held by any node and the monitor's own sizes. */
function measuredRaft(peak: Peak): ProtocolDefinition<RaftMessage, RaftView> {
  return {
    ...raft,
    createMonitor: (ctx): InvariantMonitor<RaftMessage, RaftView> => {
      const inner = new RaftMonitor(ctx);
      return {
        afterStep(node: NodeId, view: RaftView): ReturnType<RaftMonitor['afterStep']> {
          const found = inner.afterStep(node, view);
          peak.held = Math.max(peak.held, view.log.length);
          peak.commitIndex = Math.max(peak.commitIndex, view.commitIndex);
          const kept = inner.retained();
          peak.committed = Math.max(peak.committed, kept.committed);
          peak.leaders = Math.max(peak.leaders, kept.leaders);
          peak.tallies = Math.max(peak.tallies, kept.tallies);
          peak.votes = Math.max(peak.votes, kept.votes);
          return found;
        },
        onSend: (from, to, msg) => inner.onSend(from, to, msg),
        onCrash: (node) => inner.onCrash(node),
      };
    },
  };
}

function longRun(seconds: number, every: number): Peak {
  const peak: Peak = { held: 0, committed: 0, leaders: 0, tallies: 0, votes: 0, commitIndex: 0 };
  const { result } = runScenario(scenario('raft-nemesis', { snapshotEvery: every }, seconds * 1_000_000), { seed: 1, protocols: [measuredRaft(peak)] });
  expect(result.ok).toBe(true);
  return peak;
}

describe('bounded memory over a long run', () => {
  it('the log each node holds and the monitor records stay under bounds that do not depend on the duration', () => {
    const every = 32;
    const short = longRun(20, every);
    const long = longRun(80, every);
    // Four times the duration commits far more entries...
    expect(long.commitIndex).toBeGreaterThan(3 * short.commitIndex);
    for (const peak of [short, long]) {
      // ...but a node holds at most a snapshot interval plus the entries not yet applied (a leader
      // takes at most LIMITS.maxUncommitted of those), and in this run far fewer than it commits.
      expect(peak.held).toBeLessThanOrEqual(every + LIMITS.maxUncommitted);
      expect(peak.held * 4).toBeLessThan(long.commitIndex);
      expect(peak.committed).toBeLessThanOrEqual(MAX_COMMITTED_WINDOW);
      expect(peak.committed * 4).toBeLessThan(long.commitIndex);
      // Votes, tallies and leaders: a handful per node, however many elections the run holds.
      expect(peak.votes).toBeLessThanOrEqual(2 * 5);
      expect(peak.tallies).toBeLessThanOrEqual(2 * 5);
      expect(peak.leaders).toBeLessThanOrEqual(64);
    }
    // The peaks of the long run are of the short run's order, not four times them.
    expect(long.held).toBeLessThan(2 * Math.max(short.held, every * 4));
    expect(long.committed).toBeLessThan(2 * Math.max(short.committed, every * 4));
  });
});

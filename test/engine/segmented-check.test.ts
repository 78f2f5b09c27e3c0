/**
 * Checking the history segment by segment while the run goes (`keepHistory: false`, what
 * `consensim run` does without --history/--report) must give the verdict of checking the whole
 * history at the end, while holding only a short tail of it.
 */
import { describe, expect, it } from 'vitest';
import { checkHistory } from '../../sim/check/index.js';
import type { HistoryEvent, HistoryValue } from '../../sim/history/types.js';
import { loadScenario, runScenario } from '../fixtures/bundled.js';
import { SegmentedCheck } from '../../sim/workload/segmented-check.js';

type Op = readonly [process: number, type: HistoryEvent['type'], f: HistoryEvent['f'], value: HistoryValue];

/** A one-key history from compact tuples; times are the positions. */
function history(ops: readonly Op[]): HistoryEvent[] {
  return ops.map(([process, type, f, value], i) => ({ process, type, f, key: 'k', value, time: i + 1 }));
}

function segmented(events: readonly HistoryEvent[]): { linearizable: true | false | 'unknown'; segments: number } {
  const check = new SegmentedCheck({ init: null, maxSteps: 1_000_000 });
  for (const e of events) check.add(e);
  return check.finish();
}

function whole(events: readonly HistoryEvent[]): true | false | 'unknown' {
  return checkHistory(events, { model: 'kv', init: null }).linearizable;
}

describe('segmented linearizability check: small histories', () => {
  const cases: { what: string; ops: Op[]; expected: boolean }[] = [
    {
      what: 'an info write seen before a cut cannot take effect a second time after it',
      ops: [
        [0, 'invoke', 'write', 7], [0, 'info', 'write', 7],
        [1, 'invoke', 'read', null], [1, 'ok', 'read', 7],
        [2, 'invoke', 'write', 8], [2, 'ok', 'write', 8],
        [3, 'invoke', 'read', null], [3, 'ok', 'read', 8],
        [4, 'invoke', 'read', null], [4, 'ok', 'read', 7],
      ],
      expected: false,
    },
    {
      what: 'an info write not seen before a cut may take effect long after it',
      ops: [
        [0, 'invoke', 'write', 7], [0, 'info', 'write', 7],
        [1, 'invoke', 'read', null], [1, 'ok', 'read', null],
        [2, 'invoke', 'write', 8], [2, 'ok', 'write', 8],
        [3, 'invoke', 'read', null], [3, 'ok', 'read', 8],
        [4, 'invoke', 'read', null], [4, 'ok', 'read', 7],
      ],
      expected: true,
    },
    {
      what: 'an info cas carried across cuts applies only from the value it expects',
      ops: [
        [0, 'invoke', 'cas', [8, 9]], [0, 'info', 'cas', [8, 9]],
        [1, 'invoke', 'read', null], [1, 'ok', 'read', null],
        [2, 'invoke', 'write', 8], [2, 'ok', 'write', 8],
        [3, 'invoke', 'read', null], [3, 'ok', 'read', 8],
        [4, 'invoke', 'read', null], [4, 'ok', 'read', 9],
      ],
      expected: true,
    },
    {
      what: 'a stale read after a cut',
      ops: [
        [0, 'invoke', 'write', 1], [0, 'ok', 'write', 1],
        [1, 'invoke', 'read', null], [1, 'ok', 'read', 1],
        [2, 'invoke', 'write', 2], [2, 'ok', 'write', 2],
        [3, 'invoke', 'read', null], [3, 'ok', 'read', 1],
      ],
      expected: false,
    },
    {
      what: 'a read overlapping a write is no cut; both orders stay open',
      ops: [
        [0, 'invoke', 'write', 1], [0, 'ok', 'write', 1],
        [1, 'invoke', 'read', null], [2, 'invoke', 'write', 2], [1, 'ok', 'read', 2], [2, 'ok', 'write', 2],
        [3, 'invoke', 'read', null], [3, 'ok', 'read', 2],
      ],
      expected: true,
    },
  ];
  for (const c of cases) {
    it(c.what, () => {
      const events = history(c.ops);
      expect(whole(events)).toBe(c.expected);
      expect(segmented(events).linearizable).toBe(c.expected);
    });
  }

  it('cuts where the state is known: after a read that no write overlaps', () => {
    expect(segmented(history(cases[1]?.ops ?? [])).segments).toBe(3);
  });
});

describe('segmented linearizability check: runs', () => {
  const jobs: { file: string; bugs: string[]; seeds: number }[] = [
    { file: 'scenarios/raft-nemesis.yaml', bugs: [], seeds: 4 },
    { file: 'scenarios/raft-stale-read.yaml', bugs: ['raft.stale-leader-read'], seeds: 4 },
    { file: 'scenarios/zab-stale-follower-read.yaml', bugs: [], seeds: 4 },
    { file: 'scenarios/pbft-lying-replica.yaml', bugs: ['pbft.reply-quorum-1'], seeds: 3 },
    { file: 'scenarios/vsr-nemesis.yaml', bugs: [], seeds: 3 },
  ];
  for (const job of jobs) {
    it(`${job.file} ${job.bugs.join(' ')}: the same verdict as the whole history, seed by seed`, () => {
      const scenario = loadScenario(job.file);
      const verdicts: (true | false | 'unknown' | null)[] = [];
      for (let seed = 1; seed <= job.seeds; seed++) {
        const kept = runScenario(scenario, { seed, extraBugs: job.bugs, hashTrace: false });
        const streamed = runScenario(scenario, { seed, extraBugs: job.bugs, hashTrace: false, keepHistory: false });
        expect(streamed.history).toEqual([]);
        expect(streamed.result.checks.linearizable).toBe(kept.result.checks.linearizable);
        expect(streamed.result.ok).toBe(kept.result.ok);
        verdicts.push(kept.result.checks.linearizable);
      }
      // The failing jobs do fail somewhere, so equality is tested on both verdicts.
      if (job.bugs.length > 0 || job.file.includes('stale')) expect(verdicts).toContain(false);
    });
  }

  it('holds a short tail of a long history, not all of it', () => {
    const base = loadScenario('scenarios/raft-nemesis.yaml');
    const { history } = runScenario({ ...base, durationUs: 60_000_000 }, { seed: 2, hashTrace: false });
    const check = new SegmentedCheck({ init: null, maxSteps: 20_000_000 });
    const held = check as unknown as { keys: Map<string, { events: unknown[]; carried: Map<unknown, unknown> }> };
    let most = 0;
    for (const e of history) {
      check.add(e);
      let now = 0;
      for (const state of held.keys.values()) now += state.events.length + state.carried.size;
      most = Math.max(most, now);
    }
    const verdict = check.finish();
    expect(verdict.linearizable).toBe(true);
    expect(history.length).toBeGreaterThan(5_000);
    expect(verdict.segments).toBeGreaterThan(100);
    expect(most).toBeLessThan(history.length / 20);
  });
});

describe('latency figures without the kept history', () => {
  it('are the same whether the run keeps its history or checks it as it goes', () => {
    const scenario = loadScenario('scenarios/raft-basic.yaml');
    const kept = runScenario(scenario, { seed: 42, hashTrace: false });
    const streamed = runScenario(scenario, { seed: 42, hashTrace: false, keepHistory: false });
    expect(streamed.history).toEqual([]);
    expect(kept.result.stats.latency?.read.count).toBeGreaterThan(0);
    expect(streamed.result.stats.latency).toEqual(kept.result.stats.latency);
  });
});

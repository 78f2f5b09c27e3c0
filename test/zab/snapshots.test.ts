/**
 * Snapshots and log compaction (ZooKeeper's snapCount and SNAP sync): with a small
 * `snapshotEvery` every server compacts constantly, restarted servers restore their snapshot,
 * servers that fell behind a leader's compaction point are sent its snapshot, and everything
 * still passes under crashes, partitions and restarts. Memory does not grow with the run's
 * duration: the history a server holds and the monitor's records stay under bounds that do not
 * depend on it (no time is measured).
 */
import { describe, expect, it } from 'vitest';
import type { NodeView } from '../../protocols/api.js';
import { PROTOCOLS } from '../../protocols/registry.js';
import { zab } from '../../protocols/zab/index.js';
import { ZabMonitor } from '../../protocols/zab/monitor.js';
import type { ZabView } from '../../protocols/zab/node.js';
import { runScenario } from '../fixtures/bundled.js';
import { eventsOf, type TraceEvent } from '../../sim/run.js';
import type { Scenario } from '../../sim/scenario/types.js';
import { notes, run, scenario, withOptions } from './helpers.js';

function every(name: string, snapshotEvery: number): Scenario {
  return withOptions(scenario(name), { snapshotEvery });
}

function sends(trace: readonly TraceEvent[] | null, type: string): { to: string; msg: Record<string, unknown> }[] {
  return eventsOf(trace ?? [], 'send')
    .filter((e) => (e.msg as { type?: string }).type === type)
    .map((e) => ({ to: e.to, msg: e.msg as Record<string, unknown> }));
}

describe('snapshotEvery 2..8 under crashes, partitions and restarts', () => {
  const cases = [
    { name: 'zab-nemesis', seeds: 12 },
    { name: 'zab-crash-storm', seeds: 12 },
    { name: 'zab-leader-crash-during-sync', seeds: 6 },
    { name: 'zab-crash-after-sync-ack', seeds: 6 },
    { name: 'zab-skipped-proposal', seeds: 6 },
  ];
  for (const c of cases) {
    it(`${c.name}: every seed passes every check with snapshotEvery 2, 3, 5 and 8`, () => {
      for (const n of [2, 3, 5, 8]) {
        const s = every(c.name, n);
        for (let seed = 1; seed <= c.seeds; seed++) expect(run(s, seed).result.reason ?? 'ok', `snapshotEvery ${n}, seed ${seed}`).toBe('ok');
      }
    });
  }
});

describe('SNAP then DIFF, and restarts from a snapshot (zab-nemesis, snapshotEvery 4, seed 3)', () => {
  const { result, trace } = run(every('zab-nemesis', 4), 3, [], true);
  const events = trace ?? [];

  it('the run passes', () => {
    expect(result.ok).toBe(true);
  });

  it('a follower below the leader\'s compaction point gets the snapshot and the held rest, and installs it', () => {
    const snaps = sends(trace, 'NEWLEADER').filter((s) => (s.msg['sync'] as { mode: string }).mode === 'SNAP');
    const carrying = snaps.filter((s) => (s.msg['sync'] as { snapshot?: { index: number } }).snapshot !== undefined);
    expect(carrying.length).toBeGreaterThan(0);
    const sync = carrying[0]?.msg['sync'] as { snapshot: { index: number; machine: unknown }; txns: unknown[] };
    expect(sync.snapshot.index).toBeGreaterThan(0);
    expect(sync.snapshot.machine).toBeDefined();
    const installed = notes(trace, carrying[0]?.to).filter((t) => /^installed a snapshot of \d+ transaction/.test(t));
    expect(installed.length).toBeGreaterThan(0);
  });

  it('a restarted server comes back with its snapshot applied and holds only the log after it', () => {
    const restarts = events.filter((e): e is TraceEvent & { kind: 'fault'; action: string; nodes: string[] } => e.kind === 'fault' && (e as { action?: string }).action === 'restart');
    expect(restarts.length).toBeGreaterThan(0);
    const first = restarts.map((r) => eventsOf(events, 'state').find((e) => e.node === r.nodes[0] && e.t === r.t));
    const resumed = first.filter((e) => e !== undefined && e.appliedIndex > 0 && e.appliedIndex === e.commitIndex && (e.view['history.length'] as number) < e.logLength - e.appliedIndex + 4);
    expect(resumed.length).toBeGreaterThan(0);
  });
});

describe('bounded memory: what a server holds does not grow with the duration', () => {
  const SNAPSHOT_EVERY = 8;
  /** Held transactions per server: what the snapshot has not covered yet plus the uncommitted tail. */
  const HELD_BOUND = 200;

  function longRun(durationUs: number) {
    const monitors: ZabMonitor[] = [];
    const spied = { ...zab, createMonitor: (ctx: Parameters<NonNullable<typeof zab.createMonitor>>[0]) => {
      const monitor = new ZabMonitor(ctx);
      monitors.push(monitor);
      return monitor;
    } };
    const base = every('zab-nemesis', SNAPSHOT_EVERY);
    const s: Scenario = { ...base, durationUs, checks: { ...base.checks, linearizability: false } };
    let maxHeld = 0;
    let maxLength = 0;
    const timesUs = Array.from({ length: Math.floor(durationUs / 100_000) }, (_, i) => (i + 1) * 100_000);
    const { result } = runScenario(s, {
      seed: 2,
      protocols: [spied, ...PROTOCOLS.filter((p) => p.name !== 'zab')],
      inspectAt: {
        timesUs,
        onInspect: (_t: number, views: readonly (NodeView | null)[]) => {
          for (const v of views as readonly (ZabView | null)[]) {
            if (v === null) continue;
            maxHeld = Math.max(maxHeld, v.history.length, v.logLength - v.compacted.index);
            maxLength = Math.max(maxLength, v.logLength);
          }
        },
      },
    });
    return { result, maxHeld, maxLength, sizes: monitors[0]?.sizes() };
  }

  it('20 s and 120 s of zab-nemesis: held history and monitor records stay under the same bounds', () => {
    const short = longRun(20_000_000);
    const long = longRun(120_000_000);
    expect(short.result.reason ?? 'ok').toBe('ok');
    expect(long.result.reason ?? 'ok').toBe('ok');
    // The logical history grew far beyond what any server holds.
    expect(long.maxLength).toBeGreaterThan(20 * HELD_BOUND);
    expect(long.maxLength).toBeGreaterThan(4 * short.maxLength);
    expect(short.maxHeld).toBeLessThanOrEqual(HELD_BOUND);
    expect(long.maxHeld).toBeLessThanOrEqual(HELD_BOUND);
    // The monitor's committed window: at most twice 8 * snapshotEvery + 1024 positions.
    const window = 2 * (8 * SNAPSHOT_EVERY + 1024);
    expect(long.sizes?.positions).toBeLessThanOrEqual(window);
    expect(long.sizes?.positions).toBeLessThan(long.maxLength);
  });
});

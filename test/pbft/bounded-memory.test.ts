/**
 * Castro & Liskov 1999, §4.3 (garbage collection), taken all the way: what a replica and the
 * monitor hold depends on the checkpoint interval k and the cluster, not on how long the run goes.
 * Nothing here times anything: it counts what is held, at every second of long runs.
 */
import { describe, expect, it } from 'vitest';
import type { InvariantMonitor, NodeView } from '../../protocols/api.js';
import { pbft } from '../../protocols/pbft/index.js';
import { PbftMonitor } from '../../protocols/pbft/monitor.js';
import type { PbftMessage } from '../../protocols/pbft/messages.js';
import type { PbftView } from '../../protocols/pbft/view.js';
import { runScenario } from '../fixtures/bundled.js';
import { scenario } from './helpers.js';

interface Held {
  slots: number;
  logEntries: number;
  checkpoints: number;
  proposals: number;
  viewChanges: number;
  pending: number;
  monitorPerNumber: number;
  monitorPerReplica: number;
  /** The highest logical log length seen (the run's length in sequence numbers). */
  logLength: number;
}

const runs = new Map<string, ReturnType<typeof measure>>();

/** Run pbft-nemesis for `durationUs` with checkpoint interval k; the most held at any whole second. */
function mostHeld(durationUs: number, k: number, seed: number): ReturnType<typeof measure> {
  const key = `${durationUs}/${k}/${seed}`;
  const known = runs.get(key);
  if (known !== undefined) return known;
  const outcome = measure(durationUs, k, seed);
  runs.set(key, outcome);
  return outcome;
}

function measure(durationUs: number, k: number, seed: number): { held: Held; ok: boolean; reason: string | undefined } {
  let monitor: PbftMonitor | null = null;
  const watched = {
    ...pbft,
    createMonitor(ctx: Parameters<NonNullable<typeof pbft.createMonitor>>[0]): InvariantMonitor<PbftMessage, PbftView> {
      monitor = new PbftMonitor(ctx);
      return monitor;
    },
  };
  const held: Held = { slots: 0, logEntries: 0, checkpoints: 0, proposals: 0, viewChanges: 0, pending: 0, monitorPerNumber: 0, monitorPerReplica: 0, logLength: 0 };
  const timesUs: number[] = [];
  for (let t = 1_000_000; t <= durationUs; t += 1_000_000) timesUs.push(t);
  const s = scenario('pbft-nemesis', { durationUs, protocolOptions: { checkpointInterval: k } });
  const { result } = runScenario(s, {
    seed,
    hashTrace: false,
    keepHistory: false,
    protocols: [watched],
    inspectAt: {
      timesUs,
      onInspect(_t: number, views: readonly (NodeView | null)[]) {
        for (const view of views) {
          if (view === null) continue;
          const v = view as PbftView;
          held.slots = Math.max(held.slots, v.retained.slots);
          held.logEntries = Math.max(held.logEntries, v.retained.logEntries);
          held.checkpoints = Math.max(held.checkpoints, v.retained.checkpoints);
          held.proposals = Math.max(held.proposals, v.retained.proposals);
          held.viewChanges = Math.max(held.viewChanges, v.retained.viewChanges);
          held.pending = Math.max(held.pending, v.pendingRequests);
          held.logLength = Math.max(held.logLength, v.logLength);
        }
        const sizes = (monitor as PbftMonitor | null)?.sizes();
        if (sizes !== undefined) {
          held.monitorPerNumber = Math.max(held.monitorPerNumber, sizes.perNumber);
          held.monitorPerReplica = Math.max(held.monitorPerReplica, sizes.perReplica);
        }
      },
    },
  });
  return { held, ok: result.ok, reason: result.reason };
}

describe('PBFT bounded memory (§4.3 garbage collection)', () => {
  it('a replica holds a few windows of slots, log entries and checkpoint votes however long the run (k = 2, 120 s of nemesis)', () => {
    const k = 2;
    const window = 2 * k;
    const { held, ok, reason } = mostHeld(120_000_000, k, 5);
    expect(reason).toBeUndefined();
    expect(ok).toBe(true);
    // The run went far beyond anything a window could hold ...
    expect(held.logLength).toBeGreaterThan(1000 * window);
    // ... while each replica kept slots for its window and two more it may catch up through,
    expect(held.slots).toBeLessThanOrEqual(4 * window);
    // a durable log above the compacted prefix (compacted to the lower of h and the last executed
    // number: a few windows more while a replica waits for a state transfer),
    expect(held.logEntries).toBeLessThanOrEqual(8 * window);
    // CHECKPOINT votes for at most the numbers it accepts votes for (16 windows above h),
    expect(held.checkpoints).toBeLessThanOrEqual(2 * ((16 * window) / k + 1));
    // a primary's record of what it ordered: open slots plus one entry per client (4 here),
    expect(held.proposals).toBeLessThanOrEqual(4 * window + 4);
    // and a few VIEW-CHANGEs per replica.
    expect(held.viewChanges).toBeLessThanOrEqual(4 * 4);
  });

  it("the monitor's records stay within its kept windows and each replica's window", () => {
    const k = 2;
    const window = 2 * k;
    const { held } = mostHeld(120_000_000, k, 5);
    const kept = 64 * window;
    expect(held.logLength).toBeGreaterThan(4 * kept);
    // prepared (per view and number), committed, executed and checkpoint digests, for the kept
    // numbers plus one window of pruning step; a few views per number at most.
    expect(held.monitorPerNumber).toBeLessThanOrEqual(8 * (kept + window));
    // Votes and prepared numbers per correct replica: its window (4 replicas, 2 maps).
    expect(held.monitorPerReplica).toBeLessThanOrEqual(2 * 4 * 2 * window);
  });

  it('what is held does not grow with the duration: 20 s and 120 s runs hold the same bounds', () => {
    const short = mostHeld(20_000_000, 4, 6).held;
    const long = mostHeld(120_000_000, 4, 6).held;
    expect(long.logLength).toBeGreaterThan(4 * short.logLength);
    const window = 8;
    for (const held of [short, long]) {
      expect(held.slots).toBeLessThanOrEqual(4 * window);
      expect(held.logEntries).toBeLessThanOrEqual(8 * window);
      expect(held.monitorPerReplica).toBeLessThanOrEqual(2 * 4 * 2 * window);
      expect(held.monitorPerNumber).toBeLessThanOrEqual(8 * (64 * window + window));
    }
  });
});

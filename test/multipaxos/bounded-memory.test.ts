/**
 * Bounded memory on long runs: with snapshots, what a Multi-Paxos node holds of its logs and what
 * the monitor holds per slot stay under a bound set by `snapshotEvery` and the window, whatever
 * the run's duration. Nothing here is timed: the test counts held entries and records at every
 * step of a long virtual run under the nemesis.
 */
import { describe, expect, it } from 'vitest';
import type { InvariantMonitor, MonitorContext } from '../../protocols/api.js';
import { multipaxos } from '../../protocols/multipaxos/index.js';
import { MultiPaxosMonitor } from '../../protocols/multipaxos/monitor.js';
import type { MultiPaxosMessage, MultiPaxosView } from '../../protocols/multipaxos/types.js';
import { PROTOCOLS } from '../../protocols/registry.js';
import { loadScenario, runScenario } from '../fixtures/bundled.js';

interface Peaks {
  chosenHeld: number;
  votesHeld: number;
  monitorSlots: number;
  monitorChosen: number;
  monitorProposers: number;
  logLength: number;
}

/** Run the nemesis for `seconds` of virtual time and record the peaks of everything that could grow. */
function peaks(seconds: number, snapshotEvery: number, seed: number): { ok: boolean; peaks: Peaks } {
  const seen: Peaks = { chosenHeld: 0, votesHeld: 0, monitorSlots: 0, monitorChosen: 0, monitorProposers: 0, logLength: 0 };
  const watched = {
    ...multipaxos,
    createMonitor(ctx: MonitorContext): InvariantMonitor<MultiPaxosMessage, MultiPaxosView> {
      const monitor = new MultiPaxosMonitor(ctx);
      return {
        afterStep(node, view) {
          const finding = monitor.afterStep(node, view);
          seen.chosenHeld = Math.max(seen.chosenHeld, view.compaction.chosenHeld);
          seen.votesHeld = Math.max(seen.votesHeld, view.compaction.votesHeld);
          seen.logLength = Math.max(seen.logLength, view.logLength);
          const sizes = monitor.sizes();
          seen.monitorSlots = Math.max(seen.monitorSlots, sizes.slots);
          seen.monitorChosen = Math.max(seen.monitorChosen, sizes.chosen);
          seen.monitorProposers = Math.max(seen.monitorProposers, sizes.proposers);
          return finding;
        },
        onSend: (from, to, msg) => monitor.onSend(from, to, msg),
        onCrash: (node) => monitor.onCrash(node),
      };
    },
  };
  const protocols = PROTOCOLS.map((p) => (p.name === 'multipaxos' ? watched : p));
  const scenario = loadScenario('scenarios/multipaxos-nemesis.yaml', protocols);
  const long = { ...scenario, durationUs: seconds * 1_000_000, protocolOptions: { ...scenario.protocolOptions, snapshotEvery } };
  const { result } = runScenario(long, { seed, protocols, hashTrace: false });
  return { ok: result.ok, peaks: seen };
}

describe('bounded memory (snapshots every 16 slots, window 32)', () => {
  // Held entries: at most one snapshot interval plus what a node learns while its prefix waits
  // for a catch-up, which the fault schedule bounds (about one second of slots); not the duration.
  const BOUND = 192;

  it('a 40 s nemesis run holds no more log entries and monitor records than the bound, over a log 15 times longer', () => {
    const { ok, peaks: long } = peaks(40, 16, 1);
    expect(ok).toBe(true);
    expect(long.logLength).toBeGreaterThan(15 * BOUND);
    expect(long.chosenHeld).toBeLessThanOrEqual(BOUND);
    expect(long.votesHeld).toBeLessThanOrEqual(BOUND);
    expect(long.monitorSlots).toBeLessThanOrEqual(BOUND);
    expect(long.monitorChosen).toBeLessThanOrEqual(BOUND);
    expect(long.monitorProposers).toBeLessThanOrEqual(5); // one Promise record per proposer
  });

  it('without compaction (a snapshot interval longer than the run) the same run holds its whole log', () => {
    const { ok, peaks: full } = peaks(40, 1_000_000, 1);
    expect(ok).toBe(true);
    expect(full.chosenHeld).toBeGreaterThan(15 * BOUND);
    expect(full.monitorSlots).toBeGreaterThan(15 * BOUND);
  });
});

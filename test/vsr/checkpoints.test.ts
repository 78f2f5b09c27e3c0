/**
 * VR Revisited §5: checkpoints and log truncation. A replica takes a checkpoint every
 * `snapshotEvery` executed ops and forgets the ops it covers; whoever needs forgotten ops gets the
 * checkpoint and the ops after it. Scripted replicas for each path, then runs that checkpoint
 * constantly under crashes, partitions and restarts, and a proof that memory does not grow with
 * the run's duration (sizes, never timings).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Command, MachineSnapshot } from '../../protocols/api.js';
import { KvMachine } from '../../protocols/kv.js';
import { vsr } from '../../protocols/vsr/index.js';
import type { RecoveryResponse } from '../../protocols/vsr/messages.js';
import { VsrMonitor } from '../../protocols/vsr/monitor.js';
import { eventsOf, type Scenario } from '../../sim/index.js';
import { parseScenario, runScenario } from '../fixtures/bundled.js';
import { cmd, ofType, ScriptedReplica } from './harness.js';

/** A backup n2 (n = 3) that received and executed `ops` ops of view 0, all committed. */
function backupWith(ops: number, snapshotEvery: number): ScriptedReplica {
  const n2 = new ScriptedReplica('n2', 3, { protocolOptions: { snapshotEvery } });
  for (let i = 1; i <= ops; i++) {
    n2.deliver('n1', { type: 'Prepare', view: 0, op: cmd(1, i, i), opNumber: i, commitNumber: i - 1 });
  }
  n2.deliver('n1', { type: 'Commit', view: 0, commitNumber: ops });
  return n2;
}

/** The machine's snapshot after executing `ops`. */
function snapshotAfter(ops: readonly Command[]): MachineSnapshot {
  const machine = new KvMachine();
  for (const op of ops) machine.apply(op);
  return machine.snapshot();
}

describe('VR §5.1 a replica checkpoints every snapshotEvery executed ops', () => {
  it('keeps op-numbers, forgets the ops behind the checkpoint', () => {
    const n2 = backupWith(7, 3);
    const view = n2.node.inspect();
    expect(view).toMatchObject({ opNumber: 7, logLength: 7, commitNumber: 7, appliedIndex: 7 });
    expect(view.checkpoint.opNumber).toBe(6);
    expect(view.checkpoint.machine?.appliedCount).toBe(6);
    expect(view.log.map((c) => c.reqId)).toEqual([7]);
    // The next Prepare still goes at op-number 8.
    const sent = n2.deliver('n1', { type: 'Prepare', view: 0, op: cmd(1, 8, 8), opNumber: 8, commitNumber: 7 });
    expect(ofType(sent, 'PrepareOk').map((s) => s.msg.opNumber)).toEqual([8]);
  });

  it('without checkpoints (the default is far away) messages carry no checkpoint field', () => {
    const n2 = backupWith(5, 4096);
    expect(n2.node.inspect().checkpoint.opNumber).toBe(0);
    const state = ofType(n2.deliver('n1', { type: 'GetState', view: 0, after: 0 }), 'NewState')[0]?.msg;
    expect(state).toBeDefined();
    expect(Object.keys(state ?? {})).not.toContain('checkpoint');
  });
});

describe('VR §5.2 state transfer of forgotten ops sends the checkpoint', () => {
  it('GetState below the checkpoint gets the checkpoint and the ops after it', () => {
    const n2 = backupWith(7, 3);
    const [state] = ofType(n2.deliver('n3', { type: 'GetState', view: 0, after: 2 }), 'NewState');
    expect(state?.msg).toMatchObject({ after: 6, opNumber: 7, commitNumber: 7 });
    expect(state?.msg.checkpoint?.opNumber).toBe(6);
    expect(state?.msg.entries.map((c) => c.reqId)).toEqual([7]);
    // Above the checkpoint: only the ops asked for.
    const [suffix] = ofType(n2.deliver('n3', { type: 'GetState', view: 0, after: 6 }), 'NewState');
    expect(suffix?.msg.checkpoint).toBeUndefined();
    expect(suffix?.msg.entries.map((c) => c.reqId)).toEqual([7]);
  });

  it('a lagging backup restores the checkpoint and executes only the ops after it', () => {
    const n3 = backupWith(1, 3);
    const ops = Array.from({ length: 8 }, (_, i) => cmd(1, i + 1, i + 1));
    const checkpoint = { opNumber: 6, machine: snapshotAfter(ops.slice(0, 6)) };
    // The primary is at op 8: n3 asks for the state after op 1 ...
    n3.deliver('n1', { type: 'Commit', view: 0, commitNumber: 8 });
    expect(ofType(n3.sent, 'GetState').map((s) => s.msg.after)).toEqual([1]);
    // ... and gets the checkpoint at op 6 with ops 7..8.
    n3.deliver('n1', { type: 'NewState', view: 0, after: 6, entries: ops.slice(6), opNumber: 8, commitNumber: 8, checkpoint });
    expect(n3.node.inspect()).toMatchObject({ opNumber: 8, commitNumber: 8, appliedIndex: 8 });
    expect(n3.machine.appliedCount).toBe(8);
    expect(n3.machine.digest()).toBe(snapshotAfter(ops).digest);
  });
});

describe('VR §4.3 + §5: recovery from a checkpoint', () => {
  it('a restarted replica restores the primary checkpoint and replays only the log after it', () => {
    const replica = new ScriptedReplica('n3', 3, { restarted: true, protocolOptions: { snapshotEvery: 4 } });
    const nonce = ofType(replica.sent, 'Recovery')[0]?.msg.nonce ?? -1;
    const ops = Array.from({ length: 6 }, (_, i) => cmd(2, i + 1, i + 10));
    const checkpoint = { opNumber: 4, machine: snapshotAfter(ops.slice(0, 4)) };
    const fromPrimary: RecoveryResponse = { type: 'RecoveryResponse', view: 1, nonce, log: ops.slice(4), opNumber: 6, commitNumber: 5, checkpoint };
    replica.deliver('n1', { type: 'RecoveryResponse', view: 1, nonce, log: null, opNumber: 6, commitNumber: 5 });
    replica.deliver('n2', fromPrimary);
    const view = replica.node.inspect();
    expect(view).toMatchObject({ role: 'backup', view: 1, opNumber: 6, commitNumber: 5, appliedIndex: 5 });
    expect(view.checkpoint.opNumber).toBe(4);
    expect(replica.machine.appliedCount).toBe(5);
    expect(replica.machine.digest()).toBe(snapshotAfter(ops.slice(0, 5)).digest);
  });
});

describe('VR §5.3 view changes carry the log after the checkpoint, not the whole history', () => {
  it('DoViewChange holds the checkpoint and the ops after it', () => {
    const n2 = backupWith(9, 4);
    n2.fire('primary-silence');
    n2.deliver('n3', { type: 'StartViewChange', view: 1 });
    const dvc = ofType(n2.sent, 'DoViewChange');
    // n2 is primary(1) of three: it records its own DoViewChange; n3's arrives next.
    expect(dvc).toEqual([]);
    const own = n2.node.inspect().doViewChanges.get('n2');
    expect(own).toMatchObject({ opNumber: 9, commitNumber: 9 });
    expect(own?.checkpoint?.opNumber).toBe(8);
    expect(own?.log.map((c) => c.reqId)).toEqual([9]);
  });

  it('a new primary whose machine is behind takes the chosen log with its checkpoint', () => {
    const n2 = backupWith(2, 4);
    n2.fire('primary-silence');
    n2.deliver('n3', { type: 'StartViewChange', view: 1 });
    const ops = Array.from({ length: 10 }, (_, i) => cmd(1, i + 1, i + 1));
    const checkpoint = { opNumber: 8, machine: snapshotAfter(ops.slice(0, 8)) };
    const started = n2.deliver('n3', { type: 'DoViewChange', view: 1, log: ops.slice(8), lastNormalView: 0, opNumber: 10, commitNumber: 9, checkpoint });
    const startView = ofType(started, 'StartView')[0]?.msg;
    expect(startView).toMatchObject({ view: 1, opNumber: 10, commitNumber: 9 });
    expect(startView?.checkpoint?.opNumber).toBe(8);
    expect(startView?.log.map((c) => c.reqId)).toEqual([9, 10]);
    expect(n2.node.inspect()).toMatchObject({ role: 'primary', appliedIndex: 9 });
    expect(n2.machine.digest()).toBe(snapshotAfter(ops.slice(0, 9)).digest);
  });
});

// ---------------------------------------------------------------- runs

const SCENARIO_DIR = new URL('../../scenarios/', import.meta.url).pathname;

/** A bundled VR scenario with `snapshotEvery` (and optionally another duration). */
function withCheckpoints(name: string, snapshotEvery: number, duration?: string): Scenario {
  let text = readFileSync(`${SCENARIO_DIR}${name}.yaml`, 'utf8');
  if (duration !== undefined) text = text.replace(/^duration: .*$/m, `duration: ${duration}`);
  text = /^protocolOptions:$/m.test(text)
    ? text.replace(/^protocolOptions:$/m, `protocolOptions:\n  snapshotEvery: ${snapshotEvery}`)
    : `${text}\nprotocolOptions:\n  snapshotEvery: ${snapshotEvery}\n`;
  return parseScenario(text, `${SCENARIO_DIR}${name}.yaml`);
}

describe('runs that checkpoint every few ops stay correct', () => {
  const cases: readonly [name: string, snapshotEvery: number, seeds: number][] = [
    ['vsr-nemesis', 2, 6],
    ['vsr-nemesis', 5, 6],
    ['vsr-nemesis', 8, 6],
    ['vsr-recovery', 3, 4],
    ['vsr-amnesiac-backup', 4, 4],
    ['vsr-primary-crash-view-change', 2, 4],
    ['vsr-log-selection-trap', 6, 4],
  ];
  for (const [name, snapshotEvery, seeds] of cases) {
    it(`${name} with snapshotEvery ${snapshotEvery}, seeds 1..${seeds}`, () => {
      const scenario = withCheckpoints(name, snapshotEvery);
      for (let seed = 1; seed <= seeds; seed++) {
        const { result } = runScenario(scenario, { seed, hashTrace: false });
        expect([name, seed, result.reason, result.checks.invariants]).toEqual([name, seed, undefined, []]);
      }
    });
  }

  it('restored checkpoints happen (recovery and state transfer take the checkpoint path)', () => {
    const scenario = withCheckpoints('vsr-nemesis', 3);
    let restored = 0;
    for (let seed = 1; seed <= 4 && restored === 0; seed++) {
      const outcome = runScenario(scenario, { seed, hashTrace: false, collectTrace: true, collectTraceKinds: ['note'] });
      expect(outcome.result.ok).toBe(true);
      restored += eventsOf(outcome.trace ?? [], 'note').filter((e) => /restored the checkpoint at op/.test(e.text)).length;
    }
    expect(restored).toBeGreaterThan(0);
  });
});

describe('memory does not grow with the run (sizes, no timing)', () => {
  /** Largest log a replica held (state snapshots show the held ops as `log.length`), and the monitor's sizes. */
  function measure(duration: string, snapshotEvery: number): { held: number; committed: number; monitor: ReturnType<VsrMonitor['sizes']> } {
    let monitor: VsrMonitor | null = null;
    const watched = {
      ...vsr,
      createMonitor: (ctx: Parameters<NonNullable<typeof vsr.createMonitor>>[0]) => (monitor = new VsrMonitor(ctx)),
    };
    const scenario = withCheckpoints('vsr-nemesis', snapshotEvery, duration);
    const outcome = runScenario(scenario, { seed: 3, protocols: () => watched, hashTrace: false, collectTrace: true, collectTraceKinds: ['state'] });
    expect(outcome.result.ok).toBe(true);
    let held = 0;
    let committed = 0;
    for (const state of eventsOf(outcome.trace ?? [], 'state')) {
      held = Math.max(held, Number(state.view['log.length'] ?? 0));
      committed = Math.max(committed, state.commitIndex);
    }
    if (monitor === null) throw new Error('no monitor');
    return { held, committed, monitor: (monitor as VsrMonitor).sizes() };
  }

  it('held ops and monitor records stay under a bound set by the options, however long the run', () => {
    const snapshotEvery = 8;
    const maxUncommitted = 256;
    const short = measure('20s', snapshotEvery);
    const long = measure('80s', snapshotEvery);
    expect(long.committed).toBeGreaterThan(3 * short.committed);
    for (const run of [short, long]) {
      expect(run.held).toBeLessThanOrEqual(snapshotEvery + 2 * maxUncommitted);
      expect(run.monitor.committedOps).toBeLessThanOrEqual(run.monitor.window + 1);
      expect(run.monitor.checkedNodes).toBeLessThanOrEqual(5);
      expect(run.monitor.acksTo).toBeLessThanOrEqual(5 * 4);
      // Nothing a replica committed fell behind the monitor's window: the window weakens no check.
      expect(run.monitor.belowWindow).toBe(0);
    }
    // The long run commits thousands of ops, far more than any bound above.
    expect(long.committed).toBeGreaterThan(4 * (snapshotEvery + maxUncommitted) * 2);
  });
});

describe('the bug variants are caught as early with checkpoints every 4 ops', () => {
  const cases: readonly [bug: string, scenario: string, invariant: string, seed: number][] = [
    ['vsr.rejoin-without-recovery', 'vsr-recovery', 'recovering-replica-silent', 1],
    ['vsr.rejoin-without-recovery', 'vsr-nemesis', 'recovering-replica-silent', 1],
    ['vsr.rejoin-without-recovery', 'vsr-amnesiac-backup', 'recovering-replica-silent', 1],
    ['vsr.longest-log-wins', 'vsr-log-selection-trap', 'committed-op-kept', 4],
    ['vsr.ack-with-gap', 'vsr-nemesis', 'prepare-ok-holds-prefix', 1],
    ['vsr.ack-with-gap', 'vsr-basic', 'prepare-ok-holds-prefix', 1],
  ];
  for (const [bug, name, invariant, firstSeed] of cases) {
    it(`${bug} in ${name}: first failing seed ${firstSeed}, as without checkpoints`, () => {
      const scenario = withCheckpoints(name, 4);
      for (let seed = 1; seed < firstSeed; seed++) expect(runScenario(scenario, { seed, extraBugs: [bug], hashTrace: false }).result.ok).toBe(true);
      const { result } = runScenario(scenario, { seed: firstSeed, extraBugs: [bug], hashTrace: false });
      expect(result.checks.invariants[0]?.name).toBe(invariant);
    });
  }
});

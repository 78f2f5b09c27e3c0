/** VR Revisited §4.3, recovery: a restarted replica has no state and waits for f + 1 answers. */
import type { TraceEventOf } from '../../sim/index.js';
import { describe, expect, it } from 'vitest';
import { vsr } from '../../protocols/vsr/index.js';
import type { RecoveryResponse } from '../../protocols/vsr/messages.js';
import { VsrMonitor } from '../../protocols/vsr/monitor.js';
import { runScenario } from '../fixtures/bundled.js';
import { cmd, ofType, ScriptedReplica } from './harness.js';
import { events, notes, roles, run, scenario } from './run-helpers.js';

function response(nonce: number, view: number, log: RecoveryResponse['log'], commitNumber = 0): RecoveryResponse {
  return { type: 'RecoveryResponse', view, nonce, log, opNumber: log?.length ?? 0, commitNumber };
}

function restarted(): { replica: ScriptedReplica; nonce: number } {
  const replica = new ScriptedReplica('n3', 3, { restarted: true });
  const recoveries = ofType(replica.sent, 'Recovery');
  expect(recoveries.map((s) => s.to)).toEqual(['n1', 'n2']);
  const nonce = recoveries[0]?.msg.nonce;
  if (nonce === undefined) throw new Error('no Recovery sent');
  return { replica, nonce };
}

describe('VR §4.3 recovery (scripted replica)', () => {
  it('a restarted replica sends Recovery and takes no part in Prepares or view changes', () => {
    const { replica } = restarted();
    expect(replica.node.inspect()).toMatchObject({ role: 'recovering', leader: null, logLength: 0 });
    expect(replica.deliver('n1', { type: 'Prepare', view: 0, op: cmd(1, 1, 1), opNumber: 1, commitNumber: 0 })).toEqual([]);
    expect(replica.deliver('n2', { type: 'StartViewChange', view: 1 })).toEqual([]);
    expect(replica.deliver('n1', { type: 'Recovery', nonce: 7 })).toEqual([]);
    replica.node.onRequest('c1', 1, { f: 'read', key: 'k1' });
    expect(replica.replies[0]?.reply).toEqual({ kind: 'redirect', leader: null });
  });

  it('needs f + 1 responses with its nonce, including the log from the primary of the latest view', () => {
    const { replica, nonce } = restarted();
    const log = [cmd(1, 1, 1), cmd(1, 2, 2)];
    replica.deliver('n1', response(nonce + 1, 0, log, 2)); // an answer to some older recovery
    replica.deliver('n2', response(nonce, 1, null));
    expect(replica.node.inspect().role).toBe('recovering');
    // n1 answers for view 0, but n2 reported view 1, whose primary (n2) sent no log: keep waiting.
    replica.deliver('n1', response(nonce, 0, log, 2));
    expect(replica.node.inspect().role).toBe('recovering');
    replica.deliver('n2', response(nonce, 1, log, 2));
    expect(replica.node.inspect()).toMatchObject({ role: 'backup', view: 1, leader: 'n2', opNumber: 2, commitNumber: 2 });
    expect(replica.machine.appliedCount).toBe(2);
  });

  it('with vsr.rejoin-without-recovery a restarted replica acknowledges at once with an empty log', () => {
    const replica = new ScriptedReplica('n3', 3, { restarted: true, bugs: ['vsr.rejoin-without-recovery'] });
    expect(ofType(replica.sent, 'Recovery')).toEqual([]);
    expect(replica.node.inspect().role).toBe('backup');
    const sent = replica.deliver('n1', { type: 'Prepare', view: 0, op: cmd(1, 1, 1), opNumber: 1, commitNumber: 0 });
    expect(ofType(sent, 'PrepareOk')).toHaveLength(1);
  });
});

describe('VR §4.3 recovery while the primary crashes (vsr-recovery, S-V2)', () => {
  it('n3 waits through the view change, recovers into view 1, and stays silent meanwhile', () => {
    for (const seed of [1, 2, 3]) {
      const outcome = run('vsr-recovery', seed, { trace: true });
      expect(outcome.result.reason).toBeUndefined();
      const n3 = roles(outcome, 'n3').filter((e) => e.t >= 4_000_000);
      expect(n3[0]).toMatchObject({ role: 'recovering', t: 4_000_000 });
      expect(n3[1]).toMatchObject({ role: 'backup', leader: 'n2' });
      expect(n3[1]?.term).toBeGreaterThanOrEqual(1);
      const n2Primary = roles(outcome, 'n2').find((e) => e.role === 'primary');
      expect(n3[1]?.t).toBeGreaterThan(n2Primary?.t ?? Infinity);
      const silentWindow = events(outcome).filter(
        (e): e is TraceEventOf<'send'> => e.kind === 'send' && e.from === 'n3' && e.t >= 4_000_000 && e.t < (n3[1]?.t ?? 0),
      );
      const kinds = new Set(silentWindow.map((e) => (e.msg as { type?: string }).type));
      expect([...kinds].filter((k) => k !== undefined && k !== 'Recovery')).toEqual([]);
      expect(notes(outcome, /^recovered: view [1-9]/).filter((e) => e.node === 'n3')).toHaveLength(1);
    }
  });

  it('vsr.rejoin-without-recovery is caught: the restarted replica speaks before recovering', () => {
    const outcome = run('vsr-recovery', 1, { bugs: ['vsr.rejoin-without-recovery'] });
    expect(outcome.result.ok).toBe(false);
    expect(outcome.result.checks.invariants[0]?.name).toBe('recovering-replica-silent');
  });

  it('nonces never repeat across restarts (drawn from the node stream, which spans incarnations)', () => {
    const seen = new Set<string>();
    let restarts = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const perNode = new Map<string, Set<string>>();
      for (const e of notes(run('vsr-nemesis', seed, { trace: true }), /recovering with nonce/)) {
        const node = String(e.node);
        const nonce = String(e.text).replace(/.*nonce /, '');
        const nonces = perNode.get(node) ?? new Set<string>();
        expect(nonces.has(nonce)).toBe(false);
        nonces.add(nonce);
        perNode.set(node, nonces);
        seen.add(`${seed}:${node}:${nonce}`);
        restarts++;
      }
    }
    expect(restarts).toBeGreaterThan(5);
    expect(seen.size).toBe(restarts);
  });
});

describe('VR §4.3 why recovery comes first (vsr-amnesiac-backup, tapir#15)', () => {
  it('correct VR waits for the heal, then n1\'s full log wins and n2 recovers from it', () => {
    for (const seed of [1, 2, 3]) {
      const outcome = run('vsr-amnesiac-backup', seed, { trace: true });
      expect(outcome.result.reason).toBeUndefined();
      const started = notes(outcome, /starts: /);
      expect(started).toHaveLength(1);
      expect(started[0]?.t).toBeGreaterThan(4_500_000);
      const n2 = roles(outcome, 'n2').filter((e) => e.t >= 3_500_000);
      expect(n2[0]?.role).toBe('recovering');
      expect(n2[1]?.t).toBeGreaterThan(started[0]?.t ?? Infinity);
    }
  });

  it('with vsr.rejoin-without-recovery the monitor stops n2 voting; unchecked, the vote loses committed ops', () => {
    const bugs = ['vsr.rejoin-without-recovery'];
    expect(run('vsr-amnesiac-backup', 1, { bugs }).result.checks.invariants[0]?.name).toBe('recovering-replica-silent');
    const lenient = { ...vsr, createMonitor: (ctx: Parameters<NonNullable<typeof vsr.createMonitor>>[0]) => new VsrMonitor(ctx, new Set(['recovering-replica-silent'])) };
    const outcome = runScenario(scenario('vsr-amnesiac-backup'), { seed: 1, extraBugs: bugs, protocols: () => lenient });
    expect(outcome.result.checks.invariants[0]?.name).toBe('committed-op-kept');
  });
});

describe('VR §4.3 liveness limit: a majority crashing at once never recovers', () => {
  it('stays safe but never makes progress again', () => {
    const base = scenario('vsr-basic');
    const crashMajority = {
      ...base,
      faults: [
        { atUs: 3_000_000, line: 0, action: { kind: 'crash', target: { kind: 'node', node: 'n1' }, restartUs: 500_000, amnesia: false } },
        { atUs: 3_000_000, line: 0, action: { kind: 'crash', target: { kind: 'node', node: 'n2' }, restartUs: 500_000, amnesia: false } },
      ],
    } as const;
    const outcome = runScenario(crashMajority, { seed: 1, collectTrace: true });
    expect(outcome.result.checks.invariants).toEqual([]);
    expect(outcome.result.checks.linearizable).toBe(true);
    expect(outcome.result.checks.liveness).toBe(false);
    // Both restarted replicas stay recovering to the end: n3 alone cannot answer for the group.
    for (const node of ['n1', 'n2']) expect(roles(outcome, node).at(-1)?.role).toBe('recovering');
  });
});

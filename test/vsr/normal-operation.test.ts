/** VR Revisited §4.1, normal operation: Prepare / PrepareOk / Commit, client table, redirects. */
import type { TraceEventOf } from '../../sim/index.js';
import { describe, expect, it } from 'vitest';
import { cmd, ofType, ScriptedReplica } from './harness.js';
import { events, roles, run } from './run-helpers.js';

describe('VR §4.1 normal operation (scripted replica)', () => {
  it('a backup appends Prepares in op order and acknowledges cumulatively', () => {
    const backup = new ScriptedReplica('n2', 3);
    const first = backup.deliver('n1', { type: 'Prepare', view: 0, op: cmd(1, 1, 10), opNumber: 1, commitNumber: 0 });
    expect(ofType(first, 'PrepareOk').map((s) => [s.to, s.msg.opNumber])).toEqual([['n1', 1]]);
    // op 3 arrives before op 2: no PrepareOk(3) while op 2 is missing, a GetState instead.
    const early = backup.deliver('n1', { type: 'Prepare', view: 0, op: cmd(1, 3, 30), opNumber: 3, commitNumber: 0 });
    expect(ofType(early, 'PrepareOk').every((s) => s.msg.opNumber < 3)).toBe(true);
    expect(ofType(early, 'GetState')).toHaveLength(1);
    const gap = backup.deliver('n1', { type: 'Prepare', view: 0, op: cmd(1, 2, 20), opNumber: 2, commitNumber: 0 });
    expect(ofType(gap, 'PrepareOk').map((s) => s.msg.opNumber)).toEqual([3]);
    expect(backup.node.inspect().opNumber).toBe(3);
  });

  it('with vsr.ack-with-gap the backup acknowledges op 3 while op 2 is missing', () => {
    const backup = new ScriptedReplica('n2', 3, { bugs: ['vsr.ack-with-gap'] });
    backup.deliver('n1', { type: 'Prepare', view: 0, op: cmd(1, 1, 10), opNumber: 1, commitNumber: 0 });
    const early = backup.deliver('n1', { type: 'Prepare', view: 0, op: cmd(1, 3, 30), opNumber: 3, commitNumber: 0 });
    expect(ofType(early, 'PrepareOk').map((s) => s.msg.opNumber)).toContain(3);
    expect(backup.node.inspect().opNumber).toBe(1);
  });

  it('a backup executes up to the commit-number of Commit and does not reply to clients', () => {
    const backup = new ScriptedReplica('n2', 3);
    backup.deliver('n1', { type: 'Prepare', view: 0, op: cmd(1, 1, 10), opNumber: 1, commitNumber: 0 });
    backup.deliver('n1', { type: 'Prepare', view: 0, op: cmd(2, 1, 20), opNumber: 2, commitNumber: 0 });
    backup.deliver('n1', { type: 'Commit', view: 0, commitNumber: 2 });
    expect(backup.machine.appliedCount).toBe(2);
    expect(backup.node.inspect().appliedIndex).toBe(2);
    expect(backup.replies).toEqual([]);
  });

  it('the primary commits after f PrepareOks, replies, and answers a retry from the client table', () => {
    const primary = new ScriptedReplica('n1', 3);
    primary.node.onRequest('c1', 1, { f: 'write', key: 'k1', value: 5 });
    expect(ofType(primary.sent, 'Prepare').map((s) => s.to)).toEqual(['n2', 'n3']);
    primary.node.onRequest('c1', 1, { f: 'write', key: 'k1', value: 5 });
    expect(ofType(primary.sent, 'Prepare')).toHaveLength(2); // in progress: not ordered twice
    expect(primary.replies).toEqual([]);
    primary.deliver('n3', { type: 'PrepareOk', view: 0, opNumber: 1 });
    expect(primary.replies).toEqual([{ client: 'c1', reqId: 1, reply: { kind: 'result', result: { type: 'ok', value: 5 } } }]);
    primary.node.onRequest('c1', 1, { f: 'write', key: 'k1', value: 5 });
    expect(primary.replies).toHaveLength(2);
    expect(ofType(primary.sent, 'Prepare')).toHaveLength(2);
    expect(primary.machine.appliedCount).toBe(1);
  });

  it('a backup redirects clients to the primary it believes in', () => {
    const backup = new ScriptedReplica('n3', 3);
    backup.node.onRequest('c1', 1, { f: 'read', key: 'k1' });
    expect(backup.replies).toEqual([{ client: 'c1', reqId: 1, reply: { kind: 'redirect', leader: 'n1' } }]);
  });
});

describe('VR §4.1 normal operation (vsr-basic)', () => {
  it('keeps n1 as primary of view 0, commits hundreds of ops and passes every check', () => {
    const outcome = run('vsr-basic', 1, { trace: true });
    expect(outcome.result.reason).toBeUndefined();
    expect(outcome.result.ok).toBe(true);
    expect(outcome.result.stats.ops.ok).toBeGreaterThan(300);
    expect(roles(outcome).filter((e) => e.term !== 0)).toEqual([]);
    const redirects = events(outcome).filter(
      (e): e is TraceEventOf<'send'> => e.kind === 'send' && e.from !== 'n1' && JSON.stringify(e.msg).includes('"redirect"'),
    );
    expect(redirects.length).toBeGreaterThan(0);
    for (const e of redirects) expect(JSON.stringify(e.msg)).toContain('"leader":"n1"');
  });
});

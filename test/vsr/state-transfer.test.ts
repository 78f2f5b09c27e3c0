/** VR Revisited §5.2, state transfer: a replica that is behind asks the primary with GetState. */
import { describe, expect, it } from 'vitest';
import { cmd, ofType, ScriptedReplica } from './harness.js';
import { notes, run } from './run-helpers.js';

/** n2, a backup of view 0 holding ops 1..2 with op 1 committed. */
function laggingBackup(): ScriptedReplica {
  const n2 = new ScriptedReplica('n2', 3);
  n2.deliver('n1', { type: 'Prepare', view: 0, op: cmd(1, 1, 1), opNumber: 1, commitNumber: 0 });
  n2.deliver('n1', { type: 'Prepare', view: 0, op: cmd(1, 2, 2), opNumber: 2, commitNumber: 1 });
  return n2;
}

describe('VR §5.2 state transfer (scripted replica)', () => {
  it('news of a later view asks its primary for the log after the commit-number', () => {
    const n2 = laggingBackup();
    const sent = n2.deliver('n3', { type: 'Commit', view: 2, commitNumber: 3 });
    expect(ofType(sent, 'GetState').map((s) => [s.to, s.msg.view, s.msg.after])).toEqual([['n3', 2, 1]]);
    expect(n2.node.inspect()).toMatchObject({ role: 'backup', view: 2, leader: 'n3' });
  });

  it('keeps its log and its v′ until NewState arrives (no truncation that could win a view change)', () => {
    const n2 = laggingBackup();
    n2.deliver('n3', { type: 'Commit', view: 2, commitNumber: 3 });
    expect(n2.node.inspect()).toMatchObject({ lastNormalView: 0, opNumber: 2 });
    // Before NewState arrives, view 3 starts changing: n2's DoViewChange speaks for view 0's log.
    n2.deliver('n1', { type: 'StartViewChange', view: 3 });
    const dvcs = ofType(n2.sent, 'DoViewChange');
    expect(dvcs.map((s) => [s.to, s.msg.view, s.msg.lastNormalView, s.msg.opNumber])).toEqual([['n1', 3, 0, 2]]);
  });

  it('NewState replaces the log after the commit-number and makes the replica a synced backup', () => {
    const n2 = laggingBackup();
    n2.deliver('n3', { type: 'Commit', view: 2, commitNumber: 3 });
    const entries = [cmd(2, 1, 20), cmd(2, 2, 30)];
    const sent = n2.deliver('n3', { type: 'NewState', view: 2, after: 1, entries, opNumber: 3, commitNumber: 3 });
    expect(n2.node.inspect()).toMatchObject({ view: 2, lastNormalView: 2, opNumber: 3, commitNumber: 3 });
    expect(n2.node.inspect().log.map((c) => `${c.client}#${c.reqId}`)).toEqual(['c1#1', 'c2#1', 'c2#2']);
    expect(ofType(sent, 'PrepareOk').map((s) => [s.to, s.msg.view, s.msg.opNumber])).toEqual([['n3', 2, 3]]);
    expect(n2.machine.appliedCount).toBe(3);
  });

  it('only a synced replica of the same view answers GetState', () => {
    const n2 = laggingBackup();
    expect(ofType(n2.deliver('n3', { type: 'GetState', view: 0, after: 1 }), 'NewState').map((s) => s.msg.entries.length)).toEqual([1]);
    expect(n2.deliver('n3', { type: 'GetState', view: 1, after: 0 })).toEqual([]);
  });
});

describe('VR §5.2 state transfer in a run', () => {
  it('the backup that missed StartView catches up by state transfer (vsr-primary-crash-view-change)', () => {
    // Seed 7 (the first of 1..60 where it happens): n2's Commit of view 1 overtakes its StartView on
    // the way to n3, which is still in the view change, so n3 asks for the state it missed.
    const outcome = run('vsr-primary-crash-view-change', 7, { trace: true });
    expect(outcome.result.reason).toBeUndefined();
    expect(notes(outcome, /view 1 is running without us: state transfer/).length).toBeGreaterThan(0);
  });
});

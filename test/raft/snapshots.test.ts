/**
 * Log compaction and InstallSnapshot (Raft §7; dissertation ch. 5), by hand on the paper
 * harness: a node snapshots every `snapshotEvery` applied entries and forgets its log up to
 * there, a restart restores the snapshot and replays only the log after it, and a follower that
 * needs compacted entries gets the leader's snapshot, keeping the suffix after the last included
 * entry when it holds that entry with its term and discarding its log otherwise.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../protocols/api.js';
import type { InstallSnapshot } from '../../protocols/raft/messages.js';
import { Cluster, read, write, type Envelope } from './harness.js';

const among =
  (...ids: NodeId[]) =>
  (e: Envelope): boolean =>
    ids.includes(e.from) && ids.includes(e.to);

/** Elect n1, then commit `count` writes through it (each delivered among `live`). */
function commitWrites(c: Cluster, count: number, live: NodeId[], from = 1): void {
  for (let i = from; i < from + count; i++) {
    c.request('n1', 'c1', i, write('k', i));
    c.stabilize(c.ids.filter((id) => !live.includes(id)));
    c.heartbeat('n1');
    c.stabilize(c.ids.filter((id) => !live.includes(id)));
  }
}

describe('§7 log compaction', () => {
  it('snapshots every snapshotEvery applied entries and keeps only the log after it; logLength stays the full length', () => {
    const c = new Cluster({ options: { snapshotEvery: 4 } });
    c.elect('n1');
    commitWrites(c, 10, c.ids);
    for (const id of c.ids) {
      const view = c.node(id).inspect();
      expect(view.logLength).toBe(11); // the no-op and ten writes
      expect(view.commitIndex).toBe(11);
      expect(view.snapshot.lastIncludedIndex).toBe(8);
      expect(view.log.length).toBe(view.logLength - view.snapshot.lastIncludedIndex);
      expect(c.machine(id).peek('k')).toEqual({ type: 'ok', value: 10 });
    }
  });

  it('a restart restores the snapshot and replays only the log after it', () => {
    const c = new Cluster({ options: { snapshotEvery: 4 } });
    c.elect('n1');
    commitWrites(c, 10, c.ids);
    c.crash('n2');
    c.restart('n2');
    const restarted = c.node('n2').inspect();
    // The snapshot's entries are committed and applied at once; the rest waits for the leader.
    expect(restarted).toMatchObject({ commitIndex: 8, appliedIndex: 8, logLength: 11 });
    expect(c.machine('n2').peek('k')).toEqual({ type: 'ok', value: 7 });
    c.heartbeat('n1');
    c.stabilize();
    expect(c.node('n2').inspect()).toMatchObject({ commitIndex: 11, appliedIndex: 11 });
    expect(c.machine('n2').peek('k')).toEqual({ type: 'ok', value: 10 });
  });

  it('a crash before the snapshot is synced brings back the old snapshot and the whole log', () => {
    const c = new Cluster({ options: { snapshotEvery: 4 } });
    c.elect('n1');
    commitWrites(c, 3, c.ids);
    // n3 holds entries 1..4 committed and a snapshot at 4; nothing is lost by crashing.
    c.crash('n3');
    c.restart('n3');
    expect(c.node('n3').inspect()).toMatchObject({ snapshot: { lastIncludedIndex: 4 }, logLength: 4, commitIndex: 4 });
  });
});

describe('§7 InstallSnapshot', () => {
  it('a follower behind the leader\'s snapshot gets the snapshot instead of entries, and catches up', () => {
    const c = new Cluster({ options: { snapshotEvery: 4 } });
    c.elect('n1');
    commitWrites(c, 10, ['n1', 'n2']);
    expect(c.node('n3').inspect().logLength).toBe(1); // cut off since the no-op
    c.heartbeat('n1');
    const sent = c.deliver((e) => e.to === 'n3' && e.msg.type === 'InstallSnapshot');
    expect(sent.length).toBe(1);
    const msg = sent[0]?.msg as InstallSnapshot;
    expect(msg).toMatchObject({ lastIncludedIndex: 8, lastIncludedTerm: 1 });
    // Its log did not hold entry 8: discarded; the snapshot is its state now.
    expect(c.node('n3').inspect()).toMatchObject({ commitIndex: 8, appliedIndex: 8, logLength: 8, snapshot: { lastIncludedIndex: 8 } });
    expect(c.node('n3').inspect().log.length).toBe(0);
    c.stabilize();
    c.heartbeat('n1');
    c.stabilize();
    expect(c.node('n3').inspect()).toMatchObject({ commitIndex: 11, appliedIndex: 11, logLength: 11 });
    expect(c.machine('n3').peek('k')).toEqual({ type: 'ok', value: 10 });
    // The snapshot was persisted before the answer: a crash right now keeps it.
    c.crash('n3');
    c.restart('n3');
    expect(c.node('n3').inspect().snapshot.lastIncludedIndex).toBeGreaterThanOrEqual(8);
  });

  it('a follower whose log holds the last included entry with its term keeps the entries after it', () => {
    const c = new Cluster({ options: { snapshotEvery: 100 } });
    c.elect('n1');
    commitWrites(c, 5, c.ids);
    const leader = c.node('n1').inspect();
    const snapshot = c.machine('n1').snapshot();
    // A snapshot at index 3 (term 1) reaching n2, which holds 1..6 and has committed 6: nothing to do.
    c.node('n2').onMessage('n1', { type: 'InstallSnapshot', term: leader.term, leader: 'n1', lastIncludedIndex: 3, lastIncludedTerm: 1, machine: snapshot, readSeq: 0 });
    expect(c.node('n2').inspect()).toMatchObject({ logLength: 6, commitIndex: 6, snapshot: { lastIncludedIndex: 0 } });
    // A fresh follower whose uncommitted log holds index 3 of term 1 keeps 4..6.
    c.crash('n3');
    c.restart('n3'); // commit index re-learned from 0; its log is 1..6
    expect(c.node('n3').inspect()).toMatchObject({ logLength: 6, commitIndex: 0 });
    const n1Machine = c.machine('n1');
    c.node('n3').onMessage('n1', { type: 'InstallSnapshot', term: leader.term, leader: 'n1', lastIncludedIndex: 6, lastIncludedTerm: 1, machine: n1Machine.snapshot(), readSeq: 0 });
    expect(c.node('n3').inspect()).toMatchObject({ logLength: 6, commitIndex: 6, appliedIndex: 6, snapshot: { lastIncludedIndex: 6, lastIncludedTerm: 1 } });
    expect(c.machine('n3').peek('k')).toEqual({ type: 'ok', value: 5 });
    const reply = c.outbox.find((e) => e.from === 'n3' && e.msg.type === 'InstallSnapshotReply');
    expect(reply?.msg).toMatchObject({ lastIncludedIndex: 6 });
  });

  it('a follower with a conflicting entry at the last included index discards its whole log', () => {
    const c = new Cluster({ options: { snapshotEvery: 2 } });
    c.seedLog('n1', [], 2);
    c.seedLog('n2', [], 2);
    c.seedLog('n3', [1, 1, 2, 2], 2); // entries of a leader of term 2 that never committed
    c.elect('n1', ['n3']); // n1 leads term 3 with n2
    expect(c.node('n1').inspect()).toMatchObject({ role: 'leader', term: 3 });
    commitWrites(c, 4, ['n1', 'n2']);
    const leader = c.node('n1').inspect();
    expect(leader.snapshot).toMatchObject({ lastIncludedIndex: 4, lastIncludedTerm: 3 });
    c.heartbeat('n1');
    const snapshots = c.outbox.length;
    c.stabilize();
    expect(snapshots).toBeGreaterThan(0);
    const n3 = c.node('n3').inspect();
    expect(n3.commitIndex).toBe(leader.commitIndex);
    expect(n3.log.every((e) => e.term === 3)).toBe(true);
    expect(c.machine('n3').peek('k')).toEqual({ type: 'ok', value: 4 });
  });

  it('ReadIndex still confirms leadership through followers that answer snapshots', () => {
    const c = new Cluster({ options: { snapshotEvery: 2, readPath: 'readindex' } });
    c.elect('n1');
    commitWrites(c, 4, ['n1', 'n2']);
    c.request('n1', 'c2', 1, read('k'));
    c.stabilize(['n2']); // only n3, which needs the snapshot, can confirm the round
    const answer = c.replies.find((r) => r.client === 'c2');
    expect(answer?.reply).toEqual({ kind: 'result', result: { type: 'ok', value: 4 } });
  });
});

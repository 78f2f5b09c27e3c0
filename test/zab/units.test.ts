/**
 * The pure pieces, checked in isolation: FLE's vote order (phase 0), the zxid order,
 * DIFF/TRUNC/SNAP planning (phase 2) and the FIFO session that stands in for TCP.
 */
import { describe, expect, it } from 'vitest';
import { betterVote, moreRecent } from '../../protocols/zab/election.js';
import { Session, MAX_HELD_MESSAGES } from '../../protocols/zab/session.js';
import { KvMachine } from '../../protocols/kv.js';
import { ORIGIN } from '../../protocols/zab/snapshot.js';
import { commonPrefix, planSync } from '../../protocols/zab/sync.js';
import { compareZxid, indexOfZxid, makeTxn, type Txn } from '../../protocols/zab/zxid.js';

/** A leader history that was never compacted. */
function whole(held: readonly Txn[]) {
  return { held, compacted: ORIGIN, snapshot: null };
}

function history(...zxids: [number, number][]): Txn[] {
  return zxids.map(([e, c], i) => makeTxn(e, c, { client: 'c1', reqId: i + 1, op: { f: 'write', key: 'k', value: i } }));
}

describe('phase 0: fast leader election vote order', () => {
  const vote = (leader: `n${number}`, epoch: number, e: number, c: number) => ({ leader, epoch, zxid: { epoch: e, counter: c } });

  it('prefers the higher currentEpoch, then the higher zxid, then the higher id', () => {
    expect(betterVote(vote('n1', 2, 1, 1), vote('n3', 1, 1, 9))).toBe(true);
    expect(betterVote(vote('n1', 1, 1, 9), vote('n3', 1, 1, 8))).toBe(true);
    expect(betterVote(vote('n3', 1, 1, 8), vote('n1', 1, 1, 8))).toBe(true);
    expect(betterVote(vote('n1', 1, 1, 8), vote('n1', 1, 1, 8))).toBe(false);
    expect(betterVote(vote('n10', 0, 0, 0), vote('n9', 0, 0, 0))).toBe(true);
  });

  it('a higher epoch beats a longer history (what ZOOKEEPER-4643 exploits)', () => {
    expect(moreRecent(2, { epoch: 1, counter: 3 }, 1, { epoch: 1, counter: 90 })).toBe(true);
    expect(moreRecent(1, { epoch: 1, counter: 3 }, 1, { epoch: 1, counter: 90 })).toBe(false);
  });
});

describe('zxids (epoch, counter)', () => {
  it('order lexicographically by (epoch, counter) and are found by binary search', () => {
    expect(compareZxid({ epoch: 2, counter: 1 }, { epoch: 1, counter: 99 })).toBeGreaterThan(0);
    const h = history([1, 1], [1, 2], [2, 1], [3, 1], [3, 2]);
    expect(indexOfZxid(h, { epoch: 3, counter: 1 })).toBe(3);
    expect(indexOfZxid(h, { epoch: 2, counter: 2 })).toBe(-1);
  });
});

describe('phase 2: synchronization plans', () => {
  const leader = history([1, 1], [1, 2], [1, 3], [2, 1], [2, 2]);

  it('DIFF when the follower holds a prefix of our history', () => {
    const plan = planSync(whole(leader), { epoch: 1, counter: 3 });
    expect(plan.mode).toBe('DIFF');
    if (plan.mode === 'DIFF') expect([plan.from, plan.txns.length]).toEqual([3, 2]);
    const empty = planSync(whole(leader), { epoch: 0, counter: 0 });
    expect(empty.mode === 'DIFF' && empty.txns.length).toBe(5);
  });

  it('TRUNC then DIFF when the follower has an orphan tail of an epoch we also hold', () => {
    const plan = planSync(whole(leader), { epoch: 1, counter: 7 });
    expect(plan.mode).toBe('TRUNC');
    if (plan.mode === 'TRUNC') {
      expect(plan.length).toBe(3);
      expect(plan.anchor).toEqual({ epoch: 1, counter: 3 });
      expect(plan.txns.map((t) => t.zxid)).toEqual([{ epoch: 2, counter: 1 }, { epoch: 2, counter: 2 }]);
    }
  });

  it('SNAP when the follower ends in an epoch we know nothing of', () => {
    expect(planSync(whole(history([1, 1], [3, 1])), { epoch: 2, counter: 4 }).mode).toBe('SNAP');
    expect(planSync(whole([]), { epoch: 1, counter: 1 }).mode).toBe('SNAP');
  });

  it('common prefix compares zxids', () => {
    expect(commonPrefix(leader, history([1, 1], [1, 2], [1, 4]))).toBe(2);
  });
});

describe('FIFO sessions over a lossy, duplicating, reordering network', () => {
  const msg = (seq: number) => ({ seq });

  it('hides reordering and duplicates, as TCP does', () => {
    const s = new Session<{ seq: number }>('n1', 7, 0);
    expect(s.receive(msg(1)).kind).toBe('held');
    expect(s.hasGap).toBe(true);
    const out = s.receive(msg(0));
    expect(out.kind === 'deliver' && out.messages.map((m) => m.seq)).toEqual([0, 1]);
    expect(s.hasGap).toBe(false);
    expect(s.receive(msg(1)).kind).toBe('duplicate');
    expect(s.delivered).toBe(2);
  });

  it('breaks when too many messages wait behind a gap (a lost message is not retransmitted)', () => {
    const s = new Session<{ seq: number }>('n1', 7, 0);
    for (let seq = 1; seq <= MAX_HELD_MESSAGES; seq++) expect(s.receive(msg(seq)).kind).toBe('held');
    expect(s.receive(msg(MAX_HELD_MESSAGES + 1)).kind).toBe('broken');
  });
});

describe('phase 2 with a compacted leader history (ZooKeeper SNAP sync)', () => {
  // The leader compacted its first 3 transactions (1.1, 1.2, 1.3) into a snapshot; it holds 2.1, 2.2.
  const full = history([1, 1], [1, 2], [1, 3], [2, 1], [2, 2]);
  const held = full.slice(3);
  const snapshot = { index: 3, zxid: { epoch: 1, counter: 3 }, machine: new KvMachine().snapshot() };
  const leader = { held, compacted: { index: 3, zxid: snapshot.zxid }, snapshot };

  it('DIFF of everything held to a follower whose last zxid is the compaction point', () => {
    const plan = planSync(leader, { epoch: 1, counter: 3 });
    expect(plan.mode === 'DIFF' && [plan.from, plan.txns.length]).toEqual([3, 2]);
    const within = planSync(leader, { epoch: 2, counter: 1 });
    expect(within.mode === 'DIFF' && [within.from, within.txns.length]).toEqual([4, 1]);
  });

  it('SNAP with the snapshot, then the held rest, to a follower below the compaction point (or empty)', () => {
    for (const last of [{ epoch: 1, counter: 2 }, { epoch: 0, counter: 0 }]) {
      const plan = planSync(leader, last);
      expect(plan.mode).toBe('SNAP');
      if (plan.mode === 'SNAP') {
        expect(plan.snapshot?.index).toBe(3);
        expect(plan.txns.map((t) => t.zxid)).toEqual([{ epoch: 2, counter: 1 }, { epoch: 2, counter: 2 }]);
      }
    }
  });

  it('TRUNC anchored at the compaction point when the follower\'s orphan tail is of that epoch', () => {
    const plan = planSync(leader, { epoch: 1, counter: 9 });
    expect(plan.mode === 'TRUNC' && [plan.length, plan.anchor, plan.txns.length]).toEqual([3, { epoch: 1, counter: 3 }, 2]);
  });
});

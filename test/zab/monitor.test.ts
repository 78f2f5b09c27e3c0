/**
 * The monitor on hand-made views: each invariant fires on the state it forbids and stays quiet on
 * a legal one (Leadership, PrefixConsistency, primary order, acceptedEpoch ≥ currentEpoch, no
 * committed transaction truncated).
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../protocols/api.js';
import type { LeaderMessage } from '../../protocols/zab/messages.js';
import { ZabMonitor } from '../../protocols/zab/monitor.js';
import type { ZabView } from '../../protocols/zab/node.js';
import { ORIGIN } from '../../protocols/zab/snapshot.js';
import { makeTxn, type Txn } from '../../protocols/zab/zxid.js';

const NODES: readonly NodeId[] = ['n1', 'n2', 'n3'];

function monitor(): ZabMonitor {
  return new ZabMonitor({ nodes: NODES, options: {}, bugs: new Set(), isCorrect: () => true });
}

function txn(epoch: number, counter: number): Txn {
  return makeTxn(epoch, counter, { client: 'c1', reqId: epoch * 100 + counter, op: { f: 'write', key: 'k', value: counter } });
}

function view(over: Partial<ZabView>): ZabView {
  const history = over.history ?? [];
  return {
    role: 'following',
    term: 1,
    leader: 'n3',
    commitIndex: 0,
    appliedIndex: 0,
    logLength: history.length,
    phase: 'broadcast',
    epoch: 1,
    acceptedEpoch: 1,
    currentEpoch: 1,
    history,
    truncations: 0,
    truncatedFrom: 0,
    removed: [],
    compacted: ORIGIN,
    ...over,
  };
}

function propose(t: Txn): LeaderMessage {
  return { type: 'PROPOSE', sid: 1, seq: 1, index: 0, txn: t };
}

describe('Zab monitor', () => {
  it('Leadership: two servers establishing one epoch', () => {
    const m = monitor();
    expect(m.afterStep('n1', view({ role: 'leading', phase: 'synchronization', epoch: 2 }))).toBeNull();
    expect(m.afterStep('n1', view({ role: 'leading', phase: 'broadcast', epoch: 2 }))).toBeNull();
    expect(m.afterStep('n2', view({ role: 'leading', phase: 'discovery', epoch: 2 }))).toBeNull();
    expect(m.afterStep('n2', view({ role: 'leading', phase: 'synchronization', epoch: 2 }))?.name).toBe('zab.leadership');
  });

  it('PrefixConsistency: two different transactions committed at one index', () => {
    const m = monitor();
    expect(m.afterStep('n1', view({ history: [txn(1, 1), txn(1, 2)], commitIndex: 2 }))).toBeNull();
    expect(m.afterStep('n2', view({ history: [txn(1, 1)], commitIndex: 1 }))).toBeNull();
    expect(m.afterStep('n3', view({ history: [txn(1, 1), txn(2, 1)], commitIndex: 2 }))?.name).toBe('zab.prefix-consistency');
  });

  it('primary order: a delivered sequence going back in zxid order, a leader proposing backwards', () => {
    const m = monitor();
    expect(m.afterStep('n1', view({ history: [txn(2, 1), txn(1, 5)], commitIndex: 2 }))?.name).toBe('zab.primary-order');
    const p = monitor();
    expect(p.onSend('n3', 'n1', propose(txn(1, 2)))).toBeNull();
    expect(p.onSend('n3', 'n2', propose(txn(1, 2)))).toBeNull();
    expect(p.onSend('n3', 'n1', propose(txn(1, 1)))?.name).toBe('zab.primary-order');
    expect(p.onSend('n2', 'n1', propose(txn(1, 3)))?.name).toBe('zab.leadership');
  });

  it('acceptedEpoch ≥ currentEpoch', () => {
    expect(monitor().afterStep('n1', view({ acceptedEpoch: 1, currentEpoch: 2 }))?.name).toBe('zab.epochs');
  });

  it('no committed transaction truncated (an uncommitted orphan may go)', () => {
    const m = monitor();
    expect(m.afterStep('n1', view({ history: [txn(1, 1), txn(1, 2)], commitIndex: 2 }))).toBeNull();
    const orphan = view({ history: [txn(1, 1), txn(1, 2)], truncations: 1, truncatedFrom: 2, removed: [txn(1, 3)] });
    expect(m.afterStep('n2', orphan)).toBeNull();
    const bad = view({ history: [txn(1, 1)], truncations: 2, truncatedFrom: 1, removed: [txn(1, 2)] });
    expect(m.afterStep('n2', bad)?.name).toBe('zab.committed-truncated');
  });

  it('a restarted server is checked again from its first commit', () => {
    const m = monitor();
    expect(m.afterStep('n1', view({ history: [txn(1, 1)], commitIndex: 1 }))).toBeNull();
    m.onCrash('n2');
    expect(m.afterStep('n2', view({ history: [txn(2, 1)], commitIndex: 1 }))?.name).toBe('zab.prefix-consistency');
  });
});

describe('Zab proof steps (Junqueira, Reed, Serafini 2011, §IV)', () => {
  const ackE = (epoch: number, currentEpoch = 0) => ({ type: 'ACK-E', sid: 1, seq: 1, epoch, currentEpoch, lastZxid: { epoch: 0, counter: 0 } }) as const;

  it('epoch-promise: a follower promising one epoch to two leaders (a scripted second ACK-E)', () => {
    const m = monitor();
    expect(m.onSend('n1', 'n2', ackE(3))).toBeNull();
    expect(m.onSend('n1', 'n2', ackE(3))).toBeNull();
    expect(m.onSend('n1', 'n3', ackE(3, -1))).toBeNull(); // "already promised": not counted
    expect(m.onSend('n1', 'n3', ackE(3))).toMatchObject({ name: 'zab.epoch-promise', nodes: ['n1', 'n2', 'n3'] });
  });

  it('epoch-promise: a promise below one already made, and a leader\'s own epoch as its promise', () => {
    const m = monitor();
    m.onSend('n1', 'n2', ackE(4));
    expect(m.onSend('n1', 'n3', ackE(3))).toMatchObject({ name: 'zab.epoch-promise' });
    const l = monitor();
    expect(l.afterStep('n2', view({ role: 'leading', phase: 'synchronization', epoch: 5 }))).toBeNull();
    expect(l.onSend('n2', 'n3', ackE(5))).toMatchObject({ name: 'zab.epoch-promise' });
  });

  it('initial-history: a leader establishing an epoch without a committed transaction', () => {
    const m = monitor();
    expect(m.afterStep('n1', view({ history: [txn(1, 1), txn(1, 2)], commitIndex: 2 }))).toBeNull();
    expect(m.afterStep('n2', view({ role: 'leading', phase: 'synchronization', epoch: 2, history: [txn(1, 1), txn(1, 2), txn(1, 3)] }))).toBeNull();
    const finding = m.afterStep('n3', view({ role: 'leading', phase: 'synchronization', epoch: 3, history: [txn(1, 1)] }));
    expect(finding).toMatchObject({ name: 'zab.initial-history', nodes: ['n3'] });
  });

  it('initial-history: a stale prospective leader need not hold what a later epoch committed', () => {
    const m = monitor();
    expect(m.afterStep('n1', view({ history: [txn(1, 1), txn(3, 1)], commitIndex: 2, epoch: 3, acceptedEpoch: 3, currentEpoch: 3 }))).toBeNull();
    // n3 was paused with ACK-Es for epoch 2 queued; it reaches synchronization of epoch 2 now.
    expect(m.afterStep('n3', view({ role: 'leading', phase: 'synchronization', epoch: 2, acceptedEpoch: 2, history: [txn(1, 1)] }))).toBeNull();
    expect(m.afterStep('n2', view({ role: 'leading', phase: 'synchronization', epoch: 4, acceptedEpoch: 4, history: [txn(1, 1)] }))).toMatchObject({ name: 'zab.initial-history' });
  });
});

describe('bounded records', () => {
  it('remembers the owners of the latest epochs only, and still catches two leaders of a recent epoch', () => {
    const m = monitor();
    for (let epoch = 1; epoch <= 20_000; epoch++) expect(m.onSend('n1', 'n2', propose(txn(epoch, 1)))).toBeNull();
    expect(m.sizes().epochs).toBeLessThanOrEqual(2 * 4096);
    expect(m.onSend('n2', 'n3', propose(txn(19_999, 2)))?.name).toBe('zab.leadership');
  });

  it('below a server\'s compaction point its snapshot\'s last zxid stands for the prefix', () => {
    const m = monitor();
    expect(m.afterStep('n1', view({ history: [txn(1, 1), txn(1, 2), txn(1, 3)], commitIndex: 3 }))).toBeNull();
    // n2 compacted the first two into a snapshot ending at 1.2 and holds 1.3.
    const compacted = { index: 2, zxid: { epoch: 1, counter: 2 } };
    expect(m.afterStep('n2', view({ history: [txn(1, 3)], logLength: 3, commitIndex: 3, compacted }))).toBeNull();
    const other = { index: 2, zxid: { epoch: 1, counter: 7 } };
    expect(m.afterStep('n3', view({ history: [txn(1, 3)], logLength: 3, commitIndex: 3, compacted: other }))?.name).toBe('zab.prefix-consistency');
    const leader = view({ role: 'leading', phase: 'synchronization', epoch: 2, history: [txn(1, 3)], logLength: 3, compacted: other });
    expect(m.afterStep('n2', leader)?.name).toBe('zab.initial-history');
  });
});

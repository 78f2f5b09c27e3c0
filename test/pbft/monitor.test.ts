/** The invariant monitor, fed journals directly: it must fire on each violation, only for correct replicas. */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../protocols/api.js';
import { pbft } from '../../protocols/pbft/index.js';
import type { PbftEvent, PbftView } from '../../protocols/pbft/index.js';
import { NULL_DIGEST, type NewViewBody, type PbftMessage, type Signed } from '../../protocols/pbft/messages.js';

const retained = { slots: 0, logEntries: 0, checkpoints: 0, proposals: 0, viewChanges: 0 };

function monitor(byzantine: NodeId[] = []) {
  const m = pbft.createMonitor?.({ nodes: ['n1', 'n2', 'n3', 'n4'], options: {}, bugs: new Set(), isCorrect: (n) => !byzantine.includes(n) });
  if (m === undefined) throw new Error('pbft has a monitor');
  return (node: NodeId, ...journal: PbftEvent[]) => m.afterStep(node, { role: 'backup', term: 0, leader: 'n1', commitIndex: 0, appliedIndex: 0, logLength: 0, lowWaterMark: 0, highWaterMark: 16, stableDigest: 'genesis', timeoutUs: 1, pendingRequests: 0, journal, newView: null, retained } satisfies PbftView, 0);
}

describe('PBFT monitor', () => {
  it('prepared-agreement: two digests prepared at one (view, seq)', () => {
    const step = monitor();
    expect(step('n1', { kind: 'prepared', view: 0, seq: 1, digest: 'a' })).toBeNull();
    expect(step('n2', { kind: 'prepared', view: 0, seq: 1, digest: 'a' })).toBeNull();
    expect(step('n2', { kind: 'prepared', view: 1, seq: 1, digest: 'b' })).toBeNull();
    expect(step('n3', { kind: 'prepared', view: 0, seq: 1, digest: 'b' })?.name).toBe('prepared-agreement');
  });

  it('committed-agreement: across views, and prepared after a commit in an earlier view', () => {
    const step = monitor();
    expect(step('n1', { kind: 'committed', view: 0, seq: 5, digest: 'a', via: 'local' })).toBeNull();
    expect(step('n2', { kind: 'committed', view: 2, seq: 5, digest: 'b', via: 'local' })?.name).toBe('committed-agreement');
    const again = monitor();
    again('n1', { kind: 'committed', view: 0, seq: 5, digest: 'a', via: 'local' });
    expect(again('n3', { kind: 'prepared', view: 1, seq: 5, digest: 'null' })?.name).toBe('committed-agreement');
  });

  it('execution and checkpoint agreement', () => {
    const step = monitor();
    step('n1', { kind: 'executed', seq: 1, digest: 'a', result: '{"type":"ok","value":1}' });
    expect(step('n2', { kind: 'executed', seq: 1, digest: 'a', result: '{"type":"ok","value":2}' })?.name).toBe('execution-agreement');
    step('n1', { kind: 'checkpoint', seq: 8, digest: 'x' });
    expect(step('n2', { kind: 'stable', seq: 8, digest: 'y' })?.name).toBe('checkpoint-agreement');
  });

  it('ignores byzantine replicas', () => {
    const step = monitor(['n4']);
    step('n1', { kind: 'prepared', view: 0, seq: 1, digest: 'a' });
    expect(step('n4', { kind: 'prepared', view: 0, seq: 1, digest: 'b' })).toBeNull();
  });
});

describe('PBFT proof steps (Castro & Liskov, §4.2 and §4.4)', () => {
  const nodes: NodeId[] = ['n1', 'n2', 'n3', 'n4'];
  const sig = (signer: NodeId) => ({ signer, digest: 'sig' });
  const full = (byzantine: NodeId[] = []) => {
    const m = pbft.createMonitor?.({ nodes, options: {}, bugs: new Set(), isCorrect: (n) => !byzantine.includes(n) });
    if (m === undefined) throw new Error('pbft has a monitor');
    return m;
  };
  const base: PbftView = { role: 'backup', term: 1, leader: 'n2', commitIndex: 0, appliedIndex: 0, logLength: 0, lowWaterMark: 0, highWaterMark: 16, stableDigest: 'genesis', timeoutUs: 1, pendingRequests: 0, journal: [], newView: null, retained };
  const prepare = (replica: NodeId, view: number, seq: number, digest: string): PbftMessage => ({ type: 'prepare', view, seq, digest, replica, sig: sig(replica) });
  const prePrepare = (view: number, seq: number, digest: string) => ({ type: 'pre-prepare', view, seq, digest, request: null, sig: sig('n1') }) as const;
  const cert = (view: number, seq: number, digest: string) => ({ prePrepare: prePrepare(view, seq, digest), prepares: [] });
  const viewChange = (replica: NodeId, view: number, stableSeq: number, prepared: ReturnType<typeof cert>[]): PbftMessage =>
    ({ type: 'view-change', view, stableSeq, stableDigest: 'd', stableProof: [], prepared, replica, sig: sig(replica) });

  it('prepare-once: a correct replica preparing two digests at one (view, seq) (a scripted second PREPARE)', () => {
    const m = full(['n4']);
    expect(m.onSend?.('n3', 'n1', prepare('n3', 0, 7, 'a'), 0)).toBeNull();
    expect(m.onSend?.('n3', 'n2', prepare('n3', 0, 7, 'a'), 0)).toBeNull();
    expect(m.onSend?.('n3', 'n2', prepare('n3', 1, 7, 'b'), 0)).toBeNull();
    expect(m.onSend?.('n3', 'n2', prepare('n3', 1, 7, 'c'), 0)).toMatchObject({ name: 'prepare-once', nodes: ['n3'] });
    m.onSend?.('n4', 'n2', prepare('n4', 0, 7, 'a'), 0);
    expect(m.onSend?.('n4', 'n2', prepare('n4', 0, 7, 'b'), 0)).toBeNull(); // a traitor may
  });

  it('prepare-once: a correct primary proposing two digests at one (view, seq); a PRE-PREPARE passed on is not its vote', () => {
    const m = full();
    expect(m.onSend?.('n1', 'n2', prePrepare(0, 5, 'a'), 0)).toBeNull();
    expect(m.onSend?.('n3', 'n2', prePrepare(0, 5, 'z'), 0)).toBeNull(); // n3 relays n1's message
    expect(m.onSend?.('n1', 'n3', prePrepare(0, 5, 'b'), 0)).toMatchObject({ name: 'prepare-once', nodes: ['n1'] });
  });

  it('new-view-o: a replica entering a view with an O that V does not imply', () => {
    const vcs = [
      viewChange('n1', 1, 0, [cert(0, 1, 'a'), cert(0, 3, 'c')]),
      viewChange('n3', 1, 0, [cert(0, 1, 'a')]),
      viewChange('n4', 1, 0, []),
    ] as NewViewBody['viewChanges'];
    const o = (digests: string[]) => digests.map((d, i) => ({ ...prePrepare(1, i + 1, d), sig: sig('n2') }));
    const good: Signed<NewViewBody> = { type: 'new-view', view: 1, viewChanges: vcs, prePrepares: o(['a', NULL_DIGEST, 'c']), sig: sig('n2') };
    const forged: Signed<NewViewBody> = { ...good, prePrepares: o(['a', NULL_DIGEST, NULL_DIGEST]) };
    const short: Signed<NewViewBody> = { ...good, prePrepares: o(['a']) };
    expect(full().afterStep('n3', { ...base, newView: good }, 0)).toBeNull();
    expect(full().afterStep('n3', { ...base, newView: forged }, 0)).toMatchObject({ name: 'new-view-o', nodes: ['n3'] });
    expect(full().afterStep('n3', { ...base, newView: short }, 0)).toMatchObject({ name: 'new-view-o' });
  });

  it('prepared-kept: a VIEW-CHANGE without a certificate its sender prepared, across a plain crash', () => {
    const m = full();
    m.afterStep('n3', { ...base, term: 0, journal: [{ kind: 'prepared', view: 0, seq: 5, digest: 'a' }, { kind: 'prepared', view: 0, seq: 2, digest: 'b' }] }, 0);
    expect(m.onSend?.('n3', 'n1', viewChange('n3', 1, 2, [cert(0, 5, 'a')]), 0)).toBeNull();
    m.onCrash?.('n3', false);
    expect(m.onSend?.('n3', 'n1', viewChange('n3', 2, 2, []), 0)).toMatchObject({ name: 'prepared-kept', nodes: ['n3'] });
    const wiped = full();
    wiped.afterStep('n3', { ...base, term: 0, journal: [{ kind: 'prepared', view: 0, seq: 5, digest: 'a' }] }, 0);
    wiped.onCrash?.('n3', true);
    expect(wiped.onSend?.('n3', 'n1', viewChange('n3', 1, 0, []), 0)).toBeNull();
  });
});

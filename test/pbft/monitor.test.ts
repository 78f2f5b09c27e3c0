/** The invariant monitor, fed journals directly: it must fire on each violation, only for correct replicas. */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../protocols/api.js';
import { pbft } from '../../protocols/pbft/index.js';
import type { PbftEvent, PbftView } from '../../protocols/pbft/index.js';

function monitor(byzantine: NodeId[] = []) {
  const m = pbft.createMonitor?.({ nodes: ['n1', 'n2', 'n3', 'n4'], options: {}, bugs: new Set(), isCorrect: (n) => !byzantine.includes(n) });
  if (m === undefined) throw new Error('pbft has a monitor');
  return (node: NodeId, ...journal: PbftEvent[]) => m.afterStep(node, { role: 'backup', term: 0, leader: 'n1', commitIndex: 0, appliedIndex: 0, logLength: 0, lowWaterMark: 0, highWaterMark: 16, stableDigest: 'genesis', timeoutUs: 1, pendingRequests: 0, journal } satisfies PbftView, 0);
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

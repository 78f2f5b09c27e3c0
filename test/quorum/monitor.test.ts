/**
 * The quorum register's online invariants, fed hand-made views and messages: each fires on the
 * step that breaks it and stays quiet on the steps that do not.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../protocols/api.js';
import { QuorumMonitor } from '../../protocols/quorum/monitor.js';
import type { Tag } from '../../protocols/quorum/tag.js';
import type { CompletedWrite, QuorumView, Tagged } from '../../protocols/quorum/types.js';

const NODES: NodeId[] = ['n1', 'n2', 'n3', 'n4', 'n5'];
const tag = (ts: number, writer = 1, reqId = ts): Tag => ({ ts, writer, reqId });

function monitor(w = 3): QuorumMonitor {
  return new QuorumMonitor({ nodes: NODES, options: { r: 3, w, readRepair: true }, bugs: new Set(), isCorrect: () => true });
}

function view(registers: Record<string, Tagged>, changed: string[], completed: CompletedWrite[] = []): QuorumView {
  return {
    role: 'replica',
    term: 0,
    leader: null,
    commitIndex: 0,
    appliedIndex: 0,
    logLength: 0,
    registers: new Map(Object.entries(registers)),
    changed,
    completed,
    coordinating: 0,
  };
}

describe('tag-monotonic', () => {
  it('accepts rising tags and reports a tag that goes back after a restart', () => {
    const m = monitor();
    expect(m.afterStep('n2', view({ k: { tag: tag(1), value: 1 } }, ['k']))).toBeNull();
    expect(m.afterStep('n2', view({ k: { tag: tag(2), value: 2 } }, ['k']))).toBeNull();
    m.onCrash('n2');
    // The restarted replica's view names no key as changed: the monitor compares them all.
    expect(m.afterStep('n2', view({ k: { tag: tag(1), value: 1 } }, []))).toMatchObject({
      name: 'tag-monotonic',
      nodes: ['n2'],
      detail: "n2's tag for k went back from 2/c1#2 to 1/c1#1",
    });
  });
});

describe('write-quorum', () => {
  it('holds when w replicas hold the completed tag or a higher one', () => {
    const m = monitor();
    for (const node of ['n1', 'n2'] as const) m.afterStep(node, view({ k: { tag: tag(1), value: 1 } }, ['k']));
    m.afterStep('n3', view({ k: { tag: tag(2), value: 2 } }, ['k']));
    expect(m.afterStep('n1', view({ k: { tag: tag(1), value: 1 } }, [], [{ key: 'k', tag: tag(1) }]))).toBeNull();
  });

  it('reports a completed write held by fewer than w replicas', () => {
    const m = monitor();
    m.afterStep('n2', view({ k: { tag: tag(1), value: 1 } }, ['k']));
    expect(m.afterStep('n1', view({ k: { tag: tag(1), value: 1 } }, ['k'], [{ key: 'k', tag: tag(1) }]))).toMatchObject({
      name: 'write-quorum',
      detail: 'the completed write 1/c1#1 of k is held by 2 replica(s) (n1, n2), fewer than w = 3',
    });
  });

  it('reports a replica that loses a completed write and so drops it below w', () => {
    const m = monitor();
    for (const node of ['n1', 'n2', 'n3'] as const) m.afterStep(node, view({ k: { tag: tag(1), value: 1 } }, ['k']));
    expect(m.afterStep('n1', view({ k: { tag: tag(1), value: 1 } }, [], [{ key: 'k', tag: tag(1) }]))).toBeNull();
    m.onCrash('n3');
    expect(m.afterStep('n3', view({}, []))).toMatchObject({ name: 'write-quorum', nodes: ['n3', 'n4', 'n5'] });
  });
});

describe('unique-tag', () => {
  it('accepts a tag stored again with its value and reports it with another value', () => {
    const m = monitor();
    const ref = { epoch: 1, op: 1 };
    expect(m.onSend('n1', 'n2', { type: 'store', ref, key: 'k', tag: tag(1, 0, 0), value: 10 })).toBeNull();
    expect(m.onSend('n3', 'n2', { type: 'store', ref, key: 'k', tag: tag(1, 0, 0), value: 10 })).toBeNull();
    expect(m.onSend('n4', 'n2', { type: 'store', ref, key: 'k', tag: tag(1, 0, 0), value: 20 })).toMatchObject({
      name: 'unique-tag',
      detail: 'n4 stores 20 for k under tag 1, which already names 10',
    });
  });
});

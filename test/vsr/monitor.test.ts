/**
 * The VR monitor's proof-step checks on hand-made views and messages (VR Revisited §4.1-§4.3):
 * each stays quiet on a legal step and reports the scripted step that breaks it.
 */
import { describe, expect, it } from 'vitest';
import type { Command, NodeId } from '../../protocols/api.js';
import type { DoViewChange, Log, VsrMessage } from '../../protocols/vsr/messages.js';
import { VsrMonitor } from '../../protocols/vsr/monitor.js';
import { NO_CHECKPOINT } from '../../protocols/vsr/checkpoint.js';
import type { VsrRole, VsrView } from '../../protocols/vsr/replica.js';

const nodes: NodeId[] = ['n1', 'n2', 'n3', 'n4', 'n5'];
const op = (reqId: number): Command => ({ client: 'c1', reqId, op: { f: 'write', key: 'k', value: reqId } });
const monitor = (): VsrMonitor => new VsrMonitor({ nodes, options: {}, bugs: new Set(), isCorrect: () => true });

function view(role: VsrRole, viewNumber: number, log: Log, commitNumber: number, dvcs: [NodeId, DoViewChange][] = []): VsrView {
  return {
    role,
    term: viewNumber,
    leader: null,
    commitIndex: commitNumber,
    appliedIndex: commitNumber,
    logLength: log.length,
    status: role === 'primary' || role === 'backup' ? 'normal' : role,
    view: viewNumber,
    lastNormalView: viewNumber,
    opNumber: log.length,
    commitNumber,
    log,
    checkpoint: NO_CHECKPOINT,
    nonce: null,
    doViewChanges: new Map(dvcs),
  };
}

const ok = (viewNumber: number, opNumber: number): VsrMessage => ({ type: 'PrepareOk', view: viewNumber, opNumber });

describe('§4.1 a primary commits only what f + 1 replicas hold in its view', () => {
  const log = [op(1), op(2), op(3)];

  it('accepts a commit backed by f PrepareOks of the current view', () => {
    const m = monitor();
    expect(m.afterStep('n1', view('primary', 0, log, 0))).toBeNull();
    m.onSend('n2', 'n1', ok(0, 3));
    m.onSend('n3', 'n1', ok(0, 2));
    expect(m.afterStep('n1', view('primary', 0, log, 2))).toBeNull();
  });

  it('flags a commit past what f backups acknowledged (a scripted early commit)', () => {
    const m = monitor();
    m.afterStep('n1', view('primary', 0, log, 0));
    m.onSend('n2', 'n1', ok(0, 3));
    m.onSend('n3', 'n1', ok(0, 2));
    expect(m.afterStep('n1', view('primary', 0, log, 3))).toMatchObject({ name: 'commit-quorum', nodes: ['n1'] });
  });

  it('does not count PrepareOks of an earlier view', () => {
    const m = monitor();
    m.onSend('n2', 'n1', ok(0, 3));
    m.onSend('n3', 'n1', ok(0, 3));
    m.afterStep('n1', view('primary', 5, log, 0));
    expect(m.afterStep('n1', view('primary', 5, log, 3))).toMatchObject({ name: 'commit-quorum' });
  });
});

describe('§4.2 the new primary takes the log of the largest v′, then the largest op-number', () => {
  const dvc = (lastNormalView: number, log: Log): DoViewChange => ({ type: 'DoViewChange', view: 2, log, lastNormalView, opNumber: log.length, commitNumber: 0 });
  const older = [op(1), op(2), op(3)];
  const newer = [op(1), op(7)];
  const gathered: [NodeId, DoViewChange][] = [
    ['n3', dvc(1, newer)],
    ['n1', dvc(0, older)],
    ['n2', dvc(1, [op(1)])],
  ];

  it('accepts the StartView of the largest v′', () => {
    const m = monitor();
    m.onSend('n3', 'n1', { type: 'StartView', view: 2, log: newer, opNumber: 2, commitNumber: 0 });
    expect(m.afterStep('n3', view('primary', 2, newer, 0, gathered))).toBeNull();
  });

  it('flags the longest log chosen over the latest normal view (a scripted choice)', () => {
    const m = monitor();
    m.onSend('n3', 'n1', { type: 'StartView', view: 2, log: older, opNumber: 3, commitNumber: 0 });
    expect(m.afterStep('n3', view('primary', 2, older, 0, gathered))).toMatchObject({ name: 'log-selection', nodes: ['n3'] });
  });
});

describe('§4.3 a replica that lost its state recovers from the primary of the view it adopts', () => {
  it('accepts recovery with f + 1 responses including the primary\'s log', () => {
    const m = monitor();
    m.onCrash('n4');
    m.onSend('n4', 'n1', { type: 'Recovery', nonce: 7 });
    for (const from of ['n1', 'n2', 'n3'] as const) {
      m.onSend(from, 'n4', { type: 'RecoveryResponse', view: 1, nonce: 7, log: from === 'n2' ? [op(1)] : null, opNumber: 1, commitNumber: 1 });
    }
    expect(m.afterStep('n4', view('backup', 1, [op(1)], 1))).toBeNull();
  });

  it('flags a replica that left recovery without the primary\'s response (a scripted early exit)', () => {
    const m = monitor();
    m.onCrash('n4');
    m.onSend('n4', 'n1', { type: 'Recovery', nonce: 7 });
    for (const from of ['n1', 'n3', 'n5'] as const) {
      m.onSend(from, 'n4', { type: 'RecoveryResponse', view: 1, nonce: 7, log: null, opNumber: 1, commitNumber: 1 });
    }
    expect(m.afterStep('n4', view('backup', 1, [op(1)], 1))).toMatchObject({ name: 'recovery-hears-primary', nodes: ['n4'] });
  });
});

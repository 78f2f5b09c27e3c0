/**
 * The Multi-Paxos monitor on hand-made message sequences: it must see a value chosen exactly when
 * a majority accepted one proposal (PMS §2.2), and flag every way the safety rules break.
 */
import { describe, expect, it } from 'vitest';
import type { Command, NodeId } from '../../protocols/api.js';
import { BALLOT_ZERO } from '../../protocols/multipaxos/ballot.js';
import { MultiPaxosMonitor } from '../../protocols/multipaxos/monitor.js';
import type { Ballot, MultiPaxosMessage, MultiPaxosView, PromisedSlot, SlotValue } from '../../protocols/multipaxos/types.js';

const nodes: NodeId[] = ['n1', 'n2', 'n3', 'n4', 'n5'];
const b = (round: number, node: NodeId): Ballot => ({ round, node });
const cmd = (reqId: number): SlotValue => {
  const command: Command = { client: 'c1', reqId, op: { f: 'write', key: 'k', value: reqId } };
  return { kind: 'command', command };
};

function monitor(): MultiPaxosMonitor {
  return new MultiPaxosMonitor({ nodes, options: {}, bugs: new Set(), isCorrect: () => true });
}

function accepted(ballot: Ballot, slot: number, value: SlotValue): MultiPaxosMessage {
  return { type: 'accepted', ballot, slot, value };
}

function accept(ballot: Ballot, slot: number, value: SlotValue, leaderAccepted: boolean): MultiPaxosMessage {
  return { type: 'accept', ballot, slot, value, leaderAccepted };
}

function view(promised: Ballot, snapshotSlot = 0): MultiPaxosView {
  return { role: 'follower', term: promised.round, leader: null, commitIndex: 0, appliedIndex: 0, logLength: 0, promised, ballot: null, openSlots: 0, queued: 0, counted: null, compaction: { snapshotSlot, chosenHeld: 0, votesHeld: 0 } };
}

describe('one value per slot (PMS §2.1 safety, chosen as in §2.2)', () => {
  it('accepts the same value chosen again at a higher ballot (P2)', () => {
    const m = monitor();
    expect(m.onSend('n1', 'n2', accept(b(1, 'n1'), 0, cmd(1), true))).toBeNull();
    expect(m.onSend('n2', 'n1', accepted(b(1, 'n1'), 0, cmd(1)))).toBeNull();
    expect(m.onSend('n3', 'n1', accepted(b(1, 'n1'), 0, cmd(1)))).toBeNull();
    for (const from of ['n2', 'n3', 'n4'] as const) expect(m.onSend(from, 'n2', accepted(b(2, 'n2'), 0, cmd(1)))).toBeNull();
  });

  it('reports a second value chosen in a slot, naming both majorities', () => {
    const m = monitor();
    // Two votes at ballot 1 are not a majority of five: nothing is chosen yet, so ballot 2 may differ.
    m.onSend('n1', 'n2', accept(b(1, 'n1'), 0, cmd(1), true));
    m.onSend('n2', 'n1', accepted(b(1, 'n1'), 0, cmd(1)));
    for (const from of ['n3', 'n4'] as const) expect(m.onSend(from, 'n5', accepted(b(2, 'n5'), 0, cmd(2)))).toBeNull();
    expect(m.onSend('n5', 'n5', accepted(b(2, 'n5'), 0, cmd(2)))).toBeNull(); // chosen: cmd 2
    expect(m.onSend('n3', 'n1', accepted(b(1, 'n1'), 0, cmd(1)))).toMatchObject({ name: 'one-value-per-slot' });
  });

  it('counts a leader\'s own vote only when its Accept says so', () => {
    const m = monitor();
    m.onSend('n1', 'n2', accept(b(1, 'n1'), 3, cmd(1), false));
    m.onSend('n2', 'n1', accepted(b(1, 'n1'), 3, cmd(1)));
    m.onSend('n3', 'n1', accepted(b(1, 'n1'), 3, cmd(1)));
    // Not chosen (two votes), so a different value at a higher ballot is no P2ᵇ violation.
    expect(m.onSend('n4', 'n2', accept(b(2, 'n4'), 3, cmd(2), true))).toBeNull();
  });
});

describe('P2ᵇ (§2.2): every proposal above a chosen one carries its value', () => {
  it('flags an Accept with another value at a higher ballot', () => {
    const m = monitor();
    m.onSend('n1', 'n2', accept(b(1, 'n1'), 0, cmd(1), true));
    m.onSend('n2', 'n1', accepted(b(1, 'n1'), 0, cmd(1)));
    m.onSend('n3', 'n1', accepted(b(1, 'n1'), 0, cmd(1)));
    expect(m.onSend('n4', 'n5', accept(b(2, 'n4'), 0, cmd(2), true))).toMatchObject({ name: 'p2b' });
  });
});

describe('§2.5 unique proposal numbers', () => {
  it('flags two values proposed in one slot at one ballot', () => {
    const m = monitor();
    m.onSend('n1', 'n2', accept(b(1, 'n1'), 0, cmd(1), true));
    expect(m.onSend('n1', 'n3', accept(b(1, 'n1'), 0, cmd(2), true))).toMatchObject({ name: 'unique-ballot' });
  });
});

describe('§2.5 an acceptor remembers its promise across restarts', () => {
  it('flags a promised ballot that goes backwards, even after a crash', () => {
    const m = monitor();
    expect(m.afterStep('n1', view(b(3, 'n2')))).toBeNull();
    expect(m.afterStep('n1', view(b(4, 'n1')))).toBeNull();
    // n1 crashes and restarts: the monitor outlives it and still remembers 4.n1.
    expect(m.afterStep('n1', view(b(4, 'n1')))).toBeNull();
    expect(m.afterStep('n1', view(BALLOT_ZERO))).toMatchObject({ name: 'promise-monotonic', nodes: ['n1'] });
  });
});

/** A leader's view after phase 1: it leads `ballot` having counted these promises. */
function leaderView(node: NodeId, ballot: Ballot, counted: [NodeId, PromisedSlot[]][]): MultiPaxosView {
  return { ...view(ballot), role: 'leader', term: ballot.round, leader: node, ballot, counted: new Map(counted) };
}

function promise(ballot: Ballot, slots: PromisedSlot[]): MultiPaxosMessage {
  return { type: 'promise', ballot, fromSlot: 0, slots };
}

describe('P2ᶜ (§2.2): a leader proposes the highest-numbered value its counted promises report', () => {
  const b5 = b(5, 'n1');
  const reports: PromisedSlot[] = [{ slot: 0, kind: 'accepted', ballot: b(2, 'n2'), value: cmd(1) }];
  const higher: PromisedSlot[] = [{ slot: 0, kind: 'accepted', ballot: b(3, 'n3'), value: cmd(3) }];

  function elected(): MultiPaxosMonitor {
    const m = monitor();
    m.onSend('n2', 'n1', promise(b5, reports));
    m.onSend('n3', 'n1', promise(b5, higher));
    expect(m.afterStep('n1', leaderView('n1', b5, [['n1', []], ['n2', reports], ['n3', higher]]))).toBeNull();
    return m;
  }

  it('accepts the value of the highest vote, and anything in a slot nobody voted in', () => {
    const m = elected();
    expect(m.onSend('n1', 'n2', accept(b5, 0, cmd(3), true))).toBeNull();
    expect(m.onSend('n1', 'n2', accept(b5, 1, cmd(9), true))).toBeNull();
  });

  it('flags a lower vote\'s value (the scripted step of a leader that picks the wrong vote)', () => {
    const m = elected();
    expect(m.onSend('n1', 'n2', accept(b5, 0, cmd(1), true))).toMatchObject({ name: 'p2c', nodes: ['n1', 'n3'] });
  });

  it('flags a fresh command in a slot a promise reported a vote in, even in the step that made it leader', () => {
    const m = monitor();
    m.onSend('n2', 'n1', promise(b5, reports));
    m.onSend('n3', 'n1', promise(b5, []));
    // The Accept leaves inside the step; the leadership is seen only after it.
    expect(m.onSend('n1', 'n2', accept(b5, 0, cmd(7), true))).toBeNull();
    expect(m.afterStep('n1', leaderView('n1', b5, [['n1', []], ['n2', reports], ['n3', []]]))).toMatchObject({ name: 'p2c' });
  });

  it('flags a value other than one a promise reported chosen', () => {
    const m = monitor();
    const chosen: PromisedSlot[] = [{ slot: 4, kind: 'chosen', value: cmd(4) }];
    m.onSend('n2', 'n1', promise(b5, chosen));
    m.onSend('n3', 'n1', promise(b5, []));
    m.afterStep('n1', leaderView('n1', b5, [['n1', []], ['n2', chosen], ['n3', []]]));
    expect(m.onSend('n1', 'n3', accept(b5, 4, { kind: 'noop' }, true))).toMatchObject({ name: 'p2c' });
  });
});

describe('§2.2 phase 2 needs promises for the ballot itself', () => {
  it('flags a leader counting a promise made to its earlier ballot', () => {
    const m = monitor();
    m.onSend('n2', 'n1', promise(b(4, 'n1'), []));
    m.onSend('n3', 'n1', promise(b(5, 'n1'), []));
    const finding = m.afterStep('n1', leaderView('n1', b(5, 'n1'), [['n1', []], ['n2', []], ['n3', []]]));
    expect(finding).toMatchObject({ name: 'promise-current-ballot', nodes: ['n1', 'n2'] });
  });

  it('counts the leader\'s own acceptor when it promised the ballot', () => {
    const m = monitor();
    m.onSend('n2', 'n1', promise(b(5, 'n1'), []));
    expect(m.afterStep('n1', leaderView('n1', b(5, 'n1'), [['n1', []], ['n2', []]]))).toBeNull();
  });
});

describe('P1ᵃ (§2.2): no vote below a promise', () => {
  it('flags an Accepted below the ballot the acceptor promised', () => {
    const m = monitor();
    m.onSend('n2', 'n1', promise(b(5, 'n1'), []));
    expect(m.onSend('n2', 'n4', accepted(b(4, 'n4'), 0, cmd(1)))).toMatchObject({ name: 'p1a', nodes: ['n2'] });
  });

  it('flags a leader voting for its own Accept below its acceptor\'s promise', () => {
    const m = monitor();
    m.afterStep('n4', view(b(6, 'n2')));
    expect(m.onSend('n4', 'n1', accept(b(5, 'n4'), 0, cmd(1), true))).toMatchObject({ name: 'p1a' });
    expect(monitor().onSend('n4', 'n1', accept(b(5, 'n4'), 0, cmd(1), true))).toBeNull();
  });
});

describe('bounded records (Paxos Made Live §5.5 snapshots)', () => {
  /** Slots 0..count-1 chosen at ballot 1.n1 by n1, n2, n3. */
  function chooseSlots(m: MultiPaxosMonitor, count: number): void {
    for (let slot = 0; slot < count; slot++) {
      expect(m.onSend('n1', 'n2', accept(b(1, 'n1'), slot, cmd(slot), true))).toBeNull();
      for (const from of ['n2', 'n3'] as const) expect(m.onSend(from, 'n1', accepted(b(1, 'n1'), slot, cmd(slot)))).toBeNull();
    }
  }

  it('keeps per-slot records until every node has a snapshot past them, then forgets them', () => {
    const m = monitor();
    chooseSlots(m, 10);
    expect(m.sizes()).toMatchObject({ slots: 10, chosen: 10 });
    for (const node of ['n1', 'n2', 'n3', 'n4'] as const) m.afterStep(node, view(b(1, 'n1'), 8));
    // n5 has no snapshot yet: it could still need those slots, so nothing is forgotten.
    expect(m.sizes()).toMatchObject({ slots: 10, chosen: 10 });
    // A second value chosen in slot 2 is still caught.
    expect(m.onSend('n2', 'n1', accept(b(2, 'n2'), 2, cmd(99), true))).toMatchObject({ name: 'p2b' });
    m.afterStep('n5', view(b(1, 'n1'), 6));
    expect(m.sizes()).toMatchObject({ slots: 4, chosen: 4 });
    // Slots 6..9 are still judged; a late Accepted for slot 1 (below every snapshot) is ignored.
    expect(m.onSend('n3', 'n2', accept(b(3, 'n3'), 7, cmd(98), true))).toMatchObject({ name: 'p2b' });
    expect(m.onSend('n4', 'n1', accepted(b(1, 'n1'), 1, cmd(1)))).toBeNull();
    expect(m.sizes()).toMatchObject({ slots: 4, chosen: 4 });
  });

  it('keeps one Promise record per proposer: its highest ballot', () => {
    const m = monitor();
    for (let round = 1; round <= 50; round++) {
      for (const from of ['n2', 'n3'] as const) m.onSend(from, 'n1', { type: 'promise', ballot: b(round, 'n1'), fromSlot: 0, slots: [] });
    }
    expect(m.sizes().proposers).toBe(1);
    // A Promise to an earlier ballot, sent late, does not count for the latest one.
    m.onSend('n4', 'n1', { type: 'promise', ballot: b(49, 'n1'), fromSlot: 0, slots: [] });
    const finding = m.afterStep('n1', leaderView('n1', b(50, 'n1'), [['n1', []], ['n2', []], ['n4', []]]));
    expect(finding).toMatchObject({ name: 'promise-current-ballot', nodes: ['n1', 'n4'] });
  });
});

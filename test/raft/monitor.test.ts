/**
 * The Raft monitor on hand-made views and messages: each of Figure 3's properties it checks must
 * stay quiet on a legal history and report the first step that breaks it.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../protocols/api.js';
import type { LogEntry } from '../../protocols/raft/messages.js';
import { RaftMonitor } from '../../protocols/raft/monitor.js';
import type { RaftRole, RaftView } from '../../protocols/raft/node.js';

const noop = (term: number): LogEntry => ({ term, command: null });
const cmd = (term: number, reqId: number): LogEntry => ({ term, command: { client: 'c1', reqId, op: { f: 'write', key: 'k', value: reqId } } });

function view(role: RaftRole, term: number, log: readonly LogEntry[], commitIndex = 0): RaftView {
  const last = log[log.length - 1];
  return {
    role,
    term,
    leader: role === 'leader' ? 'n1' : null,
    commitIndex,
    appliedIndex: commitIndex,
    logLength: log.length,
    snapshot: { lastIncludedIndex: 0, lastIncludedTerm: 0 },
    votedFor: null,
    lastLogTerm: last === undefined ? 0 : last.term,
    log,
  };
}

describe('Election Safety', () => {
  it('allows one leader per term, and a later leader in a later term', () => {
    const m = new RaftMonitor();
    expect(m.afterStep('n1', view('leader', 1, [noop(1)]))).toBeNull();
    expect(m.afterStep('n1', view('leader', 1, [noop(1)]))).toBeNull();
    expect(m.afterStep('n2', view('leader', 2, [noop(1), noop(2)]))).toBeNull();
  });

  it('reports a second leader of the same term, even after the first stepped down', () => {
    const m = new RaftMonitor();
    m.afterStep('n1', view('leader', 3, [noop(3)]));
    m.afterStep('n1', view('follower', 3, [noop(3)]));
    expect(m.afterStep('n2', view('leader', 3, [noop(3)]))).toMatchObject({ name: 'election safety', nodes: ['n1', 'n2'] });
  });
});

describe('State Machine Safety / Log Matching over committed entries', () => {
  it('reports two different entries committed at one index', () => {
    const m = new RaftMonitor();
    expect(m.afterStep('n1', view('follower', 2, [noop(1), cmd(2, 1)], 2))).toBeNull();
    expect(m.afterStep('n2', view('follower', 3, [noop(1), cmd(2, 1)], 2))).toBeNull();
    expect(m.afterStep('n3', view('follower', 3, [noop(1), cmd(3, 7)], 2))).toMatchObject({ name: 'state machine safety', nodes: ['n1', 'n3'] });
  });

  it('re-checks a restarted node as it re-learns its commit index', () => {
    const m = new RaftMonitor();
    m.afterStep('n1', view('follower', 2, [noop(1), cmd(2, 1)], 2));
    m.afterStep('n2', view('follower', 2, [noop(1), cmd(2, 1)], 2));
    m.onCrash('n2');
    expect(m.afterStep('n2', view('follower', 2, [noop(1), cmd(2, 1)], 0))).toBeNull();
    expect(m.afterStep('n2', view('follower', 2, [noop(1), cmd(2, 9)], 2))).toMatchObject({ name: 'state machine safety' });
  });
});

describe('Leader Completeness', () => {
  it('reports a leader missing an entry committed in an earlier term', () => {
    const m = new RaftMonitor();
    m.afterStep('n1', view('leader', 2, [noop(1), cmd(2, 1)], 2));
    expect(m.afterStep('n2', view('leader', 3, [noop(1)]))).toMatchObject({ name: 'leader completeness', nodes: ['n2'] });
  });

  it('does not require a leader of an older term (resumed after a pause) to hold later commits', () => {
    const m = new RaftMonitor();
    m.afterStep('n1', view('leader', 5, [noop(1), noop(5)], 2));
    expect(m.afterStep('n3', view('leader', 4, [noop(1)]))).toBeNull();
  });
});

describe('Leader Append-Only', () => {
  it('reports a leader that shortens its log during its term', () => {
    const m = new RaftMonitor();
    m.afterStep('n1', view('leader', 2, [noop(1), noop(2), cmd(2, 1)]));
    expect(m.afterStep('n1', view('leader', 2, [noop(1), noop(2)]))).toMatchObject({ name: 'leader append-only' });
  });
});

describe('Figure 2 persistence: terms and votes across restarts', () => {
  it('reports a term going backwards, crash or not', () => {
    const m = new RaftMonitor();
    m.afterStep('n1', view('follower', 4, []));
    m.onCrash('n1');
    expect(m.afterStep('n1', view('follower', 3, []))).toMatchObject({ name: 'term never decreases' });
  });

  it('reports a second vote in one term; a repeated vote or a pre-vote is fine', () => {
    const m = new RaftMonitor();
    const grant = (term: number, preVote = false) => ({ type: 'RequestVoteReply' as const, term, voteGranted: true, preVote });
    expect(m.onSend('n2', 'n1', grant(1))).toBeNull();
    expect(m.onSend('n2', 'n1', grant(1))).toBeNull();
    expect(m.onSend('n2', 'n3', grant(2, true))).toBeNull();
    expect(m.onSend('n2', 'n3', grant(2))).toBeNull();
    const voter: NodeId = 'n2';
    expect(m.onSend(voter, 'n3', grant(1))).toMatchObject({ name: 'one vote per term', nodes: ['n2', 'n1', 'n3'] });
  });
});

describe('§5.4.1 a vote goes only to a candidate at least as up-to-date as the voter', () => {
  const ask = (term: number, lastLogIndex: number, lastLogTerm: number) =>
    ({ type: 'RequestVote', term, candidate: 'n2', lastLogIndex, lastLogTerm, preVote: false }) as const;
  const grant = (term: number) => ({ type: 'RequestVoteReply', term, voteGranted: true, preVote: false }) as const;

  it('allows a vote for a longer log of the same last term, or a higher last term', () => {
    const m = new RaftMonitor();
    m.afterStep('n1', view('follower', 2, [noop(1), cmd(2, 1)]));
    m.onSend('n2', 'n1', ask(3, 2, 2));
    expect(m.onSend('n1', 'n2', grant(3))).toBeNull();
    m.onSend('n2', 'n3', ask(4, 1, 3));
    expect(m.onSend('n1', 'n2', grant(4))).toBeNull();
  });

  it('flags a vote for a candidate whose last term is older than the voter\'s (a scripted bad vote)', () => {
    const m = new RaftMonitor();
    m.afterStep('n1', view('follower', 2, [noop(1), cmd(2, 1)]));
    m.onSend('n2', 'n1', ask(3, 5, 1));
    expect(m.onSend('n1', 'n2', grant(3))).toMatchObject({ name: 'vote up-to-date', nodes: ['n1', 'n2'] });
  });

  it('flags a vote for a shorter log of the same last term', () => {
    const m = new RaftMonitor();
    m.afterStep('n1', view('follower', 2, [noop(1), cmd(2, 1), cmd(2, 2)]));
    m.onSend('n2', 'n1', ask(3, 2, 2));
    expect(m.onSend('n1', 'n2', grant(3))).toMatchObject({ name: 'vote up-to-date' });
  });
});

describe('§5.2 a leader is elected by votes of its own term from a majority', () => {
  const nodes: NodeId[] = ['n1', 'n2', 'n3', 'n4', 'n5'];
  const grant = (term: number) => ({ type: 'RequestVoteReply', term, voteGranted: true, preVote: false }) as const;
  const leaderView = (term: number): RaftView => ({ ...view('leader', term, [noop(term)]), leader: 'n1', votedFor: 'n1' });

  it('accepts a leader with its own vote and two granted votes of its term', () => {
    const m = new RaftMonitor({ nodes });
    m.onSend('n2', 'n1', grant(4));
    m.onSend('n3', 'n1', grant(4));
    expect(m.afterStep('n1', leaderView(4))).toBeNull();
  });

  it('flags a leader that counted a vote of an earlier term (a scripted tally)', () => {
    const m = new RaftMonitor({ nodes });
    m.onSend('n2', 'n1', grant(3));
    m.onSend('n3', 'n1', grant(4));
    expect(m.afterStep('n1', leaderView(4))).toMatchObject({ name: 'tally current term', nodes: ['n1'] });
  });

  it('flags a leader that counted one voter twice', () => {
    const m = new RaftMonitor({ nodes });
    m.onSend('n2', 'n1', grant(4));
    m.onSend('n2', 'n1', grant(4));
    expect(m.afterStep('n1', leaderView(4))).toMatchObject({ name: 'tally current term' });
  });
});

describe('§5.3 an acknowledged prefix matches the leader\'s log', () => {
  const ack = (term: number, matchIndex: number) =>
    ({ type: 'AppendEntriesReply', term, success: true, matchIndex, rejectedPrev: 0, conflictTerm: 0, conflictIndex: 0, readSeq: 0 }) as const;

  it('accepts an acknowledgement of entries the follower holds as the leader does', () => {
    const m = new RaftMonitor();
    m.afterStep('n1', view('leader', 2, [noop(1), noop(2)]));
    m.onSend('n2', 'n1', ack(2, 2));
    expect(m.afterStep('n2', view('follower', 2, [noop(1), noop(2)]))).toBeNull();
  });

  it('flags a follower that acknowledges an index where it holds an entry of another term', () => {
    const m = new RaftMonitor();
    m.afterStep('n1', view('leader', 3, [noop(1), noop(3)]));
    m.onSend('n2', 'n1', ack(3, 2));
    expect(m.afterStep('n2', view('follower', 3, [noop(1), noop(2)]))).toMatchObject({ name: 'ack matches leader', nodes: ['n2', 'n1'] });
  });

  it('flags a follower that acknowledges entries it does not hold', () => {
    const m = new RaftMonitor();
    m.afterStep('n1', view('leader', 3, [noop(1), noop(3)]));
    m.onSend('n2', 'n1', ack(3, 2));
    expect(m.afterStep('n2', view('follower', 3, [noop(1)]))).toMatchObject({ name: 'ack matches leader' });
  });
});

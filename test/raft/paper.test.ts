/**
 * Raft's rules, one test per rule, named after the paper section (Ongaro & Ousterhout 2014) or
 * the thesis section (Ongaro 2014) it comes from. Each test drives a hand-made cluster message
 * by message (harness.ts), so the exact situation of the paper can be built.
 */
import { describe, expect, it } from 'vitest';
import type { NodeId } from '../../protocols/api.js';
import type { AppendEntries, RaftMessage } from '../../protocols/raft/messages.js';
import { Cluster, read, write, type Envelope } from './harness.js';

const among =
  (...ids: NodeId[]) =>
  (e: Envelope): boolean =>
    ids.includes(e.from) && ids.includes(e.to);

function appendEntries(fields: Partial<AppendEntries> & { term: number; leader: NodeId }): RaftMessage {
  return { type: 'AppendEntries', prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0, readSeq: 0, ...fields };
}

function lastSent(c: Cluster, from: NodeId): RaftMessage | undefined {
  return [...c.outbox].reverse().find((e) => e.from === from)?.msg;
}

describe('§5.1 terms', () => {
  it('a node that sees a higher term becomes a follower of it and persists it before replying', () => {
    const c = new Cluster();
    c.elect('n1');
    expect(c.node('n1').inspect().role).toBe('leader');
    c.node('n1').onMessage('n2', appendEntries({ term: 7, leader: 'n2' }));
    expect(c.node('n1').inspect()).toMatchObject({ role: 'follower', term: 7, leader: 'n2' });
    c.crash('n1');
    c.restart('n1');
    expect(c.node('n1').inspect().term).toBe(7);
  });

  it('a request from an older term is refused with the current term, so its sender steps down', () => {
    const c = new Cluster();
    c.elect('n1');
    c.elect('n2'); // n2 campaigns in term 2 and wins; n1 is now a follower of term 2
    c.outbox = [];
    c.node('n3').onMessage('n1', appendEntries({ term: 1, leader: 'n1' }));
    expect(lastSent(c, 'n3')).toMatchObject({ type: 'AppendEntriesReply', success: false, term: 2 });
  });
});

describe('§5.2 leader election', () => {
  it('a candidate with votes from a majority becomes leader and appends a no-op of its term (§8)', () => {
    const c = new Cluster({ nodes: 5 });
    c.timeout('n1');
    expect(c.node('n1').inspect()).toMatchObject({ role: 'candidate', term: 1, votedFor: 'n1' });
    c.deliver(among('n1', 'n2', 'n3')); // RequestVote to n2, n3 only
    c.deliver(among('n1', 'n2', 'n3')); // their grants
    expect(c.node('n1').inspect()).toMatchObject({ role: 'leader', term: 1, logLength: 1 });
    expect(c.log('n1')[0]).toEqual({ term: 1, command: null });
  });

  it('a voter grants one vote per term, and the vote survives a crash (Figure 2: persisted before replying)', () => {
    const c = new Cluster();
    c.timeout('n1');
    c.timeout('n3'); // two candidates in term 1
    c.deliver((e) => e.from === 'n1' && e.to === 'n2');
    expect(lastSent(c, 'n2')).toMatchObject({ type: 'RequestVoteReply', voteGranted: true, term: 1 });
    c.crash('n2');
    c.restart('n2');
    expect(c.node('n2').inspect().votedFor).toBe('n1');
    c.outbox = [];
    c.node('n3').onTimer('vote-retry'); // n3 asks again: its first request was lost in the crash
    c.deliver((e) => e.from === 'n3' && e.to === 'n2');
    expect(lastSent(c, 'n2')).toMatchObject({ type: 'RequestVoteReply', voteGranted: false, term: 1 });
  });

  it('with raft.forget-vote the restarted voter votes again in the same term', () => {
    const c = new Cluster({ bugs: ['raft.forget-vote'] });
    c.timeout('n1');
    c.timeout('n3');
    c.deliver((e) => e.from === 'n1' && e.to === 'n2');
    c.crash('n2');
    c.restart('n2');
    c.node('n3').onTimer('vote-retry');
    c.deliver((e) => e.from === 'n3' && e.to === 'n2');
    expect(lastSent(c, 'n2')).toMatchObject({ type: 'RequestVoteReply', voteGranted: true, term: 1 });
  });
});

describe('§5.4.1 election restriction', () => {
  it('a voter refuses a candidate whose log is less up to date: last term first, then length', () => {
    const c = new Cluster();
    c.seedLog('n1', [1, 1, 1], 2);
    c.seedLog('n2', [1, 2], 2);
    c.seedLog('n3', [1, 2, 2], 2);
    c.timeout('n1'); // term 3; last term 1 < 2: n2 refuses although n1's log is longer
    c.deliver((e) => e.from === 'n1' && e.to === 'n2');
    expect(lastSent(c, 'n2')).toMatchObject({ voteGranted: false, term: 3 });
    c.timeout('n3'); // also term 3 (n2 has not voted in it); same last term, longer: granted
    c.deliver((e) => e.from === 'n3' && e.to === 'n2');
    expect(lastSent(c, 'n2')).toMatchObject({ voteGranted: true, term: 3 });
  });
});

describe('§5.3 log replication', () => {
  it('a follower refuses entries whose predecessor it lacks, with the conflicting term and its first index', () => {
    const c = new Cluster();
    c.seedLog('n2', [1, 1, 2, 2], 2);
    c.node('n2').onMessage('n1', appendEntries({ term: 3, leader: 'n1', prevLogIndex: 4, prevLogTerm: 3 }));
    expect(lastSent(c, 'n2')).toMatchObject({ success: false, conflictTerm: 2, conflictIndex: 3, rejectedPrev: 4 });
    c.node('n2').onMessage('n1', appendEntries({ term: 3, leader: 'n1', prevLogIndex: 9, prevLogTerm: 3 }));
    expect(lastSent(c, 'n2')).toMatchObject({ success: false, conflictTerm: 0, conflictIndex: 5 });
  });

  it('deletes a conflicting suffix, but a late duplicate of an older request deletes nothing', () => {
    const c = new Cluster();
    c.seedLog('n2', [1, 1, 2], 2);
    const entry = { term: 3, command: null };
    c.node('n2').onMessage('n1', appendEntries({ term: 3, leader: 'n1', prevLogIndex: 2, prevLogTerm: 1, entries: [entry, entry] }));
    expect(c.log('n2').map((e) => e.term)).toEqual([1, 1, 3, 3]);
    c.node('n2').onMessage('n1', appendEntries({ term: 3, leader: 'n1', prevLogIndex: 2, prevLogTerm: 1, entries: [entry] }));
    expect(c.log('n2').map((e) => e.term)).toEqual([1, 1, 3, 3]);
  });

  it('the leader backs off a whole conflicting term at a time and repairs a divergent follower', () => {
    const c = new Cluster();
    c.seedLog('n1', [1, 1, 1, 4, 4, 5, 5, 6, 6, 6], 6);
    c.seedLog('n2', [1, 1, 1, 4, 4, 5, 5, 6, 6, 6], 6);
    c.seedLog('n3', [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3], 3); // Figure 7 (f)
    c.timeout('n1');
    let rejections = 0;
    for (let round = 0; round < 50 && c.outbox.length > 0; round++) {
      for (const e of c.deliver()) if (e.msg.type === 'AppendEntriesReply' && !e.msg.success) rejections++;
    }
    expect(c.log('n3').map((e) => e.term)).toEqual(c.log('n1').map((e) => e.term));
    // Terms 3 and 2 are skipped in one step each; one entry at a time would take seven.
    expect(rejections).toBe(2);
  });

  it('Figure 2 rule 5: a follower commits no further than the last entry the request verified', () => {
    const c = new Cluster();
    c.seedLog('n2', [1, 1, 2], 2); // entry 3 is a stale, uncommitted entry of term 2
    c.node('n2').onMessage('n1', appendEntries({ term: 3, leader: 'n1', prevLogIndex: 2, prevLogTerm: 1, leaderCommit: 9 }));
    expect(c.node('n2').inspect()).toMatchObject({ commitIndex: 2, appliedIndex: 2 });
  });

  it('with raft.commit-index-uncapped the follower commits its stale tail', () => {
    const c = new Cluster({ bugs: ['raft.commit-index-uncapped'] });
    c.seedLog('n2', [1, 1, 2], 2);
    c.node('n2').onMessage('n1', appendEntries({ term: 3, leader: 'n1', prevLogIndex: 2, prevLogTerm: 1, leaderCommit: 9 }));
    expect(c.node('n2').inspect()).toMatchObject({ commitIndex: 3, appliedIndex: 3 });
  });
});

/** Figure 8 (c): S1 leads term 4 and copies its term-2 entry to S3; S5 holds a term-3 entry there. */
function figure8(bugs: readonly string[]): Cluster {
  const c = new Cluster({ nodes: 5, bugs, options: { maxBatch: 1 } });
  c.seedLog('n1', [1, 2], 3);
  c.seedLog('n2', [1, 2], 2);
  c.seedLog('n3', [1], 3);
  c.seedLog('n4', [1], 3);
  c.seedLog('n5', [1, 3], 4); // it has heard of term 4, so it campaigns in term 5
  c.timeout('n1'); // term 4
  c.deliver(among('n1', 'n2', 'n3')); // votes requested
  c.deliver(among('n1', 'n2', 'n3')); // granted: n1 leads, appends its no-op at index 3
  c.drop((e) => !among('n1', 'n2', 'n3')(e));
  c.deliver((e) => e.from === 'n1'); // n2 takes the no-op; n3 is too short
  c.deliver((e) => e.to === 'n1'); // n1 backs off and sends entry 2 alone to n3
  c.deliver((e) => e.from === 'n1' && e.to === 'n3'); // n3 now stores entry 2 (term 2)
  c.deliver((e) => e.from === 'n3' && e.to === 'n1'); // ...and says so: entry 2 is on a majority
  return c;
}

describe('§5.4.2 committing entries from previous terms (Figure 8)', () => {
  it('§5.4.2 does not commit a previous-term entry by counting replicas', () => {
    const c = figure8([]);
    expect(c.log('n3').map((e) => e.term)).toEqual([1, 2]);
    expect(c.node('n1').inspect()).toMatchObject({ role: 'leader', term: 4, commitIndex: 0 });
  });

  it('(d) so S5 may still win term 5 and replace entry 2 without breaking anything committed', () => {
    const c = figure8([]);
    c.crash('n1');
    c.outbox = [];
    c.elect('n5', ['n1', 'n2']);
    expect(c.node('n5').inspect()).toMatchObject({ role: 'leader', term: 5 });
    expect(c.log('n3').map((e) => e.term)).toEqual([1, 3, 5]);
  });

  it('(e) once the no-op of term 4 is on a majority, entry 2 commits with it', () => {
    const c = figure8([]);
    c.stabilize(['n4', 'n5']);
    expect(c.node('n1').inspect().commitIndex).toBe(3);
    expect(c.machine('n1').peek('k')).toEqual({ type: 'ok', value: 'n1:2:2' });
  });

  it('with raft.commit-previous-term the leader commits entry 2, which S5 then overwrites', () => {
    const c = figure8(['raft.commit-previous-term']);
    expect(c.node('n1').inspect().commitIndex).toBe(2);
    expect(c.machine('n1').peek('k')).toEqual({ type: 'ok', value: 'n1:2:2' });
    c.crash('n1');
    c.outbox = [];
    c.elect('n5', ['n1', 'n2']);
    c.heartbeat('n5');
    c.stabilize(['n1', 'n2']);
    expect(c.node('n3').inspect().commitIndex).toBeGreaterThanOrEqual(2);
    expect(c.machine('n3').peek('k')).toEqual({ type: 'ok', value: 'n5:3:2' });
  });
});

describe('§8 client interaction', () => {
  it('followers redirect to the leader; the leader answers after applying, once per request id', () => {
    const c = new Cluster();
    c.elect('n1');
    c.request('n2', 'c1', 1, write('x', 1));
    expect(c.replies.pop()).toMatchObject({ node: 'n2', reply: { kind: 'redirect', leader: 'n1' } });
    c.request('n1', 'c1', 1, write('x', 1));
    c.request('n1', 'c1', 1, write('x', 1)); // a retry before commit: not appended twice
    expect(c.log('n1').length).toBe(2);
    c.stabilize();
    expect(c.replies).toEqual([{ node: 'n1', client: 'c1', reqId: 1, reply: { kind: 'result', result: { type: 'ok', value: 1 } } }]);
    c.request('n1', 'c1', 1, write('x', 1)); // a retry after commit: answered from the session table
    expect(c.replies.length).toBe(2);
    expect(c.log('n1').length).toBe(2);
  });

  it('a new leader does not append a retry already in its log from an earlier term', () => {
    const c = new Cluster();
    c.elect('n1');
    c.request('n1', 'c1', 1, write('x', 1));
    c.deliver((e) => e.from === 'n1' && e.to === 'n2'); // n2 stores it; the ack is lost
    c.drop(() => true);
    c.crash('n1');
    c.elect('n2', ['n1']);
    c.request('n2', 'c1', 1, write('x', 1));
    c.stabilize(['n1']);
    expect(c.log('n2').filter((e) => e.command?.reqId === 1).length).toBe(1);
    expect(c.replies.at(-1)).toMatchObject({ node: 'n2', reqId: 1, reply: { kind: 'result', result: { type: 'ok', value: 1 } } });
  });

  it('a restarted server rebuilds its state machine from its log once it re-learns the commit index', () => {
    const c = new Cluster();
    c.elect('n1');
    c.request('n1', 'c1', 1, write('x', 1));
    c.request('n1', 'c2', 1, write('y', 2));
    c.stabilize();
    for (const id of c.ids) c.crash(id);
    for (const id of c.ids) c.restart(id);
    expect(c.machine('n3').appliedCount).toBe(0);
    c.elect('n3');
    c.heartbeat('n3');
    c.stabilize();
    for (const id of c.ids) expect([c.machine(id).peek('x'), c.machine(id).peek('y')]).toEqual([{ type: 'ok', value: 1 }, { type: 'ok', value: 2 }]);
  });
});

describe('thesis §6.4 ReadIndex', () => {
  function readIndexCluster(bugs: readonly string[] = []): Cluster {
    const c = new Cluster({ options: { readPath: 'readindex' }, bugs });
    c.elect('n1');
    c.request('n1', 'c1', 1, write('x', 1));
    c.stabilize();
    c.replies = [];
    return c;
  }

  it('answers a read only after a majority confirms the leadership in a heartbeat round', () => {
    const c = readIndexCluster();
    c.request('n1', 'c2', 1, read('x'));
    expect(c.replies).toEqual([]);
    expect(c.log('n1').length).toBe(2); // not through the log
    c.deliver((e) => e.from === 'n1' && e.to === 'n2');
    c.deliver((e) => e.from === 'n2' && e.to === 'n1');
    expect(c.replies).toEqual([{ node: 'n1', client: 'c2', reqId: 1, reply: { kind: 'result', result: { type: 'ok', value: 1 } } }]);
  });

  it('a deposed leader cannot confirm a read and redirects it when it learns the new term', () => {
    const c = readIndexCluster();
    c.elect('n2', ['n1']);
    c.request('n2', 'c1', 2, write('x', 2));
    c.stabilize(['n1']);
    c.replies = [];
    c.request('n1', 'c2', 1, read('x')); // n1 still believes it leads term 1
    c.stabilize(['n3']); // n1 can reach only n2, which is in term 2
    expect(c.replies).toEqual([{ node: 'n1', client: 'c2', reqId: 1, reply: { kind: 'redirect', leader: null } }]);
  });

  it('with raft.stale-leader-read the deposed leader answers from its own state', () => {
    const c = readIndexCluster(['raft.stale-leader-read']);
    c.elect('n2', ['n1']);
    c.request('n2', 'c1', 2, write('x', 2));
    c.stabilize(['n1']);
    c.request('n1', 'c2', 1, read('x'));
    expect(c.replies.at(-1)).toMatchObject({ node: 'n1', reply: { kind: 'result', result: { type: 'ok', value: 1 } } });
  });
});

describe('thesis §9.6 PreVote', () => {
  it('a partitioned server does not raise its term, and cannot depose a healthy leader when it returns', () => {
    const c = new Cluster({ options: { preVote: true } });
    c.elect('n1');
    for (let i = 0; i < 5; i++) {
      c.timeout('n3');
      c.drop((e) => e.from === 'n3' || e.to === 'n3');
    }
    expect(c.node('n3').inspect().term).toBe(1);
    c.heartbeat('n1');
    c.drop((e) => e.to === 'n3'); // n3 still hears nothing, but n2 has just heard from n1
    c.timeout('n3');
    c.stabilize();
    expect(c.node('n1').inspect()).toMatchObject({ role: 'leader', term: 1 });
  });

  it('without PreVote the same server forces an election in a higher term', () => {
    const c = new Cluster();
    c.elect('n1');
    for (let i = 0; i < 5; i++) {
      c.timeout('n3');
      c.drop((e) => e.from === 'n3' || e.to === 'n3');
    }
    expect(c.node('n3').inspect().term).toBe(6);
    c.timeout('n3');
    c.stabilize();
    expect(c.node('n1').inspect().term).toBe(7);
  });
});

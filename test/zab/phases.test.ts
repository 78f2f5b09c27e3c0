/**
 * The four phases of Zab (the paper's phases 1-3; ZooKeeper's FLE for phase 0) as they show in the trace of
 * zab-basic: election, discovery (CEPOCH → NEWEPOCH → ACK-E), synchronization (NEWLEADER →
 * ACK-LD → COMMIT-LD) and broadcast (PROPOSE → ACK → COMMIT in zxid order).
 */
import { describe, expect, it } from 'vitest';
import { eventsOf, type TraceEvent, type TraceEventOf } from '../../sim/run.js';
import { noteIndex, notes, run, scenario } from './helpers.js';

interface Sent {
  readonly from: string;
  readonly to: string;
  readonly msg: { readonly type: string; readonly [k: string]: unknown };
}

function sends(trace: readonly TraceEvent[], type: string): Sent[] {
  return eventsOf(trace, 'send').filter((e): e is TraceEventOf<'send'> & Sent => (e.msg as { type?: string }).type === type);
}

describe('Zab phases on zab-basic', () => {
  const { result, trace } = run(scenario('zab-basic'), 1, [], true);
  const events = trace ?? [];

  it('the run passes every check and serves the clients', () => {
    expect(result.ok).toBe(true);
    expect(result.checks.linearizable).toBe(true);
    expect(result.stats.ops.ok).toBeGreaterThan(100);
  });

  it('phase 0: fast leader election settles on the largest (epoch, zxid, id): n3 on a fresh cluster', () => {
    const firstLeader = eventsOf(events, 'role').find((e) => e.role === 'leading');
    expect(firstLeader?.node).toBe('n3');
    const followers = eventsOf(events, 'role').filter((e) => e.role === 'following').map((e) => e.leader);
    expect(new Set(followers)).toEqual(new Set(['n3']));
  });

  it('phase 1: CEPOCH, then NEWEPOCH 1, then ACK-E from a quorum', () => {
    const leaderNotes = notes(events, 'n3');
    const chosen = noteIndex(leaderNotes, /^NEWEPOCH 1$/);
    expect(noteIndex(leaderNotes, /^prospective leader/)).toBeLessThan(chosen);
    expect(sends(events, 'CEPOCH').length).toBeGreaterThanOrEqual(1);
    const ackE = sends(events, 'ACK-E')[0];
    expect(ackE?.msg['epoch']).toBe(1);
    expect(ackE?.msg['currentEpoch']).toBe(0);
  });

  it('phase 2: NEWLEADER carries a DIFF, ACK-LD from a quorum establishes epoch 1, COMMIT-LD follows', () => {
    const leaderNotes = notes(events, 'n3');
    const sync = noteIndex(leaderNotes, /^synchronizing epoch 1/);
    const established = noteIndex(leaderNotes, /^established epoch 1/, sync);
    expect(sync).toBeGreaterThanOrEqual(0);
    expect(established).toBeGreaterThan(sync);
    const newLeader = sends(events, 'NEWLEADER')[0];
    expect((newLeader?.msg['sync'] as { mode: string }).mode).toBe('DIFF');
    expect(sends(events, 'ACK-LD').length).toBeGreaterThanOrEqual(1);
    expect(sends(events, 'COMMIT-LD').length).toBeGreaterThanOrEqual(1);
  });

  it('phase 3: proposals carry strictly increasing zxids of epoch 1; commits are cumulative and increasing', () => {
    const proposals = sends(events, 'PROPOSE').filter((s) => s.to === 'n1');
    const counters = proposals.map((s) => (s.msg['txn'] as { zxid: { epoch: number; counter: number } }).zxid);
    expect(counters.length).toBeGreaterThan(50);
    for (let i = 1; i < counters.length; i++) {
      expect(counters[i]?.epoch).toBe(1);
      expect(counters[i]!.counter).toBeGreaterThan(counters[i - 1]!.counter);
    }
    const commits = sends(events, 'COMMIT').filter((s) => s.to === 'n1').map((s) => s.msg['commit'] as number);
    for (let i = 1; i < commits.length; i++) expect(commits[i]!).toBeGreaterThan(commits[i - 1]!);
  });

  it('followers forward client requests to the leader', () => {
    const forwarded = sends(events, 'REQUEST');
    expect(forwarded.length).toBeGreaterThan(0);
    expect(new Set(forwarded.map((s) => s.to))).toEqual(new Set(['n3']));
  });
});

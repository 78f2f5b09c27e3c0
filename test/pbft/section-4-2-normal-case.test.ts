/**
 * Castro & Liskov 1999, §4.1–4.2: REQUEST, PRE-PREPARE, PREPARE, COMMIT, REPLY, with no faults.
 */
import { describe, expect, it } from 'vitest';
import { run, scenario, sends } from './helpers.js';
import { eventsOf } from '../../sim/run.js';

describe('PBFT §4.2 normal-case operation (pbft-basic)', () => {
  const { result, trace } = run(scenario('pbft-basic', { durationUs: 1_000_000, settleUs: 1_000_000 }), 1);

  it('passes every check', () => {
    expect(result.reason).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.stats.ops.ok).toBeGreaterThan(20);
  });

  it('orders sequence number 1 through the three phases', () => {
    const prePrepares = sends(trace, 'pre-prepare').filter((e) => e.msg['seq'] === 1 && e.msg['view'] === 0);
    // §4.2: only the primary of view 0 (n1) pre-prepares, to every backup.
    expect(new Set(prePrepares.map((e) => e.from))).toEqual(new Set(['n1']));
    expect(new Set(prePrepares.map((e) => e.to))).toEqual(new Set(['n2', 'n3', 'n4']));
    const digest = prePrepares[0]?.msg['digest'];
    const prepares = sends(trace, 'prepare').filter((e) => e.msg['seq'] === 1 && e.msg['digest'] === digest);
    // Backups prepare; the primary never sends a PREPARE.
    expect(new Set(prepares.map((e) => e.from))).toEqual(new Set(['n2', 'n3', 'n4']));
    const commits = sends(trace, 'commit').filter((e) => e.msg['seq'] === 1 && e.msg['digest'] === digest);
    expect(new Set(commits.map((e) => e.from))).toEqual(new Set(['n1', 'n2', 'n3', 'n4']));
    // A COMMIT is only sent once prepared: after the sender saw 2f = 2 prepares (its own counts).
    const firstCommit = Math.min(...commits.map((e) => e.t));
    expect(firstCommit).toBeGreaterThan(Math.min(...prepares.map((e) => e.t)));
  });

  it('has every replica reply to the client (§4.1) and the client accept f+1 matching replies', () => {
    const replies = eventsOf(trace, 'send').filter((e) => e.to.startsWith('c') && (e.msg as { reply?: { kind?: string } }).reply?.kind === 'result');
    const repliers = new Set(replies.map((e) => e.from));
    expect(repliers).toEqual(new Set(['n1', 'n2', 'n3', 'n4']));
  });

  it('signs every replica-to-replica protocol message', () => {
    for (const type of ['pre-prepare', 'prepare', 'commit', 'checkpoint']) {
      const messages = sends(trace, type);
      expect(messages.length).toBeGreaterThan(0);
      for (const e of messages) expect((e.msg['sig'] as { signer?: string }).signer).toBe(e.from);
    }
  });
});

describe('PBFT §4.2 with an equivocating primary (S-B1, pbft-equivocating-primary)', () => {
  const { result, trace } = run(scenario('pbft-equivocating-primary', { durationUs: 1_000_000, settleUs: 1_500_000 }), 1);

  it('n1 sends the request to n2 and n3 and a null request to n4 for the same sequence number', () => {
    const atOne = sends(trace, 'pre-prepare').filter((e) => e.msg['view'] === 0 && e.msg['seq'] === 1 && e.from === 'n1');
    const digestTo = new Map(atOne.map((e) => [e.to, e.msg['digest']]));
    expect(digestTo.get('n4')).toBe('null');
    expect(digestTo.get('n2')).not.toBe('null');
    expect(digestTo.get('n3')).toBe(digestTo.get('n2'));
  });

  it('only the request prepares; n4 never commits the null request and catches up from commit certificates', () => {
    expect(result.reason).toBeUndefined();
    const real = sends(trace, 'pre-prepare').find((e) => e.msg['seq'] === 1 && e.to === 'n2')?.msg['digest'];
    const n4Commits = sends(trace, 'commit').filter((e) => e.from === 'n4' && e.msg['seq'] === 1);
    expect(n4Commits.every((e) => e.msg['digest'] === real)).toBe(true);
    expect(sends(trace, 'commit-certificates').some((e) => e.to === 'n4')).toBe(true);
    expect(result.checks.liveness).toBe(true);
  });
});

/**
 * Castro & Liskov 1999, §4.4 (view changes) and §4.5.1 (safety across views): prepared requests
 * survive a view change, O is recomputed from V by every backup.
 */
import { describe, expect, it } from 'vitest';
import { notes, run, scenario, sends } from './helpers.js';
import { eventsOf } from '../../sim/run.js';

describe('PBFT §4.4 view changes', () => {
  it('S-B2: requests prepared in view 0 keep their sequence numbers in view 1', () => {
    const { result, trace } = run(scenario('pbft-prepared-across-view-change'), 1);
    expect(result.reason).toBeUndefined();
    const viewChanges = sends(trace, 'view-change').filter((e) => e.msg['view'] === 1);
    expect(new Set(viewChanges.map((e) => e.from))).toEqual(new Set(['n2', 'n3', 'n4']));
    const newViews = sends(trace, 'new-view').filter((e) => e.msg['view'] === 1);
    // n2 sends it first; backups pass it on to replicas that missed it, but only n2 signs it.
    expect(newViews[0]?.from).toBe('n2');
    expect(new Set(newViews.map((e) => (e.msg['sig'] as { signer: string }).signer))).toEqual(new Set(['n2']));
    const nv = newViews[0]?.msg as { viewChanges: { prepared: { prePrepare: { seq: number; digest: string } }[] }[]; prePrepares: { seq: number; digest: string }[] };
    expect(nv.viewChanges.length).toBe(3);
    // Every request prepared in V is re-proposed in O at its old sequence number.
    const inO = new Map(nv.prePrepares.map((pp) => [pp.seq, pp.digest]));
    const prepared = nv.viewChanges.flatMap((vc) => vc.prepared.map((c) => c.prePrepare));
    expect(prepared.length).toBeGreaterThan(0);
    for (const pp of prepared) expect(inO.get(pp.seq)).toBe(pp.digest);
    // The view-0 pre-prepare for the first of those sequence numbers had the same digest.
    const first = prepared[0];
    const original = sends(trace, 'pre-prepare').find((e) => e.msg['view'] === 0 && e.msg['seq'] === first?.seq);
    expect(original?.msg['digest']).toBe(first?.digest);
  });

  it('a forged NEW-VIEW is rejected by recomputing O, and view 2 takes over', () => {
    const { result, trace } = run(scenario('pbft-forged-view-change'), 1);
    expect(result.reason).toBeUndefined();
    for (const backup of ['n3', 'n4']) {
      expect(notes(trace, backup).some((text) => text.startsWith('rejected NEW-VIEW for view 1 from n2: O disagrees with V'))).toBe(true);
      expect(notes(trace, backup)).toContain(notes(trace, backup).find((text) => /^entered view [2-9]/.test(text)));
    }
    const roles = eventsOf(trace, 'role').filter((e) => e.role === 'primary' && e.node === 'n3');
    expect(roles.some((e) => e.term === 2)).toBe(true);
  });
});

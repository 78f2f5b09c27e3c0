/**
 * Castro & Liskov 1999, §4.3 (garbage collection): checkpoints every k requests, 2f+1 matching
 * CHECKPOINTs make one stable, and a replica that missed the discarded log fetches the state.
 */
import { describe, expect, it } from 'vitest';
import { notes, run, scenario, sends } from './helpers.js';

describe('PBFT §4.3 checkpoints and state transfer', () => {
  it('every replica checkpoints every k = 8 sequence numbers with the same digest', () => {
    const { result, trace } = run(scenario('pbft-basic', { durationUs: 1_000_000, settleUs: 500_000 }), 2);
    expect(result.ok).toBe(true);
    const checkpoints = sends(trace, 'checkpoint');
    expect(checkpoints.length).toBeGreaterThan(0);
    for (const e of checkpoints) expect(Number(e.msg['seq']) % 8).toBe(0);
    const at8 = checkpoints.filter((e) => e.msg['seq'] === 8);
    expect(new Set(at8.map((e) => e.from))).toEqual(new Set(['n1', 'n2', 'n3', 'n4']));
    expect(new Set(at8.map((e) => e.msg['digest'])).size).toBe(1);
  });

  it('a replica that was down while the others discarded their log catches up by state transfer', () => {
    const s = scenario('pbft-basic', {
      durationUs: 3_000_000,
      settleUs: 2_000_000,
      faults: [{ atUs: 500_000, action: { kind: 'crash', target: { kind: 'node', node: 'n4' }, restartUs: 1_500_000, amnesia: false }, line: 0 }],
    });
    const { result, trace } = run(s, 3);
    expect(result.reason).toBeUndefined();
    expect(result.checks.liveness).toBe(true);
    expect(notes(trace, 'n4').some((text) => text.startsWith('state transfer: installed checkpoint'))).toBe(true);
    // The state n4 got came from a replica that signed the checkpoint's proof.
    const toN4 = sends(trace, 'state').filter((e) => e.to === 'n4');
    expect(toN4.length).toBeGreaterThan(0);
    for (const e of toN4) expect((e.msg as { proof: { replica: string }[] }).proof.map((p) => p.replica)).toContain(e.from);
  });

  it('a replica that lost its disk (amnesia) also catches up, though it counts against f', () => {
    const s = scenario('pbft-basic', {
      durationUs: 3_000_000,
      settleUs: 2_000_000,
      faults: [{ atUs: 800_000, action: { kind: 'crash', target: { kind: 'node', node: 'n3' }, restartUs: 1_000_000, amnesia: true }, line: 0 }],
    });
    const { result } = run(s, 4);
    expect(result.reason).toBeUndefined();
  });
});

/**
 * Up to f byzantine replicas, of every behaviour, break neither safety nor liveness-after-heal:
 * each behaviour at the primary of view 0 (n1) and at a backup (n3), one seed each, with a crash
 * of n1 midway so view changes happen too.
 */
import { describe, expect, it } from 'vitest';
import { pbft } from '../../protocols/pbft/index.js';
import { run, scenario } from './helpers.js';
import { eventsOf } from '../../sim/run.js';

const BEHAVIOURS = ['silent', 'equivocate', 'corrupt-digest', 'stale-view-change', 'forged-new-view', 'flood', 'selective', 'lying-replies', 'random'];

describe('PBFT byzantine behaviours (f = 1)', () => {
  it('offers the documented behaviours', () => {
    expect(Object.keys(pbft.byzantine ?? {})).toEqual(BEHAVIOURS);
  });

  for (const behaviour of BEHAVIOURS) {
    for (const node of ['n1', 'n3'] as const) {
      it(`${behaviour} at ${node}: every check passes`, () => {
        const s = scenario('pbft-basic', {
          durationUs: 2_000_000,
          settleUs: 3_000_000,
          byzantine: { [node]: behaviour },
          faults: [{ atUs: 1_000_000, action: { kind: 'crash', target: { kind: 'node', node: node === 'n1' ? 'n2' : 'n1' }, restartUs: 300_000, amnesia: false }, line: 0 }],
          network: { latency: { dist: 'uniform', minUs: 1_000, maxUs: 10_000 }, loss: 0.01, duplicate: 0.01 },
        });
        const { result } = run(s, 7);
        expect(result.reason).toBeUndefined();
        expect(result.ok).toBe(true);
      });
    }
  }

  it('the random behaviour picks one per seed and keeps it across restarts', () => {
    const s = scenario('pbft-nemesis', { durationUs: 2_000_000, settleUs: 2_000_000 });
    const picked = new Set<string>();
    for (let seed = 1; seed <= 12; seed++) {
      const { trace } = run(s, seed);
      const chosen = eventsOf(trace, 'note').filter((e) => e.node === 'n2' && e.text.startsWith('byzantine behaviour: ')).map((e) => e.text);
      expect(new Set(chosen).size).toBe(1);
      picked.add(chosen[0] ?? '');
    }
    expect(picked.size).toBeGreaterThan(3);
  });
});

/**
 * Up to f byzantine replicas, of every behaviour, break neither safety nor liveness-after-heal:
 * each behaviour at the primary of view 0 (n1) and at a backup (n3), one seed each, with a crash
 * of n1 midway so view changes happen too.
 */
import { describe, expect, it } from 'vitest';
import { pbft } from '../../protocols/pbft/index.js';
import { run, scenario } from './helpers.js';
import { eventsOf } from '../../sim/run.js';

const BEHAVIOURS = [
  'silent',
  'equivocate',
  'corrupt-digest',
  'stale-view-change',
  'forged-new-view',
  'flood',
  'selective',
  'lying-replies',
  'equivocate-quorum',
  'colluding',
  'hide-certificates',
  'replay-pre-prepares',
  'random',
];

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

describe('PBFT byzantine behaviours that try harder (n = 7, f = 2 traitors)', () => {
  const crash = (node: 'n1' | 'n2', atUs: number) => ({ atUs, action: { kind: 'crash' as const, target: { kind: 'node' as const, node }, restartUs: 1_500_000, amnesia: false }, line: 0 });
  const seven = (byzantine: Record<string, string>, workload = {}) =>
    scenario('pbft-basic', {
      nodes: 7,
      durationUs: 3_000_000,
      settleUs: 4_000_000,
      byzantine,
      // n1 crashes so that view 1 (primary n2) runs, then n2 so that view 2 runs.
      faults: [crash('n1', 500_000), crash('n2', 2_500_000)],
      network: { latency: { dist: 'uniform', minUs: 1_000, maxUs: 10_000 }, loss: 0.01, duplicate: 0.01 },
      workload: { clients: 4, keys: 2, mix: { read: 0.3, write: 0.3, cas: 0.2, append: 0.2 }, reuseValues: 3, intervalUs: 10_000, timeoutUs: 2_000_000, ...workload },
    });
  const cases: [string, Record<string, string>][] = [
    ['equivocate-quorum at the first two primaries', { n1: 'equivocate-quorum', n2: 'equivocate-quorum' }],
    ['colluding traitors at both ends of the node list', { n1: 'colluding', n7: 'colluding' }],
    ['colluding traitors at the first two primaries', { n1: 'colluding', n2: 'colluding' }],
    ['hide-certificates at the next primaries', { n2: 'hide-certificates', n3: 'hide-certificates' }],
    ['replay-pre-prepares at the primaries of views 1 and 2', { n2: 'replay-pre-prepares', n3: 'replay-pre-prepares' }],
    ['random twice', { n3: 'random', n5: 'random' }],
  ];
  for (const [what, byzantine] of cases) {
    it(`${what}: every check passes (seeds 1..3)`, () => {
      for (const seed of [1, 2, 3]) {
        const { result } = run(seven(byzantine), seed);
        expect(result.reason).toBeUndefined();
        expect(result.ok).toBe(true);
      }
    });
  }

  it('replay-pre-prepares does replay: old-view PRE-PREPAREs re-sent, old requests re-proposed in view 1, executed once', () => {
    const { result, trace } = run(seven({ n2: 'replay-pre-prepares', n3: 'hide-certificates' }), 1);
    type Pp = { type?: string; view: number; request: { client: string; reqId: number } | null };
    const prePrepares = (from: string) =>
      eventsOf(trace, 'send').filter((e) => e.from === from && e.to === 'n4' && (e.msg as Pp | undefined)?.type === 'pre-prepare').map((e) => e.msg as Pp);
    const key = (pp: Pp) => `${pp.request?.client}#${pp.request?.reqId}`;
    const viewZero = new Set(prePrepares('n1').filter((pp) => pp.request !== null).map(key));
    const byN2 = prePrepares('n2');
    expect(byN2.some((pp) => pp.view === 0)).toBe(true);
    expect(byN2.some((pp) => pp.view === 1 && pp.request !== null && viewZero.has(key(pp)))).toBe(true);
    expect(result.ok).toBe(true);
  });
});

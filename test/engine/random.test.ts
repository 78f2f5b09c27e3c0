/**
 * Streams with similar labels must draw independently. Six clients (`client:c1`..`client:c6`) each
 * pick their first target node from their own stream; if those first draws were correlated, whole
 * sweeps would over-sample "every client starts on the same node" and under-sample the rest.
 *
 * The bounds below are far from what independent draws give (see each test) yet far below what a
 * correlated derivation gave: seeding Alea with the raw text `consensim:<seed>:<label>` made all six
 * clients pick the same first node in 24 of seeds 1..2000.
 */
import { describe, expect, it } from 'vitest';
import { stream } from '../../sim/random.js';

const SEEDS = 2000;
const CLIENTS = ['client:c1', 'client:c2', 'client:c3', 'client:c4', 'client:c5', 'client:c6'];
const NODES = ['node:n1', 'node:n2', 'node:n3', 'node:n4', 'node:n5'];

/** For each seed 1..SEEDS, the first draw of every labelled stream, in label order. */
function firstDraws<T>(labels: readonly string[], draw: (label: string, seed: number) => T): T[][] {
  const rows: T[][] = [];
  for (let seed = 1; seed <= SEEDS; seed++) rows.push(labels.map((label) => draw(label, seed)));
  return rows;
}

function countWhere<T>(rows: readonly T[][], pred: (row: readonly T[]) => boolean): number {
  return rows.filter(pred).length;
}

const allEqual = (row: readonly number[]): boolean => row.every((x) => x === row[0]);

describe('random streams with similar labels', () => {
  it('six clients pick the same first node of five about as rarely as independent draws do', () => {
    // Independent: 5 · (1/5)^6 per seed, 0.64 expected in 2000 seeds (P(count > 5) < 1e-4).
    const rows = firstDraws(CLIENTS, (label, seed) => stream(seed, label).int(5));
    expect(countWhere(rows, allEqual)).toBeLessThanOrEqual(5);
  });

  it('five nodes draw the same first value of five about as rarely as independent draws do', () => {
    // Independent: 5 · (1/5)^5 per seed, 3.2 expected in 2000 seeds (P(count > 12) < 1e-4).
    const rows = firstDraws(NODES, (label, seed) => stream(seed, label).int(5));
    expect(countWhere(rows, allEqual)).toBeLessThanOrEqual(12);
  });

  it("six clients' first uniforms rarely fall within a narrow band", () => {
    // The range of six independent uniforms is below w with probability 6w^5 − 5w^6: for w = 0.2,
    // 0.0016 per seed, 3.2 expected in 2000 seeds (P(count > 12) < 1e-4).
    const rows = firstDraws(CLIENTS, (label, seed) => stream(seed, label).next());
    const narrow = countWhere(rows, (row) => Math.max(...row) - Math.min(...row) < 0.2);
    expect(narrow).toBeLessThanOrEqual(12);
  });

  it('adjacent labels agree on a first draw of five as often as independent draws do (1 in 5)', () => {
    // A guard against a derivation that ignores the label (every pair would agree) or that
    // shifts outputs apart (none would): expected 400 of 2000, standard deviation ≈ 18.
    const rows = firstDraws(CLIENTS, (label, seed) => stream(seed, label).int(5));
    for (let k = 0; k + 1 < CLIENTS.length; k++) {
      const agree = countWhere(rows, (row) => row[k] === row[k + 1]);
      expect(agree, `${CLIENTS[k]} vs ${CLIENTS[k + 1]}`).toBeGreaterThanOrEqual(320);
      expect(agree, `${CLIENTS[k]} vs ${CLIENTS[k + 1]}`).toBeLessThanOrEqual(480);
    }
  });

  it('one (seed, label) always gives the same sequence', () => {
    const a = stream(17, 'client:c3');
    const b = stream(17, 'client:c3');
    const drawsA = Array.from({ length: 8 }, () => a.next());
    expect(Array.from({ length: 8 }, () => b.next())).toEqual(drawsA);
    expect(stream(18, 'client:c3').next()).not.toBe(drawsA[0]);
  });
});

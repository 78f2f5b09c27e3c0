/**
 * The zones checker (unique-writes registers) against the general search and the brute-force
 * checker on thousands of small random histories: info writes, never-completed invokes, failed
 * writes, lying reads (stale, of the initial value, of a value never written) included. Keys with
 * a value written twice must go to the general search.
 */
import { describe, expect, it } from 'vitest';
import { checkHistory, replayPrefix, type Model, type OpSummary, type Value } from '../../sim/check/index.js';
import { pairOperations } from '../../sim/check/operations.js';
import { PartitionSearch } from '../../sim/check/search.js';
import { checkZones, zonesApply } from '../../sim/check/zones.js';
import { toJsonLines } from '../../sim/history/index.js';
import { stream } from '../../sim/random.js';
import { bruteForceLinearizable } from './brute-force.js';
import { randomHistory, type HistoryShape } from './random-history.js';

interface Case {
  readonly name: string;
  readonly model: Model;
  readonly shape: HistoryShape;
  readonly seeds: number;
}

const CASES: readonly Case[] = [
  { name: 'register, no info', model: 'register', seeds: 1500, shape: { processes: 3, ops: 8, keys: [null], functions: ['read', 'write'], init: null, infoChance: 0, uniqueWrites: true } },
  { name: 'register, some info', model: 'register', seeds: 2000, shape: { processes: 4, ops: 8, keys: [null], functions: ['read', 'write'], init: null, infoChance: 0.15, uniqueWrites: true } },
  { name: 'register, info-heavy, init 0', model: 'register', seeds: 1500, shape: { processes: 4, ops: 9, keys: [null], functions: ['read', 'read', 'write'], init: 0, infoChance: 0.4, uniqueWrites: true } },
  { name: 'register, five processes', model: 'register', seeds: 800, shape: { processes: 5, ops: 10, keys: [null], functions: ['read', 'write'], init: null, infoChance: 0.2, uniqueWrites: true } },
  { name: 'kv, two register keys', model: 'kv', seeds: 1000, shape: { processes: 3, ops: 9, keys: ['x', 'y'], functions: ['read', 'write'], init: null, infoChance: 0.15, uniqueWrites: true } },
];

/** The prefix respects real time and is a correct sequential execution from `init`. */
function legalPrefix(prefix: readonly OpSummary[], init: Value): boolean {
  let state: Value = init;
  for (const [i, op] of prefix.entries()) {
    const before = prefix.slice(0, i);
    if (before.some((earlier) => op.completeTime !== null && op.type === 'ok' && op.completeTime < earlier.invokeTime)) return false;
    if (op.f === 'read' && op.output !== state) return false;
    state = replayPrefix([op], state);
  }
  return true;
}

const SCALE = Math.max(1, Number(process.env['PROPERTY_SCALE'] ?? 1) || 1);

describe('zones agree with the general search and with brute force', () => {
  for (const c of CASES) {
    const seeds = c.seeds * SCALE;
    it(`${c.name}: ${seeds} random histories`, () => {
      const verdicts = { true: 0, false: 0, info: 0 };
      for (let seed = 1; seed <= seeds; seed++) {
        const events = randomHistory(stream(seed, `zones:${c.name}`), c.shape);
        if (events.length === 0) continue;
        const init = c.shape.init;
        // Per key: the zones' verdict is the general search's.
        for (const ops of pairOperations(events).partitions.values()) {
          expect(zonesApply(ops, init)).toBe(true);
          const zones = checkZones(ops, init) === null;
          const wgl = new PartitionSearch(ops, init).run(Infinity, Infinity);
          if (wgl?.verdict !== zones) throw new Error(`seed ${seed}: zones say ${zones}, the search ${String(wgl?.verdict)}\n${toJsonLines(events)}`);
          if (ops.some((op) => op.status === 'info')) verdicts.info++;
        }
        const expected = bruteForceLinearizable(events, init);
        const result = checkHistory(events, { model: c.model, init });
        if (result.linearizable !== expected) throw new Error(`seed ${seed}: checker says ${String(result.linearizable)}, brute force ${expected}\n${toJsonLines(events)}`);
        expect(result.strategies.wgl).toEqual([]);
        verdicts[expected ? 'true' : 'false']++;
        if (!expected) {
          expect(result.counterexample?.unplaced.length ?? 0).toBeGreaterThan(0);
          expect(legalPrefix(result.counterexample?.prefix ?? [], init)).toBe(true);
        }
      }
      expect(verdicts.true).toBeGreaterThan(seeds / 10);
      expect(verdicts.false).toBeGreaterThan(seeds / 10);
      if ((c.shape.infoChance ?? 0) > 0) expect(verdicts.info).toBeGreaterThan(seeds / 10);
    });
  }

  it('a value written twice (or a write of the initial value) routes the key to the general search', () => {
    const shape: HistoryShape = { processes: 3, ops: 8, keys: [null], functions: ['read', 'write'], init: null, infoChance: 0.15 };
    let duplicates = 0;
    for (let seed = 1; seed <= 1500; seed++) {
      const events = randomHistory(stream(seed, 'zones:duplicates'), shape);
      if (events.length === 0) continue;
      const ops = pairOperations(events).partitions.get(null) ?? [];
      const values = ops.filter((op) => op.f === 'write').map((op) => op.value);
      const unique = new Set([null, ...values]).size === values.length + 1;
      expect(zonesApply(ops, null)).toBe(unique);
      const result = checkHistory(events, { model: 'register', init: null });
      expect(result.linearizable).toBe(bruteForceLinearizable(events, null));
      if (ops.length > 0) expect(result.strategies[unique ? 'zones' : 'wgl']).toEqual([null]);
      if (!unique) duplicates++;
    }
    expect(duplicates).toBeGreaterThan(500);
  });
});

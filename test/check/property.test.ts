/**
 * The fast checker against the brute-force one on thousands of small random histories (info,
 * failed cas, never-completed invokes, lying servers included): they must never disagree.
 */
import { describe, expect, it } from 'vitest';
import { checkHistory, replayPrefix, type Model, type OpSummary, type Value } from '../../sim/check/index.js';
import { pairOperations } from '../../sim/check/operations.js';
import { PartitionSearch } from '../../sim/check/search.js';
import { toEdn, toJsonLines, parseHistory } from '../../sim/history/index.js';
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
  { name: 'register', model: 'register', seeds: 1500, shape: { processes: 3, ops: 6, keys: [null], functions: ['read', 'write'], init: null } },
  { name: 'cas-register', model: 'cas-register', seeds: 2000, shape: { processes: 3, ops: 7, keys: [null], functions: ['read', 'write', 'cas'], init: null } },
  { name: 'cas-register from 0', model: 'cas-register', seeds: 1000, shape: { processes: 4, ops: 6, keys: [null], functions: ['read', 'cas', 'cas'], init: 0 } },
  { name: 'kv, two keys', model: 'kv', seeds: 1500, shape: { processes: 3, ops: 7, keys: ['x', 'y'], functions: ['read', 'write', 'cas', 'append'], init: null } },
  { name: 'info-heavy register', model: 'cas-register', seeds: 1500, shape: { processes: 3, ops: 8, keys: [null], functions: ['read', 'write', 'write', 'cas'], init: null, infoChance: 0.4 } },
  { name: 'kv appends', model: 'kv', seeds: 1000, shape: { processes: 4, ops: 6, keys: ['k'], functions: ['read', 'append', 'append', 'write'], init: '' } },
  { name: 'kv appends with info', model: 'kv', seeds: 800, shape: { processes: 3, ops: 7, keys: ['k'], functions: ['read', 'append', 'append', 'cas'], init: '', infoChance: 0.35 } },
];

/** The prefix respects real time and is a correct sequential execution from `init`. */
function legalPrefix(prefix: readonly OpSummary[], init: Value): boolean {
  let state: Value = init;
  for (const [i, op] of prefix.entries()) {
    const before = prefix.slice(0, i);
    if (before.some((earlier) => op.completeTime !== null && op.type === 'ok' && op.completeTime < earlier.invokeTime)) return false;
    if (op.f === 'read' && op.output !== state) return false;
    if (op.f === 'cas' && Array.isArray(op.value) && op.value[0] !== state) return false;
    state = replayPrefix([op], state);
  }
  return true;
}

/** `PROPERTY_SCALE=20 npx vitest run test/check/property.test.ts` for a one-off deep sweep. */
const SCALE = Math.max(1, Number(process.env['PROPERTY_SCALE'] ?? 1) || 1);

describe('fast checker agrees with brute force', () => {
  for (const c of CASES) {
    const seeds = c.seeds * SCALE;
    it(`${c.name}: ${seeds} random histories`, () => {
      const verdicts = { true: 0, false: 0 };
      for (let seed = 1; seed <= seeds; seed++) {
        const events = randomHistory(stream(seed, `property:${c.name}`), c.shape);
        if (events.length === 0) continue;
        const expected = bruteForceLinearizable(events, c.shape.init);
        const result = checkHistory(events, { model: c.model, init: c.shape.init });
        if (result.linearizable !== expected) {
          throw new Error(`seed ${seed}: checker says ${String(result.linearizable)}, brute force ${expected}\n${toJsonLines(events)}`);
        }
        verdicts[expected ? 'true' : 'false']++;
        if (!expected) {
          // A counterexample names a key and at least one operation that could not be placed,
          // after a prefix that is itself a legal linearization.
          expect(result.counterexample?.unplaced.length ?? 0).toBeGreaterThan(0);
          expect(legalPrefix(result.counterexample?.prefix ?? [], c.shape.init)).toBe(true);
        }
      }
      // Both verdicts must be well represented, or the test proves little.
      expect(verdicts.true).toBeGreaterThan(seeds / 20);
      expect(verdicts.false).toBeGreaterThan(seeds / 20);
    });
  }

  it('round-trips random histories through JSON Lines and EDN', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const events = randomHistory(stream(seed, 'property:roundtrip'), CASES[3]!.shape);
      if (events.length === 0) continue;
      expect(parseHistory(toJsonLines(events), 'h.jsonl')).toEqual(events);
      expect(parseHistory(toEdn(events), 'h.edn')).toEqual(events);
    }
  });
});

describe('the search is resumable', () => {
  it('run a few steps at a time, it reaches the same outcome as in one go', () => {
    const shape = CASES[3]!.shape;
    for (let seed = 1; seed <= 400; seed++) {
      const events = randomHistory(stream(seed, 'property:resume'), { ...shape, ops: 8, infoChance: 0.25 });
      for (const ops of pairOperations(events).partitions.values()) {
        const whole = new PartitionSearch(ops, shape.init).run(Infinity, Infinity);
        const pieces = new PartitionSearch(ops, shape.init);
        let outcome = null;
        for (let round = 0; outcome === null; round++) {
          expect(round).toBeLessThan(100_000);
          outcome = pieces.run(1 + (round % 3), Infinity);
        }
        expect(outcome).toEqual(whole);
      }
    }
  });
});

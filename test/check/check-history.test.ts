/**
 * checkHistory's contract: verdicts per key, fail/info semantics, budgets, model errors.
 */
import { describe, expect, it } from 'vitest';
import { checkHistory, replayPrefix } from '../../sim/check/index.js';
import { InputError } from '../../sim/errors.js';
import type { HistoryEvent } from '../../sim/history/index.js';
import { stream } from '../../sim/random.js';
import { generateCasHistory, staleRead } from '../../bench/check.js';

type Step = readonly [process: number, type: HistoryEvent['type'], f: HistoryEvent['f'], value: HistoryEvent['value'], key?: string | null];

function history(...steps: readonly Step[]): HistoryEvent[] {
  return steps.map(([process, type, f, value, key], time) => ({ process, type, f, key: key ?? null, value, time }));
}

describe('checkHistory', () => {
  it('an empty history is linearizable', () => {
    expect(checkHistory([], { model: 'kv' })).toEqual({ linearizable: true, ops: 0, keys: 0, strategies: { zones: [], wgl: [] } });
  });

  it('names the key that fails, and only checks keys on their own', () => {
    const events = history(
      [0, 'invoke', 'write', 1, 'a'],
      [1, 'invoke', 'write', 2, 'b'],
      [0, 'ok', 'write', 1, 'a'],
      [1, 'ok', 'write', 2, 'b'],
      [0, 'invoke', 'read', null, 'b'],
      [0, 'ok', 'read', 2, 'b'],
      [1, 'invoke', 'read', null, 'a'],
      [1, 'ok', 'read', null, 'a'],
    );
    const result = checkHistory(events, { model: 'register' });
    expect(result).toMatchObject({ linearizable: false, ops: 4, keys: 2, failedKey: 'a' });
    expect(result.counterexample?.key).toBe('a');
    expect(result.counterexample?.prefix.map((op) => op.f)).toEqual(['write']);
    expect(result.counterexample?.unplaced).toEqual([{ process: 1, f: 'read', value: null, output: null, invokeTime: 6, completeTime: 7, type: 'ok' }]);
  });

  it('drops fail, lets info take effect late or never, and treats unfinished invokes as info', () => {
    const infoLate = history([0, 'invoke', 'write', 1], [0, 'info', 'write', 1], [1, 'invoke', 'read', null], [1, 'ok', 'read', null], [1, 'invoke', 'read', null], [1, 'ok', 'read', 1]);
    expect(checkHistory(infoLate, { model: 'register' }).linearizable).toBe(true);
    const infoNever = history([0, 'invoke', 'write', 1], [0, 'info', 'write', 1], [1, 'invoke', 'read', null], [1, 'ok', 'read', null]);
    expect(checkHistory(infoNever, { model: 'register' }).linearizable).toBe(true);
    const open = history([0, 'invoke', 'write', 1], [1, 'invoke', 'read', null], [1, 'ok', 'read', 1]);
    expect(checkHistory(open, { model: 'register' }).linearizable).toBe(true);
    const failed = history([0, 'invoke', 'write', 1], [0, 'fail', 'write', 1], [1, 'invoke', 'read', null], [1, 'ok', 'read', 1]);
    expect(checkHistory(failed, { model: 'register' }).linearizable).toBe(false);
    // An info write takes effect at most once: 1, 2, 1 needs two writes of 1.
    const once = history(
      [0, 'invoke', 'write', 1],
      [0, 'info', 'write', 1],
      [1, 'invoke', 'read', null],
      [1, 'ok', 'read', 1],
      [1, 'invoke', 'write', 2],
      [1, 'ok', 'write', 2],
      [1, 'invoke', 'read', null],
      [1, 'ok', 'read', 1],
    );
    expect(checkHistory(once, { model: 'register' }).linearizable).toBe(false);
  });

  it('cas and append follow the kv machine; --init sets every key', () => {
    const events = history(
      [0, 'invoke', 'append', 'x', 'k'],
      [0, 'ok', 'append', 'x', 'k'],
      [0, 'invoke', 'cas', ['x', 'y'], 'k'],
      [0, 'ok', 'cas', ['x', 'y'], 'k'],
      [0, 'invoke', 'append', 'z', 'k'],
      [0, 'ok', 'append', 'z', 'k'],
      [0, 'invoke', 'read', null, 'k'],
      [0, 'ok', 'read', 'yz', 'k'],
    );
    expect(checkHistory(events, { model: 'kv' }).linearizable).toBe(true);
    expect(checkHistory(events, { model: 'kv', init: '' }).linearizable).toBe(true);
    expect(checkHistory(events, { model: 'kv', init: 'w' }).linearizable).toBe(false);
    expect(replayPrefix([{ process: 0, f: 'append', value: 'a', invokeTime: 0, completeTime: 1, type: 'ok' }], 5)).toBe('5a');
  });

  it('a step budget that runs out gives "unknown", deterministically', () => {
    const events: HistoryEvent[] = [];
    let time = 0;
    // Value 0 is written twice, so the zones cannot take this key: the general search must.
    for (let p = 0; p < 12; p++) events.push({ process: p, type: 'invoke', f: 'write', key: null, value: p % 11, time: time++ });
    for (let p = 0; p < 12; p++) events.push({ process: p, type: 'ok', f: 'write', key: null, value: p % 11, time: time++ });
    for (const [p, value] of [[12, 0], [13, 1], [14, 0]] as const) {
      events.push({ process: p, type: 'invoke', f: 'read', key: null, value: null, time: time++ });
      events.push({ process: p, type: 'ok', f: 'read', key: null, value, time: time++ });
    }
    expect(checkHistory(events, { model: 'register', maxSteps: 1000 })).toEqual({ linearizable: 'unknown', ops: 15, keys: 1, failedKey: null, strategies: { zones: [], wgl: [] } });
    expect(checkHistory(events, { model: 'register' })).toMatchObject({ linearizable: false, strategies: { zones: [], wgl: [null] } });
  });

  it('a register key with unique writes is decided by zones, whatever the step budget', () => {
    const events: HistoryEvent[] = [];
    let time = 0;
    for (let p = 0; p < 12; p++) events.push({ process: p, type: 'invoke', f: 'write', key: null, value: p, time: time++ });
    for (let p = 0; p < 12; p++) events.push({ process: p, type: 'ok', f: 'write', key: null, value: p, time: time++ });
    for (const [p, value] of [[12, 0], [13, 1], [14, 0]] as const) {
      events.push({ process: p, type: 'invoke', f: 'read', key: null, value: null, time: time++ });
      events.push({ process: p, type: 'ok', f: 'read', key: null, value, time: time++ });
    }
    const result = checkHistory(events, { model: 'register', maxSteps: 1000 });
    expect(result).toMatchObject({ linearizable: false, failedKey: null, strategies: { zones: [null], wgl: [] } });
    // The counterexample comes from the few operations that show it: reads of 0, 1, 0 after all writes.
    expect(result.counterexample?.reason).toMatch(/must stay in the register/);
    expect(result.counterexample?.unplaced.length).toBeGreaterThan(0);
    // Keys with cas go to the general search; the zones take the register keys of a kv history.
    const mixed = history([0, 'invoke', 'cas', [null, 1], 'a'], [0, 'ok', 'cas', [null, 1], 'a'], [0, 'invoke', 'write', 1, 'b'], [0, 'ok', 'write', 1, 'b']);
    expect(checkHistory(mixed, { model: 'kv' }).strategies).toEqual({ zones: ['b'], wgl: ['a'] });
  });

  it('rejects operations the model does not have, and inconsistent events', () => {
    const cas = history([0, 'invoke', 'cas', [null, 1]], [0, 'ok', 'cas', [null, 1]]);
    expect(() => checkHistory(cas, { model: 'register' })).toThrow(InputError);
    const append = history([0, 'invoke', 'append', 'x']);
    expect(() => checkHistory(append, { model: 'cas-register' })).toThrow(/has no append/);
    const dangling = history([0, 'ok', 'write', 1]);
    expect(() => checkHistory(dangling, { model: 'kv' })).toThrow(/events\[0\]: ok on process 0 has no open invoke/);
  });
});

describe('the general search at high concurrency', () => {
  // Single-key cas-register histories the zones cannot take (cas). Without the forced-read and
  // overwrite prunes the search ran out of its memory bound (4M configurations) on 50 processes.
  for (const processes of [50, 100]) {
    it(`decides a linearizable ${processes}-process cas-register history within 2M steps`, () => {
      const events = generateCasHistory(stream(processes, 'check:high-concurrency'), processes, 2_000, 5);
      expect(checkHistory(events, { model: 'cas-register', maxSteps: 2_000_000 })).toMatchObject({ linearizable: true, strategies: { zones: [], wgl: [null] } });
    });
  }

  it('refutes a 50-process cas-register history with one stale read within 20M steps, naming the read', () => {
    const events = staleRead(generateCasHistory(stream(50, 'check:high-concurrency'), 50, 2_000, 5));
    const bad = checkHistory(events, { model: 'cas-register', maxSteps: 20_000_000 });
    expect(bad.linearizable).toBe(false);
    expect(bad.counterexample?.unplaced.some((op) => op.f === 'read')).toBe(true);
  });
});

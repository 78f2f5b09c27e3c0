/**
 * Integers beyond 2^53 must compare exactly as written: a double would make 9007199254740993 and
 * 9007199254740992 the same value and hide a stale read.
 */
import { describe, expect, it } from 'vitest';
import { checkHistory } from '../../sim/check/index.js';
import { parseHistory, toEdn, toJsonLines } from '../../sim/history/index.js';

const WRITTEN = '9007199254740993';
const READ = '9007199254740992';

function jsonl(written: string, read: string): string {
  return [
    `{"process":0,"type":"invoke","f":"write","key":"k","value":${written},"time":1}`,
    `{"process":0,"type":"ok","f":"write","key":"k","value":${written},"time":2}`,
    `{"process":1,"type":"invoke","f":"read","key":"k","value":null,"time":3}`,
    `{"process":1,"type":"ok","f":"read","key":"k","value":${read},"time":4}`,
  ].join('\n');
}

function edn(written: string, read: string): string {
  return [
    `{:process 0, :type :invoke, :f :write, :value [:k ${written}]}`,
    `{:process 0, :type :ok, :f :write, :value [:k ${written}]}`,
    `{:process 1, :type :invoke, :f :read, :value [:k nil]}`,
    `{:process 1, :type :ok, :f :read, :value [:k ${read}]}`,
  ].join('\n');
}

describe('integers above 2^53', () => {
  for (const [format, make] of [['JSON Lines', jsonl], ['EDN', edn]] as const) {
    it(`${format}: a read of ${READ} after a write of ${WRITTEN} is not linearizable`, () => {
      const events = parseHistory(make(WRITTEN, READ), `h.${format === 'EDN' ? 'edn' : 'jsonl'}`);
      for (const model of ['register', 'cas-register', 'kv'] as const) {
        const result = checkHistory(events, { model });
        expect(result.linearizable).toBe(false);
      }
    });

    it(`${format}: the exact value read back is linearizable, and negative ones too`, () => {
      expect(checkHistory(parseHistory(make(WRITTEN, WRITTEN), 'h'), { model: 'register' }).linearizable).toBe(true);
      expect(checkHistory(parseHistory(make('-' + WRITTEN, '-' + WRITTEN), 'h'), { model: 'register' }).linearizable).toBe(true);
      expect(checkHistory(parseHistory(make('-' + WRITTEN, '-' + READ), 'h'), { model: 'register' }).linearizable).toBe(false);
      expect(checkHistory(parseHistory(make('123456789012345678901234567890', '123456789012345678901234567891'), 'h'), { model: 'register' }).linearizable).toBe(false);
    });

    it(`${format}: big integers are written back digit for digit`, () => {
      const events = parseHistory(make(WRITTEN, READ), 'h');
      expect(toJsonLines(events)).toContain(`"value":${READ},`);
      expect(toEdn(events)).toContain(` ${WRITTEN}]`);
      expect(parseHistory(toJsonLines(events), 'h.jsonl')).toEqual(events);
      expect(parseHistory(toEdn(events), 'h.edn')).toEqual(events);
    });
  }

  it('a safe integer and a float keep their ordinary number form', () => {
    const events = parseHistory(jsonl('9007199254740991', '9007199254740991'), 'h.jsonl');
    expect(events[0]?.value).toBe(9007199254740991);
    expect(checkHistory(parseHistory(jsonl('1.5', '1.5'), 'h.jsonl'), { model: 'register' }).linearizable).toBe(true);
  });

  it('the counterexample names the values exactly', () => {
    const result = checkHistory(parseHistory(jsonl(WRITTEN, READ), 'h.jsonl'), { model: 'register' });
    const culprit = result.counterexample?.unplaced[0];
    expect(String(culprit?.output)).toBe(READ);
    expect(result.counterexample?.reason ?? '').toContain(READ);
  });

  it('times beyond 2^53 (nanoseconds since 1970) still order events, as doubles', () => {
    const text = [
      '{"process":0,"type":"invoke","f":"write","key":null,"value":1,"time":1733450000000000000}',
      '{"process":0,"type":"ok","f":"write","key":null,"value":1,"time":1733450000000001000}',
    ].join('\n');
    expect(parseHistory(text, 'h.jsonl').map((e) => e.time)).toEqual([1733450000000000000, 1733450000000001000]);
  });
});

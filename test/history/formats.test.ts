/**
 * Reading and writing history files: JSON Lines and Jepsen EDN (Contract 3).
 */
import { describe, expect, it } from 'vitest';
import { parseHistory, toEdn, toJsonLines, type HistoryEvent } from '../../sim/history/index.js';

const HISTORY: readonly HistoryEvent[] = [
  { process: 0, type: 'invoke', f: 'write', key: 'k1', value: 3, time: 10 },
  { process: 1, type: 'invoke', f: 'read', key: 'k1', value: null, time: 11 },
  { process: 0, type: 'ok', f: 'write', key: 'k1', value: 3, time: 12 },
  { process: 1, type: 'ok', f: 'read', key: 'k1', value: 3, time: 13 },
  { process: 2, type: 'invoke', f: 'cas', key: null, value: [3, 'four'], time: 14 },
  { process: 2, type: 'fail', f: 'cas', key: null, value: [3, 'four'], time: 15 },
  { process: 3, type: 'invoke', f: 'append', key: 'a "quoted"\nkey', value: 'x\\y', time: 16.5 },
  { process: 3, type: 'info', f: 'append', key: 'a "quoted"\nkey', value: 'x\\y', time: 17 },
  { process: 4, type: 'invoke', f: 'write', key: null, value: -2.5, time: 18 },
];

describe('JSON Lines', () => {
  it('writes one event per line in contract order and reads it back', () => {
    const text = toJsonLines(HISTORY);
    expect(text.split('\n')[0]).toBe('{"process":0,"type":"invoke","f":"write","key":"k1","value":3,"time":10}');
    expect(parseHistory(text, 'h.jsonl')).toEqual(HISTORY);
  });

  it('reads get/put as read/write, tolerates blank lines, CRLF and a missing key', () => {
    const text = '{"process":1,"type":"invoke","f":"put","value":"a","time":1}\r\n\r\n{"process":1,"type":"ok","f":"put","value":"a","time":2}\r\n{"process":1,"type":"invoke","f":"get","key":null,"value":null,"time":3}\n';
    const events = parseHistory(text, 'h.jsonl');
    expect(events.map((e) => [e.f, e.key])).toEqual([['write', null], ['write', null], ['read', null]]);
  });
});

describe('Jepsen EDN', () => {
  it('round-trips what it writes', () => {
    expect(parseHistory(toEdn(HISTORY), 'h.edn')).toEqual(HISTORY);
  });

  it('reads a Knossos-style vector: nemesis skipped, read invoke values ignored, positions as time', () => {
    const text = `[{:process 0, :type :invoke, :f :write, :value 3, :time 900}
 {:process :nemesis, :type :info, :f :start, :value nil}
 {:process 1, :type :invoke, :f :read, :value 3, :time 100}
 ; a comment
 {:process 0, :type :ok, :f :write, :value 3}
 #jepsen.history.Op{:process 1, :type :ok, :f :read, :value 3, :index 4}
 {:process 2, :type :invoke, :f :cas, :value [3 4]}]`;
    const events = parseHistory(text, 'h.edn');
    expect(events).toEqual([
      { process: 0, type: 'invoke', f: 'write', key: null, value: 3, time: 0 },
      { process: 1, type: 'invoke', f: 'read', key: null, value: null, time: 2 },
      { process: 0, type: 'ok', f: 'write', key: null, value: 3, time: 3 },
      { process: 1, type: 'ok', f: 'read', key: null, value: 3, time: 4 },
      { process: 2, type: 'invoke', f: 'cas', key: null, value: [3, 4], time: 5 },
    ]);
  });

  it('reads keyed (independent) operations as [k v], and cas as [k [old new]]', () => {
    const text = `{:process 0, :type :invoke, :f :cas, :value [:x [1 2]], :time 5}
{:process 0, :type :ok, :f :cas, :value [:x [1 2]], :time 6}
{:process 1, :type :invoke, :f :read, :value [7 nil], :time 7}
{:process 1, :type :ok, :f :read, :value [7 "s"], :time 8}`;
    expect(parseHistory(text, 'h.edn').map((e) => [e.key, e.value, e.time])).toEqual([
      ['x', [1, 2], 5],
      ['x', [1, 2], 6],
      ['7', null, 7],
      ['7', 's', 8],
    ]);
  });

  it('names the line of a bad event inside a vector', () => {
    const text = '[{:process 0, :type :invoke, :f :write, :value 1}\n {:process 0, :type :ok, :f :write, :value 1}\n {:process 0, :type :ok, :f :write, :value 1}]';
    expect(() => parseHistory(text, 'v.edn')).toThrow(/^v\.edn:3: .*no open invoke/);
  });
});

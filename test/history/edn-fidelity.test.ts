/**
 * EDN is read faithfully: a set is not a vector, a character is not a string, a keyword is not a
 * string, and a map with a repeated key is malformed. What the models cannot hold is refused with
 * an error naming file, line and column, never silently turned into something else.
 */
import { describe, expect, it } from 'vitest';
import { checkHistory } from '../../sim/check/index.js';
import { InputError } from '../../sim/errors.js';
import { parseHistory } from '../../sim/history/index.js';

function refusal(text: string): string {
  try {
    parseHistory(text, 'h.edn');
  } catch (error) {
    if (error instanceof InputError) return error.message;
    throw error;
  }
  throw new Error('accepted');
}

const write = (value: string, process = 0): string =>
  `{:process ${process}, :type :invoke, :f :write, :value ${value}}\n{:process ${process}, :type :ok, :f :write, :value ${value}}`;
const read = (value: string, process = 1): string =>
  `{:process ${process}, :type :invoke, :f :read, :value nil}\n{:process ${process}, :type :ok, :f :read, :value ${value}}`;

describe('EDN fidelity', () => {
  it('a set is not a keyed [k v] tuple: refused where an operation value goes, with line and column', () => {
    expect(refusal(`${write('1')}\n{:process 1, :type :invoke, :f :write, :value #{1 2}}`)).toBe(
      'h.edn:3:47: value: a set #{…} cannot be an operation value (the models hold numbers, strings, nil, and [old new] for cas)',
    );
  });

  it('a character is not a one-letter string, a keyword is not a string', () => {
    expect(refusal(`${write('"a"')}\n${read('\\a')}`)).toMatch(/^h\.edn:4:42: value: the character \\a cannot be an operation value/);
    expect(refusal(`${write('"x"')}\n${read(':x')}`)).toMatch(/^h\.edn:4:42: value: the keyword :x cannot be an operation value/);
    expect(refusal(write('foo'))).toMatch(/^h\.edn:1:47: value: the symbol foo cannot be an operation value/);
    // Strings are still strings.
    const events = parseHistory(`${write('"a"')}\n${read('"a"')}`, 'h.edn');
    expect(checkHistory(events, { model: 'register' }).linearizable).toBe(true);
  });

  it('a key keeps its type: :x and "x" are different keys, and mixing them is refused', () => {
    const text = `{:process 0, :type :invoke, :f :write, :value [:x 1]}\n{:process 0, :type :ok, :f :write, :value [:x 1]}\n{:process 1, :type :invoke, :f :read, :value ["x" nil]}\n{:process 1, :type :ok, :f :read, :value ["x" 1]}`;
    expect(refusal(text)).toMatch(/^h\.edn:3:\d+: key: "x" and :x are different EDN keys/);
    const ints = `{:process 0, :type :invoke, :f :write, :value [1 1]}\n{:process 0, :type :ok, :f :write, :value [1 1]}\n{:process 1, :type :invoke, :f :read, :value ["1" nil]}`;
    expect(refusal(ints)).toMatch(/^h\.edn:3:\d+: key: "1" and 1 are different EDN keys/);
  });

  it('duplicate map keys are malformed EDN, at the second key', () => {
    expect(refusal('{:process 0, :type :invoke, :f :write, :value 1, :value 2}')).toBe('h.edn:1:50: malformed EDN: duplicate key :value in a map');
    expect(refusal('{:process 0, :type :invoke, :f :write, :value 1, :x #{1 2 1}}')).toBe('h.edn:1:59: malformed EDN: duplicate element 1 in a set');
  });

  it('a set, a char or a keyword in a field the checker does not use is read and ignored', () => {
    const events = parseHistory('{:process 0, :type :invoke, :f :write, :value 1, :tags #{:a :b}, :c \\a, :m {:k (1 2)}}', 'h.edn');
    expect(events).toHaveLength(1);
    expect(events[0]?.value).toBe(1);
  });

  it('lists are sequences like vectors (Clojure compares them equal): a cas pair may be a list', () => {
    const text = `{:process 0, :type :invoke, :f :cas, :value (nil 2)}\n{:process 0, :type :ok, :f :cas, :value (nil 2)}\n${read('2')}`;
    expect(checkHistory(parseHistory(text, 'h.edn'), { model: 'cas-register' }).linearizable).toBe(true);
  });
});

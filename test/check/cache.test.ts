/**
 * The configuration cache prunes a configuration only when a stored one has the same linearized
 * ok operations and state and a subset of its linearized info operations (Lowe's exact cache,
 * plus: more pending info ops can do everything fewer can).
 */
import { describe, expect, it } from 'vitest';
import { ConfigCache } from '../../sim/check/cache.js';

const bits = (...set: number[]): Uint32Array => {
  const out = new Uint32Array(4);
  for (const i of set) out[i >>> 5] = (out[i >>> 5] as number) | (1 << (i & 31));
  return out;
};

/** The ok set as the search passes it: lo, and the words from lo's to the highest op's. */
function seen(cache: ConfigCache, hash: number, state: number, ok: number[], info: Uint32Array): boolean {
  let lo = 0;
  while (ok.includes(lo)) lo++;
  const hi = Math.max(-1, ...ok);
  const from = lo >>> 5;
  return cache.seenOrAdd(hash, state, lo, bits(...ok), from, hi >= lo ? (hi >>> 5) + 1 : from, info);
}

describe('ConfigCache', () => {
  it('remembers exact configurations', () => {
    const cache = new ConfigCache(2);
    expect(seen(cache, 7, 1, [0, 33], bits())).toBe(false);
    expect(seen(cache, 7, 1, [0, 33], bits())).toBe(true);
    expect(seen(cache, 7, 2, [0, 33], bits())).toBe(false); // other state
    expect(seen(cache, 7, 1, [0], bits())).toBe(false); // other ok set, same hash
    expect(seen(cache, 7, 1, [0, 1, 2, 3, 40, 70], bits())).toBe(false);
    expect(seen(cache, 7, 1, [0, 1, 2, 3, 40, 70], bits())).toBe(true);
    expect(seen(cache, 7, 1, [0, 1, 2, 3, 40, 71], bits())).toBe(false);
    expect(seen(cache, 7, 1, [0, 1, 2, 3, 4, 40, 70], bits())).toBe(false);
    expect(cache.size).toBe(6);
  });

  it('prunes a configuration with more linearized info ops, never one with fewer', () => {
    const cache = new ConfigCache(2);
    expect(seen(cache, 9, 0, [1], bits(40))).toBe(false);
    expect(seen(cache, 9, 0, [1], bits(3, 40))).toBe(true); // superset of {40}: covered
    expect(seen(cache, 9, 0, [1], bits())).toBe(false); // fewer linearized: more options
    expect(seen(cache, 9, 0, [1], bits(3))).toBe(true); // covered by the {} entry now
    expect(seen(cache, 9, 0, [1], bits(3, 40))).toBe(true);
  });

  it('grows past its initial size and still finds everything', () => {
    const cache = new ConfigCache(0);
    for (let i = 0; i < 5000; i++) expect(seen(cache, (i * 2654435761) >>> 0, i, [i % 100], bits())).toBe(false);
    for (let i = 0; i < 5000; i++) expect(seen(cache, (i * 2654435761) >>> 0, i, [i % 100], bits())).toBe(true);
    expect(cache.size).toBe(5000);
  });
});

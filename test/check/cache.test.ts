/**
 * The configuration cache prunes a configuration only when a stored one has the same linearized
 * ok operations and state and a subset of its linearized info operations (Lowe's exact cache,
 * plus: more pending info ops can do everything fewer can).
 */
import { describe, expect, it } from 'vitest';
import { ConfigCache } from '../../sim/check/cache.js';

const bits = (...set: number[]): Uint32Array => {
  const out = new Uint32Array(2);
  for (const i of set) out[i >>> 5] = (out[i >>> 5] as number) | (1 << (i & 31));
  return out;
};

describe('ConfigCache', () => {
  it('remembers exact configurations', () => {
    const cache = new ConfigCache(2, 2);
    expect(cache.seenOrAdd(7, 1, bits(0, 33), bits())).toBe(false);
    expect(cache.seenOrAdd(7, 1, bits(0, 33), bits())).toBe(true);
    expect(cache.seenOrAdd(7, 2, bits(0, 33), bits())).toBe(false); // other state
    expect(cache.seenOrAdd(7, 1, bits(0), bits())).toBe(false); // other ok set, same hash
    expect(cache.size).toBe(3);
  });

  it('prunes a configuration with more linearized info ops, never one with fewer', () => {
    const cache = new ConfigCache(1, 2);
    expect(cache.seenOrAdd(9, 0, bits(1), bits(40))).toBe(false);
    expect(cache.seenOrAdd(9, 0, bits(1), bits(3, 40))).toBe(true); // superset of {40}: covered
    expect(cache.seenOrAdd(9, 0, bits(1), bits())).toBe(false); // fewer linearized: more options
    expect(cache.seenOrAdd(9, 0, bits(1), bits(3))).toBe(true); // covered by the {} entry now
    expect(cache.seenOrAdd(9, 0, bits(1), bits(3, 40))).toBe(true);
  });

  it('grows past its initial size and still finds everything', () => {
    const cache = new ConfigCache(1, 0);
    for (let i = 0; i < 5000; i++) expect(cache.seenOrAdd(i * 2654435761 >>> 0, i, bits(i % 32), bits())).toBe(false);
    for (let i = 0; i < 5000; i++) expect(cache.seenOrAdd(i * 2654435761 >>> 0, i, bits(i % 32), bits())).toBe(true);
    expect(cache.size).toBe(5000);
  });
});

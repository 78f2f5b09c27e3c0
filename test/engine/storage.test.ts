import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../sim/world/storage.js';

describe('durable storage', () => {
  it('keeps only synced cells across a crash', () => {
    const store = new MemoryStore();
    store.write('term', 1);
    store.sync();
    store.write('term', 2);
    store.write('vote', 'n2');
    expect(store.read('term')).toBe(2);
    store.crash();
    expect(store.read('term')).toBe(1);
    expect(store.read('vote')).toBeUndefined();
  });

  it('keeps only the synced log, including truncations and sets', () => {
    const store = new MemoryStore();
    const log = store.log<string>('log');
    log.append('a');
    log.append('b');
    log.append('c');
    store.sync();
    log.truncate(1);
    log.append('x');
    log.set(0, 'A');
    expect(log.entries()).toEqual(['A', 'x']);
    store.crash();
    expect(store.log<string>('log').entries()).toEqual(['a', 'b', 'c']);
    const again = store.log<string>('log');
    again.truncate(2);
    again.set(1, 'B');
    again.append('d');
    store.sync();
    again.append('lost');
    store.crash();
    expect(store.log<string>('log').entries()).toEqual(['a', 'B', 'd']);
    expect(store.log<string>('log').length).toBe(3);
  });

  it('rejects set outside the log', () => {
    const log = new MemoryStore().log<number>('slots');
    expect(() => log.set(0, 1)).toThrow();
  });

  it('wipes everything on amnesia', () => {
    const store = new MemoryStore();
    store.write('term', 5);
    store.log<number>('log').append(1);
    store.sync();
    store.wipe();
    expect(store.read('term')).toBeUndefined();
    expect(store.log<number>('log').length).toBe(0);
  });
});

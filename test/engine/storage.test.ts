import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
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

describe('durable log compaction', () => {
  it('forgets a prefix without moving indices, and only durably after a sync', () => {
    const store = new MemoryStore();
    const log = store.log<string>('log');
    for (const x of ['a', 'b', 'c', 'd']) log.append(x);
    store.sync();
    log.compact(2);
    expect(log.start).toBe(2);
    expect(log.length).toBe(4);
    expect(log.get(1)).toBeUndefined();
    expect(log.get(2)).toBe('c');
    expect(log.entries()).toEqual(['c', 'd']);
    store.crash();
    const back = store.log<string>('log');
    expect(back.start).toBe(0);
    expect(back.entries()).toEqual(['a', 'b', 'c', 'd']);
    back.compact(3);
    back.append('e');
    store.sync();
    store.crash();
    expect(store.log<string>('log').start).toBe(3);
    expect(store.log<string>('log').entries()).toEqual(['d', 'e']);
    expect(() => store.log<string>('log').truncate(2)).toThrow(/compacted start/);
    expect(() => store.log<string>('log').set(1, 'x')).toThrow();
    const far = store.log<string>('log');
    far.compact(9); // a snapshot past the end: empty, starting at 9
    expect([far.start, far.length, far.entries()]).toEqual([9, 9, []]);
    far.append('j');
    store.sync();
    store.crash();
    expect([store.log<string>('log').start, store.log<string>('log').entries()]).toEqual([9, ['j']]);
  });

  it('agrees with a model of live and disk logs under any sequence of writes, syncs and crashes', () => {
    type Op =
      | { op: 'append'; v: number }
      | { op: 'set'; at: number; v: number }
      | { op: 'truncate'; to: number }
      | { op: 'compact'; to: number }
      | { op: 'sync' }
      | { op: 'crash' };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('append' as const), v: fc.integer({ min: 0, max: 99 }) }),
      fc.record({ op: fc.constant('set' as const), at: fc.nat(20), v: fc.integer({ min: 0, max: 99 }) }),
      fc.record({ op: fc.constant('truncate' as const), to: fc.nat(20) }),
      fc.record({ op: fc.constant('compact' as const), to: fc.nat(30) }),
      fc.constant({ op: 'sync' as const }),
      fc.constant({ op: 'crash' as const }),
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const store = new MemoryStore();
        // The model: a sparse map index -> value, with a start, for both copies.
        let live = { start: 0, items: [] as (number | undefined)[] };
        let disk = { start: 0, items: [] as (number | undefined)[] };
        const copy = (x: typeof live) => ({ start: x.start, items: x.items.slice() });
        for (const o of ops) {
          const log = store.log<number>('log');
          const length = live.items.length;
          switch (o.op) {
            case 'append':
              log.append(o.v);
              live.items.push(o.v);
              break;
            case 'set':
              if (o.at < live.start || o.at >= length) break;
              log.set(o.at, o.v);
              live.items[o.at] = o.v;
              break;
            case 'truncate':
              if (o.to < live.start) break;
              log.truncate(o.to);
              if (o.to < length) live.items.length = o.to;
              break;
            case 'compact':
              log.compact(o.to);
              if (o.to > live.start) {
                for (let i = live.start; i < o.to; i++) live.items[i] = undefined;
                live.start = o.to;
              }
              break;
            case 'sync':
              store.sync();
              disk = copy(live);
              break;
            case 'crash':
              store.crash();
              live = copy(disk);
              break;
          }
          const now = store.log<number>('log');
          expect(now.length).toBe(live.items.length);
          expect(now.start).toBe(live.start);
          expect([...now.entries()]).toEqual(live.items.slice(live.start));
        }
      }),
      { numRuns: 500, seed: 42 },
    );
  });
});

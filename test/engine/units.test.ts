import { describe, expect, it } from 'vitest';
import { NodeClock } from '../../sim/world/clock.js';
import { EventKind, EventQueue } from '../../sim/world/event-queue.js';
import { canonicalJson, SignatureAuthority } from '../../sim/world/signatures.js';
import { stream } from '../../sim/random.js';
import type { ClientId } from '../../protocols/api.js';
import { commandKey, fnv1a, KvMachine } from '../../protocols/kv.js';

describe('event queue', () => {
  it('pops by time, then by scheduling order', () => {
    const q = new EventQueue();
    const r = stream(1, 'test');
    const pushed: { t: number; seq: number }[] = [];
    for (let i = 0; i < 500; i++) pushed.push({ t: r.int(50), seq: q.push(0, EventKind.Phase, -1).seq });
    // re-time them: push again with the drawn times
    const q2 = new EventQueue();
    const order = pushed.map((p) => q2.push(p.t, EventKind.Phase, -1));
    const popped = [];
    for (let ev = q2.pop(); ev !== undefined; ev = q2.pop()) popped.push(ev);
    const expected = order.slice().sort((a, b) => a.t - b.t || a.seq - b.seq);
    expect(popped).toEqual(expected);
    expect(q.size).toBe(500);
  });

  it('rejects non-integer times', () => {
    expect(() => new EventQueue().push(1.5, EventKind.Phase, -1)).toThrow();
  });
});

describe('node clock', () => {
  it('applies offset, drift and jumps to the local reading', () => {
    const clock = new NodeClock(1000, -400, 100);
    expect(clock.local(0)).toBe(600);
    expect(clock.local(1_000_000)).toBe(1_000_000 + 600 + 100);
    clock.jump(-5000);
    expect(clock.local(1_000_000)).toBe(1_000_000 + 600 + 100 - 5000);
  });

  it('converts local durations to real time through the drift', () => {
    expect(new NodeClock(0, 0, 0).realDuration(1234)).toBe(1234);
    const fast = new NodeClock(0, 0, 1000); // runs 0.1% fast: a local second passes sooner
    expect(fast.realDuration(1_000_000)).toBe(999_001);
    const slow = new NodeClock(0, 0, -1000);
    expect(slow.realDuration(1_000_000)).toBe(1_001_002);
  });
});

describe('signatures', () => {
  it('verifies only host-issued signatures over the same message by the same signer', () => {
    const authority = new SignatureAuthority();
    const msg = { view: 1, digest: 'abc', seq: 4 };
    const sig = authority.sign('n1', msg);
    expect(Object.isFrozen(sig)).toBe(true);
    expect(authority.verify(sig, 'n1', { seq: 4, digest: 'abc', view: 1 })).toBe(true);
    expect(authority.verify(sig, 'n2', msg)).toBe(false);
    expect(authority.verify(sig, 'n1', { ...msg, seq: 5 })).toBe(false);
    const forged = { signer: 'n1' as const, digest: sig.digest };
    expect(authority.verify(forged, 'n1', msg)).toBe(false);
    expect(new SignatureAuthority().verify(sig, 'n1', msg)).toBe(false);
  });

  it('answers by content, whether the fields are compared directly or through the canonical text', () => {
    const authority = new SignatureAuthority();
    const request = Object.freeze({ client: 'c1', reqId: 3 });
    const body = { type: 'prepare', seq: 4, request, extra: undefined };
    const sig = authority.sign('n1', body);
    // Same fields (the fast path), and the same content through other objects (the text path).
    expect(authority.verify(sig, 'n1', { ...body })).toBe(true);
    expect(authority.verify(sig, 'n1', { ...body, request: { reqId: 3, client: 'c1' } })).toBe(true);
    expect(authority.verify(sig, 'n1', { type: 'prepare', seq: 4, request })).toBe(true); // undefined is no field in JSON
    // Different content, in every way the field comparison could miss it.
    expect(authority.verify(sig, 'n1', { ...body, seq: 5 })).toBe(false);
    expect(authority.verify(sig, 'n1', { ...body, more: 1 })).toBe(false);
    expect(authority.verify(sig, 'n1', { ...body, request: { client: 'c2', reqId: 3 } })).toBe(false);
    expect(authority.verify(sig, 'n1', [body])).toBe(false);
    // A field that was not frozen when signed is checked by its text: changing it afterwards shows.
    const votes = [1, 2];
    const open = { type: 'view-change', votes };
    const openSig = authority.sign('n2', open);
    expect(authority.verify(openSig, 'n2', { ...open })).toBe(true);
    votes.push(3);
    expect(authority.verify(openSig, 'n2', { ...open })).toBe(false);
  });

  it('serialises canonically regardless of key order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: null }] })).toBe('{"a":[{"c":null,"d":2}],"b":1}');
  });
});

describe('trace serialisation', () => {
  it('writes a send line exactly as JSON.stringify would, also for a message sent twice', async () => {
    const { TraceSink, traceToJsonLines } = await import('../../sim/world/trace.js');
    const { createHash } = await import('node:crypto');
    const sink = new TraceSink({ hash: true, collect: true });
    const msg = Object.freeze({ type: 'Prepare', n: -0, text: 'é"\n', nested: Object.freeze([1, null]) });
    sink.emitSend(5, 1, 'n1', 'n2', msg);
    sink.emitSend(5, 2, 'n1', 'n3', msg);
    sink.emit({ t: 6, kind: 'note', node: 'n1', text: 'x' });
    sink.emitSend(7, 3, 'c1', 'n1', 'plain');
    const text = traceToJsonLines(sink.events() ?? []);
    expect(sink.digest()).toBe(createHash('sha256').update(text).digest('hex'));
    expect(text.split('\n')[0]).toBe('{"t":5,"kind":"send","id":1,"from":"n1","to":"n2","msg":{"type":"Prepare","n":0,"text":"é\\"\\n","nested":[1,null]}}');
  });
});

describe('kv machine digest', () => {
  it('hashes each command exactly as the FNV-1a of its key (and of its key and "|")', () => {
    // The digest is replicated state: snapshots carry it and state transfer compares it, so the
    // allocation-free hashing in apply() must give the very numbers the string form gives.
    const reqIds = [0, 1, 9, 10, 11, 99, 100, 101, 12345, 999_999, 1_000_000, 2_147_483_647, 2_147_483_648, 1.5, -3];
    for (const client of ['c1', 'c12', 'c'] as ClientId[]) {
      for (const reqId of reqIds) {
        const fast = new KvMachine(null);
        fast.apply({ client, reqId, op: { f: 'read', key: 'k1' } });
        const key = commandKey({ client, reqId, op: { f: 'read', key: 'k1' } });
        const low = fnv1a(0x811c9dc5, key);
        const high = fnv1a((0x811c9dc5 ^ 0x5bd1e995) >>> 0, key + '|');
        const expected = high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0');
        expect(fast.digest(), `${client}#${reqId}`).toBe(expected);
      }
    }
  });
});

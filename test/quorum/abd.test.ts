/**
 * Scripted runs of QuorumNode without the engine: a harness holds five nodes and their durable
 * stores and delivers exactly the messages a test names. Each test is one rule of ABD (Attiya,
 * Bar-Noy and Dolev 1995) in Lynch and Shvartsman's multi-writer form, or a rule the coordinator
 * needs on top of it (durability, at-most-once writes), or one bug variant.
 */
import { describe, expect, it } from 'vitest';
import type { ClientId, ClientReply, NodeEnv, NodeId, ProtocolMoment } from '../../protocols/api.js';
import { KvMachine } from '../../protocols/kv.js';
import { QuorumNode } from '../../protocols/quorum/node.js';
import { compareTags, formatTag, type Tag } from '../../protocols/quorum/tag.js';
import type { QuorumMessage, QuorumOptions } from '../../protocols/quorum/types.js';
import { MemoryStore } from '../../sim/world/storage.js';

interface Sent {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly msg: QuorumMessage;
}

const IDS: NodeId[] = ['n1', 'n2', 'n3', 'n4', 'n5'];

class Cluster {
  readonly stores = new Map<NodeId, MemoryStore>();
  readonly nodes = new Map<NodeId, QuorumNode>();
  readonly timers = new Map<NodeId, Set<string>>();
  readonly moments: { node: NodeId; moment: ProtocolMoment }[] = [];
  inFlight: Sent[] = [];
  readonly replies: { node: NodeId; client: ClientId; reqId: number; reply: ClientReply }[] = [];
  private readonly bugs: ReadonlySet<string>;
  private readonly options: QuorumOptions;

  constructor(r: number, w: number, bugs: readonly string[] = [], readRepair = true) {
    this.bugs = new Set(bugs);
    this.options = { r, w, readRepair, resendIntervalUs: 50_000, giveUpAfterUs: 2_000_000 };
    for (const id of IDS) {
      this.stores.set(id, new MemoryStore());
      this.boot(id);
    }
  }

  boot(id: NodeId): QuorumNode {
    const timers = new Set<string>();
    this.timers.set(id, timers);
    const env: NodeEnv<QuorumMessage> = {
      id,
      nodes: IDS,
      peers: IDS.filter((n) => n !== id),
      now: () => 0,
      send: (to, msg) => void this.inFlight.push({ from: id, to, msg }),
      setTimer: (name) => void timers.add(name),
      cancelTimer: (name) => void timers.delete(name),
      random: () => 0.5,
      storage: this.stores.get(id) as MemoryStore,
      machine: new KvMachine(),
      reply: (client, reqId, reply) => void this.replies.push({ node: id, client, reqId, reply }),
      sign: () => ({ signer: id, digest: '' }),
      verify: () => false,
      note: () => {},
      moment: (moment) => void this.moments.push({ node: id, moment }),
    };
    const node = new QuorumNode(env, this.options, this.bugs);
    this.nodes.set(id, node);
    node.start();
    return node;
  }

  node(id: NodeId): QuorumNode {
    return this.nodes.get(id) as QuorumNode;
  }

  crash(id: NodeId): void {
    this.inFlight = this.inFlight.filter((m) => m.to !== id);
    (this.stores.get(id) as MemoryStore).crash();
    this.boot(id);
  }

  /** Deliver the in-flight messages `pick` selects (in send order), repeatedly, until none is left. */
  deliver(pick: (m: Sent) => boolean = () => true): number {
    let delivered = 0;
    for (;;) {
      const index = this.inFlight.findIndex(pick);
      if (index < 0) return delivered;
      const [m] = this.inFlight.splice(index, 1) as [Sent];
      this.node(m.to).onMessage(m.from, m.msg);
      delivered++;
    }
  }

  drop(pick: (m: Sent) => boolean): void {
    this.inFlight = this.inFlight.filter((m) => !pick(m));
  }

  held(id: NodeId, key = 'k'): { tag: Tag; value: unknown } | undefined {
    return this.node(id).inspect().registers.get(key);
  }

  lastReply(): ClientReply | undefined {
    return this.replies[this.replies.length - 1]?.reply;
  }
}

const among = (...nodes: NodeId[]) => (m: Sent) => nodes.includes(m.to) && nodes.includes(m.from);
const ofType = (type: QuorumMessage['type']) => (m: Sent) => m.msg.type === type;
const ok = (value: unknown): ClientReply => ({ kind: 'result', result: { type: 'ok', value: value as number } });

describe('tags (MW-ABD: (ts, writer) ordered lexicographically)', () => {
  it('order by ts, then writer, then request', () => {
    expect(compareTags({ ts: 2, writer: 1, reqId: 1 }, { ts: 1, writer: 9, reqId: 9 })).toBeGreaterThan(0);
    expect(compareTags({ ts: 2, writer: 1, reqId: 9 }, { ts: 2, writer: 2, reqId: 1 })).toBeLessThan(0);
    expect(compareTags({ ts: 2, writer: 2, reqId: 1 }, { ts: 2, writer: 2, reqId: 3 })).toBeLessThan(0);
    expect(formatTag({ ts: 7, writer: 3, reqId: 12 })).toBe('7/c3#12');
  });
});

describe('write: query r replicas for the highest tag, store ts + 1 at w', () => {
  it('queries every node, then stores (max ts + 1, this writer) and answers after w acks', () => {
    const c = new Cluster(3, 3);
    c.node('n1').onRequest('c1', 1, { f: 'write', key: 'k', value: 10 });
    expect(c.inFlight.filter(ofType('query')).map((m) => m.to)).toEqual(['n2', 'n3', 'n4', 'n5']);
    // Two query replies plus n1's own: r = 3 reached.
    c.deliver((m) => m.msg.type === 'query' && (m.to === 'n2' || m.to === 'n3'));
    c.deliver((m) => m.msg.type === 'query-reply');
    const stores = c.inFlight.filter(ofType('store'));
    expect(stores).toHaveLength(4);
    expect(stores[0]?.msg).toMatchObject({ tag: { ts: 1, writer: 1, reqId: 1 }, value: 10 });
    expect(c.held('n1')).toMatchObject({ value: 10 }); // the coordinator stored its own copy
    expect(c.replies).toHaveLength(0);
    c.deliver((m) => m.msg.type === 'store' && m.to === 'n4');
    c.deliver(ofType('store-ack'));
    expect(c.replies).toHaveLength(0); // n1 and n4: two of three
    c.deliver((m) => m.msg.type === 'store' && m.to === 'n5');
    c.deliver(ofType('store-ack'));
    expect(c.lastReply()).toEqual(ok(10));
  });

  it('a later write sees the earlier one through any read quorum and takes a higher tag', () => {
    const c = new Cluster(3, 3);
    c.node('n1').onRequest('c1', 1, { f: 'write', key: 'k', value: 10 });
    c.deliver((m) => among('n1', 'n2', 'n3')(m)); // the first write lives on n1, n2, n3 only
    expect(c.lastReply()).toEqual(ok(10));
    c.drop(() => true);
    c.node('n5').onRequest('c2', 1, { f: 'write', key: 'k', value: 20 });
    c.deliver((m) => among('n5', 'n4', 'n3')(m)); // its query quorum {n5, n4, n3} meets the first write's at n3
    expect(c.lastReply()).toEqual(ok(20));
    expect(c.held('n5')?.tag).toEqual({ ts: 2, writer: 2, reqId: 1 });
    expect(c.held('n3')).toMatchObject({ value: 20 });
  });

  it('two concurrent writes that saw the same ts are ordered by writer, the same way at every replica', () => {
    const c = new Cluster(3, 3);
    c.node('n1').onRequest('c1', 1, { f: 'write', key: 'k', value: 10 });
    c.node('n2').onRequest('c2', 1, { f: 'write', key: 'k', value: 20 });
    c.deliver(ofType('query'));
    c.deliver(ofType('query-reply'));
    // Both chose ts 1; deliver c2's stores first everywhere but n3, c1's first at n3.
    c.deliver((m) => m.msg.type === 'store' && m.from === 'n2' && m.to !== 'n3');
    c.deliver(() => true);
    for (const id of IDS) expect(c.held(id), id).toMatchObject({ tag: { ts: 1, writer: 2 }, value: 20 });
  });
});

describe('read: query r replicas, write the newest value back to w before answering', () => {
  /** A write of 10 stored at n1 only (in progress): the classic setting of the new/old inversion. */
  function halfWritten(bugs: readonly string[] = [], r = 3, w = 3, readRepair = true): Cluster {
    const c = new Cluster(r, w, bugs, readRepair);
    c.node('n1').onRequest('c1', 1, { f: 'write', key: 'k', value: 10 });
    c.deliver(ofType('query'));
    c.deliver(ofType('query-reply'));
    c.drop(ofType('store')); // its stores are lost: only n1 holds 10
    return c;
  }

  it('a read that sees the new value writes it back, so a later read with a disjoint-but-one quorum sees it too', () => {
    const c = halfWritten();
    c.node('n2').onRequest('c2', 1, { f: 'read', key: 'k' });
    c.deliver((m) => m.msg.type === 'query' && m.to === 'n1');
    c.deliver((m) => m.msg.type === 'query' && m.to === 'n3');
    c.deliver(ofType('query-reply'));
    expect(c.replies).toHaveLength(0); // n2 saw 10 at n1 only: it writes back first
    const writeBack = c.inFlight.filter(ofType('store'));
    expect(writeBack[0]?.msg).toMatchObject({ tag: { ts: 1, writer: 1, reqId: 1 }, value: 10 });
    c.deliver((m) => m.msg.type === 'store' && m.to === 'n3');
    c.deliver(ofType('store-ack'));
    expect(c.replies).toHaveLength(0); // n2 and n3 have acknowledged: two of three
    c.deliver((m) => m.msg.type === 'store' && m.to === 'n1');
    c.deliver(ofType('store-ack'));
    expect(c.lastReply()).toEqual(ok(10)); // n1 (which held it already) acknowledges too: w = 3
    c.drop(() => true);
    c.node('n4').onRequest('c3', 1, { f: 'read', key: 'k' });
    c.deliver((m) => among('n4', 'n5', 'n3')(m));
    expect(c.lastReply()).toEqual(ok(10)); // {n3, n4, n5} misses n1 but meets the write-back at n3
  });

  it('skips the write-back when w of the replies already hold the newest tag', () => {
    const c = new Cluster(3, 3);
    c.node('n1').onRequest('c1', 1, { f: 'write', key: 'k', value: 10 });
    c.deliver(() => true);
    c.node('n2').onRequest('c2', 1, { f: 'read', key: 'k' });
    c.deliver(ofType('query'));
    c.deliver(ofType('query-reply'));
    expect(c.lastReply()).toEqual(ok(10));
    expect(c.inFlight.filter(ofType('store'))).toHaveLength(0);
  });

  it('quorum.no-read-repair: the read answers at once, and a later read returns the older value (new, then old)', () => {
    const c = halfWritten(['quorum.no-read-repair']);
    c.node('n2').onRequest('c2', 1, { f: 'read', key: 'k' });
    c.deliver((m) => m.msg.type === 'query' && (m.to === 'n1' || m.to === 'n3'));
    c.deliver(ofType('query-reply'));
    expect(c.lastReply()).toEqual(ok(10));
    expect(c.inFlight.filter(ofType('store'))).toHaveLength(0);
    c.drop(() => true);
    c.node('n4').onRequest('c3', 1, { f: 'read', key: 'k' });
    c.deliver((m) => among('n4', 'n5', 'n3')(m));
    expect(c.lastReply()).toEqual(ok(null));
  });

  it('readRepair: false behaves the same (it is only allowed with r = n, where every read meets n1)', () => {
    const c = halfWritten([], 5, 1, false);
    c.node('n2').onRequest('c2', 1, { f: 'read', key: 'k' });
    c.deliver((m) => m.msg.type === 'query');
    c.deliver(ofType('query-reply'));
    expect(c.lastReply()).toEqual(ok(10));
  });
});

describe('replicas', () => {
  it('keep the higher tag: a store with a lower tag changes nothing but is still acknowledged', () => {
    const c = new Cluster(3, 3);
    const high: Tag = { ts: 5, writer: 1, reqId: 1 };
    const low: Tag = { ts: 3, writer: 9, reqId: 9 };
    const ref = { epoch: 1, op: 1 };
    c.node('n2').onMessage('n1', { type: 'store', ref, key: 'k', tag: high, value: 'high' });
    c.node('n2').onMessage('n1', { type: 'store', ref, key: 'k', tag: low, value: 'low' });
    expect(c.held('n2')).toEqual({ tag: high, value: 'high' });
    expect(c.inFlight.filter(ofType('store-ack'))).toHaveLength(2);
    expect(c.moments.filter((m) => m.node === 'n2')).toEqual([
      { node: 'n2', moment: { kind: 'ack', to: 'n1', index: 5, term: 0 } },
      { node: 'n2', moment: { kind: 'ack', to: 'n1', index: 3, term: 0 } },
    ]);
  });

  it('sync a stored value before acknowledging: it survives a crash', () => {
    const c = new Cluster(3, 3);
    c.node('n2').onMessage('n1', { type: 'store', ref: { epoch: 1, op: 1 }, key: 'k', tag: { ts: 1, writer: 1, reqId: 1 }, value: 7 });
    c.crash('n2');
    expect(c.held('n2')).toMatchObject({ value: 7 });
  });

  it('quorum.ack-before-durable: acknowledged, then lost in a crash before the lazy sync', () => {
    const c = new Cluster(3, 3, ['quorum.ack-before-durable']);
    c.node('n2').onMessage('n1', { type: 'store', ref: { epoch: 1, op: 1 }, key: 'k', tag: { ts: 1, writer: 1, reqId: 1 }, value: 7 });
    expect(c.inFlight.filter(ofType('store-ack'))).toHaveLength(1);
    expect(c.timers.get('n2')?.has('flush')).toBe(true);
    c.crash('n2');
    expect(c.held('n2')).toBeUndefined();
  });

  it('quorum.tag-without-writer: two writes share a tag and each replica keeps the last to arrive', () => {
    const c = new Cluster(3, 3, ['quorum.tag-without-writer']);
    c.node('n1').onRequest('c1', 1, { f: 'write', key: 'k', value: 10 });
    c.node('n2').onRequest('c2', 1, { f: 'write', key: 'k', value: 20 });
    c.deliver(ofType('query'));
    c.deliver(ofType('query-reply'));
    c.deliver((m) => m.msg.type === 'store' && m.from === 'n2' && m.to !== 'n3');
    c.deliver(() => true);
    expect(c.held('n3')).toEqual({ tag: { ts: 1, writer: 0, reqId: 0 }, value: 20 });
    expect(c.held('n4')).toEqual({ tag: { ts: 1, writer: 0, reqId: 0 }, value: 10 });
  });
});

describe('coordinators', () => {
  it('never coordinate one write twice, even when its request is delivered again after a restart', () => {
    const c = new Cluster(3, 3);
    c.node('n1').onRequest('c1', 4, { f: 'write', key: 'k', value: 10 });
    c.crash('n1');
    c.node('n1').onRequest('c1', 4, { f: 'write', key: 'k', value: 10 });
    expect(c.inFlight.filter(ofType('query'))).toHaveLength(4); // only the first incarnation's
    c.node('n1').onRequest('c1', 5, { f: 'write', key: 'k', value: 11 });
    expect(c.inFlight.filter(ofType('query'))).toHaveLength(8);
  });

  it('ignore replies addressed to an earlier incarnation', () => {
    const c = new Cluster(3, 3);
    c.node('n1').onRequest('c1', 1, { f: 'read', key: 'k' });
    const queries = c.inFlight.filter(ofType('query'));
    c.crash('n1');
    c.inFlight = queries; // the old queries still reach the replicas
    c.node('n1').onRequest('c2', 1, { f: 'read', key: 'k' }); // same op number, new epoch
    c.deliver((m) => m.msg.type === 'query' && (m.msg.ref.epoch === 1));
    c.deliver((m) => m.msg.type === 'query-reply');
    expect(c.replies).toHaveLength(0);
  });

  it('refuse cas with a definite fail (it needs consensus)', () => {
    const c = new Cluster(3, 3);
    c.node('n1').onRequest('c1', 1, { f: 'cas', key: 'k', expected: null, value: 1 });
    expect(c.lastReply()).toEqual({ kind: 'result', result: { type: 'fail', reason: 'a quorum register has no cas: it needs consensus' } });
    expect(c.inFlight).toHaveLength(0);
  });

  it('send again to replicas that have not answered, and give up after giveUpAfter', () => {
    const c = new Cluster(3, 3);
    let now = 0;
    const node = c.node('n1');
    (node as unknown as { env: { now: () => number } }).env.now = () => now;
    node.onRequest('c1', 1, { f: 'read', key: 'k' });
    c.drop(() => true);
    expect(c.timers.get('n1')?.has('tick')).toBe(true);
    now = 50_000;
    node.onTimer('tick');
    expect(c.inFlight.filter(ofType('query'))).toHaveLength(4);
    c.drop(() => true);
    now = 2_000_000;
    node.onTimer('tick');
    expect(c.inFlight).toHaveLength(0);
    expect(node.inspect().coordinating).toBe(0);
  });
});

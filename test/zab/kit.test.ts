/**
 * Zab on the protocol kit: options read from the one schema, the kit's client sessions, typed
 * timers, and local assertions (TigerBeetle style) that fail the run with the seed instead of a
 * plain exception.
 */
import { describe, expect, it } from 'vitest';
import type { ClientId, ClientReply, NodeEnv, NodeId } from '../../protocols/api.js';
import { isLocalAssertion } from '../../protocols/kit/index.js';
import { KvMachine } from '../../protocols/kv.js';
import { zabConfig } from '../../protocols/zab/config.js';
import type { ZabMessage } from '../../protocols/zab/messages.js';
import { ZabNode } from '../../protocols/zab/node.js';
import { ZabServer } from '../../protocols/zab/server.js';
import { makeTxn } from '../../protocols/zab/zxid.js';
import { MemoryStore } from '../../sim/world/storage.js';

interface Sink {
  readonly replies: { client: ClientId; reqId: number; reply: ClientReply }[];
  readonly timers: Map<string, number>;
}

function env(id: NodeId = 'n1', sink: Sink = { replies: [], timers: new Map() }): NodeEnv<ZabMessage> {
  const ids: NodeId[] = ['n1', 'n2', 'n3'];
  return {
    id,
    nodes: ids,
    peers: ids.filter((p) => p !== id),
    now: () => 0,
    send: () => {},
    setTimer: (name, after) => sink.timers.set(name, after),
    cancelTimer: (name) => sink.timers.delete(name),
    random: () => 0.5,
    storage: new MemoryStore(),
    machine: new KvMachine(),
    reply: (client, reqId, reply) => sink.replies.push({ client, reqId, reply }),
    sign: () => ({ signer: id, digest: '' }),
    verify: () => false,
    note: () => {},
    moment: () => {},
  };
}

function thrown(f: () => void): unknown {
  try {
    f();
  } catch (error) {
    return error;
  }
  return undefined;
}

const write = (value: number) => ({ f: 'write', key: 'k', value }) as const;

describe('options come from the schema alone', () => {
  it('a node built without options gets every default (durations in µs)', () => {
    const config = zabConfig({});
    expect(config).toMatchObject({ tickTime: 50_000, leaderTimeout: 300_000, initLimit: 1_000_000, reads: 'broadcast' });
    expect(() => new ZabNode(env(), config, new Set()).start()).not.toThrow();
  });
});

describe('client sessions (the kit)', () => {
  it('a client answered from the cache for a newer request no longer waits here for an older one', () => {
    const sink: Sink = { replies: [], timers: new Map() };
    const e = env('n1', sink);
    const server = new ZabServer(e, zabConfig({}), new Set());
    server.load();
    expect(server.hold('c1', 1, write(1))).toBe(true);
    e.machine.apply({ client: 'c1', reqId: 2, op: write(2) });
    expect(server.answerIfExecuted('c1', 2)).toBe(true);
    expect(sink.replies).toEqual([{ client: 'c1', reqId: 2, reply: { kind: 'result', result: { type: 'ok', value: 2 } } }]);
    // Nothing left to propose or forward for c1 at the next established leader.
    expect([...server.waiting()]).toEqual([]);
  });

  it('an older request than the one held is not taken on; a newer one replaces it', () => {
    const server = new ZabServer(env(), zabConfig({}), new Set());
    expect(server.hold('c1', 5, write(5))).toBe(true);
    expect(server.hold('c1', 4, write(4))).toBe(false);
    expect(server.hold('c1', 6, write(6))).toBe(true);
    expect([...server.waiting()].map(([client, r]) => [client, r.reqId])).toEqual([['c1', 6]]);
  });
});

describe('local assertions fail the run (kit assert), never a plain exception', () => {
  it('an unknown timer name', () => {
    const node = new ZabNode(env(), zabConfig({}), new Set());
    node.start();
    expect(isLocalAssertion(thrown(() => node.onTimer('heartbeat')))).toBe(true);
    expect(thrown(() => node.onTimer('gap:n2'))).toBeUndefined();
  });

  it('a DIFF that does not start where the history ends', () => {
    const server = new ZabServer(env(), zabConfig({}), new Set());
    server.load();
    const error = thrown(() => server.applySyncPlan({ mode: 'DIFF', from: 3, txns: [] }));
    expect(isLocalAssertion(error)).toBe(true);
  });

  it('a sync that would remove a transaction this server already committed', () => {
    const server = new ZabServer(env(), zabConfig({}), new Set());
    server.load();
    const txns = [makeTxn(1, 1, { client: 'c1', reqId: 1, op: write(1) }), makeTxn(1, 2, { client: 'c1', reqId: 2, op: write(2) })];
    server.applySyncPlan({ mode: 'DIFF', from: 0, txns });
    server.advanceCommit(2);
    const other = [makeTxn(2, 1, { client: 'c2', reqId: 1, op: write(3) })];
    expect(isLocalAssertion(thrown(() => server.applySyncPlan({ mode: 'SNAP', txns: other })))).toBe(true);
  });
});

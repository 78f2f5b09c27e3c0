/**
 * Scripted runs of MultiPaxosNode without the engine: a test harness holds three nodes, their
 * durable stores and machines, and delivers exactly the messages a test names. Each test is a
 * step of Paxos Made Simple §3 or a client-facing rule (redirect, exactly-once, restart).
 */
import { describe, expect, it } from 'vitest';
import type { ClientId, ClientReply, NodeEnv, NodeId, ProtocolOptions } from '../../protocols/api.js';
import { KvMachine } from '../../protocols/kv.js';
import { MultiPaxosNode } from '../../protocols/multipaxos/node.js';
import { readConfig } from '../../protocols/multipaxos/options.js';
import type { MultiPaxosMessage, MultiPaxosView } from '../../protocols/multipaxos/types.js';
import { MemoryStore } from '../../sim/world/storage.js';

interface Sent {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly msg: MultiPaxosMessage;
}

class Cluster {
  readonly ids: NodeId[] = ['n1', 'n2', 'n3'];
  readonly stores = new Map<NodeId, MemoryStore>();
  readonly machines = new Map<NodeId, KvMachine>();
  readonly nodes = new Map<NodeId, MultiPaxosNode>();
  readonly timers = new Map<NodeId, Set<string>>();
  readonly notes: string[] = [];
  /** Messages sent and not yet delivered or dropped, in send order. */
  inFlight: Sent[] = [];
  readonly replies: { node: NodeId; client: ClientId; reqId: number; reply: ClientReply }[] = [];
  private readonly bugs: ReadonlySet<string>;
  private readonly options: ProtocolOptions;

  constructor(bugs: readonly string[] = [], options: ProtocolOptions = {}) {
    this.bugs = new Set(bugs);
    this.options = options;
    for (const id of this.ids) {
      this.stores.set(id, new MemoryStore());
      this.boot(id);
    }
  }

  /** A fresh incarnation over the node's durable store (and a fresh machine), then start(). */
  boot(id: NodeId): MultiPaxosNode {
    const machine = new KvMachine();
    const timers = new Set<string>();
    this.machines.set(id, machine);
    this.timers.set(id, timers);
    const env: NodeEnv<MultiPaxosMessage> = {
      id,
      nodes: this.ids,
      peers: this.ids.filter((n) => n !== id),
      now: () => 0,
      send: (to, msg) => void this.inFlight.push({ from: id, to, msg }),
      setTimer: (name) => void timers.add(name),
      cancelTimer: (name) => void timers.delete(name),
      random: () => 0.5,
      storage: this.stores.get(id) as MemoryStore,
      machine,
      reply: (client, reqId, reply) => void this.replies.push({ node: id, client, reqId, reply }),
      sign: () => ({ signer: id, digest: '' }),
      verify: () => false,
      note: (text) => void this.notes.push(`${id}: ${text}`),
      moment: () => {},
    };
    const node = new MultiPaxosNode(env, readConfig(this.ids.length, this.options), this.bugs);
    this.nodes.set(id, node);
    node.start();
    return node;
  }

  node(id: NodeId): MultiPaxosNode {
    return this.nodes.get(id) as MultiPaxosNode;
  }

  view(id: NodeId): MultiPaxosView {
    return this.node(id).inspect();
  }

  fire(id: NodeId, timer: string): void {
    this.timers.get(id)?.delete(timer);
    this.node(id).onTimer(timer);
  }

  /** Deliver (in send order) every in-flight message matching `pick`; the rest stay in flight. */
  deliver(pick: (m: Sent) => boolean = () => true): Sent[] {
    const now = this.inFlight.filter(pick);
    this.inFlight = this.inFlight.filter((m) => !pick(m));
    for (const m of now) this.node(m.to).onMessage(m.from, m.msg);
    return now;
  }

  /** Deliver everything, including what the deliveries send, until the network is quiet. */
  settle(limit = 100): void {
    for (let round = 0; round < limit && this.inFlight.length > 0; round++) this.deliver();
    expect(this.inFlight).toEqual([]);
  }

  drop(pick: (m: Sent) => boolean): void {
    this.inFlight = this.inFlight.filter((m) => !pick(m));
  }

  crash(id: NodeId): void {
    this.inFlight = this.inFlight.filter((m) => m.to !== id);
    (this.stores.get(id) as MemoryStore).crash();
  }
}

const ofType = (type: MultiPaxosMessage['type']) => (m: Sent) => m.msg.type === type;
const write = (value: number) => ({ f: 'write' as const, key: 'k', value });

/** n1 campaigns and gets every Promise: the leader of ballot 1.n1. */
function electN1(c: Cluster): void {
  c.fire('n1', 'election');
  c.deliver(ofType('prepare'));
  c.deliver(ofType('promise'));
  expect(c.view('n1').role).toBe('leader');
}

describe('§3 a new leader runs phase 1 once for all slots', () => {
  it('sends one Prepare per acceptor, then proposes commands with phase 2 only', () => {
    const c = new Cluster();
    c.fire('n1', 'election');
    const prepares = c.deliver(ofType('prepare'));
    expect(prepares.map((m) => m.to)).toEqual(['n2', 'n3']);
    c.deliver(ofType('promise'));
    expect(c.view('n1')).toMatchObject({ role: 'leader', term: 1, leader: 'n1' });
    c.node('n1').onRequest('c1', 1, write(1));
    c.node('n1').onRequest('c2', 1, write(2));
    expect(c.inFlight.filter(ofType('prepare'))).toEqual([]);
    expect(c.inFlight.filter(ofType('accept')).map((m) => (m.msg as { slot: number }).slot)).toEqual([0, 0, 1, 1]);
    c.settle();
    for (const id of c.ids) expect(c.view(id)).toMatchObject({ commitIndex: 2, appliedIndex: 2 });
    expect(c.replies.map((r) => [r.client, r.reply.kind])).toEqual([
      ['c1', 'result'],
      ['c2', 'result'],
    ]);
  });

  it('re-proposes a value accepted in an open slot and fills the gap before it with a no-op', () => {
    const c = new Cluster();
    electN1(c);
    c.node('n1').onRequest('c1', 1, write(1));
    c.node('n1').onRequest('c2', 1, write(2));
    // Slot 0's Accept reaches nobody; slot 1's reaches n2 only, and n1 crashes before any reply.
    c.drop((m) => m.msg.type === 'accept' && m.msg.slot === 0);
    c.deliver((m) => m.msg.type === 'accept' && m.to === 'n2');
    c.crash('n1');
    c.drop((m) => m.from === 'n1' || m.to === 'n1');
    // n2 takes over with n3: its Promise-quorum {n2, n3} holds n2's vote in slot 1.
    c.fire('n2', 'election');
    c.deliver((m) => m.msg.type === 'prepare' && m.to === 'n3');
    c.drop(ofType('prepare'));
    c.deliver(ofType('promise'));
    expect(c.view('n2').role).toBe('leader');
    expect(c.notes).toContain('n2: slot 1: re-propose c2#1 accepted at 1.n1');
    const accepts = c.inFlight.filter((m) => m.msg.type === 'accept' && m.to === 'n3').map((m) => m.msg);
    expect(accepts).toMatchObject([
      { slot: 0, value: { kind: 'noop' } },
      { slot: 1, value: { kind: 'command', command: { client: 'c2', reqId: 1 } } },
    ]);
  });
});

describe('clients', () => {
  it('a follower redirects to the leader it knows', () => {
    const c = new Cluster();
    electN1(c);
    c.node('n3').onRequest('c1', 1, write(1));
    expect(c.replies).toEqual([{ node: 'n3', client: 'c1', reqId: 1, reply: { kind: 'redirect', leader: 'n1' } }]);
  });

  it('a retry is neither proposed twice nor executed twice', () => {
    const c = new Cluster();
    electN1(c);
    c.node('n1').onRequest('c1', 1, write(1));
    c.node('n1').onRequest('c1', 1, write(1)); // retried before it was chosen
    expect(c.inFlight.filter(ofType('accept'))).toHaveLength(2); // one slot, two acceptors
    c.settle();
    c.node('n1').onRequest('c1', 1, write(1)); // retried after it was applied
    expect(c.inFlight).toEqual([]);
    expect(c.replies.filter((r) => r.client === 'c1').map((r) => r.reply)).toEqual([
      { kind: 'result', result: { type: 'ok', value: 1 } },
      { kind: 'result', result: { type: 'ok', value: 1 } },
    ]);
    expect((c.machines.get('n1') as KvMachine).appliedCount).toBe(1);
  });
});

describe('§2.5 restarts', () => {
  it('a restarted node never reuses a ballot and rebuilds its machine by re-learning chosen slots', () => {
    const c = new Cluster();
    electN1(c);
    for (let i = 1; i <= 3; i++) c.node('n1').onRequest('c1', i, write(i));
    c.settle();
    const digest = (c.machines.get('n1') as KvMachine).digest();
    c.crash('n1');
    c.boot('n1');
    expect(c.view('n1')).toMatchObject({ role: 'follower', promised: { round: 1, node: 'n1' } });
    // Its next ballot is above every one it used before the crash.
    c.fire('n1', 'election');
    expect(c.inFlight.filter(ofType('prepare'))[0]?.msg).toMatchObject({ ballot: { round: 2, node: 'n1' } });
    c.drop(ofType('prepare'));
    // n2 wins a higher ballot; its heartbeat tells n1 how far the log is chosen, and n1 catches up.
    c.fire('n2', 'election');
    c.settle();
    expect(c.view('n2').role).toBe('leader');
    c.fire('n2', 'heartbeat');
    c.settle();
    expect(c.view('n1')).toMatchObject({ role: 'follower', leader: 'n2', commitIndex: 3, appliedIndex: 3 });
    expect((c.machines.get('n1') as KvMachine).digest()).toBe(digest);
  });

  it('a follower that missed Decides catches up from the leader\'s heartbeat', () => {
    const c = new Cluster();
    electN1(c);
    c.node('n1').onRequest('c1', 1, write(1));
    c.deliver(ofType('accept'));
    c.deliver(ofType('accepted'));
    c.drop((m) => m.msg.type === 'decide' && m.to === 'n3');
    c.settle();
    expect(c.view('n3').commitIndex).toBe(0);
    c.fire('n1', 'heartbeat');
    c.settle();
    expect(c.view('n3')).toMatchObject({ commitIndex: 1, appliedIndex: 1 });
  });
});

describe('Paxos Made Live §5.5 snapshots and catch-up (snapshotEvery: 2)', () => {
  const every2 = (): Cluster => new Cluster([], { snapshotEvery: 2 });
  const machine = (c: Cluster, id: NodeId): KvMachine => c.machines.get(id) as KvMachine;

  it('snapshots every 2 applied slots, compacts the chosen log and the votes, and a restart restores the snapshot', () => {
    const c = every2();
    electN1(c);
    for (let i = 1; i <= 5; i++) c.node('n1').onRequest('c1', i, write(i));
    c.settle();
    expect(c.view('n1')).toMatchObject({ commitIndex: 5, appliedIndex: 5, logLength: 5 });
    expect(c.view('n1').compaction).toEqual({ snapshotSlot: 4, chosenHeld: 1, votesHeld: 1 });
    expect(c.stores.get('n1')?.log('paxos.chosen').start).toBe(4);
    c.crash('n1');
    c.boot('n1');
    // Slot 4 was chosen after the last sync (a learned value rides along with the next vote's
    // sync), so only the snapshot survives: it is restored, with nothing after it to replay.
    expect(c.notes.at(-1)).toBe('n1: restart: restored the snapshot of slots [0, 4), re-applied 0 chosen slots');
    expect(c.view('n1')).toMatchObject({ commitIndex: 4, appliedIndex: 4, logLength: 5 });
    expect(machine(c, 'n1').appliedCount).toBe(4);
    expect(machine(c, 'n1').peek('k')).toEqual({ type: 'ok', value: 4 });
  });

  it('a candidate installs the snapshot a Promise carries before counting it, and proposes only above it', () => {
    const c = every2();
    electN1(c);
    // n3 hears nothing of slots 0..3; n1 and n2 choose them and snapshot at slot 4.
    for (let i = 1; i <= 4; i++) c.node('n1').onRequest('c1', i, write(i));
    for (let round = 0; round < 10; round++) {
      c.drop((m) => m.to === 'n3');
      c.deliver();
    }
    expect(c.view('n2').compaction.snapshotSlot).toBe(4);
    expect(c.view('n3')).toMatchObject({ commitIndex: 0, logLength: 0 });
    c.crash('n1');
    c.drop((m) => m.from === 'n1' || m.to === 'n1');
    c.fire('n3', 'election');
    c.drop((m) => m.to === 'n1');
    c.deliver(ofType('prepare'));
    const promise = c.inFlight.find((m) => m.msg.type === 'promise');
    expect(promise?.msg).toMatchObject({ type: 'promise', fromSlot: 0, slots: [], snapshot: { slot: 4 } });
    c.deliver(ofType('promise'));
    expect(c.view('n3')).toMatchObject({ role: 'leader', commitIndex: 4, appliedIndex: 4 });
    expect(machine(c, 'n3').digest()).toBe(machine(c, 'n2').digest());
    c.node('n3').onRequest('c2', 1, write(9));
    const accepts = c.inFlight.filter(ofType('accept')).map((m) => m.msg);
    expect(accepts.length).toBeGreaterThan(0);
    for (const accept of accepts) expect(accept).toMatchObject({ slot: 4 });
  });

  it('a learner behind the leader\'s snapshot point catches up by state transfer, then by slots', () => {
    const c = every2();
    electN1(c);
    for (let i = 1; i <= 5; i++) c.node('n1').onRequest('c1', i, write(i));
    for (let round = 0; round < 10; round++) {
      c.drop((m) => m.to === 'n3');
      c.deliver();
    }
    expect(c.view('n1').compaction.snapshotSlot).toBe(4);
    c.fire('n1', 'heartbeat');
    c.deliver(ofType('heartbeat'));
    c.deliver(ofType('catchup'));
    const reply = c.inFlight.find((m) => m.msg.type === 'catchup-reply');
    expect(reply?.msg).toMatchObject({ slots: [{ slot: 4 }], snapshot: { slot: 4 } });
    c.settle();
    expect(c.view('n3')).toMatchObject({ commitIndex: 5, appliedIndex: 5 });
    expect(c.view('n3').compaction.snapshotSlot).toBe(4);
    expect(machine(c, 'n3').digest()).toBe(machine(c, 'n1').digest());
  });

  it('an acceptor answers an Accept in a slot it compacted without keeping the vote', () => {
    const c = every2();
    electN1(c);
    for (let i = 1; i <= 2; i++) c.node('n1').onRequest('c1', i, write(i));
    c.settle();
    expect(c.view('n2').compaction).toMatchObject({ snapshotSlot: 2, votesHeld: 0 });
    const value = { kind: 'command' as const, command: { client: 'c1' as ClientId, reqId: 1, op: write(1) } };
    c.node('n2').onMessage('n1', { type: 'accept', ballot: { round: 1, node: 'n1' }, slot: 0, value, leaderAccepted: true });
    expect(c.inFlight.at(-1)?.msg).toMatchObject({ type: 'accepted', slot: 0 });
    expect(c.view('n2').compaction).toMatchObject({ snapshotSlot: 2, votesHeld: 0 });
  });
});

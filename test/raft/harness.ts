/**
 * A hand-driven Raft cluster for tests named after the paper (etcd's raft_paper_test style): no
 * scheduler, no network randomness. Tests fire timers and deliver messages one by one, so every
 * step of a scenario from the paper can be set up exactly.
 */
import type { ClientId, ClientReply, KvOp, NodeEnv, NodeId, Signature } from '../../protocols/api.js';
import { KvMachine } from '../../protocols/kv.js';
import { raftConfig } from '../../protocols/raft/config.js';
import type { LogEntry, RaftMessage } from '../../protocols/raft/messages.js';
import { RaftNode } from '../../protocols/raft/node.js';
import { MemoryStore } from '../../sim/world/storage.js';

export interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly msg: RaftMessage;
}

export interface Reply {
  readonly node: NodeId;
  readonly client: ClientId;
  readonly reqId: number;
  readonly reply: ClientReply;
}

export interface HarnessOptions {
  readonly nodes?: number;
  readonly options?: Record<string, number | boolean | string>;
  readonly bugs?: readonly string[];
}

interface Member {
  node: RaftNode;
  machine: KvMachine;
  readonly store: MemoryStore;
  readonly timers: Map<string, number>;
  up: boolean;
}

export class Cluster {
  readonly ids: NodeId[];
  /** Messages sent and not yet delivered or dropped, in send order. */
  outbox: Envelope[] = [];
  replies: Reply[] = [];
  private readonly members = new Map<NodeId, Member>();
  private readonly options: Record<string, number | boolean | string>;
  private readonly bugs: ReadonlySet<string>;
  private time = 0;

  constructor(opts: HarnessOptions = {}) {
    const n = opts.nodes ?? 3;
    this.ids = Array.from({ length: n }, (_, i) => `n${i + 1}` as NodeId);
    this.options = { electionTimeout: 100_000, heartbeatInterval: 20_000, ...opts.options };
    this.bugs = new Set(opts.bugs ?? []);
    for (const id of this.ids) {
      const member: Member = { node: undefined as unknown as RaftNode, machine: new KvMachine(), store: new MemoryStore(), timers: new Map(), up: true };
      this.members.set(id, member);
      this.boot(id);
    }
  }

  node(id: NodeId): RaftNode {
    return this.member(id).node;
  }

  machine(id: NodeId): KvMachine {
    return this.member(id).machine;
  }

  /** Fire a node's election timer (it campaigns, or pre-votes). */
  timeout(id: NodeId): void {
    this.member(id).node.onTimer('election');
  }

  heartbeat(id: NodeId): void {
    this.member(id).node.onTimer('heartbeat');
  }

  advance(micros: number): void {
    this.time += micros;
  }

  request(id: NodeId, client: ClientId, reqId: number, op: KvOp): void {
    this.member(id).node.onRequest(client, reqId, op);
  }

  /** Deliver (and remove) every pending message matching `filter`, once, in send order. */
  deliver(filter: (e: Envelope) => boolean = () => true): Envelope[] {
    const chosen = this.outbox.filter(filter);
    this.outbox = this.outbox.filter((e) => !filter(e));
    for (const e of chosen) {
      const member = this.member(e.to);
      if (member.up) member.node.onMessage(e.from, e.msg);
    }
    return chosen;
  }

  /** Deliver until quiet (bounded), dropping messages to or from nodes in `cut`. */
  stabilize(cut: readonly NodeId[] = [], rounds = 50): void {
    for (let i = 0; i < rounds && this.outbox.length > 0; i++) {
      this.drop((e) => cut.includes(e.from) || cut.includes(e.to));
      this.deliver();
    }
  }

  drop(filter: (e: Envelope) => boolean): void {
    this.outbox = this.outbox.filter((e) => !filter(e));
  }

  /** Crash: unsynced writes and every message to the node are lost; restart runs start(). */
  crash(id: NodeId): void {
    const member = this.member(id);
    member.up = false;
    member.store.crash();
    member.timers.clear();
    this.drop((e) => e.to === id);
  }

  restart(id: NodeId): void {
    this.member(id).up = true;
    this.member(id).machine = new KvMachine();
    this.boot(id);
  }

  /** Elect `id` leader: time it out and deliver everything among the live nodes. */
  elect(id: NodeId, cut: readonly NodeId[] = []): void {
    this.timeout(id);
    this.stabilize(cut);
  }

  log(id: NodeId): readonly LogEntry[] {
    return this.member(id).node.inspect().log;
  }

  /** Append entries directly to a node's durable log (to build a paper figure's starting state). */
  seedLog(id: NodeId, terms: readonly number[], currentTerm: number): void {
    const member = this.member(id);
    const log = member.store.log<LogEntry>('raft.log');
    terms.forEach((term, i) => log.append({ term, command: { client: 'c9', reqId: i + 1, op: { f: 'write', key: 'k', value: `${id}:${term}:${i + 1}` } } }));
    member.store.write('raft.currentTerm', currentTerm);
    member.store.sync();
    this.boot(id);
  }

  timerArmed(id: NodeId, name: string): boolean {
    return this.member(id).timers.has(name);
  }

  private boot(id: NodeId): void {
    const member = this.member(id);
    member.node = new RaftNode(this.env(id, member), raftConfig(this.options, this.bugs));
    member.node.start();
  }

  private member(id: NodeId): Member {
    const member = this.members.get(id);
    if (member === undefined) throw new Error(`no node ${id}`);
    return member;
  }

  private env(id: NodeId, member: Member): NodeEnv<RaftMessage> {
    let seed = Number(id.slice(1)) * 7919;
    return {
      id,
      nodes: this.ids,
      peers: this.ids.filter((p) => p !== id),
      now: () => this.time,
      send: (to, msg) => this.outbox.push({ from: id, to, msg }),
      setTimer: (name, after) => member.timers.set(name, this.time + after),
      cancelTimer: (name) => member.timers.delete(name),
      random: () => {
        seed = (seed * 48271) % 2147483647;
        return seed / 2147483647;
      },
      storage: member.store,
      get machine() {
        return member.machine;
      },
      reply: (client, reqId, reply) => this.replies.push({ node: id, client, reqId, reply }),
      sign: (): Signature => ({ signer: id, digest: '' }),
      verify: () => false,
      note: () => {},
      moment: () => {},
    };
  }
}

export const write = (key: string, value: number | string): KvOp => ({ f: 'write', key, value });
export const read = (key: string): KvOp => ({ f: 'read', key });

/**
 * A scripted env for driving one VR replica by hand: messages in, recorded effects out. Used by
 * the tests named after paper sections (etcd-io/raft's raft_paper_test.go shape).
 */
import type { ClientId, ClientReply, Command, DurableLog, DurableStore, NodeEnv, NodeId, ProtocolOptions, Signature } from '../../protocols/api.js';
import { KvMachine } from '../../protocols/kv.js';
import type { VsrMessage } from '../../protocols/vsr/index.js';
import { JOINED_MARKER, VsrReplica } from '../../protocols/vsr/replica.js';

export interface Sent {
  readonly to: NodeId;
  readonly msg: VsrMessage;
}

class MemoryLog<T> implements DurableLog<T> {
  private items: T[] = [];
  get length(): number {
    return this.items.length;
  }
  get(index: number): T | undefined {
    return this.items[index];
  }
  append(entry: T): void {
    this.items.push(entry);
  }
  set(index: number, entry: T): void {
    this.items[index] = entry;
  }
  truncate(newLength: number): void {
    this.items.length = Math.min(this.items.length, newLength);
  }
  entries(): readonly T[] {
    return this.items;
  }
  readonly start = 0;
  compact(): void {
    throw new Error('the scripted VR harness does not compact');
  }
}

class MemoryStore implements DurableStore {
  readonly cells = new Map<string, unknown>();
  read<T>(key: string): T | undefined {
    return this.cells.get(key) as T | undefined;
  }
  write(key: string, value: unknown): void {
    this.cells.set(key, value);
  }
  log<T>(): DurableLog<T> {
    return new MemoryLog<T>();
  }
  sync(): void {}
}

export class ScriptedReplica {
  readonly sent: Sent[] = [];
  readonly replies: { client: ClientId; reqId: number; reply: ClientReply }[] = [];
  readonly timers = new Map<string, number>();
  readonly machine = new KvMachine();
  readonly storage = new MemoryStore();
  readonly node: VsrReplica;
  private randomState = 0.25;

  constructor(id: NodeId, nodes: number, options: { restarted?: boolean; bugs?: readonly string[]; protocolOptions?: ProtocolOptions } = {}) {
    const all = Array.from({ length: nodes }, (_, i) => `n${i + 1}` as NodeId);
    if (options.restarted === true) this.storage.write(JOINED_MARKER, true);
    const env: NodeEnv<VsrMessage> = {
      id,
      nodes: all,
      peers: all.filter((n) => n !== id),
      now: () => 0,
      send: (to, msg) => this.sent.push({ to, msg }),
      setTimer: (name, after) => this.timers.set(name, after),
      cancelTimer: (name) => this.timers.delete(name),
      random: () => (this.randomState = (this.randomState * 7.31 + 0.137) % 1),
      storage: this.storage,
      machine: this.machine,
      reply: (client, reqId, reply) => this.replies.push({ client, reqId, reply }),
      sign: (): Signature => ({ signer: id, digest: '' }),
      verify: () => false,
      note: () => {},
      moment: () => {},
    };
    this.node = new VsrReplica({ env, options: options.protocolOptions ?? {}, bugs: new Set(options.bugs ?? []) });
    this.node.start();
  }

  /** Deliver a message and return what the replica sent in response. */
  deliver(from: NodeId, msg: VsrMessage): Sent[] {
    const before = this.sent.length;
    this.node.onMessage(from, msg);
    return this.sent.slice(before);
  }

  fire(timer: string): Sent[] {
    const before = this.sent.length;
    this.node.onTimer(timer);
    return this.sent.slice(before);
  }
}

export function cmd(client: number, reqId: number, value: number): Command {
  return { client: `c${client}`, reqId, op: { f: 'write', key: 'k1', value } };
}

export function ofType<T extends VsrMessage['type']>(sent: readonly Sent[], type: T): (Sent & { msg: Extract<VsrMessage, { type: T }> })[] {
  return sent.filter((s): s is Sent & { msg: Extract<VsrMessage, { type: T }> } => s.msg.type === type);
}

/**
 * A quorum-register node: a replica of every key and, for each client request it receives, the
 * coordinator of that one operation (any node may coordinate any request; there is no leader).
 *
 * Coordinator, per operation (ABD's two rounds; see index.ts for why each is there):
 * - query: ask every node for its (tag, value) of the key, wait for r replies;
 * - store: a write stores (max ts + 1, this write) and a read writes back the highest (tag, value)
 *   it saw — unless w of the replies already hold it — at every node, and waits for w acks;
 * - then answer the client. Unanswered messages are sent again every `resendInterval`; an
 *   operation still open after `giveUpAfter` is dropped (its client has timed out by then).
 * The coordinator's own replica answers at once, in the same step, without a message.
 *
 * Durable state: the registers (replica.ts), an epoch counting incarnations (so replies to an
 * earlier incarnation's operations are never mistaken for the current ones), and per client the
 * highest write request this node ever started, synced before the write begins: a duplicated
 * request delivered again, even after a restart, is never coordinated twice.
 */
import type { ClientId, KvOp, NodeEnv, NodeId, ProtocolNode, Value } from '../api.js';
import { assertNever } from '../api.js';
import { defineTimers, VoteTally } from '../kit/index.js';
import { Replica } from './replica.js';
import { clientNumber, compareTags, TAG_ZERO, type Tag } from './tag.js';
import type { CompletedWrite, OpRef, QuorumMessage, QuorumOptions, QuorumView, Tagged } from './types.js';

export const BUG_NO_READ_REPAIR = 'quorum.no-read-repair';
export const BUG_SLOPPY = 'quorum.sloppy';
export const BUG_TAG_WITHOUT_WRITER = 'quorum.tag-without-writer';
export const BUG_ACK_BEFORE_DURABLE = 'quorum.ack-before-durable';

type Env = NodeEnv<QuorumMessage>;

interface Operation {
  readonly ref: OpRef;
  readonly client: ClientId;
  readonly reqId: number;
  readonly kind: 'read' | 'write';
  readonly key: string;
  /** The value a write writes (null for a read). */
  readonly writeValue: Value;
  readonly startedUs: number;
  phase: 'query' | 'store';
  readonly replies: Map<NodeId, Tagged>;
  readonly acks: VoteTally;
  /** What the store phase propagates. */
  stored: Tagged | null;
}

const TIMERS = defineTimers(['tick', 'flush'] as const);
/** ack-before-durable: how long after an acknowledgement the replica gets round to syncing. */
const LAZY_SYNC_US = 100_000;
/** Bound on operations one node coordinates at once; beyond it a request is not taken. */
const MAX_OPERATIONS = 10_000;

export class QuorumNode implements ProtocolNode<QuorumMessage, QuorumView> {
  private readonly env: Env;
  private readonly options: QuorumOptions;
  private readonly readRepair: boolean;
  private readonly tagWithoutWriter: boolean;
  private readonly ackBeforeDurable: boolean;
  private readonly replica: Replica;
  private epoch = 0;
  private nextOp = 0;
  private readonly operations = new Map<number, Operation>();
  /** `client#reqId` of every open operation: a duplicated request is not started twice. */
  private readonly open = new Set<string>();
  private changed: string[] = [];
  private completed: CompletedWrite[] = [];
  private flushPending = false;
  /** Whether the resend timer is armed (re-arming it on every request would keep pushing it back). */
  private ticking = false;

  constructor(env: Env, options: QuorumOptions, bugs: ReadonlySet<string>) {
    this.env = env;
    this.options = options;
    this.readRepair = options.readRepair && !bugs.has(BUG_NO_READ_REPAIR);
    this.tagWithoutWriter = bugs.has(BUG_TAG_WITHOUT_WRITER);
    this.ackBeforeDurable = bugs.has(BUG_ACK_BEFORE_DURABLE);
    this.replica = new Replica(env.storage, this.tagWithoutWriter);
  }

  // ---- host entry points ------------------------------------------------------------------

  start(): void {
    this.beginStep();
    this.epoch = (this.env.storage.read<number>('epoch') ?? 0) + 1;
    this.env.storage.write('epoch', this.epoch);
    this.env.storage.sync();
    this.changed = [...this.replica.registers.keys()];
  }

  onRequest(client: ClientId, reqId: number, op: KvOp): void {
    this.beginStep();
    if (op.f !== 'read' && op.f !== 'write') {
      // The scenario loader rejects a workload with cas; a request that still arrives is refused.
      this.env.reply(client, reqId, { kind: 'result', result: { type: 'fail', reason: `a quorum register has no ${op.f}: it needs consensus` } });
      return;
    }
    const id = `${client}#${reqId}`;
    if (this.open.has(id) || this.operations.size >= MAX_OPERATIONS) return;
    if (op.f === 'write') {
      const cell = `written:${client}`;
      if ((this.env.storage.read<number>(cell) ?? 0) >= reqId) return; // started here before: never twice
      this.env.storage.write(cell, reqId);
      this.env.storage.sync();
    }
    const ref: OpRef = { epoch: this.epoch, op: ++this.nextOp };
    const operation: Operation = {
      ref,
      client,
      reqId,
      kind: op.f,
      key: op.key,
      writeValue: op.f === 'write' ? op.value : null,
      startedUs: this.env.now(),
      phase: 'query',
      replies: new Map(),
      acks: new VoteTally(this.options.w),
      stored: null,
    };
    this.operations.set(ref.op, operation);
    this.open.add(id);
    this.sendPhase(operation, this.env.peers);
    this.onQueryReply(operation, this.env.id, this.replica.get(op.key));
    if (this.operations.has(ref.op)) this.armTick();
  }

  private armTick(): void {
    if (this.ticking) return;
    this.ticking = true;
    TIMERS.set(this.env, 'tick', this.options.resendIntervalUs);
  }

  onMessage(from: NodeId, msg: QuorumMessage): void {
    this.beginStep();
    switch (msg.type) {
      case 'query': {
        const held = this.replica.get(msg.key);
        this.env.send(from, { type: 'query-reply', ref: msg.ref, key: msg.key, tag: held.tag, value: held.value });
        return;
      }
      case 'store': {
        this.storeLocally(msg.key, msg.tag, msg.value, from);
        this.env.send(from, { type: 'store-ack', ref: msg.ref, key: msg.key, tag: msg.tag });
        return;
      }
      case 'query-reply': {
        const operation = this.find(msg.ref, msg.key);
        if (operation !== null && operation.phase === 'query') this.onQueryReply(operation, from, { tag: msg.tag, value: msg.value });
        return;
      }
      case 'store-ack': {
        const operation = this.find(msg.ref, msg.key);
        if (operation !== null && operation.phase === 'store' && operation.stored !== null && compareTags(msg.tag, operation.stored.tag) === 0) {
          this.onStoreAck(operation, from);
        }
        return;
      }
      default:
        assertNever(msg);
    }
  }

  onTimer(name: string): void {
    this.beginStep();
    if (!TIMERS.is(name)) return;
    if (name === 'flush') {
      this.flushPending = false;
      this.env.storage.sync();
      return;
    }
    this.ticking = false;
    const now = this.env.now();
    for (const operation of [...this.operations.values()]) {
      if (now - operation.startedUs >= this.options.giveUpAfterUs) {
        this.env.note(`gave up ${operation.kind} ${operation.key} for ${operation.client}#${operation.reqId} in its ${operation.phase} phase`);
        this.close(operation);
        continue;
      }
      const answered = operation.phase === 'query' ? operation.replies : operation.acks;
      this.sendPhase(operation, this.env.peers.filter((p) => !answered.has(p)));
    }
    if (this.operations.size > 0) this.armTick();
  }

  inspect(): QuorumView {
    return {
      role: 'replica',
      term: 0,
      leader: null,
      commitIndex: 0,
      appliedIndex: 0,
      logLength: 0,
      registers: this.replica.registers,
      changed: this.changed,
      completed: this.completed,
      coordinating: this.operations.size,
    };
  }

  // ---- coordinator --------------------------------------------------------------------------

  private beginStep(): void {
    if (this.changed.length > 0) this.changed = [];
    if (this.completed.length > 0) this.completed = [];
  }

  private find(ref: OpRef, key: string): Operation | null {
    if (ref.epoch !== this.epoch) return null;
    const operation = this.operations.get(ref.op);
    return operation !== undefined && operation.key === key ? operation : null;
  }

  private sendPhase(operation: Operation, to: readonly NodeId[]): void {
    const stored = operation.stored;
    for (const peer of to) {
      if (operation.phase === 'query') this.env.send(peer, { type: 'query', ref: operation.ref, key: operation.key });
      else if (stored !== null) this.env.send(peer, { type: 'store', ref: operation.ref, key: operation.key, tag: stored.tag, value: stored.value });
    }
  }

  private onQueryReply(operation: Operation, from: NodeId, held: Tagged): void {
    if (operation.replies.has(from)) return;
    operation.replies.set(from, held);
    if (operation.replies.size < this.options.r) return;
    let highest: Tagged = { tag: TAG_ZERO, value: null };
    for (const reply of operation.replies.values()) if (compareTags(reply.tag, highest.tag) > 0) highest = reply;
    if (operation.kind === 'read') {
      let holders = 0;
      for (const reply of operation.replies.values()) if (compareTags(reply.tag, highest.tag) === 0) holders++;
      // Already at w replicas: a later operation's query quorum meets one of them, no write-back needed.
      if (!this.readRepair || holders >= this.options.w) {
        this.finish(operation, highest.value);
        return;
      }
      this.beginStore(operation, highest);
      return;
    }
    const tag: Tag = this.tagWithoutWriter
      ? { ts: highest.tag.ts + 1, writer: 0, reqId: 0 }
      : { ts: highest.tag.ts + 1, writer: clientNumber(operation.client), reqId: operation.reqId };
    this.beginStore(operation, { tag, value: operation.writeValue });
  }

  private beginStore(operation: Operation, stored: Tagged): void {
    operation.phase = 'store';
    operation.stored = stored;
    this.sendPhase(operation, this.env.peers);
    this.storeLocally(operation.key, stored.tag, stored.value, this.env.id);
    this.onStoreAck(operation, this.env.id);
  }

  private onStoreAck(operation: Operation, from: NodeId): void {
    operation.acks.add(from);
    if (!operation.acks.reached || operation.stored === null) return;
    if (operation.kind === 'write') this.completed.push({ key: operation.key, tag: operation.stored.tag });
    this.finish(operation, operation.kind === 'write' ? operation.writeValue : operation.stored.value);
  }

  private finish(operation: Operation, value: Value): void {
    this.close(operation);
    this.env.reply(operation.client, operation.reqId, { kind: 'result', result: { type: 'ok', value } });
  }

  private close(operation: Operation): void {
    this.operations.delete(operation.ref.op);
    this.open.delete(`${operation.client}#${operation.reqId}`);
  }

  // ---- replica ------------------------------------------------------------------------------

  /** Store (tag, value) if it is newer, durably before any acknowledgement (unless the bug says otherwise). */
  private storeLocally(key: string, tag: Tag, value: Value, coordinator: NodeId): void {
    if (this.replica.store(key, tag, value)) {
      this.changed.push(key);
      if (!this.ackBeforeDurable) this.env.storage.sync();
      else if (!this.flushPending) {
        this.flushPending = true;
        TIMERS.set(this.env, 'flush', LAZY_SYNC_US);
      }
    }
    this.env.moment({ kind: 'ack', to: coordinator, index: tag.ts, term: 0 });
  }
}

/**
 * A node host: everything the simulator keeps about one node across its incarnations — its clock,
 * durable store, random stream, timers, and (while up) the protocol node object and its machine.
 * The env handed to each incarnation forwards every effect to the world, in the order the node
 * requested it.
 */
import type {
  ByzantineHooks,
  ClientId,
  ClientReply,
  NodeEnv,
  NodeId,
  NodeView,
  ProtocolMoment,
  ProtocolNode,
  Signature,
} from '../../protocols/api.js';
import type { Random } from '../random.js';
import type { TrackedMachine } from './applied.js';
import type { NodeClock } from './clock.js';
import type { SimEvent } from './event-queue.js';
import type { MemoryStore } from './storage.js';

export type HostState = 'up' | 'down' | 'paused';

/**
 * An armed node timer: when it is due, its place among the events due at that instant (a sequence
 * number taken when it was set), and the one queued event that carries it. Re-arming a timer for
 * later, the commonest case (an election timer reset by every heartbeat), leaves that event where
 * it is; when it comes up early it is put back at (t, seq). The run is the same as with one event
 * per setTimer call, without the queue filling with stale timers.
 */
export interface TimerSlot {
  t: number;
  seq: number;
  ev: SimEvent;
}

/** What an env needs from the world. */
export interface HostServices {
  localNow(host: Host): number;
  send(host: Host, to: NodeId, msg: unknown): void;
  setTimer(host: Host, name: string, afterMicros: number): void;
  cancelTimer(host: Host, name: string): void;
  reply(host: Host, client: ClientId, reqId: number, reply: ClientReply): void;
  sign(host: Host, msg: unknown): Signature;
  verify(sig: Signature, signer: NodeId, msg: unknown): boolean;
  note(host: Host, text: string): void;
  moment(host: Host, moment: ProtocolMoment): void;
}

export class Host {
  readonly index: number;
  readonly id: NodeId;
  /** False for byzantine nodes: invariants and liveness speak of correct nodes only. */
  readonly correct: boolean;
  readonly clock: NodeClock;
  readonly store: MemoryStore;
  readonly random: Random;

  state: HostState = 'down';
  /** Incremented at every start/restart. */
  incarnation = 0;
  /** Incremented at every crash: messages and timers from before a crash are dropped. */
  crashes = 0;
  node: ProtocolNode<unknown, NodeView> | null = null;
  hooks: ByzantineHooks<unknown> | null = null;
  machine: TrackedMachine | null = null;
  /** Armed timers by name. An event in the queue whose slot is gone or holds another event is stale. */
  readonly timers = new Map<string, TimerSlot>();
  /** Events that arrived while paused, in arrival order. */
  parked: SimEvent[] = [];
  pauseToken = 0;
  /** What the trace last said about this node (role events are emitted on change). */
  lastRole = '';
  lastTerm = -1;
  lastLeader: NodeId | null = null;
  /** The commit index last reported as a `commit` moment (only tracked while moments are watched). */
  lastCommit = 0;
  /** Commit index, applied index and log length last written to the trace (state or progress event). */
  shownCommit = -1;
  shownApplied = -1;
  shownLog = -1;
  /** The last few commands this incarnation applied, for the log summary of a state snapshot. */
  recentApplied: string[] = [];

  constructor(index: number, id: NodeId, correct: boolean, clock: NodeClock, store: MemoryStore, random: Random) {
    this.index = index;
    this.id = id;
    this.correct = correct;
    this.clock = clock;
    this.store = store;
    this.random = random;
  }

  get isLive(): boolean {
    return this.state !== 'down';
  }
}

/** The env for one incarnation of `host`. */
export function createEnv(
  host: Host,
  nodes: readonly NodeId[],
  machine: TrackedMachine,
  services: HostServices,
): NodeEnv<unknown> {
  const peers = Object.freeze(nodes.filter((n) => n !== host.id));
  const random = host.random;
  return Object.freeze({
    id: host.id,
    nodes,
    peers,
    now: () => services.localNow(host),
    send: (to: NodeId, msg: unknown) => services.send(host, to, msg),
    setTimer: (name: string, afterMicros: number) => services.setTimer(host, name, afterMicros),
    cancelTimer: (name: string) => services.cancelTimer(host, name),
    random: () => random.next(),
    storage: host.store,
    machine,
    reply: (client: ClientId, reqId: number, reply: ClientReply) => services.reply(host, client, reqId, reply),
    sign: (msg: unknown) => services.sign(host, msg),
    verify: (sig: Signature, signer: NodeId, msg: unknown) => services.verify(sig, signer, msg),
    note: (text: string) => services.note(host, text),
    moment: (moment: ProtocolMoment) => services.moment(host, moment),
  });
}

/**
 * A node broke the node API's contract (sent to a node that does not exist, replied to an
 * unknown client, set a timer for a negative time, sent a cyclic message): the run fails with
 * the `node-api` violation naming the node and the call, never with a bare stack trace.
 */
export class NodeApiError extends Error {
  override readonly name = 'NodeApiError';
}

/**
 * Freeze a message and everything reachable from it, stopping at objects already frozen (log
 * entries sent many times are walked once).
 */
export function deepFreeze(value: unknown, depth = 0): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  if (depth > 64) throw new NodeApiError('sent a message nesting deeper than 64 levels (a cycle?)');
  // Children first, then the object: measured faster in V8 than freezing on the way down
  // (for-in over a not-yet-frozen object stays on the fast path, and no Object.values array).
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'object' && item !== null) deepFreeze(item, depth + 1);
    }
  } else {
    const record = value as Record<string, unknown>;
    for (const key in record) {
      const field = record[key];
      if (typeof field === 'object' && field !== null) deepFreeze(field, depth + 1);
    }
  }
  Object.freeze(value);
}

/**
 * The step shape of a Zab server (etcd-raft's `step` per role): the node hands every message,
 * timer and client request to the handler of the state it is in, and a change of state swaps the
 * handler instead of testing a status field in every method. Zab's states are phase 0 (LOOKING,
 * election.ts) and, for a leader and for a follower alike, the paper's three phases: discovery,
 * synchronization and broadcast (leader.ts, follower.ts).
 *
 * Timer names are a closed union: setting or handling a name that is not declared here does not
 * compile, and a timer the host reports that is not one of them is a programming error.
 */
import type { ClientId, KvOp, NodeEnv, NodeId } from '../api.js';
import type { ServerState, ZabMessage } from './messages.js';

/** The phase a server is in, as `inspect()` reports it. */
export type Phase = 'election' | 'discovery' | 'synchronization' | 'broadcast';

/** Every timer of a Zab server; `gap:<peer>` is a leader's reorder window on one follower's session. */
const TIMER_NAMES = ['election', 'finalize', 'tick', 'init', 'connect', 'flush', 'silence', 'gap'] as const;
export type FixedTimer = (typeof TIMER_NAMES)[number];
export type PeerGapTimer = `gap:${NodeId}`;
export type ZabTimer = FixedTimer | PeerGapTimer;

const FIXED: ReadonlySet<string> = new Set(TIMER_NAMES);

export function isZabTimer(name: string): name is ZabTimer {
  return FIXED.has(name) || /^gap:n[1-9][0-9]*$/.test(name);
}

export function isPeerGapTimer(name: ZabTimer): name is PeerGapTimer {
  return name.startsWith('gap:');
}

export function peerGapTimer(peer: NodeId): PeerGapTimer {
  return `gap:${peer}`;
}

export function peerOfGapTimer(name: PeerGapTimer): NodeId {
  return name.slice(4) as NodeId;
}

export function setTimer(env: NodeEnv<ZabMessage>, name: ZabTimer, afterMicros: number): void {
  env.setTimer(name, afterMicros);
}

export function cancelTimer(env: NodeEnv<ZabMessage>, name: ZabTimer): void {
  env.cancelTimer(name);
}

/** What one state does with a message, a timer and a client request (the kit's RoleHandler shape). */
export interface RoleHandler<M, T extends string> {
  readonly role: string;
  step(from: NodeId, msg: M): void;
  timer(name: T): void;
  request(client: ClientId, reqId: number, op: KvOp): void;
}

/** A Zab state: the handler, what `inspect()` reports of it, and what leaving it takes. */
export interface ZabRole extends RoleHandler<ZabMessage, ZabTimer> {
  readonly role: ServerState;
  readonly phase: Phase;
  /** Who this server believes leads (itself when leading), or null while LOOKING. */
  readonly leaderId: NodeId | null;
  /** The epoch this server leads or follows in (null before NEWEPOCH). */
  readonly epoch: number | null;
  /** The era `inspect()` reports: the epoch a leader leads, else currentEpoch. */
  readonly term: number;
  /** The role is over (another role starts next): tell whoever must know, drop its state. */
  leave(): void;
}

/** How a handler changes the server's state (implemented by ZabNode). */
export interface RoleSwitch {
  /** Back to phase 0: leave the current role and look for a leader. */
  look(reason: string): void;
  /** Election decided: lead, or follow `leader`. */
  lead(): void;
  follow(leader: NodeId): void;
  /** The next phase of the same role. */
  enter(next: ZabRole): void;
}

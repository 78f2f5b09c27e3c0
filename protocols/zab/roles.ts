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
import type { NodeId } from '../api.js';
import { defineTimers, type RoleHandler, type Timers } from '../kit/index.js';
import type { ServerState, ZabMessage } from './messages.js';
import type { ZabServer } from './server.js';

/** The phase a server is in, as `inspect()` reports it. */
export type Phase = 'election' | 'discovery' | 'synchronization' | 'broadcast';

/** Every timer of a Zab server; `gap:<peer>` is a leader's reorder window on one follower's session. */
const FIXED_TIMERS = ['election', 'finalize', 'tick', 'init', 'connect', 'flush', 'silence', 'gap'] as const;
export type FixedTimer = (typeof FIXED_TIMERS)[number];
export type PeerGapTimer = `gap:${NodeId}`;
export type ZabTimer = FixedTimer | PeerGapTimer;

/** The timers of a server in a cluster with these peers: the fixed ones and one reorder window per peer. */
export function zabTimers(peers: readonly NodeId[]): Timers<ZabTimer> {
  return defineTimers<ZabTimer>([...FIXED_TIMERS, ...peers.map(peerGapTimer)]);
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

/**
 * What the leader's and the follower's phase handlers share: the server, the way to change role,
 * and the state of this leadership or following, which lives as long as the role does.
 */
export abstract class EpochRole<S extends { readonly epoch: number | null }> {
  protected readonly server: ZabServer;
  protected readonly roles: RoleSwitch;
  protected readonly state: S;

  constructor(server: ZabServer, roles: RoleSwitch, state: S) {
    this.server = server;
    this.roles = roles;
    this.state = state;
  }

  get epoch(): number | null {
    return this.state.epoch;
  }
}

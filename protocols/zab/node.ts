/**
 * One Zab server: election, discovery, synchronization and broadcast (see index.ts for the tour).
 *
 * Durable state (the paper's h_f, f.p and f.a): the history (a DurableLog of transactions),
 * acceptedEpoch (f.p, the last NEWEPOCH promised) and currentEpoch (f.a, the last NEWLEADER
 * accepted), each written to disk and synced before any message that depends on it leaves.
 * Everything else is volatile and rebuilt after a restart: the committed prefix is learned again
 * from the next leader, and the machine is rebuilt by re-applying it.
 *
 * The node itself only dispatches (etcd-raft's shape): every message, timer and client request
 * goes to the handler of the state the server is in (roles.ts), LOOKING (election.ts) or a
 * leader's or follower's phase (leader.ts, follower.ts), and a change of state swaps the handler.
 */
import type { ClientId, KvOp, NodeEnv, NodeId, ProtocolNode } from '../api.js';
import { Looking } from './election.js';
import { startFollowing } from './follower.js';
import { startLeading } from './leader.js';
import type { ServerState, ZabMessage } from './messages.js';
import { assert } from '../kit/index.js';
import type { ZabConfig } from './config.js';
import type { FixedTimer, Phase, RoleSwitch, ZabRole } from './roles.js';
import { ZabServer } from './server.js';
import type { HistoryPoint } from './snapshot.js';
import type { Txn } from './zxid.js';

export type { Phase } from './roles.js';
export { ACCEPTED_EPOCH_KEY, CURRENT_EPOCH_KEY } from './server.js';
export { HISTORY_LOG, SNAPSHOT_KEY } from './snapshot.js';
export type { ZabConfig } from './config.js';

export interface ZabView {
  readonly role: ServerState;
  readonly term: number;
  readonly leader: NodeId | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly logLength: number;
  readonly phase: Phase;
  /** The epoch this node leads or follows in (null before NEWEPOCH). */
  readonly epoch: number | null;
  readonly acceptedEpoch: number;
  readonly currentEpoch: number;
  /** The transactions still held, [logLength - history.length, logLength) (read-only; valid until the node's next step). */
  readonly history: readonly Txn[];
  /** Where the held history starts: the transactions below `compacted.index` live in a snapshot, the last of them `compacted.zxid`. */
  readonly compacted: HistoryPoint;
  /** How many times a sync removed transactions here, and what the last one removed. */
  readonly truncations: number;
  readonly truncatedFrom: number;
  readonly removed: readonly Txn[];
}

/** The timers a role owns; all of them stop when the server goes back to election. */
const ROLE_TIMERS: readonly FixedTimer[] = ['tick', 'init', 'silence', 'gap', 'finalize', 'connect', 'flush'];

export class ZabNode implements ProtocolNode<ZabMessage, ZabView>, RoleSwitch {
  private readonly server: ZabServer;
  private current: ZabRole;

  constructor(env: NodeEnv<ZabMessage>, config: ZabConfig, bugs: ReadonlySet<string>) {
    this.server = new ZabServer(env, config, bugs);
    this.current = new Looking(this.server, this);
  }

  // ------------------------------------------------------------------ host entry points

  start(): void {
    this.server.load();
    this.look('start');
  }

  onMessage(from: NodeId, msg: ZabMessage): void {
    this.server.beginStep();
    this.current.step(from, msg);
  }

  onTimer(name: string): void {
    assert(this.server.timers.is(name), () => `unknown timer ${name}`);
    this.server.beginStep();
    this.current.timer(name);
  }

  onRequest(client: ClientId, reqId: number, op: KvOp): void {
    this.server.beginStep();
    if (this.server.answerIfExecuted(client, reqId)) return;
    this.current.request(client, reqId, op);
  }

  inspect(): ZabView {
    const server = this.server;
    const current = this.current;
    return {
      role: current.role,
      term: current.term,
      leader: current.leaderId,
      commitIndex: server.commitIndex,
      appliedIndex: server.appliedIndex,
      logLength: server.history.length,
      phase: current.phase,
      epoch: current.epoch,
      acceptedEpoch: server.acceptedEpoch,
      currentEpoch: server.currentEpoch,
      history: server.history.entries(),
      compacted: server.history.compacted,
      truncations: server.truncations,
      truncatedFrom: server.truncatedFrom,
      removed: server.removed,
    };
  }

  // ------------------------------------------------------------------ role changes

  look(reason: string): void {
    this.current.leave();
    for (const name of ROLE_TIMERS) this.server.cancelTimer(name);
    this.server.env.note(`LOOKING (${reason})`);
    this.server.env.moment({ kind: 'era-change', term: this.server.acceptedEpoch + 1 });
    const looking = new Looking(this.server, this);
    this.current = looking;
    looking.begin();
  }

  lead(): void {
    startLeading(this.server, this);
  }

  follow(leader: NodeId): void {
    startFollowing(this.server, this, leader);
  }

  enter(next: ZabRole): void {
    this.current = next;
  }
}

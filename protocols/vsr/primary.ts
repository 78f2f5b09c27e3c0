/**
 * The primary's side of normal operation (VR Revisited §4.1, steps 3 to 5): appending a client's
 * request and sending its Prepare, counting PrepareOks (cumulative: the highest op-number each
 * backup acknowledged) into what may commit, and the heartbeat, which sends Commit and re-sends
 * Prepares to a backup that acknowledged nothing new since the previous heartbeat. It also keeps
 * the newest request of each client already in the log, so that a retry is not appended twice.
 * replica.ts owns the commit-number and executes; this class only answers how far ops are held.
 */
import type { ClientId, Command, NodeEnv, NodeId } from '../api.js';
import { kthLargest } from '../kit/index.js';
import type { ReplicaLog } from './checkpoint.js';
import type { Commit, Prepare, VsrMessage } from './messages.js';
import type { VsrOptions } from './options.js';

export class PrimaryReplication {
  private readonly env: NodeEnv<VsrMessage>;
  private readonly log: ReplicaLog;
  private readonly options: VsrOptions;
  /** The highest op-number each backup acknowledged in this view, and that figure at the last heartbeat. */
  private acked = new Map<NodeId, number>();
  private ackedAtLastHeartbeat = new Map<NodeId, number>();
  private newestInLog = new Map<ClientId, number>();

  constructor(env: NodeEnv<VsrMessage>, log: ReplicaLog, options: VsrOptions) {
    this.env = env;
    this.log = log;
    this.options = options;
  }

  /**
   * The primary of a new view starts over: no acknowledgements yet, and the requests in its log are
   * those in the checkpoint's session table and in the ops after it.
   */
  startView(): void {
    this.acked = new Map();
    this.ackedAtLastHeartbeat = new Map();
    this.newestInLog = new Map();
    for (const [client, reqId] of this.log.checkpoint.machine?.sessions ?? []) this.newestInLog.set(client, reqId);
    for (const cmd of this.log.entries) this.newestInLog.set(cmd.client, Math.max(cmd.reqId, this.newestInLog.get(cmd.client) ?? 0));
  }

  /**
   * Step 3: append `cmd`, then send Prepare(v, m, n, k) to every backup. False when it is not
   * appended: a request already in the log is in progress (its reply comes when it commits), an
   * older one is a stale duplicate its client no longer waits for, and past `maxUncommitted`
   * uncommitted ops new requests wait for their clients' retries.
   */
  append(cmd: Command, view: number, commitNumber: number): boolean {
    const newest = this.newestInLog.get(cmd.client);
    if (newest !== undefined && cmd.reqId <= newest) return false;
    if (this.log.length - commitNumber >= this.options.maxUncommitted) return false;
    this.log.push(cmd);
    this.newestInLog.set(cmd.client, cmd.reqId);
    const prepare: Prepare = { type: 'Prepare', view, op: cmd, opNumber: this.log.length, commitNumber };
    for (const peer of this.env.peers) this.env.send(peer, prepare);
    return true;
  }

  /** PrepareOk(v, n) from `from`: it holds ops 1..n. */
  ack(from: NodeId, opNumber: number): void {
    this.acked.set(from, Math.max(this.acked.get(from) ?? 0, opNumber));
  }

  /** Step 5: the highest op-number that `needed` backups hold, with every op before it. */
  committable(needed: number): number {
    const held = this.env.peers.map((peer) => Math.min(this.acked.get(peer) ?? 0, this.log.length));
    return needed === 0 ? this.log.length : (kthLargest(held, needed) ?? 0);
  }

  /** Commit (the heartbeat) to every backup, and re-send what a backup did not acknowledge. */
  heartbeat(view: number, commitNumber: number): void {
    const commit: Commit = { type: 'Commit', view, commitNumber };
    for (const peer of this.env.peers) {
      this.env.send(peer, commit);
      this.resendPrepares(peer, view, commitNumber);
    }
  }

  /** Prepares or PrepareOks get lost: re-send to a backup that made no progress for a heartbeat. */
  private resendPrepares(peer: NodeId, view: number, commitNumber: number): void {
    const acked = this.acked.get(peer) ?? 0;
    const before = this.ackedAtLastHeartbeat.get(peer);
    this.ackedAtLastHeartbeat.set(peer, acked);
    if (acked >= this.log.length || before !== acked) return;
    const last = Math.min(this.log.length, acked + this.options.resendWindow);
    for (let opNumber = acked + 1; opNumber <= last; opNumber++) {
      const op = this.log.at(opNumber);
      if (op === undefined) break;
      const prepare: Prepare = { type: 'Prepare', view, op, opNumber, commitNumber };
      this.env.send(peer, prepare);
    }
  }
}

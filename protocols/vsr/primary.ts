/**
 * What the primary of a view keeps about its backups and its clients (VR Revisited §4.1): the
 * highest op-number each backup acknowledged (PrepareOks are cumulative), the same figure at the
 * last heartbeat (a backup that made no progress since gets its Prepares again), and the newest
 * request of each client already in the log (a retry of it is not appended twice). replica.ts
 * appends, sends and commits; this book only answers what to commit and what to re-send. Each
 * view's primary starts a new book.
 */
import type { ClientId, Command, NodeId } from '../api.js';
import { kthLargest } from '../kit/index.js';
import type { ReplicaLog } from './checkpoint.js';

export class PrimaryBook {
  private readonly acked = new Map<NodeId, number>();
  private readonly ackedAtLastHeartbeat = new Map<NodeId, number>();
  private readonly newestInLog = new Map<ClientId, number>();

  /**
   * The book of a primary starting a view with `log`: requests executed before the checkpoint are
   * in its session table, the rest in the log.
   */
  static forLog(log: ReplicaLog): PrimaryBook {
    const book = new PrimaryBook();
    const newest = book.newestInLog;
    for (const [client, reqId] of log.checkpoint.machine?.sessions ?? []) newest.set(client, reqId);
    for (const cmd of log.entries) newest.set(cmd.client, Math.max(cmd.reqId, newest.get(cmd.client) ?? 0));
    return book;
  }

  /**
   * A request already in the log is in progress (its reply comes when it commits); an older one is
   * a stale duplicate its client no longer waits for. Neither is appended again.
   */
  inLog(cmd: Command): boolean {
    const newest = this.newestInLog.get(cmd.client);
    return newest !== undefined && cmd.reqId <= newest;
  }

  appended(cmd: Command): void {
    this.newestInLog.set(cmd.client, cmd.reqId);
  }

  /** PrepareOk(v, n) from `from`: it holds ops 1..n. */
  ack(from: NodeId, opNumber: number): void {
    this.acked.set(from, Math.max(this.acked.get(from) ?? 0, opNumber));
  }

  /** The highest op-number that `needed` of `peers` hold, with every op before it (step 5). */
  committable(peers: readonly NodeId[], logLength: number, needed: number): number {
    const held = peers.map((peer) => Math.min(this.acked.get(peer) ?? 0, logLength));
    return needed === 0 ? logLength : (kthLargest(held, needed) ?? 0);
  }

  /**
   * At a heartbeat: the op-numbers to re-send to `peer`, at most `window` of them, when it lacks
   * some and acknowledged nothing new since the last heartbeat (Prepares or PrepareOks got lost);
   * null otherwise.
   */
  toResend(peer: NodeId, logLength: number, window: number): { readonly first: number; readonly last: number } | null {
    const acked = this.acked.get(peer) ?? 0;
    const before = this.ackedAtLastHeartbeat.get(peer);
    this.ackedAtLastHeartbeat.set(peer, acked);
    if (acked >= logLength || before !== acked) return null;
    return { first: acked + 1, last: Math.min(logLength, acked + window) };
  }
}

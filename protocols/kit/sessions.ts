/**
 * The client side of a replica: who is waiting here for which request, and the answers.
 *
 * Every protocol that orders commands keeps the same bookkeeping (Raft §8, VR Revisited's client
 * table, PBFT's last replies): a request that already executed is answered from the machine's
 * session table (the cached result, so a retry never executes twice); a client has at most one
 * outstanding request (a newer request id replaces an older one, which gets no answer from here:
 * its client has moved on); the answer goes out when the command is applied; and when this node
 * stops leading, everyone waiting is told to look elsewhere. The table is bounded: past
 * `maxWaiting` clients, `wait` refuses and the caller redirects or drops the request.
 */
import type { ClientId, ClientReply, Command, NodeId, OpResult, ReplicatedMachine } from '../api.js';

/** What the sessions need of a node's env. */
export interface SessionEnv {
  reply(client: ClientId, reqId: number, reply: ClientReply): void;
  readonly machine: ReplicatedMachine;
}

export interface SessionLimits {
  /** Most clients waiting at once (default 10,000). */
  readonly maxWaiting?: number;
}

export class ClientSessions {
  private readonly env: SessionEnv;
  private readonly maxWaiting: number;
  /** Client → the request id it waits for here. Insertion order is the order clients began waiting. */
  private readonly pending = new Map<ClientId, number>();

  constructor(env: SessionEnv, limits: SessionLimits = {}) {
    this.env = env;
    this.maxWaiting = limits.maxWaiting ?? 10_000;
  }

  /** How many clients wait here. */
  get waiting(): number {
    return this.pending.size;
  }

  /** If (client, reqId) already executed here, answer it with the recorded result and return true. */
  answerIfExecuted(client: ClientId, reqId: number): boolean {
    const cached = this.env.machine.cached(client, reqId);
    if (cached === undefined) return false;
    this.pending.delete(client);
    this.env.reply(client, reqId, { kind: 'result', result: cached });
    return true;
  }

  /**
   * Remember that `client` waits here for `reqId` (replacing an older request of the same client).
   * False when the table is full and the client was not already waiting: the caller must not take
   * the request on.
   */
  wait(client: ClientId, reqId: number): boolean {
    if (!this.pending.has(client) && this.pending.size >= this.maxWaiting) return false;
    this.pending.set(client, reqId);
    return true;
  }

  isWaiting(client: ClientId, reqId: number): boolean {
    return this.pending.get(client) === reqId;
  }

  /** Stop waiting for `client` (without answering it). */
  forget(client: ClientId): void {
    this.pending.delete(client);
  }

  /** `cmd` was applied with `result`: answer its client if it waits here for exactly that request. */
  applied(cmd: Command, result: OpResult): void {
    if (this.pending.get(cmd.client) !== cmd.reqId) return;
    this.pending.delete(cmd.client);
    this.env.reply(cmd.client, cmd.reqId, { kind: 'result', result });
  }

  /** Apply `cmd` to the machine and answer its client if it waits here. */
  applyAndAnswer(cmd: Command): OpResult {
    const result = this.env.machine.apply(cmd);
    this.applied(cmd, result);
    return result;
  }

  /** Tell one client to ask `leader` (anyone, when null); it no longer waits here. */
  redirect(client: ClientId, reqId: number, leader: NodeId | null): void {
    if (this.pending.get(client) === reqId) this.pending.delete(client);
    this.env.reply(client, reqId, { kind: 'redirect', leader });
  }

  /** This node stopped leading: everyone waiting is told to ask `leader`, in the order they came. */
  redirectAll(leader: NodeId | null): void {
    if (this.pending.size === 0) return;
    const waiting = [...this.pending];
    this.pending.clear();
    for (const [client, reqId] of waiting) this.env.reply(client, reqId, { kind: 'redirect', leader });
  }

  /** Forget everyone without answering. */
  clear(): void {
    this.pending.clear();
  }
}

/**
 * One step shape for every protocol (etcd-raft's `step` per role): the node holds the handler of
 * its current role or status, and `onMessage`, `onTimer` and `onRequest` go straight to it, so no
 * handler asks "am I the leader?" and a role change is one assignment.
 */
import type { ClientId, KvOp, NodeId } from '../api.js';

export interface RoleHandler<M, T extends string = string> {
  /** The role's name as `inspect()` reports it. */
  readonly role: string;
  step(from: NodeId, msg: M): void;
  timer(name: T): void;
  request(client: ClientId, reqId: number, op: KvOp): void;
}

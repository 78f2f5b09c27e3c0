/**
 * Client commands a node has taken on but not yet placed in a slot (it has no leadership yet, or
 * its window is full), in arrival order and at most `QUEUE_MAX` of them: past that a request is
 * not taken and its client retries. The client waits in the node's sessions, which answer it once
 * its command is applied.
 */
import type { ClientId, Command, KvOp, NodeId } from '../api.js';
import { sameCommand } from '../kv.js';
import type { ClientSessions } from '../kit/index.js';

const QUEUE_MAX = 256;

export class RequestQueue {
  private queue: Command[] = [];
  private readonly sessions: ClientSessions;

  constructor(sessions: ClientSessions) {
    this.sessions = sessions;
  }

  get size(): number {
    return this.queue.length;
  }

  /**
   * Take a client's command (its client now waits here). False when it is already queued or
   * `inFlight` (proposed in an open slot), or the queue or the sessions are full.
   */
  take(client: ClientId, reqId: number, op: KvOp, inFlight: (command: Command) => boolean): boolean {
    const command: Command = Object.freeze({ client, reqId, op });
    if (!this.sessions.wait(client, reqId) || this.queue.some((queued) => sameCommand(queued, command)) || inFlight(command)) return false;
    if (this.queue.length >= QUEUE_MAX) return false;
    this.queue.push(command);
    return true;
  }

  next(): Command | undefined {
    return this.queue.shift();
  }

  /** Put commands back at the head (a slot that chose another value; proposals abandoned). */
  putBack(commands: readonly Command[]): void {
    this.queue = [...commands, ...this.queue].slice(0, QUEUE_MAX);
  }

  /** Nothing queued was proposed: send every queued command's client to `leader`, and empty the queue. */
  redirectAll(leader: NodeId | null, reply: (client: ClientId, reqId: number, leader: NodeId | null) => void): void {
    for (const command of this.queue) {
      this.sessions.forget(command.client);
      reply(command.client, command.reqId, leader);
    }
    this.queue = [];
  }
}

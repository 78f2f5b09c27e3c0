/**
 * A follower–leader connection with TCP's guarantees, over a network that loses, duplicates and
 * reorders.
 *
 * Zab is specified over FIFO channels with no loss, duplication or reordering inside a connection
 * (the paper's system model; ZooKeeper uses TCP). Each session has an id chosen by the follower, and each
 * direction numbers its messages 0, 1, 2, ... The receiver:
 *  - delivers messages strictly in sequence order, holding early ones (a reorder is not visible);
 *  - drops anything it already delivered or holds (a duplicate is not visible, as in TCP);
 *  - declares the connection broken when a gap is not filled within the reorder window or too many
 *    messages wait behind it (a lost message cannot be retransmitted: the session is dead).
 * A broken session is never repaired: the follower goes back to election and reconnects, the leader
 * forgets that follower's session, just as ZooKeeper does on an IOException.
 */
import type { NodeId } from '../api.js';

/** Most messages held behind a gap before the session is declared broken. */
export const MAX_HELD_MESSAGES = 512;

export type ReceiveOutcome<M> =
  | { readonly kind: 'deliver'; readonly messages: readonly M[] }
  | { readonly kind: 'held' }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'broken'; readonly why: string };

export class Session<M extends { readonly seq: number }> {
  readonly peer: NodeId;
  readonly sid: number;
  private sendSeq = 0;
  private recvSeq: number;
  private readonly firstExpected: number;
  private readonly held = new Map<number, M>();

  constructor(peer: NodeId, sid: number, firstExpected: number) {
    this.peer = peer;
    this.sid = sid;
    this.recvSeq = firstExpected;
    this.firstExpected = firstExpected;
  }

  /** The sequence number for the next outgoing message. */
  nextSeq(): number {
    return this.sendSeq++;
  }

  /** How many messages were delivered in order so far. */
  get delivered(): number {
    return this.recvSeq - this.firstExpected;
  }

  /** True while a message is missing and later ones wait for it. */
  get hasGap(): boolean {
    return this.held.size > 0;
  }

  receive(msg: M): ReceiveOutcome<M> {
    if (msg.seq < this.recvSeq || this.held.has(msg.seq)) return { kind: 'duplicate' };
    if (msg.seq > this.recvSeq) {
      if (this.held.size >= MAX_HELD_MESSAGES) return { kind: 'broken', why: `more than ${MAX_HELD_MESSAGES} messages behind a gap` };
      this.held.set(msg.seq, msg);
      return { kind: 'held' };
    }
    const messages: M[] = [msg];
    this.recvSeq++;
    for (let next = this.held.get(this.recvSeq); next !== undefined; next = this.held.get(this.recvSeq)) {
      this.held.delete(this.recvSeq);
      messages.push(next);
      this.recvSeq++;
    }
    return { kind: 'deliver', messages };
  }
}

/**
 * `{ ...body, sid, seq }` with the same key order, by adding the two fields to the body itself
 * (a fresh literal at every call site, not yet sent or frozen). Object spread over the many message
 * shapes was megamorphic and 14% of a zab-nemesis sweep.
 */
export function stamp<B extends object>(body: B, sid: number, seq: number): B & { sid: number; seq: number } {
  const msg = body as B & { sid: number; seq: number };
  msg.sid = sid;
  msg.seq = seq;
  return msg;
}

/**
 * ReadIndex bookkeeping (Raft thesis §6.4), kept apart from the node so its rules are visible:
 *
 * 1. A leader serves reads only once it has committed an entry of its own term (its no-op):
 *    before that its commitIndex may lag the cluster's (etcd rejects such reads too).
 * 2. It records readIndex = commitIndex and starts a heartbeat round numbered `seq`.
 * 3. Once a majority (itself included) has answered a heartbeat of round ≥ seq in its term, no
 *    other leader can have existed when the read arrived, so the read is confirmed...
 * 4. ...and answered from the state machine once lastApplied ≥ readIndex.
 */
import type { ClientId } from '../api.js';

export interface PendingRead {
  readonly client: ClientId;
  readonly reqId: number;
  readonly key: string;
  /** 0 while waiting for the first commit of the term. */
  readIndex: number;
  seq: number;
}

export class ReadIndexQueue {
  /** Reads in arrival order; seq is non-decreasing along the array once assigned. */
  private reads: PendingRead[] = [];
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  get size(): number {
    return this.reads.length;
  }

  /** False when the queue is full (the caller refuses the read) ; a retried read is kept once. */
  add(client: ClientId, reqId: number, key: string): boolean {
    if (this.reads.some((r) => r.client === client && r.reqId === reqId)) return true;
    if (this.reads.length >= this.limit) return false;
    this.reads.push({ client, reqId, key, readIndex: 0, seq: 0 });
    return true;
  }

  /** Give every unnumbered read this round and read index; true if any was numbered. */
  assign(seq: number, readIndex: number): boolean {
    let any = false;
    for (const read of this.reads) {
      if (read.seq !== 0) continue;
      read.seq = seq;
      read.readIndex = readIndex;
      any = true;
    }
    return any;
  }

  get hasUnassigned(): boolean {
    const last = this.reads[this.reads.length - 1];
    return last !== undefined && last.seq === 0;
  }

  /** Remove and return the reads confirmed by round `confirmedSeq` and applied up to `applied`. */
  takeReady(confirmedSeq: number, applied: number): PendingRead[] {
    const ready: PendingRead[] = [];
    while (this.reads.length > 0) {
      const head = this.reads[0] as PendingRead;
      if (head.seq === 0 || head.seq > confirmedSeq || head.readIndex > applied) break;
      ready.push(head);
      this.reads.shift();
    }
    return ready;
  }

  /** Leadership lost: hand back every read so the caller can redirect its client. */
  drain(): PendingRead[] {
    const all = this.reads;
    this.reads = [];
    return all;
  }
}

/**
 * A generic, protocol-agnostic closed-loop client (Jepsen's shape).
 *
 * One operation at a time: think for `intervalUs`, invoke a random read/write/cas on k1..kK, send it
 * to a node, and wait. The node answers with a result or a redirect; a redirect with a hint goes
 * straight to the hinted leader, one without a hint goes to the next node after a short back-off.
 * With no answer after `retryAfterMicros`, the SAME request id is sent again (to the next node, or
 * to all nodes, per the protocol's ClientPolicy), except a write or cas when the policy says
 * `retryWrites: false`: that one goes to one node once and waits for its answer or the timeout. A result is accepted once `replyQuorum` distinct
 * nodes sent matching results (PBFT: f+1).
 *
 * At the op timeout the outcome is unknown: the op is recorded as `info` (a read as `fail`: a read
 * changes nothing) and the client continues as a NEW history process, since the old one may still
 * take effect later. `fail` is recorded only for a definite `{type:'fail'}` result.
 *
 * When the safety phase ends the client finishes its current op, then issues one liveness probe
 * (a read) that retries until the end of the run.
 */
import type { ClientId, ClientPolicy, ClientReply, NodeId } from '../../protocols/api.js';
import { CAS_MISMATCH, type KvOp, type OpResult, type Value } from '../../protocols/kv.js';
import type { HistoryF, HistoryValue } from '../history/types.js';
import type { Random } from '../random.js';
import type { WorkloadSpec } from '../scenario/types.js';
import type { HistoryRecorder } from './history.js';

export const ClientTimer = {
  /** Think time over: invoke the next op. */
  Think: 0,
  /** No answer yet: send the request again. */
  Retry: 1,
  /** Give up on the op: record info/fail. */
  Timeout: 2,
  /** Back-off after a redirect without a hint. */
  Backoff: 3,
} as const;
export type ClientTimer = (typeof ClientTimer)[keyof typeof ClientTimer];

export interface ClientServices {
  clientNow(): number;
  sendRequest(client: Client, to: number, reqId: number, op: KvOp): void;
  setClientTimer(client: Client, kind: ClientTimer, afterUs: number, token: number): void;
  /** A fresh history process id. */
  newProcess(): number;
  /** A value no write has used yet. */
  uniqueValue(): number;
}

interface PendingOp {
  readonly reqId: number;
  readonly op: KvOp;
  readonly f: HistoryF;
  readonly invokeValue: HistoryValue;
  readonly probe: boolean;
  /** node id → the result it sent (quorum counting), as a comparable string. */
  readonly results: Map<NodeId, string>;
  redirects: number;
  sends: number;
}

/**
 * "k1", "k2", ...: one string per key for the whole process. A template literal would build a new
 * string per operation, and every command a protocol log holds would keep its own copy.
 */
const keyNames: string[] = [];
function keyName(n: number): string {
  return (keyNames[n] ??= `k${n}`);
}

/** Redirect hops followed without pause before backing off (guards against redirect loops). */
const MAX_REDIRECT_HOPS = 8;

export class Client {
  readonly index: number;
  readonly id: ClientId;
  process: number;
  /** True once its liveness probe completed ok. */
  probeDone = false;
  private readonly nodes: readonly NodeId[];
  private readonly spec: WorkloadSpec;
  private readonly policy: ClientPolicy;
  private readonly random: Random;
  private readonly workload: Random;
  private readonly services: ClientServices;
  private readonly history: HistoryRecorder;
  private target: number;
  private reqId = 0;
  private attempt = 0;
  private current: PendingOp | null = null;
  private finishing = false;
  private probeSent = false;
  /** Last value this client saw per key (cas expects it). */
  private readonly known = new Map<string, Value>();

  constructor(
    index: number,
    nodes: readonly NodeId[],
    spec: WorkloadSpec,
    policy: ClientPolicy,
    random: Random,
    workload: Random,
    services: ClientServices,
    history: HistoryRecorder,
  ) {
    if (policy.replyQuorum < 1 || policy.replyQuorum > nodes.length) throw new Error(`replyQuorum ${policy.replyQuorum} impossible`);
    if (!(policy.retryAfterMicros > 0)) throw new Error('retryAfterMicros must be positive');
    this.index = index;
    this.id = `c${index + 1}`;
    this.process = index;
    this.nodes = nodes;
    this.spec = spec;
    this.policy = policy;
    this.random = random;
    this.workload = workload;
    this.services = services;
    this.history = history;
    this.target = random.int(nodes.length);
  }

  /** Schedule the first op, staggered within one think interval. */
  start(): void {
    this.services.setClientTimer(this, ClientTimer.Think, this.random.int(this.spec.intervalUs + 1), 0);
  }

  /** The safety phase ended: finish the current op, then probe. */
  finish(): void {
    this.finishing = true;
    if (this.current === null) this.invokeProbe();
  }

  /** Handle a client timer; false when it was stale (its op or attempt is over). */
  onTimer(kind: ClientTimer, token: number): boolean {
    const op = this.current;
    switch (kind) {
      case ClientTimer.Think:
        if (op !== null || this.finishing) return false;
        this.invokeNext();
        return true;
      case ClientTimer.Retry:
        if (op === null || token !== this.attempt) return false;
        // Sent once only (ClientPolicy.retryWrites false): wait for the answer or the op timeout.
        if (op.f !== 'read' && this.policy.retryWrites === false) return true;
        if (this.policy.retry === 'next') this.target = (this.target + 1) % this.nodes.length;
        this.sendAttempt();
        return true;
      case ClientTimer.Backoff:
        if (op === null || token !== this.attempt) return false;
        this.sendAttempt();
        return true;
      case ClientTimer.Timeout:
        if (op === null || token !== op.reqId || op.probe) return false;
        this.timeOut();
        return true;
    }
  }

  onReply(from: NodeId, reqId: number, reply: ClientReply): void {
    const op = this.current;
    if (op === null || reqId !== op.reqId) return; // late answer to an op already decided
    const fromIndex = this.nodes.indexOf(from);
    if (reply.kind === 'redirect') {
      this.onRedirect(op, fromIndex, reply.leader);
      return;
    }
    const text = resultText(reply.result);
    op.results.set(from, text);
    let matching = 0;
    for (const other of op.results.values()) if (other === text) matching++;
    if (matching >= this.policy.replyQuorum) this.complete(op, reply.result);
  }

  private onRedirect(op: PendingOp, fromIndex: number, leader: NodeId | null): void {
    const hinted = leader === null ? -1 : this.nodes.indexOf(leader);
    this.attempt++; // the pending retry/back-off timers are now stale
    if (hinted >= 0 && hinted !== fromIndex && op.redirects < MAX_REDIRECT_HOPS) {
      op.redirects++;
      this.target = hinted;
      this.sendAttempt();
      return;
    }
    op.redirects = 0;
    this.target = hinted >= 0 ? hinted : ((fromIndex >= 0 ? fromIndex : this.target) + 1) % this.nodes.length;
    this.services.setClientTimer(this, ClientTimer.Backoff, this.backoffUs(), this.attempt);
  }

  private backoffUs(): number {
    return Math.max(1, Math.floor(this.policy.retryAfterMicros / 4));
  }

  private invokeNext(): void {
    const key = keyName(1 + this.workload.int(Math.max(1, this.spec.keys)));
    const mix = this.spec.mix;
    const append = mix.append ?? 0;
    const total = mix.read + mix.write + mix.cas + append;
    const roll = this.workload.next() * (total > 0 ? total : 1);
    if (total <= 0 || roll < mix.read) {
      this.invoke({ f: 'read', key }, 'read', null, false);
    } else if (roll < mix.read + mix.write) {
      const value = this.nextValue();
      this.invoke({ f: 'write', key, value }, 'write', value, false);
    } else if (roll < mix.read + mix.write + mix.cas) {
      const expected = this.known.get(key) ?? null;
      const value = this.nextValue();
      this.invoke({ f: 'cas', key, expected, value }, 'cas', [expected, value], false);
    } else {
      // A separator keeps the pieces readable in a history ("3;1;3;"); the checker compares strings.
      const value = `${this.nextValue()};`;
      this.invoke({ f: 'append', key, value }, 'append', value, false);
    }
  }

  /**
   * A fresh value, or with `reuseValues: N` one of 1..N drawn from this client's workload stream
   * (only then: without the option the draws, and so every trace, are what they always were).
   */
  private nextValue(): number {
    const reuse = this.spec.reuseValues ?? 0;
    return reuse > 0 ? 1 + this.workload.int(reuse) : this.services.uniqueValue();
  }

  private invokeProbe(): void {
    if (this.probeSent) return;
    this.probeSent = true;
    const key = keyName(1 + (this.index % Math.max(1, this.spec.keys)));
    this.invoke({ f: 'read', key }, 'read', null, true);
  }

  private invoke(op: KvOp, f: HistoryF, invokeValue: HistoryValue, probe: boolean): void {
    const reqId = ++this.reqId;
    // Frozen before any node sees it: nodes get this very object in onRequest.
    Object.freeze(op);
    this.current = { reqId, op, f, invokeValue, probe, results: new Map(), redirects: 0, sends: 0 };
    this.history.invoke(this.services.clientNow(), this.id, this.process, reqId, f, op.key, invokeValue);
    if (!probe) this.services.setClientTimer(this, ClientTimer.Timeout, this.spec.timeoutUs, reqId);
    this.attempt++;
    this.sendAttempt();
  }

  /** Send the current request and arm the retry timer. With retry 'all', every send after the first goes to all nodes. */
  private sendAttempt(): void {
    const op = this.current;
    if (op === null) return;
    this.attempt++;
    if (this.policy.retry === 'all' && op.sends > 0) {
      for (let i = 0; i < this.nodes.length; i++) this.services.sendRequest(this, i, op.reqId, op.op);
    } else {
      this.services.sendRequest(this, this.target, op.reqId, op.op);
    }
    op.sends++;
    this.services.setClientTimer(this, ClientTimer.Retry, this.policy.retryAfterMicros, this.attempt);
  }

  private complete(op: PendingOp, result: OpResult): void {
    const now = this.services.clientNow();
    if (result.type === 'ok') {
      const value: HistoryValue = op.f === 'read' ? result.value : op.invokeValue;
      this.known.set(op.op.key, result.value);
      this.history.complete(now, this.id, this.process, op.reqId, 'ok', op.f, op.op.key, value);
      if (op.probe) this.probeDone = true;
    } else {
      if (result.reason === CAS_MISMATCH) this.history.casMismatch++;
      this.history.complete(now, this.id, this.process, op.reqId, 'fail', op.f, op.op.key, op.invokeValue);
    }
    this.done();
  }

  private timeOut(): void {
    const op = this.current;
    if (op === null) return;
    const type = op.f === 'read' ? 'fail' : 'info';
    this.history.complete(this.services.clientNow(), this.id, this.process, op.reqId, type, op.f, op.op.key, op.invokeValue);
    if (type === 'info') this.process = this.services.newProcess();
    this.done();
  }

  private done(): void {
    this.current = null;
    this.attempt++;
    if (this.finishing) this.invokeProbe();
    else this.services.setClientTimer(this, ClientTimer.Think, this.spec.intervalUs, 0);
  }
}

function resultText(result: OpResult): string {
  return result.type === 'ok' ? `ok:${JSON.stringify(result.value)}` : `fail:${result.reason}`;
}

/**
 * The replicated key-value state machine that every protocol orders commands for.
 *
 * Operations: `read`, `write`, `cas` (compare-and-set), `append` (string concatenation). The client
 * session table (client → last request id and its result) is part of the replicated state, so a
 * request retried after a failover executes at most once (Raft §8, VR Revisited's client-table,
 * PBFT's last-reply table).
 */
import type { ClientId, ReplicatedMachine } from './api.js';

export type Value = number | string | null;

export type KvOp =
  | { readonly f: 'read'; readonly key: string }
  | { readonly f: 'write'; readonly key: string; readonly value: Value }
  | { readonly f: 'cas'; readonly key: string; readonly expected: Value; readonly value: Value }
  | { readonly f: 'append'; readonly key: string; readonly value: string };

/** A client command as it travels through a log. */
export interface Command {
  readonly client: ClientId;
  readonly reqId: number;
  readonly op: KvOp;
}

export type OpResult =
  /** Took effect; for reads `value` is what was read, for writes the value written. */
  | { readonly type: 'ok'; readonly value: Value }
  /** Certainly took no effect (a cas whose expected value did not match). */
  | { readonly type: 'fail'; readonly reason: string };

/** The `reason` of a cas whose expected value differed: a definite answer, not an error. */
export const CAS_MISMATCH = 'cas mismatch';

/** An immutable copy of the machine's state, for state transfer and checkpoints. */
export interface MachineSnapshot {
  readonly data: readonly (readonly [string, Value])[];
  readonly sessions: readonly (readonly [ClientId, number, OpResult])[];
  readonly appliedCount: number;
  readonly digest: string;
  readonly hash: readonly [number, number];
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** 32-bit FNV-1a of `text`, continuing from `seed` (the offset basis for a fresh hash). */
export function fnv1a(seed: number, text: string): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, FNV_PRIME) >>> 0;
  }
  return hash >>> 0;
}

const HASH = 0x23;
const PIPE = 0x7c;
const ZERO = 0x30;

/**
 * `fnv1a(seed, commandKey({client, reqId}))` without building the string: every node hashes every
 * command it applies, so this runs once per command per replica.
 */
function fnv1aCommand(seed: number, client: string, reqId: number): number {
  // Request ids are small positive integers; anything else (a byzantine node's) takes the slow path.
  if (!Number.isInteger(reqId) || reqId < 0 || reqId > 0x7fffffff) return fnv1a(seed, `${client}#${reqId}`);
  let hash = fnv1a(seed, client);
  hash = Math.imul(hash ^ HASH, FNV_PRIME) >>> 0;
  let unit = 1;
  while (unit <= reqId / 10) unit *= 10;
  for (; unit >= 1; unit = (unit / 10) | 0) {
    const digit = ((reqId / unit) | 0) % 10;
    hash = Math.imul(hash ^ (ZERO + digit), FNV_PRIME) >>> 0;
  }
  return hash;
}

/** A short, stable identity of a command, used by digests and the applied-prefix invariant. */
export function commandKey(cmd: Command): string {
  return `${cmd.client}#${cmd.reqId}`;
}

/** Two commands are the same request when client and request id match. */
export function sameCommand(a: Command, b: Command): boolean {
  return a.client === b.client && a.reqId === b.reqId;
}

interface Session {
  readonly reqId: number;
  readonly result: OpResult;
}

export class KvMachine implements ReplicatedMachine {
  private data = new Map<string, Value>();
  private sessions = new Map<ClientId, Session>();
  private count = 0;
  /** How many commands changed the data (lets the host tell a dedup from a second execution). */
  private changes = 0;
  private hashLow = FNV_OFFSET;
  // `>>> 0`: XOR yields a signed 32-bit number, which would print as negative hex.
  private hashHigh = (FNV_OFFSET ^ 0x5bd1e995) >>> 0;
  private readonly initial: Value;

  constructor(initial: Value = null) {
    this.initial = initial;
  }

  get appliedCount(): number {
    return this.count;
  }

  /** Commands that changed the data so far (not part of the replicated state). */
  get mutations(): number {
    return this.changes;
  }

  cached(client: ClientId, reqId: number): OpResult | undefined {
    const session = this.sessions.get(client);
    return session !== undefined && session.reqId === reqId ? session.result : undefined;
  }

  apply(cmd: Command): OpResult {
    this.count++;
    this.hashLow = fnv1aCommand(this.hashLow, cmd.client, cmd.reqId);
    // The high lane hashes `commandKey(cmd) + '|'`.
    this.hashHigh = Math.imul(fnv1aCommand(this.hashHigh, cmd.client, cmd.reqId) ^ PIPE, FNV_PRIME) >>> 0;
    const session = this.sessions.get(cmd.client);
    if (session !== undefined && cmd.reqId <= session.reqId) {
      // A retry of the latest request returns its cached result; an older one is a stale
      // duplicate that its client no longer waits for.
      return session.reqId === cmd.reqId ? session.result : { type: 'fail', reason: 'stale request' };
    }
    const result = this.execute(cmd.op);
    this.sessions.set(cmd.client, { reqId: cmd.reqId, result });
    return result;
  }

  peek(key: string): OpResult {
    return { type: 'ok', value: this.get(key) };
  }

  digest(): string {
    return this.hashHigh.toString(16).padStart(8, '0') + this.hashLow.toString(16).padStart(8, '0');
  }

  snapshot(): MachineSnapshot {
    return Object.freeze({
      data: Object.freeze([...this.data.entries()]),
      sessions: Object.freeze([...this.sessions.entries()].map(([c, s]) => Object.freeze([c, s.reqId, s.result] as const))),
      appliedCount: this.count,
      digest: this.digest(),
      hash: Object.freeze([this.hashLow, this.hashHigh] as const),
    });
  }

  restore(snapshot: MachineSnapshot): void {
    this.data = new Map(snapshot.data);
    this.sessions = new Map(snapshot.sessions.map(([c, reqId, result]) => [c, { reqId, result }]));
    this.count = snapshot.appliedCount;
    this.hashLow = snapshot.hash[0];
    this.hashHigh = snapshot.hash[1];
  }

  private get(key: string): Value {
    const value = this.data.get(key);
    return value === undefined ? this.initial : value;
  }

  private execute(op: KvOp): OpResult {
    switch (op.f) {
      case 'read':
        return { type: 'ok', value: this.get(op.key) };
      case 'write':
        this.changes++;
        this.data.set(op.key, op.value);
        return { type: 'ok', value: op.value };
      case 'cas': {
        if (this.get(op.key) !== op.expected) return { type: 'fail', reason: CAS_MISMATCH };
        this.changes++;
        this.data.set(op.key, op.value);
        return { type: 'ok', value: op.value };
      }
      case 'append': {
        const current = this.get(op.key);
        const next = (current === null ? '' : String(current)) + op.value;
        this.changes++;
        this.data.set(op.key, next);
        return { type: 'ok', value: next };
      }
    }
  }
}

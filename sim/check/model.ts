/**
 * The sequential specification of one key, compiled to integers so the search never compares or
 * allocates values: every value gets a small integer id (a "state"), and each operation becomes
 * (kind, a, b).
 *
 * One key is a register holding a number, a string or null. read returns it; write replaces it;
 * cas(expected, new) replaces it only if it equals `expected`; append concatenates a string onto
 * it (null counts as ""), as protocols/kv.ts executes them.
 *
 * Appends build new strings during the search, possibly tens of thousands of long ones. Building
 * and interning each as a JS string costs time and memory, so an appended state is a node
 * (parent state, piece) with a length and a polynomial hash; the hash finds equal strings (a read's
 * value, or the same text reached by another order) and an exact comparison confirms them, so
 * equal strings always get the same id and different strings never do.
 */
import type { HistoryValue } from '../history/types.js';
import type { Operation } from './operations.js';

/** A bigint is an integer outside the safe range, compared exactly (Map and Set compare BigInts by value). */
export type Value = number | bigint | string | null;

export const READ = 0;
export const WRITE = 1;
export const CAS = 2;
export const APPEND = 3;

/** Returned by `step` when the operation cannot take effect in this state. */
export const ILLEGAL = -1;

const MAX_MEMO = 4_000_000;
const BASE = 0x01000193; // odd multiplier of the polynomial hash (mod 2^32)

function hashOf(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, BASE) + text.charCodeAt(i)) >>> 0;
  return h;
}

function power(length: number): number {
  let p = 1;
  for (let i = 0; i < length; i++) p = Math.imul(p, BASE) >>> 0;
  return p;
}

export class CompiledModel {
  /** Per operation slot: kind and integer arguments (read: value read; cas: expected, new; append: piece). */
  readonly kind: Uint8Array;
  readonly a: Int32Array;
  readonly b: Int32Array;
  readonly init: number;
  private readonly slotCount: number;
  // States. Non-strings are interned by value; strings by (hash, length) with exact confirmation.
  private readonly scalarIds = new Map<number | bigint | null, number>();
  private readonly scalarValues: (number | bigint | null)[] = [];
  private readonly isString: number[] = [];
  private readonly parent: number[] = []; // appended node: the state it extends; -1 for a literal
  private readonly pieceOf: number[] = []; // appended node: its piece; literal: -1
  private readonly text: (string | undefined)[] = []; // literal strings (and materialized nodes)
  private readonly length: number[] = [];
  private readonly hash: number[] = [];
  private readonly byHash = new Map<number, number | number[]>();
  private readonly appendMemo = new Map<number, number>();
  private readonly prefixMemo = new Map<number, Uint32Array>();
  // Append pieces.
  private readonly pieces: string[] = [];
  private readonly pieceHash: number[] = [];
  private readonly piecePower: number[] = [];

  /**
   * Without appends, a value that no read returns and no cas expects can never be told apart from
   * another such value, so they all share one state ("unobserved"); `observed` lists the others.
   */
  private readonly observed: ReadonlySet<Value> | null;
  private unobservedId = -1;

  constructor(ops: readonly Operation[], init: Value) {
    this.observed = ops.some((op) => op.f === 'append') ? null : observedValues(ops);
    const n = ops.length;
    this.slotCount = n;
    this.kind = new Uint8Array(n);
    this.a = new Int32Array(n);
    this.b = new Int32Array(n);
    this.init = this.id(init);
    ops.forEach((op, slot) => this.compile(op, slot));
  }

  /** Number of distinct states created so far. */
  get states(): number {
    return this.isString.length;
  }

  private compile(op: Operation, slot: number): void {
    switch (op.f) {
      case 'read':
        this.kind[slot] = READ;
        this.a[slot] = this.id(scalar(op.output));
        return;
      case 'write':
        this.kind[slot] = WRITE;
        this.a[slot] = this.id(scalar(op.value));
        return;
      case 'cas': {
        const pair = op.value;
        if (!Array.isArray(pair)) throw new Error('cas without [expected, new]');
        this.kind[slot] = CAS;
        this.a[slot] = this.id(scalar(pair[0] as HistoryValue));
        this.b[slot] = this.id(scalar(pair[1] as HistoryValue));
        return;
      }
      case 'append': {
        const piece = String(scalar(op.value));
        this.kind[slot] = APPEND;
        this.a[slot] = this.pieces.length;
        this.pieces.push(piece);
        this.pieceHash.push(hashOf(piece));
        this.piecePower.push(power(piece.length));
        return;
      }
    }
  }

  /** The state id of a value. */
  id(value: Value): number {
    if (this.observed !== null && !this.observed.has(value)) {
      if (this.unobservedId < 0) this.unobservedId = this.newState(false, -1, -1, undefined, 0, 0);
      return this.unobservedId;
    }
    if (typeof value === 'string') return this.stringId(value);
    let id = this.scalarIds.get(value);
    if (id === undefined) {
      id = this.newState(false, -1, -1, undefined, 0, 0);
      this.scalarIds.set(value, id);
      this.scalarValues[id] = value;
    }
    return id;
  }

  /** The value a state stands for. */
  value(id: number): Value {
    return this.isString[id] === 1 ? this.materialize(id) : (this.scalarValues[id] ?? null);
  }

  /**
   * Could appends alone turn `state` into `target`? False only when certainly not: `state` is a
   * string that is not a prefix of the string `target` (compared by prefix hash, so a collision can
   * only say "maybe", never wrongly "no").
   */
  couldGrowInto(state: number, target: number): boolean {
    if (this.isString[state] !== 1) return true;
    if (this.isString[target] !== 1) return false;
    const length = this.length[state] as number;
    if (length > (this.length[target] as number)) return false;
    return this.prefixHashes(target)[length] === this.hash[state];
  }

  private prefixHashes(target: number): Uint32Array {
    let hashes = this.prefixMemo.get(target);
    if (hashes === undefined) {
      const text = this.materialize(target);
      hashes = new Uint32Array(text.length + 1);
      let h = 0;
      for (let i = 0; i < text.length; i++) {
        h = (Math.imul(h, BASE) + text.charCodeAt(i)) >>> 0;
        hashes[i + 1] = h;
      }
      this.prefixMemo.set(target, hashes);
    }
    return hashes;
  }

  /** The state after `slot` in `state`, or ILLEGAL. */
  step(state: number, slot: number): number {
    switch (this.kind[slot]) {
      case READ:
        return state === this.a[slot] ? state : ILLEGAL;
      case WRITE:
        return this.a[slot] as number;
      case CAS:
        return state === this.a[slot] ? (this.b[slot] as number) : ILLEGAL;
      default:
        return this.append(state, slot);
    }
  }

  private append(state: number, slot: number): number {
    const memoKey = state * this.slotCount + slot;
    let next = this.appendMemo.get(memoKey);
    if (next === undefined) {
      next = this.extend(state, this.a[slot] as number);
      if (this.appendMemo.size >= MAX_MEMO) this.appendMemo.clear(); // only a memo: safe to forget
      this.appendMemo.set(memoKey, next);
    }
    return next;
  }

  /** The state for `state`'s string followed by `piece`, found by hash and confirmed exactly. */
  private extend(state: number, piece: number): number {
    if (this.isString[state] !== 1) {
      const current = this.scalarValues[state] ?? null;
      return this.stringId((current === null ? '' : String(current)) + (this.pieces[piece] as string));
    }
    const length = (this.length[state] as number) + (this.pieces[piece] as string).length;
    const hash = (Math.imul(this.hash[state] as number, this.piecePower[piece] as number) + (this.pieceHash[piece] as number)) >>> 0;
    if (this.byHash.has(hash)) {
      const found = this.lookup(hash, length, () => this.materialize(state) + (this.pieces[piece] as string));
      if (found >= 0) return found;
    }
    return this.newState(true, state, piece, undefined, length, hash);
  }

  private stringId(text: string): number {
    const hash = hashOf(text);
    const found = this.lookup(hash, text.length, () => text);
    return found >= 0 ? found : this.newState(true, -1, -1, text, text.length, hash);
  }

  /** An existing string state with this hash, length and text, or -1. */
  private lookup(hash: number, length: number, text: () => string): number {
    const bucket = this.byHash.get(hash);
    if (bucket === undefined) return -1;
    const candidates = typeof bucket === 'number' ? [bucket] : bucket;
    let wanted: string | undefined;
    for (const candidate of candidates) {
      if (this.length[candidate] !== length) continue;
      wanted ??= text();
      if (this.materialize(candidate) === wanted) return candidate;
    }
    return -1;
  }

  private newState(isString: boolean, parent: number, piece: number, text: string | undefined, length: number, hash: number): number {
    const id = this.isString.length;
    this.isString.push(isString ? 1 : 0);
    this.parent.push(parent);
    this.pieceOf.push(piece);
    this.text.push(text);
    this.length.push(length);
    this.hash.push(hash);
    if (isString) {
      const bucket = this.byHash.get(hash);
      if (bucket === undefined) this.byHash.set(hash, id);
      else if (typeof bucket === 'number') this.byHash.set(hash, [bucket, id]);
      else bucket.push(id);
    }
    return id;
  }

  /** The string a string state stands for (walks the append chain; rarely needed). */
  private materialize(id: number): string {
    const known = this.text[id];
    if (known !== undefined) return known;
    const pieces: string[] = [];
    let node = id;
    while (this.text[node] === undefined) {
      pieces.push(this.pieces[this.pieceOf[node] as number] as string);
      node = this.parent[node] as number;
    }
    let out = this.text[node] as string;
    for (let i = pieces.length - 1; i >= 0; i--) out += pieces[i] as string;
    return out;
  }
}

/** Values some operation can observe: what ok reads returned and what cas operations expected. */
export function observedValues(ops: readonly Operation[]): Set<Value> {
  const observed = new Set<Value>();
  for (const op of ops) {
    if (op.f === 'read' && op.status === 'ok') observed.add(scalar(op.output));
    if (op.f === 'cas' && Array.isArray(op.value)) observed.add(scalar(op.value[0] as HistoryValue));
  }
  return observed;
}

/**
 * Info operations that can matter. An info op is optional; if the value it leaves is never
 * observed (no append on the key, no read returns it, no cas expects it), then whatever follows it
 * either overwrites that value or fails on it, so dropping it never loses a linearization.
 */
export function usefulInfoOps(ops: readonly Operation[]): Operation[] {
  if (ops.some((op) => op.f === 'append')) return ops.filter((op) => op.status !== 'ok');
  const observed = observedValues(ops);
  return ops.filter((op) => {
    if (op.status === 'ok') return false;
    const result = op.f === 'cas' && Array.isArray(op.value) ? op.value[1] : op.value;
    return observed.has(scalar(result as HistoryValue));
  });
}

function scalar(value: HistoryValue): Value {
  if (Array.isArray(value)) throw new Error('expected a scalar value');
  return value as Value;
}

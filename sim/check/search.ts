/**
 * Linearizability of one key's operations: Wing & Gong's search (1993) with Lowe's improvements
 * (Testing for linearizability, Concurrency Computat. 2017, §3–4), the engine Porcupine uses.
 *
 * The history is a doubly linked list of call and return entries in real-time order. An operation
 * can be linearized next iff its call comes before the first return still in the list (otherwise
 * some operation finished before it started). The search is depth-first: linearize a candidate
 * whose model step is legal, "lift" its call and return out of the list, and start again from the
 * head; when the first entry reached is a return, nothing can go next, so backtrack ("unlift").
 * A cache of explored configurations (linearized set as a bitset, model state) stops the search
 * from exploring the same configuration twice (Lowe §4).
 *
 * Info operations (outcome unknown, or never completed) have their return at infinity: they may
 * take effect at any point after their call, or never. They live in a separate list, are tried
 * only after every ok candidate at a node (most of them never took effect, so this finds the
 * common linearization first), never block anything, and are skipped when their step would not
 * change the state (then leaving them pending is at least as good). The history is linearizable
 * as soon as every ok operation is linearized: the pending info ops can all be "never".
 *
 * One more sound restriction: right after an info op, the next op must depend on the state (a
 * read, cas or append), never a write. If a write came next, the info op's value was never seen
 * and dropping the info op leaves a valid linearization; so some valid linearization (if any
 * exists) has every info op immediately followed by an op that observes it. Configurations reached
 * right after an info op ("fresh") are cached apart from the others, since they explore less.
 *
 * Two more, for high concurrency (both exact):
 * - Forced reads. If an ok read can go next at a node (its call precedes the first return and it
 *   returns the current state), some linearization from that node exists iff one with the read
 *   next does: moving a read earlier to a point where it is a candidate breaks no real-time
 *   order and changes no state. So that read is the node's only move (found first, in phase 2),
 *   and when it fails, or its configuration is already cached, the node fails: concurrent reads
 *   are never tried in every order.
 * - Overwrites. When the current value has exactly one producer (the initial value, or the one
 *   write or cas that writes it, already linearized), no later step can bring it back; so while an
 *   ok read or cas that needs it is still pending, no step may change the state. Unique-value
 *   histories (Jepsen's, ours) make this decisive: the next write is tried only once the value's
 *   readers are done. The report's prefix is then extended along one path with the plain rules
 *   (`extendGreedily`), so the culprit stays the operation that cannot go, not an earlier write.
 */
import { toJsonText } from '../history/json-text.js';
import { wallNowMs } from '../wallclock.js';
import { ConfigCache } from './cache.js';
import { APPEND, CAS, CompiledModel, ILLEGAL, READ, usefulInfoOps, WRITE, type Value } from './model.js';
import type { Operation } from './operations.js';

export interface PartitionOutcome {
  /** 'unknown': the search outgrew its memory bound (time and step budgets return null instead). */
  readonly verdict: true | false | 'unknown';
  /** When false: the longest linearization found (slot numbers), and the ops that were next in line. */
  readonly prefix: readonly number[];
  readonly unplaced: readonly number[];
  /** Why, when it is simpler than "no order works". */
  readonly reason?: string;
}

// Status codes of `search`.
const SEARCHING = 0;
const LINEARIZABLE = 1;
const NOT_LINEARIZABLE = 2;
const OUT_OF_MEMORY = 3;

// What a stack entry holds.
const OK_OP = 0;
const INFO_OP = 1;

/** Above this many writes/cas on one key, the append prune would cost more than it saves. */
const MAX_RESETS_FOR_PRUNING = 64;

/** 32-bit mixing (murmur3's finalizer): a fixed Zobrist key per operation, no randomness. */
function mix32(x: number): number {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The search over one key, resumable: `run(steps)` advances it by at most that many steps, so the
 * caller can interleave keys and stop at the first key that fails (Porcupine runs keys in
 * parallel for the same reason: one hard key must not hide an easy failure in another).
 */
export class PartitionSearch {
  /** Operations by slot: ok operations first (0..m-1), then info operations (m..m+q-1). */
  readonly slots: readonly Operation[];
  private readonly m: number;
  readonly model: CompiledModel;
  // Ok entries: call of op j is entry j, its return is entry m + j; H and T are sentinels.
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly position: Int32Array;
  // Info calls, ordered by invoke; sentinels q and q + 1.
  private readonly nextInfo: Int32Array;
  private readonly prevInfo: Int32Array;
  private readonly infoPosition: Int32Array;
  private readonly okBits: Uint32Array;
  private readonly infoBits: Uint32Array;
  private readonly zobrist: Uint32Array;
  private readonly cache: ConfigCache;
  private readonly stackKind: Uint8Array;
  private readonly stackId: Int32Array;
  private readonly stackState: Int32Array;
  private readonly stackBoundary: Int32Array;
  private readonly stackReadPointer: Int32Array;
  private readonly stackHi: Int32Array;
  // Append pruning (see `appendFeasible`): ok reads by completion, writes/cas by invoke.
  private readonly appendPrune: boolean;
  // Overwrite pruning (see the file comment): per state, how many ops produce it (init counts as
  // one) and how many ok ops not yet linearized need it (reads returning it, cas expecting it).
  private readonly overwritePrune: boolean;
  private readonly producers: Int32Array;
  private readonly need: Int32Array;
  private readonly readsByCompletion: Int32Array;
  private readonly resets: Int32Array;
  private readonly resetInvoke: Int32Array;
  private readPointer = 0;
  // The search position between runs.
  private depth = 0;
  private okDepth = 0;
  private bestOkDepth = 0;
  /** The longest linearization so far (slot numbers), kept without allocating on the hot path. */
  private bestPrefix: Int32Array | null = null;
  private bestLength = 0;
  /** The stack's first `unchanged` entries are still those of the last snapshot. */
  private unchanged = 0;
  private dirty = false;
  private state: number;
  private okHash = 0;
  /** Every ok op below `lo` is linearized; `hi` is the highest linearized one (-1: none). */
  private lo = 0;
  private hi = -1;
  /** 2: looking for a read that can go next (at a node's start); 0: scanning ok entries; 1: scanning info calls before `boundary`. */
  private phase = 2;
  private boundary = 0;
  private cursor: number;
  /** True right after an info op: then the next op must observe the state (see `run`). */
  private fresh = false;
  private outcome: PartitionOutcome | null = null;
  /** The candidate at `cursor` is a read that can go next, taken as its node's only move. */
  private forcing = false;

  constructor(ops: readonly Operation[], init: Value) {
    const okOps = ops.filter((op) => op.status === 'ok');
    const infoOps = usefulInfoOps(ops);
    this.slots = okOps.concat(infoOps);
    const m = okOps.length;
    const q = infoOps.length;
    this.m = m;
    this.model = new CompiledModel(this.slots, init);
    this.state = this.model.init;

    const H = 2 * m;
    const T = 2 * m + 1;
    this.next = new Int32Array(2 * m + 2);
    this.prev = new Int32Array(2 * m + 2);
    this.position = new Int32Array(2 * m);
    const order: number[] = [];
    for (let j = 0; j < m; j++) {
      const op = okOps[j] as Operation;
      this.position[j] = op.invokeIndex;
      this.position[m + j] = op.completeIndex;
      order.push(j, m + j);
    }
    order.sort((x, y) => (this.position[x] as number) - (this.position[y] as number));
    link(this.next, this.prev, H, T, order);

    this.nextInfo = new Int32Array(q + 2);
    this.prevInfo = new Int32Array(q + 2);
    this.infoPosition = new Int32Array(q);
    const infoOrder: number[] = [];
    for (let i = 0; i < q; i++) {
      this.infoPosition[i] = (infoOps[i] as Operation).invokeIndex;
      infoOrder.push(i);
    }
    link(this.nextInfo, this.prevInfo, q, q + 1, infoOrder);

    const okWords = (m + 31) >>> 5;
    const infoWords = (q + 31) >>> 5;
    this.okBits = new Uint32Array(okWords);
    this.infoBits = new Uint32Array(Math.max(infoWords, 1));
    this.zobrist = new Uint32Array(m);
    for (let j = 0; j < m; j++) this.zobrist[j] = mix32(j * 0x9e3779b9 + 0x7f4a7c15);
    this.cache = new ConfigCache(infoWords);
    this.stackKind = new Uint8Array(m + q);
    this.stackId = new Int32Array(m + q);
    this.stackState = new Int32Array(m + q);
    this.stackBoundary = new Int32Array(m + q);
    this.stackReadPointer = new Int32Array(m + q);
    this.stackHi = new Int32Array(m + q);
    const prune = appendPruneTables(this.slots, this.model.kind, m);
    this.readsByCompletion = prune.readsByCompletion;
    this.resets = prune.resets;
    this.resetInvoke = prune.resetInvoke;
    this.appendPrune = prune.enabled;
    const states = this.model.states;
    this.overwritePrune = !this.model.kind.includes(APPEND);
    this.producers = new Int32Array(states);
    this.need = new Int32Array(states);
    if (this.overwritePrune) {
      const { kind, a, b } = this.model;
      this.producers[this.model.init] = 1;
      for (let slot = 0; slot < kind.length; slot++) {
        const produced = kind[slot] === WRITE ? (a[slot] as number) : kind[slot] === CAS ? (b[slot] as number) : -1;
        if (produced >= 0) this.producers[produced] = (this.producers[produced] as number) + 1;
        const needed = a[slot] as number;
        if (slot < m && (kind[slot] === READ || kind[slot] === CAS)) this.need[needed] = (this.need[needed] as number) + 1;
      }
    }
    this.cursor = this.next[H] as number;
    if (m === 0) this.outcome = { verdict: true, prefix: [], unplaced: [] };
    // One zero-step call runs the loop's single exit, so its stores have type feedback before the
    // loop gets optimized (otherwise the first exit deoptimizes it).
    if (m > 0) this.search(0, Infinity);
    this.refuteImpossible();
  }

  /** Fails the key at once when an ok read or cas needs a value nothing can produce. */
  private refuteImpossible(): void {
    const impossible = this.impossibleOp();
    if (impossible < 0) return;
    const op = this.slots[impossible] as Operation;
    const needs = toJsonText(op.f === 'read' ? op.output : Array.isArray(op.value) ? op.value[0] : null);
    const verb = op.f === 'read' ? 'returned' : 'expected';
    const reason = `no operation can leave ${needs} in this key (it is not the initial value, and nothing that may have taken effect writes it), yet this ${op.f} ${verb} it`;
    this.outcome = { verdict: false, prefix: [], unplaced: [impossible], reason };
  }

  /** Configurations stored in the cache so far. */
  get explored(): number {
    return this.cache.size;
  }

  /**
   * Advances the search by at most `maxSteps` steps, stopping early once past `deadlineMs` (checked
   * every few thousand steps). Returns the outcome, or null if still undecided; `stepsUsed` tells
   * how many steps it took.
   */
  run(maxSteps: number, deadlineMs: number): PartitionOutcome | null {
    if (this.outcome !== null) {
      this.stepsUsed = 0;
      return this.outcome;
    }
    switch (this.search(maxSteps, deadlineMs)) {
      case SEARCHING:
        return null;
      case LINEARIZABLE:
        return (this.outcome = { verdict: true, prefix: [], unplaced: [] });
      case NOT_LINEARIZABLE: {
        const prefix = this.extendGreedily(Array.from(this.bestPrefix?.subarray(0, this.bestLength) ?? []));
        return (this.outcome = { verdict: false, prefix, unplaced: unplacedAfter(prefix, this.slots, this.m) });
      }
      default:
        return (this.outcome = { verdict: 'unknown', prefix: [], unplaced: [] });
    }
  }

  /**
   * The search loop. It keeps its position in locals and leaves through one exit that stores them,
   * with a status code: rarely taken exits that allocate or call would each cost a deoptimization
   * of this hot function the first time they run.
   */
  private search(maxSteps: number, deadlineMs: number): number {
    const m = this.m;
    const H = 2 * m;
    const { model, next, prev, position, nextInfo, prevInfo, infoPosition, okBits, infoBits, zobrist, cache } = this;
    const { stackKind, stackId, stackState, stackBoundary, stackReadPointer, stackHi, readsByCompletion, appendPrune } = this;
    const { overwritePrune, producers, need } = this;
    const TI = infoPosition.length + 1;
    const HI = infoPosition.length;
    let { depth, okDepth, bestOkDepth, dirty, unchanged, state, okHash, lo, hi, phase, boundary, cursor, readPointer, fresh, forcing } = this;
    let steps = 0;
    let status = SEARCHING;

    for (;;) {
      if (++steps > maxSteps || ((steps & 4095) === 0 && wallNowMs() > deadlineMs)) {
        steps--;
        break;
      }
      if (phase === 2) {
        // A read that can go next goes next, and nothing else is tried at this node (see the
        // file comment): look for one among the candidates before the first return.
        if (cursor < m) {
          if (model.kind[cursor] === READ && model.a[cursor] === state) {
            forcing = true;
            phase = 0;
          } else {
            cursor = next[cursor] as number;
          }
          continue;
        }
        phase = 0;
        cursor = next[H] as number;
        continue;
      }
      if (phase === 0) {
        if (cursor < m) {
          const j = cursor;
          let nextState = fresh && model.kind[j] === WRITE ? ILLEGAL : model.step(state, j);
          // A cas expecting the current value is itself one of those that need it.
          if (overwritePrune && nextState !== state && producers[state] === 1 && (need[state] as number) > (model.kind[j] === CAS ? 1 : 0)) nextState = ILLEGAL;
          if (appendPrune && nextState !== ILLEGAL && model.kind[j] === APPEND && !this.appendFeasible(nextState, readPointer)) {
            nextState = ILLEGAL;
          }
          if (nextState !== ILLEGAL) {
            okBits[j >>> 5] = (okBits[j >>> 5] as number) ^ (1 << (j & 31));
            okHash ^= zobrist[j] as number;
            let nextLo = lo;
            if (j === lo) {
              nextLo++;
              while (nextLo < m && ((okBits[nextLo >>> 5] as number) & (1 << (nextLo & 31))) !== 0) nextLo++;
            }
            const nextHi = j > hi ? j : hi;
            const from = nextLo >>> 5;
            const key = nextState * 2; // not fresh
            const hash = mix32(okHash ^ Math.imul(key + 1, 0x9e3779b1));
            if (!cache.seenOrAdd(hash, key, nextLo, okBits, from, nextHi >= nextLo ? (nextHi >>> 5) + 1 : from, infoBits)) {
              if (cache.full) {
                status = OUT_OF_MEMORY;
                break;
              }
              if (overwritePrune && model.kind[j] !== WRITE) need[model.a[j] as number] = (need[model.a[j] as number] as number) - 1;
              stackKind[depth] = OK_OP;
              stackId[depth] = j;
              stackState[depth] = state;
              stackReadPointer[depth] = readPointer;
              stackHi[depth] = hi;
              depth++;
              lo = nextLo;
              hi = nextHi;
              if (readsByCompletion[readPointer] === j) readPointer = this.advanceReads(readPointer);
              okDepth++;
              if (okDepth === m) {
                status = LINEARIZABLE;
                break;
              }
              if (okDepth > bestOkDepth) {
                bestOkDepth = okDepth;
                dirty = true;
              }
              // Lift: unlink the call and its return (dancing links: they keep their own pointers).
              const r = m + j;
              next[prev[j] as number] = next[j] as number;
              prev[next[j] as number] = prev[j] as number;
              next[prev[r] as number] = next[r] as number;
              prev[next[r] as number] = prev[r] as number;
              state = nextState;
              fresh = false;
              forcing = false;
              phase = 2;
              cursor = next[H] as number;
              continue;
            }
            okBits[j >>> 5] = (okBits[j >>> 5] as number) ^ (1 << (j & 31));
            okHash ^= zobrist[j] as number;
          }
          if (forcing) {
            // The forced read's configuration was explored before and failed: so does this node.
            forcing = false;
            phase = 1;
            cursor = TI;
            continue;
          }
          cursor = next[cursor] as number;
          continue;
        }
        // The first return still in the list: nothing invoked after it may go next.
        boundary = position[cursor] as number;
        phase = 1;
        cursor = nextInfo[HI] as number;
        continue;
      }
      if (cursor !== TI && (infoPosition[cursor] as number) < boundary) {
        const i = cursor;
        let nextState = fresh && model.kind[m + i] === WRITE ? ILLEGAL : model.step(state, m + i);
        if (overwritePrune && nextState !== state && (need[state] as number) > 0 && producers[state] === 1) nextState = ILLEGAL;
        if (appendPrune && nextState !== ILLEGAL && model.kind[m + i] === APPEND && !this.appendFeasible(nextState, readPointer)) {
          nextState = ILLEGAL;
        }
        if (nextState !== ILLEGAL && nextState !== state) {
          infoBits[i >>> 5] = (infoBits[i >>> 5] as number) ^ (1 << (i & 31));
          const key = nextState * 2 + 1; // fresh
          const hash = mix32(okHash ^ Math.imul(key + 1, 0x9e3779b1));
          const from = lo >>> 5;
          if (!cache.seenOrAdd(hash, key, lo, okBits, from, hi >= lo ? (hi >>> 5) + 1 : from, infoBits)) {
            if (cache.full) {
              status = OUT_OF_MEMORY;
              break;
            }
            stackKind[depth] = INFO_OP;
            stackId[depth] = i;
            stackState[depth] = state;
            stackReadPointer[depth] = readPointer;
            stackBoundary[depth] = boundary;
            stackHi[depth] = hi;
            depth++;
            nextInfo[prevInfo[i] as number] = nextInfo[i] as number;
            prevInfo[nextInfo[i] as number] = prevInfo[i] as number;
            state = nextState;
            fresh = true;
            phase = 2;
            cursor = next[H] as number;
            continue;
          }
          infoBits[i >>> 5] = (infoBits[i >>> 5] as number) ^ (1 << (i & 31));
        }
        cursor = nextInfo[cursor] as number;
        continue;
      }
      // Every candidate at this node is exhausted: backtrack.
      if (dirty) {
        this.snapshot(depth, unchanged);
        unchanged = this.bestLength;
        dirty = false;
      }
      if (depth === 0) {
        status = NOT_LINEARIZABLE;
        break;
      }
      depth--;
      if (depth < unchanged) unchanged = depth;
      const id = stackId[depth] as number;
      state = stackState[depth] as number;
      readPointer = stackReadPointer[depth] as number;
      fresh = depth > 0 && stackKind[depth - 1] === INFO_OP;
      if (stackKind[depth] === OK_OP) {
        // Unlift in reverse order of lifting: the return, then the call.
        const r = m + id;
        next[prev[r] as number] = r;
        prev[next[r] as number] = r;
        next[prev[id] as number] = id;
        prev[next[id] as number] = id;
        if (overwritePrune && model.kind[id] !== WRITE) need[model.a[id] as number] = (need[model.a[id] as number] as number) + 1;
        okBits[id >>> 5] = (okBits[id >>> 5] as number) ^ (1 << (id & 31));
        okHash ^= zobrist[id] as number;
        okDepth--;
        if (id < lo) lo = id;
        hi = stackHi[depth] as number;
        if (model.kind[id] === READ) {
          // A read is only ever taken as the forced move of its node: nothing else to try there.
          phase = 1;
          cursor = TI;
        } else {
          phase = 0;
          cursor = next[id] as number;
        }
      } else {
        nextInfo[prevInfo[id] as number] = id;
        prevInfo[nextInfo[id] as number] = id;
        infoBits[id >>> 5] = (infoBits[id >>> 5] as number) ^ (1 << (id & 31));
        phase = 1;
        boundary = stackBoundary[depth] as number;
        cursor = nextInfo[id] as number;
      }
    }
    this.depth = depth;
    this.okDepth = okDepth;
    this.bestOkDepth = bestOkDepth;
    this.dirty = dirty;
    this.unchanged = unchanged;
    this.state = state;
    this.okHash = okHash;
    this.lo = lo;
    this.hi = hi;
    this.phase = phase;
    this.boundary = boundary;
    this.cursor = cursor;
    this.readPointer = readPointer;
    this.fresh = fresh;
    this.forcing = forcing;
    this.stepsUsed = steps;
    return status;
  }

  /**
   * Without appends, an ok read (or cas) that needs a value no write, cas or the initial value can
   * produce can never be linearized: the key fails at once, with that op as the culprit, instead
   * of after a search of every order of everything before it. Returns its slot, or -1.
   */
  private impossibleOp(): number {
    const { kind, a, b } = this.model;
    if (kind.includes(APPEND)) return -1;
    const producible = new Set<number>([this.model.init]);
    for (let slot = 0; slot < kind.length; slot++) {
      if (kind[slot] === WRITE) producible.add(a[slot] as number);
      if (kind[slot] === CAS) producible.add(b[slot] as number);
    }
    let culprit = -1;
    for (let slot = 0; slot < this.m; slot++) {
      if ((kind[slot] === READ || kind[slot] === CAS) && !producible.has(a[slot] as number)) {
        if (culprit < 0 || (this.slots[slot] as Operation).completeIndex < (this.slots[culprit] as Operation).completeIndex) culprit = slot;
      }
    }
    return culprit;
  }

  private linearized(slot: number): boolean {
    const bits = slot < this.m ? this.okBits : this.infoBits;
    const bit = slot < this.m ? slot : slot - this.m;
    return ((bits[bit >>> 5] as number) & (1 << (bit & 31))) !== 0;
  }

  /** The first read (by completion) at or after `pointer` that is not linearized yet. */
  private advanceReads(pointer: number): number {
    const reads = this.readsByCompletion;
    let p = pointer;
    while (p < reads.length && this.linearized(reads[p] as number)) p++;
    return p;
  }

  /**
   * A model-specific prune for append histories. Let R be the earliest-completing ok read not yet
   * linearized. If no write or cas still pending was invoked before R completed, then nothing
   * but appends can happen before R, so the state can only grow by appending until R reads it:
   * a state that is not a prefix of R's value is a dead end, and is refused at once instead of
   * being discovered much later, when R finally fails. (Sound: a state is refused only when it is
   * certainly not a prefix.)
   */
  private appendFeasible(state: number, readPointer: number): boolean {
    if (readPointer >= this.readsByCompletion.length) return true;
    const read = this.readsByCompletion[readPointer] as number;
    const deadline = (this.slots[read] as Operation).completeIndex;
    for (let r = 0; r < this.resets.length && (this.resetInvoke[r] as number) < deadline; r++) {
      if (!this.linearized(this.resets[r] as number)) return true;
    }
    return this.model.couldGrowInto(state, this.model.a[read] as number);
  }

  /**
   * The overwrite prune stops a path as soon as it is doomed, which can leave the longest
   * linearization short of the operation that actually cannot go (a write refused because a
   * later read still needs the value it would replace, rather than that read). For the report,
   * the prefix is extended along one path with the plain model rules: any ok operation that may
   * go next and is legal, a read first. Still a legal linearization; bounded, so it stays cheap.
   */
  private extendGreedily(prefix: number[]): number[] {
    if (!this.overwritePrune) return prefix;
    const m = this.m;
    const slots = this.slots;
    const placed = new Uint8Array(m);
    let state = this.model.init;
    for (const slot of prefix) {
      if (slot < m) placed[slot] = 1;
      state = this.model.step(state, slot);
    }
    const byInvoke = Array.from({ length: m }, (_, j) => j).sort((x, y) => (slots[x] as Operation).invokeIndex - (slots[y] as Operation).invokeIndex);
    const byReturn = Array.from({ length: m }, (_, j) => j).sort((x, y) => (slots[x] as Operation).completeIndex - (slots[y] as Operation).completeIndex);
    let invokeFrom = 0;
    let returnFrom = 0;
    const out = prefix.slice();
    for (let step = 0; step < 10_000; step++) {
      while (invokeFrom < m && placed[byInvoke[invokeFrom] as number] === 1) invokeFrom++;
      while (returnFrom < m && placed[byReturn[returnFrom] as number] === 1) returnFrom++;
      if (returnFrom >= m) break;
      const firstReturn = (slots[byReturn[returnFrom] as number] as Operation).completeIndex;
      let chosen = -1;
      for (let k = invokeFrom; k < m; k++) {
        const j = byInvoke[k] as number;
        if ((slots[j] as Operation).invokeIndex > firstReturn) break;
        if (placed[j] === 1) continue;
        const next = this.model.step(state, j);
        if (next === ILLEGAL) continue;
        if (next === state) {
          chosen = j;
          break;
        }
        if (chosen < 0) chosen = j;
      }
      if (chosen < 0) break;
      placed[chosen] = 1;
      state = this.model.step(state, chosen);
      out.push(chosen);
    }
    return out;
  }

  /** Steps the last `run` took. */
  stepsUsed = 0;

  /**
   * Records the stack as the longest linearization so far (trailing info ops explain nothing).
   * Only entries from `unchanged` on are copied, so long histories do not make this quadratic.
   */
  private snapshot(depth: number, unchanged: number): void {
    let end = depth;
    while (end > 0 && this.stackKind[end - 1] === INFO_OP) end--;
    const prefix = (this.bestPrefix ??= new Int32Array(this.stackId.length));
    for (let d = Math.min(unchanged, end); d < end; d++) {
      const id = this.stackId[d] as number;
      prefix[d] = this.stackKind[d] === OK_OP ? id : this.m + id;
    }
    this.bestLength = end;
  }

}

/** What `appendFeasible` needs: ok reads by completion, writes and cas by invoke. */
function appendPruneTables(slots: readonly Operation[], kind: Uint8Array, m: number) {
  const all = slots.map((_, slot) => slot);
  const reads = all.filter((slot) => slot < m && kind[slot] === READ);
  reads.sort((x, y) => (slots[x] as Operation).completeIndex - (slots[y] as Operation).completeIndex);
  const resets = all.filter((slot) => kind[slot] === WRITE || kind[slot] === CAS);
  resets.sort((x, y) => (slots[x] as Operation).invokeIndex - (slots[y] as Operation).invokeIndex);
  return {
    enabled: kind.includes(APPEND) && reads.length > 0 && resets.length <= MAX_RESETS_FOR_PRUNING,
    readsByCompletion: Int32Array.from(reads),
    resets: Int32Array.from(resets),
    resetInvoke: Int32Array.from(resets.map((slot) => (slots[slot] as Operation).invokeIndex)),
  };
}

function link(next: Int32Array, prev: Int32Array, head: number, tail: number, order: readonly number[]): void {
  let last = head;
  for (const entry of order) {
    next[last] = entry;
    prev[entry] = last;
    last = entry;
  }
  next[last] = tail;
  prev[tail] = last;
}

/**
 * The ok operations that were next in line after the prefix: not linearized, and invoked before
 * the earliest completion among the operations not linearized. None of them could go next.
 */
function unplacedAfter(prefix: readonly number[], slots: readonly Operation[], m: number): number[] {
  const placed = new Set(prefix);
  let firstReturn = Infinity;
  for (let j = 0; j < m; j++) {
    if (!placed.has(j)) firstReturn = Math.min(firstReturn, (slots[j] as Operation).completeIndex);
  }
  const unplaced: number[] = [];
  for (let j = 0; j < m; j++) {
    if (!placed.has(j) && (slots[j] as Operation).invokeIndex < firstReturn) unplaced.push(j);
  }
  return unplaced;
}

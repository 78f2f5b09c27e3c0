/**
 * Linearizability of a read/write register whose writes are unique, in O(n log n): Gibbons &
 * Korach's read-mapping case (Testing shared memories, SIAM J. Comput. 1997), decided with
 * "zones" (as Golab, Li & Shah restate it, PODC 2011). The general search (search.ts) explores
 * orders and grows with concurrency; this grows with the history's length only.
 *
 * When every written value is written at most once (and none equals the initial value), each ok
 * read names the one write it read from. A value's *cluster* is its write and the reads that
 * returned it. Let f be the earliest completion in the cluster and s its latest invocation:
 * - f < s: a *forward zone* [f, s]. The write must take effect before f and some read after s,
 *   so the value occupies the register throughout [f, s];
 * - s < f: a *backward zone* [s, f]. All of the cluster can take effect at one moment inside it.
 * The history is linearizable iff (1) no read completes before its write is invoked, (2) no two
 * forward zones overlap, and (3) no backward zone lies inside a forward zone.
 *
 * Our extras, each reduced to that setting:
 * - the initial value is a write that completed before everything (time -∞); its cluster is the
 *   reads of the initial value;
 * - an info write (outcome unknown, or never completed) that no ok read returned may be taken as
 *   never done (nothing observed it: dropping a write whose value no read returns keeps any
 *   linearization valid); one that some read returned did take effect, at any time after its
 *   invoke: a write whose completion is at +∞;
 * - a read of a value nothing writes (and not the initial value) can never be placed;
 * - failed writes and info reads were dropped before (operations.ts).
 * Times are event positions, all distinct, so no two endpoints tie.
 *
 * A violation names the clusters involved; the checker then runs the general search on just the
 * few operations that define their zones (at most six, the same violation), which yields the usual
 * counterexample (a prefix and the operations that could not go next) at no cost.
 */
import { toJsonText } from '../history/json-text.js';
import type { Value } from './model.js';
import type { Operation } from './operations.js';

/** Which of the zone conditions failed, and the operations that show it. */
export interface ZoneViolation {
  /** The operations that define the violating zones, in invoke order (a non-linearizable sub-history). */
  readonly witnesses: readonly Operation[];
  /** One sentence on what cannot be. */
  readonly reason: string;
}

/** A value's cluster, with the operations that define its zone. */
interface Cluster {
  readonly value: Value;
  /** The write; null for the initial value. */
  readonly write: Operation | null;
  /** Earliest completion (f) and latest invocation (s), with the operations that have them. */
  f: number;
  fOp: Operation | null;
  s: number;
  sOp: Operation | null;
  reads: number;
}

interface Zone {
  readonly low: number;
  readonly high: number;
  readonly cluster: Cluster;
}

/**
 * True when the key can be decided here: only reads and writes, no value written twice, and no
 * write of the initial value (either would make a read's write ambiguous).
 */
export function zonesApply(ops: readonly Operation[], init: Value): boolean {
  const written = new Set<Value>([init]);
  for (const op of ops) {
    if (op.f === 'read') continue;
    if (op.f !== 'write') return false;
    const value = op.value as Value;
    if (written.has(value)) return false;
    written.add(value);
  }
  return true;
}

/** Completion of an operation as a position; +∞ for info operations. */
function end(op: Operation): number {
  return op.status === 'ok' ? op.completeIndex : Infinity;
}

/**
 * Decides one key that `zonesApply` accepted: null if linearizable, otherwise the violation.
 * Operations are the key's partition (ok reads and writes, info writes; no fails, no info reads).
 */
export function checkZones(ops: readonly Operation[], init: Value): ZoneViolation | null {
  const clusters = new Map<Value, Cluster>();
  const initial: Cluster = { value: init, write: null, f: -Infinity, fOp: null, s: -Infinity, sOp: null, reads: 0 };
  clusters.set(init, initial);
  for (const op of ops) {
    if (op.f !== 'write') continue;
    const e = end(op);
    clusters.set(op.value as Value, { value: op.value as Value, write: op, f: e, fOp: op, s: op.invokeIndex, sOp: op, reads: 0 });
  }
  for (const op of ops) {
    if (op.f !== 'read') continue;
    const value = op.output as Value;
    const cluster = clusters.get(value);
    if (cluster === undefined) {
      return { witnesses: [op], reason: `this read returned ${show(value)}, which is not the initial value and which nothing that may have taken effect writes` };
    }
    const write = cluster.write;
    if (write !== null && op.completeIndex < write.invokeIndex) {
      return { witnesses: sorted([op, write]), reason: `this read returned ${show(value)} before the write of ${show(value)} was even invoked` };
    }
    cluster.reads++;
    if (op.completeIndex < cluster.f) {
      cluster.f = op.completeIndex;
      cluster.fOp = op;
    }
    if (op.invokeIndex > cluster.s) {
      cluster.s = op.invokeIndex;
      cluster.sOp = op;
    }
  }

  const forward: Zone[] = [];
  const backward: Zone[] = [];
  for (const cluster of clusters.values()) {
    // An info write nobody read is taken as never done; the initial value only matters if read.
    if (cluster.reads === 0 && (cluster.write === null || cluster.write.status !== 'ok')) continue;
    if (cluster.f < cluster.s) forward.push({ low: cluster.f, high: cluster.s, cluster });
    else backward.push({ low: cluster.s, high: cluster.f, cluster });
  }

  // (2) No two forward zones overlap: sorted by start, each must begin after every earlier one ends.
  forward.sort((x, y) => x.low - y.low);
  let widest: Zone | null = null;
  for (const zone of forward) {
    if (widest !== null && zone.low < widest.high) {
      return {
        witnesses: witnesses([widest.cluster, zone.cluster]),
        reason: `${occupies(widest.cluster)}, and ${occupies(zone.cluster)}: the two stretches overlap, and the register holds one value at a time`,
      };
    }
    if (widest === null || zone.high > widest.high) widest = zone;
  }

  // (3) No backward zone inside a forward zone. The forward zones are now disjoint and sorted, so
  // the only one that can hold a backward zone is the last to start before it.
  for (const zone of backward) {
    let lo = 0;
    let hi = forward.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((forward[mid] as Zone).low < zone.low) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    const outer = found >= 0 ? (forward[found] as Zone) : null;
    if (outer !== null && zone.high < outer.high) {
      const inner = zone.cluster;
      const what = inner.reads === 0 ? `the write of ${show(inner.value)} must take effect inside that stretch` : `the write of ${show(inner.value)} and its reads must all take effect inside that stretch`;
      return { witnesses: witnesses([outer.cluster, inner]), reason: `${occupies(outer.cluster)}, yet ${what}` };
    }
  }
  return null;
}

/** The operations that define the clusters' zones (write, earliest completion, latest invoke). */
function witnesses(clusters: readonly Cluster[]): Operation[] {
  const found = new Set<Operation>();
  for (const cluster of clusters) {
    for (const op of [cluster.write, cluster.fOp, cluster.sOp]) if (op !== null) found.add(op);
  }
  return sorted([...found]);
}

function sorted(ops: Operation[]): Operation[] {
  return ops.sort((x, y) => x.invokeIndex - y.invokeIndex);
}

/** "3 must stay in the register from time 12 (…) until time 19 (…)". */
function occupies(cluster: Cluster): string {
  const until = cluster.sOp === null ? 'the end' : `time ${cluster.sOp.invokeTime} (when a read of it was invoked)`;
  if (cluster.fOp === null) return `the initial value ${show(cluster.value)} must stay in the register until ${until}`;
  const from = `time ${cluster.fOp.completeTime} (when a ${cluster.fOp.f} of it completed)`;
  return `${show(cluster.value)} must stay in the register from ${from} until ${until}`;
}

function show(value: Value): string {
  return toJsonText(value);
}

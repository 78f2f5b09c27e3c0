/**
 * Per-operation-kind latency of a run, from its client history: for every operation that
 * completed ok, virtual time from invoke to completion. Percentiles by nearest rank (the p-th
 * percentile is the smallest latency with at least p% of the operations at or below it), in
 * virtual milliseconds rounded to the microsecond. Operations that failed or timed out are left
 * out: a timeout measures the client's patience, not the protocol.
 */
import type { HistoryEvent } from './history/types.js';

export interface LatencyFigures {
  /** Operations of this kind that completed ok. */
  readonly count: number;
  /** null when count is 0. */
  readonly p50: number | null;
  readonly p99: number | null;
}

export interface LatencyStats {
  readonly read: LatencyFigures;
  readonly write: LatencyFigures;
  readonly cas: LatencyFigures;
}

type Kind = keyof LatencyStats;

export function latencyStats(history: readonly HistoryEvent[]): LatencyStats {
  const recorder = new LatencyRecorder();
  for (const event of history) recorder.add(event);
  return recorder.stats();
}

/**
 * The same figures, told one history event at a time as the run records them: a run that checks
 * its history as it goes (and keeps none of it) still reports its latencies.
 *
 * Memory does not grow with the run: each kind keeps a count per latency in whole microseconds
 * (see LatencyCounts), never the samples. The figures are printed to the microsecond, and
 * rounding first picks the same nearest-rank value as rounding the pick (rounding keeps order), so
 * they are exactly those of the whole list of samples.
 */
export class LatencyRecorder {
  private readonly invoked = new Map<number, { readonly f: string; readonly time: number }>();
  private readonly counts: Record<Kind, LatencyCounts>;

  /** `sampleLimit`: latencies kept as a plain list per kind before they are folded into a histogram. */
  constructor(sampleLimit = SAMPLE_LIMIT) {
    this.counts = { read: new LatencyCounts(sampleLimit), write: new LatencyCounts(sampleLimit), cas: new LatencyCounts(sampleLimit) };
  }

  add(event: HistoryEvent): void {
    if (event.type === 'invoke') {
      this.invoked.set(event.process, { f: event.f, time: event.time });
      return;
    }
    const start = this.invoked.get(event.process);
    this.invoked.delete(event.process);
    if (start === undefined || event.type !== 'ok') return;
    if (start.f === 'read' || start.f === 'write' || start.f === 'cas') this.counts[start.f].add(Math.round(event.time - start.time));
  }

  /** Distinct latencies held over the three kinds, plus operations in flight: bounded by the op timeout, not the run's length. */
  get retained(): number {
    return this.counts.read.distinct + this.counts.write.distinct + this.counts.cas.distinct + this.invoked.size;
  }

  stats(): LatencyStats {
    return { read: this.counts.read.figures(), write: this.counts.write.figures(), cas: this.counts.cas.figures() };
  }
}

/** Latencies below this many µs are counted in a typed array; slower ones (rare) in a map. */
const DENSE_LIMIT_US = 1 << 16;

/**
 * Up to this many latencies per kind are kept as a list and sorted once at the end: a typical
 * sweep seed never gets further, and sorting a few thousand numbers costs less than scanning a
 * histogram of 65,536 buckets per percentile.
 */
const SAMPLE_LIMIT = 4096;

/**
 * The latencies of one kind: a plain list while it is short, then a histogram with one bucket per
 * microsecond: a Uint32Array for latencies under 65.536 ms (grown by doubling up to the slowest
 * one seen, at most 256 KiB) and a map for the slower tail, which holds at most one entry per
 * microsecond up to the op timeout. Its size depends on how spread the latencies are, never on how
 * many there were.
 */
class LatencyCounts {
  private samples: number[] | null = [];
  private readonly sampleLimit: number;
  private dense = new Uint32Array(0);
  private readonly tail = new Map<number, number>();
  count = 0;
  /** Held entries: the listed samples, or the buckets in use (dense buckets with a count, plus tail entries). */
  distinct = 0;

  constructor(sampleLimit: number) {
    this.sampleLimit = sampleLimit;
  }

  add(micros: number): void {
    const samples = this.samples;
    if (samples !== null) {
      this.count++;
      this.distinct++;
      samples.push(micros);
      if (samples.length > this.sampleLimit) this.fold(samples);
      return;
    }
    this.count++;
    this.bucket(micros);
  }

  /** The list grew too long: count its latencies in the histogram from now on. */
  private fold(samples: readonly number[]): void {
    this.samples = null;
    this.distinct = 0;
    for (const micros of samples) this.bucket(micros);
  }

  private bucket(micros: number): void {
    if (micros >= 0 && micros < DENSE_LIMIT_US) {
      if (micros >= this.dense.length) this.growTo(micros);
      if (this.dense[micros] === 0) this.distinct++;
      this.dense[micros] = (this.dense[micros] as number) + 1;
      return;
    }
    const before = this.tail.get(micros);
    if (before === undefined) this.distinct++;
    this.tail.set(micros, (before ?? 0) + 1);
  }

  figures(): LatencyFigures {
    if (this.count === 0) return { count: 0, p50: null, p99: null };
    if (this.samples !== null) {
      const sorted = Float64Array.from(this.samples).sort();
      return { count: this.count, p50: percentileMs(sorted, 50), p99: percentileMs(sorted, 99) };
    }
    return { count: this.count, p50: this.rankMs(50), p99: this.rankMs(99) };
  }

  /** Nearest rank: the smallest latency with at least p% of the samples at or below it, in ms. */
  private rankMs(p: number): number {
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    // A latency below zero cannot happen (history times increase); it would sit in the tail.
    const tail = [...this.tail.keys()].sort((a, b) => a - b);
    let t = 0;
    for (; t < tail.length && (tail[t] as number) < 0; t++) {
      seen += this.tail.get(tail[t] as number) as number;
      if (seen >= rank) return (tail[t] as number) / 1000;
    }
    const dense = this.dense;
    for (let us = 0; us < dense.length; us++) {
      seen += dense[us] as number;
      if (seen >= rank) return us / 1000;
    }
    for (; t < tail.length; t++) {
      seen += this.tail.get(tail[t] as number) as number;
      if (seen >= rank) return (tail[t] as number) / 1000;
    }
    return (tail[tail.length - 1] ?? dense.length - 1) / 1000;
  }

  private growTo(micros: number): void {
    let size = Math.max(1024, this.dense.length);
    while (size <= micros) size *= 2;
    const grown = new Uint32Array(Math.min(size, DENSE_LIMIT_US));
    grown.set(this.dense);
    this.dense = grown;
  }
}

/** Nearest rank over sorted `micros`, in ms with three decimals. */
export function percentileMs(micros: ArrayLike<number>, p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * micros.length));
  const us = micros[rank - 1] as number;
  return Math.round(us) / 1000;
}

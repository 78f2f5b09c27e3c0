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
 * Memory does not grow with the run: each kind keeps a count per distinct latency in whole
 * microseconds (the figures are printed to the microsecond, and rounding first picks the same
 * nearest-rank value as rounding the pick, since rounding keeps order), so it holds at most as many
 * entries as there are microseconds between the fastest and the slowest operation — a bound set by
 * the workload's timeout, not by the duration. Exact, so the figures are those of the whole list.
 */
export class LatencyRecorder {
  private readonly invoked = new Map<number, { readonly f: string; readonly time: number }>();
  private readonly counts: Record<Kind, Map<number, number>> = { read: new Map(), write: new Map(), cas: new Map() };
  private readonly totals: Record<Kind, number> = { read: 0, write: 0, cas: 0 };

  add(event: HistoryEvent): void {
    if (event.type === 'invoke') {
      this.invoked.set(event.process, { f: event.f, time: event.time });
      return;
    }
    const start = this.invoked.get(event.process);
    this.invoked.delete(event.process);
    if (start === undefined || event.type !== 'ok') return;
    if (start.f === 'read' || start.f === 'write' || start.f === 'cas') {
      const micros = Math.round(event.time - start.time);
      const counts = this.counts[start.f];
      counts.set(micros, (counts.get(micros) ?? 0) + 1);
      this.totals[start.f]++;
    }
  }

  /** Entries held (distinct latencies over the three kinds, plus operations in flight): bounded by the op timeout, not the run's length. */
  get retained(): number {
    return this.counts.read.size + this.counts.write.size + this.counts.cas.size + this.invoked.size;
  }

  stats(): LatencyStats {
    return { read: this.figuresOf('read'), write: this.figuresOf('write'), cas: this.figuresOf('cas') };
  }

  private figuresOf(kind: Kind): LatencyFigures {
    const count = this.totals[kind];
    if (count === 0) return { count: 0, p50: null, p99: null };
    const counts = this.counts[kind];
    const values = [...counts.keys()].sort((a, b) => a - b);
    return { count, p50: rankMs(values, counts, count, 50), p99: rankMs(values, counts, count, 99) };
  }
}

/** Nearest rank over latencies given as sorted distinct `values` with their `counts`, in ms with three decimals. */
function rankMs(values: readonly number[], counts: ReadonlyMap<number, number>, total: number, p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const us of values) {
    seen += counts.get(us) as number;
    if (seen >= rank) return us / 1000;
  }
  return (values[values.length - 1] as number) / 1000;
}

/** Nearest rank over sorted `micros`, in ms with three decimals. */
export function percentileMs(micros: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * micros.length));
  const us = micros[rank - 1] as number;
  return Math.round(us) / 1000;
}

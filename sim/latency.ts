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
 */
export class LatencyRecorder {
  private readonly invoked = new Map<number, { readonly f: string; readonly time: number }>();
  private readonly samples: Record<Kind, number[]> = { read: [], write: [], cas: [] };

  add(event: HistoryEvent): void {
    if (event.type === 'invoke') {
      this.invoked.set(event.process, { f: event.f, time: event.time });
      return;
    }
    const start = this.invoked.get(event.process);
    this.invoked.delete(event.process);
    if (start === undefined || event.type !== 'ok') return;
    if (start.f === 'read' || start.f === 'write' || start.f === 'cas') this.samples[start.f].push(event.time - start.time);
  }

  stats(): LatencyStats {
    return { read: figures(this.samples.read), write: figures(this.samples.write), cas: figures(this.samples.cas) };
  }
}

function figures(micros: number[]): LatencyFigures {
  if (micros.length === 0) return { count: 0, p50: null, p99: null };
  micros.sort((a, b) => a - b);
  return { count: micros.length, p50: percentileMs(micros, 50), p99: percentileMs(micros, 99) };
}

/** Nearest rank over sorted `micros`, in ms with three decimals. */
export function percentileMs(micros: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * micros.length));
  const us = micros[rank - 1] as number;
  return Math.round(us) / 1000;
}

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
  const invoked = new Map<number, { readonly f: string; readonly time: number }>();
  const samples: Record<Kind, number[]> = { read: [], write: [], cas: [] };
  for (const event of history) {
    if (event.type === 'invoke') {
      invoked.set(event.process, { f: event.f, time: event.time });
      continue;
    }
    const start = invoked.get(event.process);
    invoked.delete(event.process);
    if (start === undefined || event.type !== 'ok') continue;
    if (start.f === 'read' || start.f === 'write' || start.f === 'cas') samples[start.f].push(event.time - start.time);
  }
  return { read: figures(samples.read), write: figures(samples.write), cas: figures(samples.cas) };
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

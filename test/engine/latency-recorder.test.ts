/**
 * The latency recorder keeps a short list of latencies, then counts them per microsecond instead
 * of keeping every sample (a long run's memory must not grow with its operations); its figures must be exactly those of the whole
 * sorted list of samples, fractional history times (ties within a microsecond) included.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../sim/history/types.js';
import { LatencyRecorder, percentileMs, type LatencyFigures } from '../../sim/latency.js';

/** The figures as they were computed before: every sample kept, sorted, nearest rank. */
function fromSamples(samples: number[]): LatencyFigures {
  if (samples.length === 0) return { count: 0, p50: null, p99: null };
  const sorted = [...samples].sort((a, b) => a - b);
  return { count: sorted.length, p50: percentileMs(sorted, 50), p99: percentileMs(sorted, 99) };
}

const kinds = ['read', 'write', 'cas'] as const;

describe('latency recorder', () => {
  it('gives the figures of the whole sorted sample list, for short and very slow operations alike', () => {
    const op = fc.record({
      kind: fc.constantFrom(...kinds),
      // Mostly fast, some past the dense range (65.536 ms), some with a tie fraction.
      latency: fc.oneof(fc.integer({ min: 0, max: 70_000 }), fc.integer({ min: 60_000, max: 2_000_000 })),
      fraction: fc.constantFrom(0, 0.001, 0.002, 0.999),
      ok: fc.boolean(),
    });
    fc.assert(
      // Sample limits: 0 (histogram from the first latency), 8 (folded part way), 4096 (a list).
      fc.property(fc.array(op, { maxLength: 300 }), fc.constantFrom(0, 8, 4096), (ops, limit) => {
        const recorder = new LatencyRecorder(limit);
        const samples: Record<(typeof kinds)[number], number[]> = { read: [], write: [], cas: [] };
        let time = 0;
        ops.forEach((o, process) => {
          const invoke: HistoryEvent = { process, type: 'invoke', f: o.kind, key: 'k1', value: null, time };
          const done = time + o.latency + o.fraction;
          recorder.add(invoke);
          recorder.add({ process, type: o.ok ? 'ok' : 'info', f: o.kind, key: 'k1', value: null, time: done });
          if (o.ok) samples[o.kind].push(done - time);
          time = done + 1;
        });
        const stats = recorder.stats();
        for (const kind of kinds) expect(stats[kind]).toEqual(fromSamples(samples[kind]));
      }),
      { numRuns: 300, seed: 11 },
    );
  });

  it('holds one entry per distinct microsecond, not one per operation', () => {
    const recorder = new LatencyRecorder();
    for (let process = 0; process < 50_000; process++) {
      const time = process * 100_000;
      recorder.add({ process, type: 'invoke', f: 'write', key: 'k1', value: 1, time });
      recorder.add({ process, type: 'ok', f: 'write', key: 'k1', value: 1, time: time + 1_000 + (process % 500) });
    }
    expect(recorder.stats().write.count).toBe(50_000);
    expect(recorder.retained).toBe(500);
  });
});

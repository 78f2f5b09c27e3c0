/**
 * `run --trace F` streams the trace to the file batch by batch instead of keeping every event in
 * memory: the streamed text must be byte for byte the text of the collected events, and its
 * SHA-256 the run's traceHash.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { traceToJsonLines } from '../../sim/run.js';
import { loadScenario, runScenario } from '../fixtures/bundled.js';

describe('streaming the trace (--trace)', () => {
  const scenario = loadScenario('scenarios/raft-nemesis.yaml');

  it('writes the same bytes as the collected trace, in batches, and they hash to the traceHash', () => {
    const collected = runScenario(scenario, { seed: 3, collectTrace: true });
    const chunks: string[] = [];
    const streamed = runScenario(scenario, { seed: 3, traceWriter: (text) => chunks.push(text) });
    const text = chunks.join('');
    expect(chunks.length).toBeGreaterThan(10);
    expect(chunks.every((c) => c.endsWith('\n'))).toBe(true);
    expect(text).toBe(traceToJsonLines(collected.trace ?? []));
    expect(streamed.result.traceHash).toBe(collected.result.traceHash);
    expect(createHash('sha256').update(text).digest('hex')).toBe(streamed.result.traceHash);
    // Nothing is kept in memory, yet the event count is known.
    expect(streamed.trace).toBeNull();
    expect(streamed.traceEvents).toBe(collected.trace?.length);
  });

  it('streams the whole trace with hashing off too, and collects only the kinds asked for', () => {
    const chunks: string[] = [];
    const outcome = runScenario(scenario, { seed: 3, hashTrace: false, traceWriter: (text) => chunks.push(text), collectTrace: true, collectTraceKinds: ['role', 'fault'] });
    expect(outcome.result.traceHash).toBe('');
    const lines = chunks.join('').trimEnd().split('\n');
    expect(lines.length).toBe(outcome.traceEvents);
    const kinds = new Set((outcome.trace ?? []).map((e) => e.kind));
    expect([...kinds].sort()).toEqual(['fault', 'role']);
    expect(outcome.trace?.length).toBe(lines.filter((l) => /"kind":"(role|fault)"/.test(l)).length);
  });
});

/** Shared helpers for the PBFT tests: load a bundled scenario, run it, read the trace. */
import { loadScenario, runScenario } from '../fixtures/bundled.js';
import type { Scenario } from '../../sim/scenario/types.js';

export type TraceEvent = Record<string, unknown> & { readonly t: number; readonly kind: string };

export function scenario(name: string, change: Partial<Record<keyof Scenario, unknown>> = {}): Scenario {
  return { ...loadScenario(`scenarios/${name}.yaml`), ...change } as Scenario;
}

export function run(s: Scenario, seed: number, bugs: string[] = []) {
  const { result, trace } = runScenario(s, { seed, extraBugs: bugs, collectTrace: true });
  return { result, trace: (trace ?? []) as unknown as TraceEvent[] };
}

/** The first seed in [from, to] whose run fails, or null. */
export function firstFailingSeed(s: Scenario, from: number, to: number, bugs: string[] = []): number | null {
  for (let seed = from; seed <= to; seed++) {
    const { result } = runScenario(s, { seed, extraBugs: bugs, hashTrace: false });
    if (!result.ok) return seed;
  }
  return null;
}

export function sends(trace: readonly TraceEvent[], type: string): (TraceEvent & { from: string; to: string; msg: Record<string, unknown> })[] {
  return trace.filter((e) => e.kind === 'send' && (e['msg'] as { type?: unknown } | undefined)?.type === type) as never;
}

export function notes(trace: readonly TraceEvent[], node?: string): string[] {
  return trace.filter((e) => e.kind === 'note' && (node === undefined || e['node'] === node)).map((e) => String(e['text']));
}

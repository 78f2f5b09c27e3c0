/** Shared helpers for the PBFT tests: load a bundled scenario, run it, read the trace. */
import { loadScenario, runScenario } from '../fixtures/bundled.js';
import { eventsOf, type TraceEvent, type TraceEventOf } from '../../sim/run.js';
import type { Scenario } from '../../sim/scenario/types.js';

export type { TraceEvent } from '../../sim/run.js';

/** A `send` event whose message is a PBFT message (fields read by name in the tests). */
export type SendOf = TraceEventOf<'send'> & { readonly msg: Readonly<Record<string, unknown>> };

export function scenario(name: string, change: Partial<Record<keyof Scenario, unknown>> = {}): Scenario {
  return { ...loadScenario(`scenarios/${name}.yaml`), ...change } as Scenario;
}

export function run(s: Scenario, seed: number, bugs: string[] = []) {
  const { result, trace } = runScenario(s, { seed, extraBugs: bugs, collectTrace: true });
  return { result, trace: trace ?? [] };
}

/** The first seed in [from, to] whose run fails, or null. */
export function firstFailingSeed(s: Scenario, from: number, to: number, bugs: string[] = []): number | null {
  for (let seed = from; seed <= to; seed++) {
    const { result } = runScenario(s, { seed, extraBugs: bugs, hashTrace: false });
    if (!result.ok) return seed;
  }
  return null;
}

export function sends(trace: readonly TraceEvent[], type: string): SendOf[] {
  return eventsOf(trace, 'send').filter((e): e is SendOf => typeof e.msg === 'object' && e.msg !== null && (e.msg as { type?: unknown }).type === type);
}

export function notes(trace: readonly TraceEvent[], node?: string): string[] {
  return eventsOf(trace, 'note').filter((e) => node === undefined || e.node === node).map((e) => e.text);
}

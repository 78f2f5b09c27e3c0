/** Shared helpers for the Zab tests: load a bundled scenario, run a seed, read the trace. */
import { fileURLToPath } from 'node:url';
import { loadScenario, runScenario, type RunOutcome } from '../fixtures/bundled.js';
import { eventsOf, type TraceEvent } from '../../sim/run.js';
import type { Scenario } from '../../sim/scenario/types.js';

const SCENARIOS = fileURLToPath(new URL('../../scenarios/', import.meta.url));

export function scenario(name: string): Scenario {
  return loadScenario(`${SCENARIOS}${name}.yaml`);
}

export function run(s: Scenario, seed: number, bugs: readonly string[] = [], collectTrace = false): RunOutcome {
  return runScenario(s, { seed, extraBugs: bugs, collectTrace, hashTrace: collectTrace });
}

/** The first seed in [from, to] whose run fails, or null. */
export function firstFailingSeed(s: Scenario, from: number, to: number, bugs: readonly string[] = []): number | null {
  for (let seed = from; seed <= to; seed++) if (!run(s, seed, bugs).result.ok) return seed;
  return null;
}

/** The texts of `note` events, optionally only one node's. */
export function notes(trace: readonly TraceEvent[] | null, node?: string): string[] {
  return eventsOf(trace ?? [], 'note').filter((e) => node === undefined || e.node === node).map((e) => e.text);
}

/** Index of the first note (at or after `from`) that matches. */
export function noteIndex(list: readonly string[], pattern: RegExp, from = 0): number {
  for (let i = from; i < list.length; i++) if (pattern.test(list[i] as string)) return i;
  return -1;
}

export function withOptions(s: Scenario, options: Readonly<Record<string, number | boolean | string>>): Scenario {
  return { ...s, protocolOptions: { ...s.protocolOptions, ...options } };
}

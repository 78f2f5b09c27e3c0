/** Running the bundled VR scenarios from tests. */
import { loadScenario, runScenario, type RunOutcome } from '../fixtures/bundled.js';
import { eventsOf, type TraceEvent, type TraceEventOf } from '../../sim/index.js';
import type { Scenario } from '../../sim/scenario/types.js';

const cache = new Map<string, Scenario>();

export function scenario(name: string): Scenario {
  let loaded = cache.get(name);
  if (loaded === undefined) {
    loaded = loadScenario(new URL(`../../scenarios/${name}.yaml`, import.meta.url).pathname);
    cache.set(name, loaded);
  }
  return loaded;
}

export function run(name: string, seed: number, options: { bugs?: readonly string[]; trace?: boolean } = {}): RunOutcome {
  return runScenario(scenario(name), {
    seed,
    extraBugs: options.bugs ?? [],
    collectTrace: options.trace === true,
    hashTrace: options.trace === true,
  });
}

export type Event = TraceEvent;

export function events(outcome: RunOutcome): Event[] {
  if (outcome.trace === null) throw new Error('run without trace');
  return outcome.trace as Event[];
}

export function roles(outcome: RunOutcome, node?: string): TraceEventOf<'role'>[] {
  return eventsOf(events(outcome), 'role').filter((e) => node === undefined || e.node === node);
}

export function notes(outcome: RunOutcome, pattern: RegExp): TraceEventOf<'note'>[] {
  return eventsOf(events(outcome), 'note').filter((e) => pattern.test(e.text));
}

/** The first seed in [from, to] whose run fails, or null. */
export function firstFailingSeed(name: string, from: number, to: number, bugs: readonly string[]): number | null {
  for (let seed = from; seed <= to; seed++) {
    if (!run(name, seed, { bugs }).result.ok) return seed;
  }
  return null;
}

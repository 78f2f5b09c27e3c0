/**
 * Turning a failing explore run into a file anyone can run: every fault scripted, the
 * event-triggered ones that fired converted to timed faults on explicit nodes (one microsecond
 * after the moment: a timed fault runs before the events already queued at its instant, a
 * triggered one after the step that caused it), nemesis off, bugs written in. The file is loaded
 * back and run. A microsecond can matter (a message arriving in it), so when the timed form does
 * not fail the same way, each firing is written as its own `when:` rule pinned to that node's nth
 * moment of that kind (chance 1, once, explicit nodes) — exact, and still every fault spelled out;
 * failing that, the original rules are kept.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnyProtocol } from '../protocol-modules.js';
import { runScenario } from '../run.js';
import { parseScenario } from '../scenario/load.js';
import type { Scenario, ScriptedFault, TriggeredFault } from '../scenario/types.js';
import { scenarioToYaml } from '../scenario/write.js';
import { failureKind, type FailureKind } from './outcome.js';
import { sortFaults } from './swarm.js';

export interface WrittenFailure {
  readonly file: string;
  readonly scenario: Scenario;
  /** True when the event-triggered faults that fired are timed faults in the file. */
  readonly converted: boolean;
  /** Whether running the written file failed the same way (it should; false is reported). */
  readonly reproduces: boolean;
}

/** `scenario` with what its triggers did (`fired`) as timed faults, and no triggers. */
export function withFiredAsTimed(scenario: Scenario, fired: readonly ScriptedFault[]): Scenario {
  const shifted = fired.map((f) => ({ ...f, atUs: f.atUs + 1 })).filter((f) => f.atUs < scenario.durationUs);
  const { triggers: _rules, ...rest } = scenario;
  return { ...rest, faults: sortFaults([...scenario.faults, ...shifted]), nemesis: null };
}

/** `scenario` with one pinned rule per firing instead of its own rules. */
export function withPinnedRules(scenario: Scenario, pinned: readonly TriggeredFault[]): Scenario {
  const { triggers: _rules, ...rest } = scenario;
  const faults = sortFaults(scenario.faults);
  const rules = pinned.map((rule, i) => ({ ...rule, index: faults.length + i, line: 0 }));
  return { ...rest, faults, nemesis: null, ...(rules.length === 0 ? {} : { triggers: rules }) };
}

export function runKind(scenario: Scenario, protocols: readonly AnyProtocol[]): { kind: FailureKind | null; fired: readonly ScriptedFault[]; pinned: readonly TriggeredFault[] } {
  const outcome = runScenario(scenario, { hashTrace: false, protocols });
  return { kind: failureKind(outcome.result), fired: outcome.fired ?? [], pinned: outcome.firedRules ?? [] };
}

/** Write the failing `scenario` (named `name`) under `dir` as an explicit scenario file. */
export function writeFailure(scenario: Scenario, kind: FailureKind, dir: string, name: string, description: string, protocols: readonly AnyProtocol[]): WrittenFailure {
  const protocol = protocols.find((p) => p.name === scenario.protocol);
  if (protocol === undefined) throw new Error(`unknown protocol ${scenario.protocol}`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.yaml`);
  const base: Scenario = { ...scenario, name, description, nemesis: null };
  const { fired, pinned } = runKind(base, protocols);
  const candidates: { scenario: Scenario; converted: boolean }[] = [];
  if ((base.triggers ?? []).length > 0) {
    candidates.push({ scenario: withFiredAsTimed(base, fired), converted: true });
    candidates.push({ scenario: withPinnedRules(base, pinned), converted: false });
  }
  candidates.push({ scenario: base, converted: false });
  let last: WrittenFailure | null = null;
  for (const candidate of candidates) {
    const text = scenarioToYaml(candidate.scenario, protocol);
    const loaded = parseScenario(text, file, protocols);
    const reproduces = runKind(loaded, protocols).kind === kind;
    last = { file, scenario: loaded, converted: candidate.converted, reproduces };
    if (reproduces) {
      writeFileSync(file, text);
      return last;
    }
  }
  if (last === null) throw new Error('no candidate file');
  writeFileSync(file, scenarioToYaml(last.scenario, protocol));
  return last;
}

/**
 * Command-line overrides of a loaded scenario: `--seed N`, `--bug NAME` (adds to `bugs`), and
 * `--protocol P` (runs the same world with another protocol).
 *
 * A scenario is protocol-agnostic when it sets no protocol-specific option (every option at its
 * default), names no bug variant and no byzantine behaviour; only such a scenario may switch
 * protocol, because a Raft election timeout means nothing to PBFT. Problems are InputErrors
 * naming the command-line option (exit status 2).
 */
import type { ProtocolDefinition } from '../../protocols/api.js';
import { inputError } from '../errors.js';
import { scenarioProblem } from './load.js';
import { defaultProtocolOptions } from './options.js';
import { bugProblem, seedField } from './schema.js';
import type { Scenario } from './types.js';

export interface ScenarioOverrides {
  readonly protocol?: string;
  readonly seed?: number;
  /** Added to the scenario's own `bugs` (duplicates ignored). */
  readonly bugs?: readonly string[];
}

export function withOverrides(
  scenario: Scenario,
  overrides: ScenarioOverrides,
  protocols: readonly ProtocolDefinition<any, any>[],
): Scenario {
  let out = scenario;
  if (overrides.protocol !== undefined && overrides.protocol !== scenario.protocol) {
    out = switchProtocol(out, overrides.protocol, protocols);
  }
  if (overrides.seed !== undefined) out = { ...out, seed: checkedSeed(overrides.seed) };
  if (overrides.bugs !== undefined && overrides.bugs.length > 0) out = addBugs(out, overrides.bugs, protocols);
  // The protocol's own rules (ProtocolDefinition.checkScenario) again, for the new protocol or bugs.
  const protocol = out === scenario ? undefined : protocols.find((p) => p.name === out.protocol);
  const problem = protocol === undefined ? null : scenarioProblem(out, protocol);
  if (problem !== null) throw inputError(out.file, 0, 0, problem.field, problem.message);
  return out;
}

/**
 * A seed given outside the file (`--seed`, the package API's `seed` option), held to the same rule
 * as the file's `seed` field (the schema's own piece): a non-negative safe integer.
 */
export function checkedSeed(seed: number, field = '--seed'): number {
  const result = seedField.safeParse(seed);
  if (!result.success) throw inputError('', 0, 0, field, `${result.error.issues[0]?.message ?? 'expected a non-negative integer'}, found ${seed}`);
  return result.data;
}

function findOrFail(name: string, protocols: readonly ProtocolDefinition<any, any>[]): ProtocolDefinition<any, any> {
  const protocol = protocols.find((p) => p.name === name);
  if (protocol === undefined) {
    throw inputError('', 0, 0, '--protocol', `unknown protocol "${name}"; expected one of ${protocols.map((p) => p.name).join(', ') || '(none registered)'}`);
  }
  return protocol;
}

function switchProtocol(scenario: Scenario, name: string, protocols: readonly ProtocolDefinition<any, any>[]): Scenario {
  const to = findOrFail(name, protocols);
  const from = protocols.find((p) => p.name === scenario.protocol);
  const specific = protocolSpecificParts(scenario, from);
  if (specific.length > 0) {
    throw inputError('', 0, 0, '--protocol', `${scenario.name} cannot switch from ${scenario.protocol} to ${name} because it uses ${scenario.protocol}-specific ${specific.join(' and ')}`);
  }
  const problem = to.checkClusterSize?.(scenario.nodes) ?? null;
  if (problem !== null) throw inputError('', 0, 0, '--protocol', `${name} cannot run ${scenario.name} with ${scenario.nodes} nodes: ${problem}`);
  return { ...scenario, protocol: to.name, protocolOptions: defaultProtocolOptions(to) };
}

/** What ties a scenario to its protocol, in words (empty when nothing does). */
export function protocolSpecificParts(scenario: Scenario, protocol: ProtocolDefinition<any, any> | undefined): string[] {
  const parts: string[] = [];
  const defaults = protocol === undefined ? {} : defaultProtocolOptions(protocol);
  const changed = Object.keys(scenario.protocolOptions).filter((k) => scenario.protocolOptions[k] !== defaults[k]);
  if (changed.length > 0) parts.push(`options (${changed.join(', ')})`);
  if (scenario.bugs.length > 0) parts.push(`bugs (${scenario.bugs.join(', ')})`);
  if (Object.keys(scenario.byzantine).length > 0) parts.push('byzantine behaviours');
  return parts;
}

function addBugs(scenario: Scenario, bugs: readonly string[], protocols: readonly ProtocolDefinition<any, any>[]): Scenario {
  const protocol = findOrFail(scenario.protocol, protocols);
  const all = [...scenario.bugs];
  for (const bug of bugs) {
    const problem = bugProblem(bug, protocol);
    if (problem !== null) throw inputError('', 0, 0, '--bug', problem);
    if (!all.includes(bug)) all.push(bug);
  }
  return { ...scenario, bugs: all };
}

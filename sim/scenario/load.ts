/**
 * Loading a scenario file (Contract 1 in DESIGN.md) into a normalized `Scenario`.
 *
 * Strict on purpose: a typo in a fault schedule silently ignored would make a passing sweep
 * meaningless. Unknown keys, wrong types, bad durations, unknown protocols, bugs, selectors or
 * nodes are each one InputError with file, line, column, field path, expected and found, which
 * the CLI prints as one sentence with exit status 2. Every omitted section gets the default from
 * `defaults.ts` (listed in docs/scenarios.md).
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import type { NodeId, ProtocolDefinition, ProtocolOptions, ScenarioProblem } from '../../protocols/api.js';
import { InputError, inputError } from '../errors.js';
import { isModuleRef, modulePath, protocolModuleOf } from '../protocol-modules.js';
import { locateIssues } from './issues.js';
import { describe, parseTree, toPlain, type Located, type LNode, type Pos } from './located.js';
import { defaultProtocolOptions } from './options.js';
import { protocolField, schemaForFile, type ScenarioFile } from './schema.js';
import type { Scenario, ScriptedFault, TriggeredFault } from './types.js';
import { isRecord } from './values.js';

export { bugProblem } from './schema.js';

/** A scenario is a page of YAML; anything this large is the wrong file. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

/**
 * Read and validate the scenario file at `path` against the caller's `protocols` (a scenario whose
 * `protocol` is a module path needs that module among them: see loadScenarioFile in sim/prepare.ts).
 */
export function loadScenario(path: string, protocols: readonly ProtocolDefinition<any, any>[]): Scenario {
  return parseScenario(readScenarioText(path), path, protocols);
}

function readScenarioText(path: string): string {
  let bytes: Buffer;
  try {
    if (statSync(path).size > MAX_FILE_BYTES) return tooLarge(path);
    bytes = readFileSync(path);
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = (error as { code?: string }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a scenario file' : `cannot be read (${code ?? 'unknown error'})`;
    throw inputError(path, 0, 0, '', why);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw inputError(path, 0, 0, '', 'binary data, not a scenario (the file is not UTF-8 text)');
  }
}

function tooLarge(path: string): never {
  throw inputError(path, 0, 0, '', `too large for a scenario file (more than ${MAX_FILE_BYTES / 1024 / 1024} MB)`);
}

/** Validate scenario `text` (YAML or JSON); `file` names it in errors and gives the default name. */
export function parseScenario(text: string, file: string, protocols: readonly ProtocolDefinition<any, any>[]): Scenario {
  const { tree, where } = parseTree(text, file);
  const plain = toPlain(tree);
  if (!isRecord(plain)) throw where.error(tree.pos, '', `expected a mapping of scenario fields (name, protocol, nodes, ...), found ${describe(tree)}`);
  // First the fields the rest is checked against: the protocol (its options, bugs, behaviours),
  // the cluster size (selectors) and the duration (fault times).
  const named = protocolField(protocols).safeParse(plain.protocol);
  if (!named.success) throw locateIssues(named.error.issues, tree, where, ['protocol']);
  const protocol = findProtocol(where, tree, named.data, protocols);
  defaultProtocolOptions(protocol); // a bad option table is the protocol's bug, not the file's
  const parsed = schemaForFile(protocols, protocol, plain).safeParse(plain);
  if (!parsed.success) throw locateIssues(parsed.error.issues, tree, where);
  const scenario = assemble(parsed.data, file, tree, protocol.name);
  const problem = scenarioProblem(scenario, protocol);
  if (problem !== null) throw where.error(locate(tree, problem.field), problem.field, problem.message);
  return scenario;
}

/** The trusted scenario: the schema's output, with the file's path and each fault's line. */
function assemble(v: ScenarioFile, file: string, tree: LNode, protocol: string): Scenario {
  const faultNodes = tree.t === 'map' ? tree.entries.find((e) => e.key === 'faults')?.value : undefined;
  const lineOf = (i: number): number => (faultNodes?.t === 'seq' ? (faultNodes.items[i]?.pos.line ?? 0) : 0);
  const timed: ScriptedFault[] = [];
  const triggered: TriggeredFault[] = [];
  v.faults.forEach((entry, i) => {
    if ('timed' in entry) timed.push({ ...entry.timed, line: lineOf(i) });
    else triggered.push({ ...entry.triggered, index: i, line: lineOf(i) });
  });
  return {
    name: v.name ?? defaultName(file),
    description: v.description ?? '',
    file,
    protocol,
    nodes: v.nodes,
    seed: v.seed,
    durationUs: v.duration,
    settleUs: v.settle,
    protocolOptions: v.protocolOptions as ProtocolOptions,
    network: v.network,
    clock: v.clock,
    workload: v.workload,
    faults: timed,
    nemesis: v.nemesis,
    byzantine: v.byzantine as Record<NodeId, string>,
    checks: v.checks,
    bugs: v.bugs,
    ...(v.expect === undefined ? {} : { expect: v.expect }),
    ...(triggered.length === 0 ? {} : { triggers: triggered }),
  };
}

/** The protocol's own rules across fields (`ProtocolDefinition.checkScenario`), or null. */
export function scenarioProblem(scenario: Scenario, protocol: ProtocolDefinition<any, any>): ScenarioProblem | null {
  if (protocol.checkScenario === undefined) return null;
  return protocol.checkScenario({
    nodes: scenario.nodes,
    options: scenario.protocolOptions,
    bugs: new Set(scenario.bugs),
    mix: scenario.workload.mix,
  });
}

/** Where the dotted `field` stands in the file: its value, or the nearest enclosing one that is there. */
function locate(tree: LNode, field: string): Pos {
  let node = tree;
  for (const part of field.split('.')) {
    if (node.t !== 'map') break;
    const entry = node.entries.find((e) => e.key === part);
    if (entry === undefined) break;
    node = entry.value;
  }
  return node.pos;
}

/** The definition `name` (a protocol name, or a module path relative to the file) stands for. */
function findProtocol(where: Located, tree: LNode, name: string, protocols: readonly ProtocolDefinition<any, any>[]): ProtocolDefinition<any, any> {
  const pos = tree.t === 'map' ? (tree.entries.find((e) => e.key === 'protocol')?.value.pos ?? tree.pos) : tree.pos;
  if (!isModuleRef(name)) return protocols.find((p) => p.name === name) as ProtocolDefinition<any, any>;
  // `protocol: ./my-protocol.ts`, relative to the scenario file, already loaded by the caller.
  const path = modulePath(name, where.file === '' ? undefined : dirname(resolve(where.file)));
  const protocol = protocols.find((p) => protocolModuleOf(p) === path);
  if (protocol === undefined) throw where.error(pos, 'protocol', `protocol module ${name} (${path}) was not loaded for this scenario`);
  return protocol;
}

function defaultName(file: string): string {
  return file ? basename(file, extname(file)) : 'scenario';
}

export type { ProtocolOptions };

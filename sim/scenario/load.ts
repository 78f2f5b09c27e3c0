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
import * as D from './defaults.js';
import { Fields } from './fields.js';
import { parseTree, quoted, type LNode, type MapEntry, type Pos } from './located.js';
import { readFault } from './faults.js';
import { isTriggerEntry, readTrigger } from './triggers.js';
import { readProtocolOptions } from './options.js';
import { closest, didYouMean } from './suggest.js';
import type {
  ChecksSpec,
  ClockSpec,
  LatencySpec,
  NemesisKind,
  NemesisSpec,
  NetworkSpec,
  Scenario,
  ScriptedFault,
  TriggeredFault,
  WorkloadSpec,
} from './types.js';

const TOP_KEYS = [
  'name', 'description', 'protocol', 'nodes', 'seed', 'duration', 'settle', 'protocolOptions', 'network',
  'clock', 'workload', 'faults', 'nemesis', 'byzantine', 'checks', 'bugs', 'expect',
] as const;
const NEMESIS_KINDS: readonly NemesisKind[] = ['partition', 'crash', 'pause', 'clock', 'cut', 'amnesia'];
const CHECK_NAMES = ['linearizability', 'invariants', 'liveness'] as const;
/** The same range `--seed` accepts. */
const MAX_SEED = Number.MAX_SAFE_INTEGER;
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
  const f = new Fields(where);
  if (tree.t !== 'map') f.fail(tree, '', 'a mapping of scenario fields (name, protocol, nodes, ...)');
  const top = f.map(tree, '', TOP_KEYS);
  const protocol = readProtocol(f, tree, top.get('protocol'), protocols);
  const nodes = readNodes(f, top.get('nodes'), protocol);
  const durationUs = opt(top, 'duration', D.DEFAULT_DURATION_US, (n) => f.duration(n, 'duration', { min: 1 }));
  const expect = opt<'pass' | 'fail' | undefined>(top, 'expect', undefined, (n) => f.choice(n, 'expect', ['pass', 'fail'] as const));
  const workload = opt(top, 'workload', D.DEFAULT_WORKLOAD, (n) => readWorkload(f, n));
  const checks = opt(top, 'checks', D.DEFAULT_CHECKS, (n) => readChecks(f, n));
  const settleUs = opt(top, 'settle', D.DEFAULT_SETTLE_US, (n) => f.duration(n, 'settle'));
  refuseSettleWithoutTime(f, top, settleUs, workload, checks);
  const faults = opt<FaultList>(top, 'faults', { timed: [], triggered: [] }, (n) => readFaults(f, n, nodes, durationUs));
  const scenario: Scenario = {
    name: opt(top, 'name', defaultName(file), (n) => readName(f, n)),
    description: opt(top, 'description', '', (n) => f.string(n, 'description').trim()),
    file,
    protocol: protocol.name,
    nodes,
    seed: opt(top, 'seed', D.DEFAULT_SEED, (n) => f.integer(n, 'seed', 0, MAX_SEED)),
    durationUs,
    settleUs,
    protocolOptions: readProtocolOptions(f, top.get('protocolOptions'), protocol),
    network: opt(top, 'network', D.DEFAULT_NETWORK, (n) => readNetwork(f, n)),
    clock: opt(top, 'clock', D.DEFAULT_CLOCK, (n) => readClock(f, n)),
    workload,
    faults: faults.timed,
    nemesis: opt(top, 'nemesis', null, (n) => readNemesis(f, n)),
    byzantine: opt(top, 'byzantine', {}, (n) => readByzantine(f, n, nodes, protocol)),
    checks,
    bugs: opt(top, 'bugs', [], (n) => readBugs(f, n, protocol)),
    ...(expect === undefined ? {} : { expect }),
    ...(faults.triggered.length === 0 ? {} : { triggers: faults.triggered }),
  };
  const problem = scenarioProblem(scenario, protocol);
  if (problem !== null) throw f.where.error(locate(tree, problem.field), problem.field, problem.message);
  return scenario;
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

/** The value of `key` read by `read`, or `fallback` when the key is absent. */
function opt<T>(top: Map<string, MapEntry>, key: string, fallback: T, read: (node: LNode) => T): T {
  const entry = top.get(key);
  return entry === undefined ? fallback : read(entry.value);
}

/**
 * Liveness asks every client's last operation and probe read to complete after the faults stop;
 * with `settle: 0` the run ends at that very instant, so the check could only ever fail. Refuse it
 * (with clients and liveness on) rather than report a failure that says nothing about the protocol.
 */
function refuseSettleWithoutTime(f: Fields, top: Map<string, MapEntry>, settleUs: number, workload: WorkloadSpec, checks: ChecksSpec): void {
  if (settleUs > 0 || workload.clients === 0 || !checks.liveness) return;
  const entry = top.get('settle');
  const pos = entry?.value.pos ?? { line: 0, column: 0 };
  throw f.where.error(
    pos,
    'settle',
    'expected a duration above 0 when clients run and liveness is checked: liveness needs time after the faults stop for every client to finish its operation and probe read, and settle: 0 ends the run at that instant (give settle a time such as 5s, or leave liveness out of checks)',
  );
}

function defaultName(file: string): string {
  return file ? basename(file, extname(file)) : 'scenario';
}

function readName(f: Fields, node: LNode): string {
  const name = f.string(node, 'name');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/.test(name)) f.fail(node, 'name', 'a name of letters, digits, ".", "_" or "-" (at most 80)');
  return name;
}

function readProtocol(f: Fields, root: LNode, entry: MapEntry | undefined, protocols: readonly ProtocolDefinition<any, any>[]): ProtocolDefinition<any, any> {
  const known = protocols.map((p) => p.name).join(', ') || '(none registered)';
  if (entry === undefined) throw f.where.error(root.pos, 'protocol', `missing; expected one of ${known}`);
  const name = f.string(entry.value, 'protocol');
  if (isModuleRef(name)) return moduleProtocol(f, entry.value, name, protocols);
  const protocol = protocols.find((p) => p.name === name);
  if (protocol === undefined) {
    throw f.where.error(
      entry.value.pos,
      'protocol',
      `unknown protocol ${quoted(name)}; expected one of ${known}, or a module path such as ./my-protocol.ts${didYouMean(name, protocols.map((p) => p.name))}`,
    );
  }
  return protocol;
}

/** `protocol: ./my-protocol.ts`, relative to the scenario file, already loaded by the caller. */
function moduleProtocol(f: Fields, node: LNode, ref: string, protocols: readonly ProtocolDefinition<any, any>[]): ProtocolDefinition<any, any> {
  const path = modulePath(ref, f.where.file === '' ? undefined : dirname(resolve(f.where.file)));
  const protocol = protocols.find((p) => protocolModuleOf(p) === path);
  if (protocol === undefined) throw f.where.error(node.pos, 'protocol', `protocol module ${ref} (${path}) was not loaded for this scenario`);
  return protocol;
}

function readNodes(f: Fields, entry: MapEntry | undefined, protocol: ProtocolDefinition<any, any>): number {
  const nodes = entry === undefined ? D.DEFAULT_NODES : f.integer(entry.value, 'nodes', 1, D.MAX_NODES);
  const problem = protocol.checkClusterSize?.(nodes) ?? null;
  if (problem !== null) {
    const pos = entry?.value.pos ?? { line: 0, column: 0 };
    throw f.where.error(pos, 'nodes', `${protocol.name} cannot run with ${nodes} nodes: ${problem}`);
  }
  return nodes;
}

function readNetwork(f: Fields, node: LNode): NetworkSpec {
  const m = f.map(node, 'network', ['latency', 'loss', 'duplicate']);
  const get = (key: string): LNode | undefined => m.get(key)?.value;
  const latency = get('latency');
  const loss = get('loss');
  const duplicate = get('duplicate');
  return {
    latency: latency === undefined ? D.DEFAULT_NETWORK.latency : readLatency(f, latency),
    loss: loss === undefined ? D.DEFAULT_NETWORK.loss : f.probability(loss, 'network.loss'),
    duplicate: duplicate === undefined ? D.DEFAULT_NETWORK.duplicate : f.probability(duplicate, 'network.duplicate'),
  };
}

/** `{min, max}` (uniform), `{mean, dist: exponential}`, `{value, dist: fixed}` or a plain `5ms` (fixed). */
function readLatency(f: Fields, node: LNode): LatencySpec {
  const field = 'network.latency';
  if (node.t === 'scalar') return { dist: 'fixed', valueUs: f.duration(node, field) };
  const m = f.map(node, field, ['dist', 'min', 'max', 'mean', 'value']);
  const distEntry = m.get('dist');
  const dist = distEntry === undefined ? 'uniform' : f.choice(distEntry.value, `${field}.dist`, ['uniform', 'exponential', 'fixed'] as const);
  const need = (key: string, minUs = 0): number => {
    const entry = m.get(key);
    if (entry === undefined) throw f.where.error(node.pos, `${field}.${key}`, `missing; a ${dist} latency needs ${dist === 'uniform' ? 'min and max' : dist === 'exponential' ? 'mean' : 'value'}`);
    return f.duration(entry.value, `${field}.${key}`, { min: minUs });
  };
  const allowed = dist === 'uniform' ? ['min', 'max'] : dist === 'exponential' ? ['mean'] : ['value'];
  for (const [key, entry] of m) {
    if (key !== 'dist' && !allowed.includes(key)) throw f.where.error(entry.keyPos, `${field}.${key}`, `not used by a ${dist} latency; expected ${allowed.join(', ')}`);
  }
  if (dist === 'exponential') return { dist, meanUs: need('mean', 1) };
  if (dist === 'fixed') return { dist, valueUs: need('value') };
  const minUs = need('min');
  const maxUs = need('max');
  if (maxUs < minUs) throw f.where.error((m.get('max') as MapEntry).value.pos, `${field}.max`, `expected at least min (${minUs}us), found ${maxUs}us`);
  return { dist, minUs, maxUs };
}

function readClock(f: Fields, node: LNode): ClockSpec {
  const m = f.map(node, 'clock', ['skew', 'drift']);
  const skew = m.get('skew');
  const drift = m.get('drift');
  return {
    skewUs: skew === undefined ? D.DEFAULT_CLOCK.skewUs : f.duration(skew.value, 'clock.skew'),
    driftPpm: drift === undefined ? D.DEFAULT_CLOCK.driftPpm : f.ppm(drift.value, 'clock.drift', D.MAX_DRIFT_PPM),
  };
}

function readWorkload(f: Fields, node: LNode): WorkloadSpec {
  const m = f.map(node, 'workload', ['clients', 'keys', 'mix', 'interval', 'timeout', 'reuseValues']);
  const d = D.DEFAULT_WORKLOAD;
  const get = <T>(key: string, fallback: T, read: (n: LNode, field: string) => T): T => {
    const entry = m.get(key);
    return entry === undefined ? fallback : read(entry.value, `workload.${key}`);
  };
  const spec: WorkloadSpec = {
    clients: get('clients', d.clients, (n, p) => f.integer(n, p, 0, D.MAX_CLIENTS)),
    keys: get('keys', d.keys, (n, p) => f.integer(n, p, 1, D.MAX_KEYS)),
    mix: get('mix', d.mix, (n) => readMix(f, n)),
    intervalUs: get('interval', d.intervalUs, (n, p) => f.duration(n, p)),
    timeoutUs: get('timeout', d.timeoutUs, (n, p) => f.duration(n, p, { min: 1 })),
  };
  const reuse = get('reuseValues', 0, (n, p) => f.integer(n, p, 0, D.MAX_REUSE_VALUES));
  return reuse === 0 ? spec : { ...spec, reuseValues: reuse };
}

/** Weights; a key left out weighs 0; at least one must be positive. */
function readMix(f: Fields, node: LNode): WorkloadSpec['mix'] {
  const m = f.map(node, 'workload.mix', ['read', 'write', 'cas', 'append']);
  const weight = (key: string): number => {
    const entry = m.get(key);
    return entry === undefined ? 0 : f.number(entry.value, `workload.mix.${key}`, 0, 1e6, 'a non-negative weight');
  };
  const mix = { read: weight('read'), write: weight('write'), cas: weight('cas') };
  const append = weight('append');
  if (mix.read + mix.write + mix.cas + append <= 0) throw f.where.error(node.pos, 'workload.mix', 'expected at least one positive weight, found all zero');
  // Left out when 0, so that a scenario without appends draws exactly as before.
  return append === 0 ? mix : { ...mix, append };
}

interface FaultList {
  readonly timed: ScriptedFault[];
  readonly triggered: TriggeredFault[];
}

/** Timed entries (`at:`) and event-triggered ones (`when:`), each keeping its place in the list. */
function readFaults(f: Fields, node: LNode, nodes: number, durationUs: number): FaultList {
  const items = f.list(node, 'faults', 'a list of faults');
  if (items.length > D.MAX_FAULTS) f.fail(node, 'faults', `at most ${D.MAX_FAULTS} faults`);
  const out: FaultList = { timed: [], triggered: [] };
  items.forEach((item, i) => {
    if (isTriggerEntry(item)) out.triggered.push(readTrigger(f, item, `faults[${i}]`, nodes, i));
    else out.timed.push(readFault(f, item, `faults[${i}]`, nodes, durationUs));
  });
  return out;
}

/** `none`, or `{ every, faults }` (either key may be left out). */
function readNemesis(f: Fields, node: LNode): NemesisSpec | null {
  if (node.t === 'scalar' && (node.value === 'none' || node.value === null)) return null;
  if (node.t !== 'map') f.fail(node, 'nemesis', 'none or a mapping { every, faults }');
  const m = f.map(node, 'nemesis', ['every', 'faults']);
  const every = m.get('every');
  const kinds = m.get('faults');
  const faults = kinds === undefined ? D.DEFAULT_NEMESIS_FAULTS : readNemesisKinds(f, kinds.value);
  return {
    everyUs: every === undefined ? D.DEFAULT_NEMESIS_EVERY_US : f.duration(every.value, 'nemesis.every', { min: 1 }),
    faults,
  };
}

function readNemesisKinds(f: Fields, node: LNode): NemesisKind[] {
  const items = f.list(node, 'nemesis.faults', `a list of fault kinds (${NEMESIS_KINDS.join(', ')})`);
  if (items.length === 0) f.fail(node, 'nemesis.faults', `at least one of ${NEMESIS_KINDS.join(', ')}`);
  const kinds: NemesisKind[] = [];
  items.forEach((item, i) => {
    const kind = f.choice(item, `nemesis.faults[${i}]`, NEMESIS_KINDS);
    if (!kinds.includes(kind)) kinds.push(kind);
  });
  return kinds;
}

function readByzantine(f: Fields, node: LNode, nodes: number, protocol: ProtocolDefinition<any, any>): Record<NodeId, string> {
  if (node.t !== 'map') f.fail(node, 'byzantine', 'a mapping of node to behaviour, e.g. { n1: equivocate }');
  const behaviours = protocol.byzantine === undefined ? [] : Object.keys(protocol.byzantine);
  const out: Record<NodeId, string> = {};
  for (const entry of node.entries) {
    const field = `byzantine.${entry.key}`;
    if (behaviours.length === 0) throw f.where.error(entry.keyPos, field, `${protocol.name} has no byzantine behaviours (only a BFT protocol such as pbft does)`);
    const id = f.nodeId({ t: 'scalar', value: entry.key, pos: entry.keyPos }, field, nodes);
    out[id] = f.choice(entry.value, field, behaviours);
  }
  return out;
}

function readChecks(f: Fields, node: LNode): ChecksSpec {
  const items = f.list(node, 'checks', `a list of checks (${CHECK_NAMES.join(', ')})`);
  const chosen = items.map((item, i) => f.choice(item, `checks[${i}]`, CHECK_NAMES));
  return {
    linearizability: chosen.includes('linearizability'),
    invariants: chosen.includes('invariants'),
    liveness: chosen.includes('liveness'),
  };
}

function readBugs(f: Fields, node: LNode, protocol: ProtocolDefinition<any, any>): string[] {
  const items = f.list(node, 'bugs', 'a list of bug names');
  const bugs: string[] = [];
  items.forEach((item, i) => {
    const name = f.string(item, `bugs[${i}]`);
    const problem = bugProblem(name, protocol);
    if (problem !== null) throw f.where.error(item.pos, `bugs[${i}]`, problem);
    if (!bugs.includes(name)) bugs.push(name);
  });
  return bugs;
}

/** Why `name` is not a bug of `protocol`, or null when it is. */
export function bugProblem(name: string, protocol: ProtocolDefinition<any, any>): string | null {
  if (protocol.bugs.some((b) => b.name === name)) return null;
  const known = protocol.bugs.map((b) => b.name);
  const list = known.length === 0 ? `${protocol.name} has no bug variants` : `expected one of ${known.join(', ')}`;
  const near = closest(name, known);
  const hint = near === null ? '' : ` (did you mean ${near}?)`;
  return `unknown bug ${quoted(name)} for ${protocol.name}; ${list}${hint}`;
}

export type { ProtocolOptions };

/**
 * The scenario file format (documented in docs/scenarios.md), defined once as a zod schema.
 *
 * The loader validates a parsed file with it; `json-schema.ts` renders it as the JSON Schema that
 * editors use (`schema/scenario.schema.json`); `types.ts` is checked against its output at compile
 * time. Durations parse to integer microseconds in the schema's transforms and every section left
 * out gets its default from `defaults.ts`, so what comes out is the trusted value the world runs:
 * nothing downstream validates it again.
 *
 * The schema is built for one file's context (`SchemaContext`): the protocols the caller may run,
 * the one the file names (its options, bug variants and byzantine behaviours), and the cluster
 * size and duration (so a selector can say `n1..n5` and a fault time is held to the duration).
 * Built without them it checks shapes only; that is the form the JSON Schema is made from, with
 * the per-protocol parts added as `if protocol is X then ...` alternatives.
 */
import * as z from 'zod';
import type { ProtocolDefinition } from '../../protocols/api.js';
import { isModuleRef } from '../protocol-modules.js';
import * as D from './defaults.js';
import { formatDuration } from './fields.js';
import { timedFault, type TimedFault } from './faults.js';
import { quoted } from './located.js';
import { protocolOptionsSchema } from './options.js';
import { closest, didYouMean } from './suggest.js';
import { isTriggerEntry, triggeredFault, type Trigger } from './triggers.js';
import type { ChecksSpec, ClockSpec, LatencySpec, NemesisKind, NemesisSpec, NetworkSpec, Scenario, ScriptedFault, TriggeredFault, WorkloadSpec } from './types.js';
import {
  choice,
  closedMap,
  dispatch,
  duration,
  integer,
  mappingOr,
  standIn,
  nodeId,
  number,
  ppm,
  probability,
  text,
  type DispatchProblem,
  type ValueContext,
} from './values.js';

type AnyProtocol = ProtocolDefinition<any, any>;

export interface SchemaContext extends ValueContext {
  /** The protocols the file may name (by name, or a loaded module by path). */
  readonly protocols: readonly AnyProtocol[];
  /** The protocol the file names, when known: its options, bugs and behaviours are checked. */
  readonly protocol?: AnyProtocol;
}

export const TOP_KEYS = [
  'name', 'description', 'protocol', 'nodes', 'seed', 'duration', 'settle', 'protocolOptions', 'network',
  'clock', 'workload', 'faults', 'nemesis', 'byzantine', 'checks', 'bugs', 'expect',
] as const;
export const NEMESIS_KINDS = ['partition', 'crash', 'pause', 'clock', 'cut', 'amnesia'] as const satisfies readonly NemesisKind[];
const CHECK_NAMES = ['linearizability', 'invariants', 'liveness'] as const;
/** The same range `--seed` accepts. */
export const MAX_SEED = Number.MAX_SAFE_INTEGER;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;

/** `protocol`: a name among the caller's protocols, or a module path. */
export function protocolField(protocols: readonly AnyProtocol[]) {
  const names = protocols.map((p) => p.name);
  const known = names.join(', ') || '(none registered)';
  const field = z
    .string({ error: (iss) => (iss.input === undefined ? `missing; expected one of ${known}` : 'expected a string') })
    .check((payload) => {
      const name = payload.value;
      if (names.includes(name) || isModuleRef(name)) return;
      payload.issues.push({
        code: 'custom',
        input: name,
        message: `unknown protocol ${quoted(name)}; expected one of ${known}, or a module path such as ./my-protocol.ts${didYouMean(name, names)}`,
      });
    })
    .meta({ description: 'the protocol to run: a bundled protocol, or a module path relative to this file (./my-protocol.ts)' });
  const byName = names.length === 0 ? [] : [z.enum(names as [string, ...string[]])];
  return standIn(field, z.union([...byName, z.string().regex(MODULE_PATH)]).meta({ description: 'the protocol to run: a bundled protocol, or a module path relative to this file (./my-protocol.ts)' }));
}

/** What `isModuleRef` accepts, as a pattern for the JSON Schema: a path separator, a JS/TS extension or a file: URL. */
const MODULE_PATH = /[\\/]|\.(m|c)?(js|ts)$|^file:/;

/** `seed`; `--seed` goes through this same piece. */
export const seedField = integer(0, MAX_SEED).meta({ description: 'root seed of every random stream (--seed overrides)' });

function durationField() {
  return duration({ min: 1, description: 'virtual time the workload runs' }).prefault(formatDuration(D.DEFAULT_DURATION_US));
}

/** `nodes`, held to the protocol's own cluster-size rule when the protocol is known. */
export function nodesField(protocol: AnyProtocol | undefined) {
  return integer(1, D.MAX_NODES)
    .check((payload) => {
      const problem = protocol?.checkClusterSize?.(payload.value) ?? null;
      if (problem !== null) payload.issues.push({ code: 'custom', input: payload.value, message: `${protocol?.name} cannot run with ${payload.value} nodes: ${problem}` });
    })
    .meta({ description: 'cluster size; the nodes are named n1..nN' });
}

/** Why `name` is not a bug of `protocol`, or null when it is. `--bug` goes through this too. */
export function bugProblem(name: string, protocol: AnyProtocol): string | null {
  if (protocol.bugs.some((b) => b.name === name)) return null;
  const known = protocol.bugs.map((b) => b.name);
  const list = known.length === 0 ? `${protocol.name} has no bug variants` : `expected one of ${known.join(', ')}`;
  const near = closest(name, known);
  const hint = near === null ? '' : ` (did you mean ${near}?)`;
  return `unknown bug ${quoted(name)} for ${protocol.name}; ${list}${hint}`;
}

function bugsField(protocol: AnyProtocol | undefined) {
  const bug = text().check((payload) => {
    const problem = protocol === undefined ? null : bugProblem(payload.value, protocol);
    if (problem !== null) payload.issues.push({ code: 'custom', input: payload.value, message: problem });
  });
  return z
    .array(bug, { error: () => 'expected a list of bug names' })
    .transform((names) => [...new Set(names)])
    .meta({ description: 'bug variants to switch on, <protocol>.<bug> (for teaching)' });
}

function byzantineField(ctx: SchemaContext) {
  const protocol = ctx.protocol;
  const behaviours = protocol?.byzantine === undefined ? [] : Object.keys(protocol.byzantine);
  const node = nodeId(ctx).check((payload) => {
    if (protocol !== undefined && behaviours.length === 0) {
      payload.issues.push({ code: 'custom', input: payload.value, message: `${protocol.name} has no byzantine behaviours (only a BFT protocol such as pbft does)` });
    }
  });
  const behaviour = protocol === undefined || behaviours.length === 0 ? text('a behaviour name') : choice(behaviours as [string, ...string[]]);
  return z
    .record(node, behaviour, { error: () => 'expected a mapping of node to behaviour, e.g. { n1: equivocate }' })
    .meta({ description: 'node → byzantine behaviour (BFT protocols such as pbft only)' });
}

/** `{min, max}` (uniform), `{mean, dist: exponential}`, `{value, dist: fixed}` or a plain `5ms` (fixed). */
function latencyField() {
  const dist = (d: string) => z.literal(d, { error: () => 'expected one of uniform, exponential, fixed' });
  const needs = (d: string, keys: string) => `missing; a ${d} latency needs ${keys}`;
  const closed = <S extends z.core.$ZodLooseShape>(d: string, keys: string, shape: S) =>
    closedMap(shape, { unknownKey: () => `not used by a ${d} latency; expected ${keys}` });
  const branches = {
    uniform: closed('uniform', 'min, max', {
      dist: dist('uniform').optional(),
      min: duration({ missing: needs('uniform', 'min and max') }),
      max: duration({ missing: needs('uniform', 'min and max') }),
    }).transform((v, issues): LatencySpec => {
      if (v.max < v.min) {
        issues.addIssue({ code: 'custom', path: ['max'], input: v.max, message: `expected at least min (${v.min}us), found ${v.max}us` });
        return z.NEVER;
      }
      return { dist: 'uniform', minUs: v.min, maxUs: v.max };
    }),
    exponential: closed('exponential', 'mean', { dist: dist('exponential'), mean: duration({ min: 1, missing: needs('exponential', 'mean') }) }).transform(
      (v): LatencySpec => ({ dist: 'exponential', meanUs: v.mean }),
    ),
    fixed: closed('fixed', 'value', { dist: dist('fixed'), value: duration({ missing: needs('fixed', 'value') }) }).transform(
      (v): LatencySpec => ({ dist: 'fixed', valueUs: v.value }),
    ),
  };
  const choose = (input: Readonly<Record<string, unknown>>): { branch: keyof typeof branches } | { problem: DispatchProblem } => {
    const keys = ['dist', 'min', 'max', 'mean', 'value'];
    const unknown = Object.keys(input).find((k) => !keys.includes(k));
    if (unknown !== undefined) return { problem: { message: `unknown key ${quoted(unknown)}; expected one of ${keys.join(', ')}${didYouMean(unknown, keys)}`, unknownKey: unknown } };
    const d = input.dist ?? 'uniform';
    if (d === 'uniform' || d === 'exponential' || d === 'fixed') return { branch: d };
    return { problem: { message: 'expected one of uniform, exponential, fixed', path: ['dist'] } };
  };
  const fixed = duration().transform((valueUs): LatencySpec => ({ dist: 'fixed', valueUs }));
  return mappingOr(dispatch(branches, choose, 'expected a mapping'), fixed).meta({
    description: 'message delay: { min, max } (uniform), { dist: exponential, mean }, { dist: fixed, value } or one duration (fixed)',
  });
}

function networkField() {
  const d = D.DEFAULT_NETWORK;
  return closedMap({
    latency: latencyField().optional(),
    loss: probability().prefault(d.loss).meta({ description: 'probability that a message is dropped' }),
    duplicate: probability().prefault(d.duplicate).meta({ description: 'probability that a message is delivered twice' }),
  }).transform((v): NetworkSpec => ({ latency: v.latency ?? d.latency, loss: v.loss, duplicate: v.duplicate }));
}

function clockField() {
  const d = D.DEFAULT_CLOCK;
  return closedMap({
    skew: duration({ description: "max initial offset of a node's clock" }).prefault(formatDuration(d.skewUs)),
    drift: ppm(D.MAX_DRIFT_PPM).prefault(d.driftPpm === 0 ? 0 : `${d.driftPpm}ppm`).meta({ description: "max rate error of a node's clock, e.g. 100ppm" }),
  }).transform((v): ClockSpec => ({ skewUs: v.skew, driftPpm: v.drift }));
}

/** Weights; a key left out weighs 0; at least one must be positive. */
function mixField() {
  const weight = () => number(0, 1e6, 'a non-negative weight').prefault(0);
  const d = D.DEFAULT_WORKLOAD.mix;
  return closedMap({ read: weight(), write: weight(), cas: weight(), append: weight() })
    .transform((v, issues): WorkloadSpec['mix'] => {
      if (v.read + v.write + v.cas + v.append <= 0) {
        issues.addIssue({ code: 'custom', input: v, message: 'expected at least one positive weight, found all zero' });
        return z.NEVER;
      }
      const mix = { read: v.read, write: v.write, cas: v.cas };
      // Left out when 0, so that a scenario without appends draws exactly as before.
      return v.append === 0 ? mix : { ...mix, append: v.append };
    })
    .prefault({ read: d.read, write: d.write, cas: d.cas })
    .meta({ description: 'relative weights of read, write, cas and append operations' });
}

function workloadField() {
  const d = D.DEFAULT_WORKLOAD;
  return closedMap({
    clients: integer(0, D.MAX_CLIENTS).prefault(d.clients).meta({ description: 'simulated clients' }),
    keys: integer(1, D.MAX_KEYS).prefault(d.keys).meta({ description: 'keys the clients use' }),
    mix: mixField(),
    interval: duration({ description: "think time between one client's operations" }).prefault(formatDuration(d.intervalUs)),
    timeout: duration({ min: 1, description: 'then an operation with no answer is recorded as info' }).prefault(formatDuration(d.timeoutUs)),
    reuseValues: integer(0, D.MAX_REUSE_VALUES).prefault(0).meta({ description: 'N ≥ 1: written values are drawn from 1..N (ABA); 0: every value is new' }),
  }).transform((v): WorkloadSpec => {
    const spec: WorkloadSpec = { clients: v.clients, keys: v.keys, mix: v.mix, intervalUs: v.interval, timeoutUs: v.timeout };
    return v.reuseValues === 0 ? spec : { ...spec, reuseValues: v.reuseValues };
  });
}

/** A faults entry: event-triggered (has `when`) or timed (has `at`). */
export type FaultEntry = { readonly timed: TimedFault } | { readonly triggered: Trigger };

function faultsField(ctx: ValueContext) {
  const timed = timedFault(ctx);
  const triggered = triggeredFault(ctx);
  const item = standIn(z
    .unknown()
    .transform((input, issues): FaultEntry => {
      const result = isTriggerEntry(input) ? triggered.safeParse(input) : timed.safeParse(input);
      if (result.success) return isTriggerEntry(input) ? { triggered: result.data as Trigger } : { timed: result.data as TimedFault };
      for (const issue of result.error.issues) issues.issues.push(issue as never);
      return z.NEVER;
    }), z.union([timed, triggered]));
  return z
    .array(item, { error: () => 'expected a list of faults' })
    .max(D.MAX_FAULTS, { error: () => `expected at most ${D.MAX_FAULTS} faults` })
    .meta({ description: 'scripted faults: { at: <time>, <action>: ... } or event-triggered { when: { moment, ... }, <action>: ... }' });
}

function nemesisField() {
  const kinds = z
    .array(choice(NEMESIS_KINDS), { error: () => `expected a list of fault kinds (${NEMESIS_KINDS.join(', ')})` })
    .min(1, { error: () => `expected at least one of ${NEMESIS_KINDS.join(', ')}` })
    .transform((list) => [...new Set(list)]);
  const spec = closedMap({
    every: duration({ min: 1, description: 'mean time between random faults' }).prefault(formatDuration(D.DEFAULT_NEMESIS_EVERY_US)),
    faults: kinds.prefault([...D.DEFAULT_NEMESIS_FAULTS] as never),
  }).transform((v): NemesisSpec => ({ everyUs: v.every, faults: v.faults }));
  const none = z.union([z.literal('none'), z.null()], { error: () => 'expected none or a mapping { every, faults }' }).transform(() => null);
  return mappingOr(spec, none).meta({ description: 'random faults drawn from the seed: none, or { every, faults }' });
}

function checksField() {
  return z
    .array(choice(CHECK_NAMES), { error: () => `expected a list of checks (${CHECK_NAMES.join(', ')})` })
    .transform((chosen): ChecksSpec => ({
      linearizability: chosen.includes('linearizability'),
      invariants: chosen.includes('invariants'),
      liveness: chosen.includes('liveness'),
    }))
    .meta({ description: 'which checks run' });
}

/** The whole file for `ctx`. */
export function scenarioSchema(ctx: SchemaContext) {
  const protocol = ctx.protocol;
  const unknownTop = (key: string) => `unknown key ${quoted(key)}; expected one of ${TOP_KEYS.join(', ')}${didYouMean(key, TOP_KEYS)}`;
  const shape = {
    name: text().regex(NAME, { error: () => 'expected a name of letters, digits, ".", "_" or "-" (at most 80)' }).optional().meta({ description: 'defaults to the file name' }),
    description: text().transform((s) => s.trim()).optional(),
    protocol: protocolField(ctx.protocols),
    nodes: nodesField(protocol).prefault(D.DEFAULT_NODES),
    seed: seedField.prefault(D.DEFAULT_SEED),
    duration: durationField(),
    settle: duration({ description: 'then faults stop, everything heals, clients finish' }).prefault(formatDuration(D.DEFAULT_SETTLE_US)),
    protocolOptions: (protocol === undefined ? z.record(z.string(), z.unknown(), { error: () => 'expected a mapping of protocol options' }).optional() : protocolOptionsSchema(protocol)).meta({
      description: "the protocol's own options (timeouts, batching, read path, ...); each protocol lists its own",
    }),
    network: networkField().prefault({}).meta({ description: 'message latency, loss and duplication' }),
    clock: clockField().prefault({}).meta({ description: "per-node clock skew and drift, drawn from the seed" }),
    workload: workloadField().prefault({}).meta({ description: 'the simulated clients and what they do' }),
    faults: faultsField(ctx).prefault([]),
    nemesis: nemesisField().prefault('none'),
    byzantine: byzantineField(ctx).prefault({}),
    checks: checksField().prefault([...CHECK_NAMES]),
    bugs: bugsField(protocol).prefault([]),
    expect: choice(['pass', 'fail']).optional().meta({ description: 'what the scenario is meant to show (a teaching scenario whose lesson is a caught failure says fail)' }),
  };
  return closedMap(shape, { what: 'a mapping of scenario fields (name, protocol, nodes, ...)', unknownKey: unknownTop })
    .transform((file, issues) => {
      refuseSettleWithoutTime(file.settle, file.workload, file.checks, issues);
      return file;
    })
    .meta({ title: 'consensim scenario', description: 'A consensim scenario file: a cluster, a workload, faults and checks.' });
}

/**
 * Liveness asks every client's last operation and probe read to complete after the faults stop;
 * with `settle: 0` the run ends at that very instant, so the check could only ever fail. Refuse it
 * (with clients and liveness on) rather than report a failure that says nothing about the protocol.
 */
function refuseSettleWithoutTime(settleUs: number, workload: WorkloadSpec, checks: ChecksSpec, issues: z.core.$RefinementCtx): void {
  if (settleUs > 0 || workload.clients === 0 || !checks.liveness) return;
  issues.addIssue({
    code: 'custom',
    path: ['settle'],
    input: settleUs,
    message:
      'expected a duration above 0 when clients run and liveness is checked: liveness needs time after the faults stop for every client to finish its operation and probe read, and settle: 0 ends the run at that instant (give settle a time such as 5s, or leave liveness out of checks)',
  });
}

interface Built {
  readonly schema: ReturnType<typeof scenarioSchema>;
  /** The two fields read first, alone: the cluster size and the duration. */
  readonly nodes: z.ZodType<number, unknown>;
  readonly duration: z.ZodType<number, unknown>;
  /** The context the built schema reads as it parses; set for each file. */
  readonly live: { readonly protocols: readonly AnyProtocol[]; readonly protocol: AnyProtocol; nodes: number | undefined; durationUs: number | undefined };
}
const BUILT = new WeakMap<readonly AnyProtocol[], Map<AnyProtocol, Built>>();

/**
 * The schema for the parsed file `input`, which names `protocol` among `protocols`, set to that
 * file's cluster size and duration (each read first, alone; when one is bad the whole schema
 * reports it). Built once per protocol and kept (building one takes tens of milliseconds, parsing
 * with it about one); parse `input` with it before asking for another.
 */
export function schemaForFile(protocols: readonly AnyProtocol[], protocol: AnyProtocol, input: Readonly<Record<string, unknown>>) {
  let byProtocol = BUILT.get(protocols);
  if (byProtocol === undefined) BUILT.set(protocols, (byProtocol = new Map()));
  let built = byProtocol.get(protocol);
  if (built === undefined) {
    const live: Built['live'] = { protocols, protocol, nodes: undefined, durationUs: undefined };
    const nodes = nodesField(protocol).prefault(D.DEFAULT_NODES);
    const duration = durationField();
    built = { schema: scenarioSchema(live), nodes, duration, live };
    byProtocol.set(protocol, built);
  }
  const nodes = built.nodes.safeParse(input.nodes);
  const duration = built.duration.safeParse(input.duration);
  built.live.nodes = nodes.success ? nodes.data : undefined;
  built.live.durationUs = duration.success ? duration.data : undefined;
  return built.schema;
}

/** What the schema gives for a file (before the loader adds the file's path and fault lines). */
export type ScenarioFile = z.output<ReturnType<typeof scenarioSchema>>;

/**
 * The schema's output is the `types.ts` types, field by field (checked by the compiler: a change
 * to either side that makes them differ does not build).
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const OUTPUT_IS_TYPES: [
  Same<ScenarioFile['network'], NetworkSpec>,
  Same<ScenarioFile['network']['latency'], LatencySpec>,
  Same<ScenarioFile['clock'], ClockSpec>,
  Same<ScenarioFile['workload'], WorkloadSpec>,
  Same<ScenarioFile['nemesis'], NemesisSpec | null>,
  Same<ScenarioFile['checks'], ChecksSpec>,
  Same<Extract<ScenarioFile['faults'][number], { timed: unknown }>['timed'], Omit<ScriptedFault, 'line'>>,
  Same<Extract<ScenarioFile['faults'][number], { triggered: unknown }>['triggered'], Omit<TriggeredFault, 'index' | 'line'>>,
  Same<ScenarioFile['seed'] | ScenarioFile['nodes'] | ScenarioFile['duration'] | ScenarioFile['settle'], Scenario['seed']>,
  Same<ScenarioFile['expect'], Scenario['expect']>,
] = [true, true, true, true, true, true, true, true, true, true];

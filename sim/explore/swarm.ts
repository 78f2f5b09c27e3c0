/**
 * Swarm configurations (Groce et al., ISSTA 2012; TigerBeetle's VOPR does the same): from (base
 * seed, run number) draw a whole test configuration, not only a fault schedule. Each fault kind is
 * on or off (about half the time each), with its own rate and length; up to a minority of nodes may
 * be down, paused or cut off at once; the cluster size is one the protocol accepts; latency shape,
 * loss, duplication, clock skew and drift, clients, keys, op mix, think time, op timeout and the
 * protocol's timeouts are drawn too, and some runs get event-triggered faults (crash a node right
 * after it votes, isolate a new leader, ...). Leaving most kinds off most of the time is the point:
 * a bug that needs "crashes but no partitions" is found when partitions are switched off.
 *
 * The result is an ordinary `Scenario` with every fault scripted (timed entries on explicit nodes
 * or `leader`, plus `when:` rules) and the nemesis off, so it prints as a scenario file that
 * `consensim run` loads. What is drawn is a pure function of (base seed, run number, protocol,
 * base scenario): test/explore/swarm.test.ts.
 *
 * Deliberately not drawn: `amnesia` (no protocol here survives a wiped disk; it is outside their
 * fault model), and enum/boolean protocol options (an option may select a documented
 * non-linearizable mode, such as a local read path). Duration options are scaled together by one
 * factor, which keeps the relations between them (heartbeat below election timeout).
 */
import { MOMENT_KINDS, majority, type MomentKind, type NodeId, type ProtocolDefinition } from '../../protocols/api.js';
import { stream, type Random } from '../random.js';
import { scenarioProblem } from '../scenario/load.js';
import { defaultProtocolOptions } from '../scenario/options.js';
import { fitFaultModel } from './fault-model.js';
import type {
  FaultAction,
  LatencySpec,
  NodeSelector,
  Scenario,
  ScriptedFault,
  TriggerAction,
  TriggeredFault,
  TriggerTarget,
} from '../scenario/types.js';

export type SwarmFaultKind = 'partition' | 'crash' | 'pause' | 'clock' | 'cut';
export const SWARM_FAULT_KINDS: readonly SwarmFaultKind[] = ['partition', 'crash', 'pause', 'clock', 'cut'];

/** The drawn knobs that shaped a schedule; guided mutation draws new faults from the same knobs. */
export interface SwarmKnobs {
  readonly kinds: readonly SwarmFaultKind[];
  /** Faults (crash, pause, partition side, cut) in force at once, at most. */
  readonly maxConcurrent: number;
  readonly meanGapUs: number;
  readonly meanLengthUs: number;
  /** Probability that a crash restarts within a few ms (quick crash/restart cycles). */
  readonly quickCrash: number;
}

/** A drawn run: the scenario to run and the knobs it came from. */
export interface SwarmDraw {
  readonly scenario: Scenario;
  readonly knobs: SwarmKnobs;
}

/** Bounded everything: a drawn schedule never has more timed faults than this. */
export const MAX_DRAWN_FAULTS = 80;
const MS = 1000;
const S = 1_000_000;

/** The run's own random stream; every draw of run `run` comes from it, in a fixed order. */
export function runStream(baseSeed: number, run: number, purpose: string): Random {
  return stream(baseSeed, `explore:${purpose}:${run}`);
}

/** Cluster sizes worth drawing: 3, 5, 7 when the protocol takes them, else the first three it takes (PBFT: 4, 7, 10). */
export function clusterSizes(protocol: ProtocolDefinition<any, any>): number[] {
  const ok = (n: number): boolean => (protocol.checkClusterSize?.(n) ?? null) === null;
  const odd = [3, 5, 7].filter(ok);
  if (odd.length >= 2) return odd;
  const any: number[] = [];
  for (let n = 1; n <= 16 && any.length < 3; n++) if (ok(n)) any.push(n);
  if (any.length === 0) throw new Error(`${protocol.name} accepts no cluster size from 1 to 16`);
  return any;
}

/**
 * Draw run `run`'s configuration. With `base` (a scenario file), keep its cluster, network, clock,
 * workload, options and byzantine nodes, and draw only the faults (its own faults are kept too).
 */
export function drawSwarm(protocol: ProtocolDefinition<any, any>, baseSeed: number, run: number, bugs: readonly string[], base?: Scenario): SwarmDraw {
  const r = runStream(baseSeed, run, 'swarm');
  const seed = r.between(1, 2 ** 31 - 1);
  const sizes = clusterSizes(protocol);
  const nodes = base?.nodes ?? weightedPick(r, sizes, [0.5, 0.35, 0.15]);
  const durationUs = base?.durationUs ?? r.between(20, 60) * 100 * MS;
  const knobs = drawKnobs(r, nodes);
  const drawn: Omit<Scenario, 'faults'> = base ?? {
    name: 'explore',
    description: '',
    file: '',
    protocol: protocol.name,
    nodes,
    seed,
    durationUs,
    settleUs: 5 * S,
    protocolOptions: drawOptions(r, protocol),
    network: { latency: drawLatency(r), loss: r.chance(0.5) ? round(r.next() * 0.05, 4) : 0, duplicate: r.chance(0.5) ? round(r.next() * 0.05, 4) : 0 },
    clock: { skewUs: r.chance(0.5) ? r.between(1, 100) * MS : 0, driftPpm: r.chance(0.5) ? r.between(10, 500) : 0 },
    workload: {
      clients: r.between(1, 6),
      keys: r.between(1, 5),
      mix: { read: round(r.next(), 2), write: round(0.1 + r.next(), 2), cas: r.chance(0.5) ? round(r.next() * 0.5, 2) : 0 },
      intervalUs: r.between(1, 50) * MS,
      timeoutUs: r.between(2, 20) * 100 * MS,
    },
    nemesis: null,
    byzantine: drawByzantine(r, protocol, nodes),
    checks: { linearizability: true, invariants: true, liveness: true },
    bugs: [],
  };
  const faults = [...(base?.faults ?? []), ...drawSchedule(r, knobs, nodes, drawn.durationUs)];
  const triggers = [...(base?.triggers ?? [])];
  const ruleCount = r.chance(0.7) ? r.between(1, 3) : 0;
  for (let i = 0; i < ruleCount; i++) triggers.push(drawTrigger(r, nodes, faults.length + triggers.length));
  const scenario: Scenario = {
    ...drawn,
    name: `explore-${protocol.name}-${baseSeed}-${run}`,
    file: '',
    seed: base === undefined ? seed : r.between(1, 2 ** 31 - 1),
    nemesis: null,
    faults: sortFaults(faults),
    bugs: [...new Set([...drawn.bugs, ...bugs])],
    ...(triggers.length === 0 ? {} : { triggers: renumber(triggers, faults.length) }),
  };
  const { triggers: _drop, ...withoutTriggers } = scenario;
  return { scenario: fitScenarioRules(fitFaultModel(triggers.length === 0 ? withoutTriggers : scenario, protocol), protocol), knobs };
}

/**
 * Keep a draw inside the protocol's own rules (`checkScenario`): a register quorum refuses cas and
 * append, and ties its option sizes to the cluster. First drop the operations it refuses, then fall
 * back to its default options; a draw is never one the loader would reject.
 */
export function fitScenarioRules(scenario: Scenario, protocol: ProtocolDefinition<any, any>): Scenario {
  if (scenarioProblem(scenario, protocol) === null) return scenario;
  const mix = { ...scenario.workload.mix, cas: 0, append: 0 };
  const plainMix: Scenario = { ...scenario, workload: { ...scenario.workload, mix: { read: mix.read, write: mix.write > 0 || mix.read > 0 ? mix.write : 1, cas: 0 } } };
  if (scenarioProblem(plainMix, protocol) === null) return plainMix;
  const defaults: Scenario = { ...plainMix, protocolOptions: defaultProtocolOptions(protocol) };
  if (scenarioProblem(defaults, protocol) === null) return defaults;
  throw new Error(`explore cannot draw a ${protocol.name} scenario its checkScenario accepts: ${scenarioProblem(defaults, protocol)?.message ?? ''}`);
}

function drawKnobs(r: Random, nodes: number): SwarmKnobs {
  const kinds = SWARM_FAULT_KINDS.filter(() => r.chance(0.5));
  return {
    kinds,
    maxConcurrent: r.between(1, Math.max(1, nodes - majority(nodes))),
    meanGapUs: r.between(1, 20) * 100 * MS,
    meanLengthUs: r.between(1, 15) * 100 * MS,
    quickCrash: r.chance(0.5) ? 0.5 : 0,
  };
}

function drawLatency(r: Random): LatencySpec {
  const shape = r.int(3);
  if (shape === 0) {
    const minUs = r.between(1, 20) * 100;
    return { dist: 'uniform', minUs, maxUs: minUs + r.between(1, 30) * MS };
  }
  if (shape === 1) return { dist: 'exponential', meanUs: r.between(1, 15) * MS };
  return { dist: 'fixed', valueUs: r.between(1, 10) * MS };
}

const OPTION_SCALES = [0.5, 0.75, 1, 1, 1.5, 2];

function drawOptions(r: Random, protocol: ProtocolDefinition<any, any>): Record<string, number | boolean | string> {
  const options = defaultProtocolOptions(protocol);
  const scale = r.pick(OPTION_SCALES);
  for (const [name, spec] of Object.entries(protocol.options)) {
    if (spec.type === 'duration') options[name] = Math.max(1, Math.round((options[name] as number) * scale));
    // Integers (batch sizes, windows, intervals): half the time the default, else anywhere from a
    // quarter of it up to it. Not lower: at its minimum (one Raft entry per AppendEntries) a node
    // that was down for seconds needs longer than the settle phase to catch up, and the bounded
    // liveness check would report that as a failure of a correct protocol.
    else if (spec.type === 'integer' && r.chance(0.5)) {
      const low = Math.max(spec.min, Math.ceil(spec.default / 4));
      options[name] = Math.min(spec.max, r.between(low, Math.max(low, spec.default)));
    }
  }
  return options;
}

/** Up to f = ⌊(n-1)/3⌋ byzantine nodes, half the time, when the protocol has behaviours. */
function drawByzantine(r: Random, protocol: ProtocolDefinition<any, any>, nodes: number): Record<NodeId, string> {
  const behaviours = Object.keys(protocol.byzantine ?? {});
  const f = Math.floor((nodes - 1) / 3);
  const out: Record<NodeId, string> = {};
  if (behaviours.length === 0 || f < 1 || !r.chance(0.5)) return out;
  const count = r.between(1, f);
  const chosen = r.shuffled(nodeRange(nodes)).slice(0, count).sort((a, b) => a - b);
  for (const i of chosen) out[nodeName(i)] = r.pick(behaviours);
  return out;
}

/** The timed schedule: faults of the enabled kinds, never more than `maxConcurrent` in force. */
function drawSchedule(r: Random, knobs: SwarmKnobs, nodes: number, durationUs: number): ScriptedFault[] {
  const out: ScriptedFault[] = [];
  if (knobs.kinds.length === 0) return out;
  let t = spread(r, knobs.meanGapUs);
  const ends: number[] = [];
  while (t < durationUs && out.length < MAX_DRAWN_FAULTS) {
    const active = ends.filter((end) => end > t);
    ends.length = 0;
    ends.push(...active);
    if (active.length >= knobs.maxConcurrent) {
      t = Math.min(...active);
      continue;
    }
    const { faults, endUs } = drawFault(r, knobs, nodes, t);
    for (const f of faults) if (f.atUs < durationUs) out.push(f);
    if (endUs > t) ends.push(endUs);
    t += spread(r, knobs.meanGapUs);
  }
  return out;
}

/** One fault of an enabled kind starting at `atUs` (with its heal, for partitions and cuts). */
export function drawFault(r: Random, knobs: SwarmKnobs, nodes: number, atUs: number): { faults: ScriptedFault[]; endUs: number } {
  const kind = r.pick(knobs.kinds.length > 0 ? knobs.kinds : SWARM_FAULT_KINDS);
  const lengthUs = Math.max(MS, spread(r, knobs.meanLengthUs));
  const victim = (): NodeSelector => (r.chance(1 / 3) ? { kind: 'leader' } : node(r.int(nodes)));
  const at = (action: FaultAction, when = atUs): ScriptedFault => ({ atUs: when, action, line: 0 });
  switch (kind) {
    case 'crash': {
      const restartUs = r.chance(knobs.quickCrash) ? r.between(1, 50) * MS : lengthUs;
      return { faults: [at({ kind: 'crash', target: victim(), restartUs, amnesia: false })], endUs: atUs + restartUs };
    }
    case 'pause':
      return { faults: [at({ kind: 'pause', target: victim(), forUs: lengthUs })], endUs: atUs + lengthUs };
    case 'clock': {
      const magnitude = r.between(1, 500) * MS;
      return { faults: [at({ kind: 'clock', target: node(r.int(nodes)), jumpUs: r.chance(0.5) ? magnitude : -magnitude })], endUs: atUs };
    }
    case 'partition': {
      if (nodes < 2) return { faults: [], endUs: atUs };
      if (r.chance(0.4)) {
        return {
          faults: [at({ kind: 'partition', groups: [[{ kind: 'leader' }], [{ kind: 'rest' }]] }), at({ kind: 'heal', target: { kind: 'all' } }, atUs + lengthUs)],
          endUs: atUs + lengthUs,
        };
      }
      const size = r.between(1, Math.max(1, nodes - majority(nodes)));
      const side = r.shuffled(nodeRange(nodes)).slice(0, size).sort((a, b) => a - b);
      return {
        faults: [at({ kind: 'partition', groups: [side.map(node), [{ kind: 'rest' }]] }), ...side.map((i) => at({ kind: 'heal', target: node(i) }, atUs + lengthUs))],
        endUs: atUs + lengthUs,
      };
    }
    case 'cut': {
      if (nodes < 2) return { faults: [], endUs: atUs };
      const from = r.int(nodes);
      const others = nodeRange(nodes).filter((i) => i !== from);
      const to = r.shuffled(others).slice(0, r.between(1, others.length)).sort((a, b) => a - b);
      return {
        faults: [at({ kind: 'cut', from: node(from), to: to.map(node) }), at({ kind: 'heal', target: node(from) }, atUs + lengthUs)],
        endUs: atUs + lengthUs,
      };
    }
  }
}

/** Votes, new leaders, acks and era changes are where the interesting races are: drawn more often. */
const MOMENT_WEIGHTS: Readonly<Record<MomentKind, number>> = { vote: 3, leader: 3, ack: 2, 'era-change': 2, commit: 1, apply: 1, persist: 1 };
const TRIGGER_MOMENTS: readonly MomentKind[] = MOMENT_KINDS;

/** One event-triggered rule: a moment, when it counts, and a short crash, pause, isolation or cut. */
export function drawTrigger(r: Random, nodes: number, index: number): TriggeredFault {
  const moment = weightedPick(r, TRIGGER_MOMENTS, TRIGGER_MOMENTS.map((m) => MOMENT_WEIGHTS[m] ?? 1));
  const hasPeer = moment === 'vote' || moment === 'ack';
  const when = {
    moment,
    node: r.chance(0.2) ? nodeName(r.int(nodes)) : ('any' as const),
    nth: r.between(1, 6),
    chance: r.pick([1, 1, 0.5, 0.2, 0.05]),
    times: r.between(1, 4),
  };
  const who = (): TriggerTarget => (hasPeer && r.chance(0.4) ? { kind: 'peer' } : r.chance(0.1) ? { kind: 'selector', selector: { kind: 'leader' } } : { kind: 'self' });
  let action: TriggerAction;
  // Crashes twice as often as each other action: a quick crash/restart right after a moment is
  // the classic way to break a protocol that forgot to persist something.
  switch (r.int(5)) {
    case 0:
    case 4:
      action = { kind: 'crash', target: who(), restartUs: r.chance(0.1) ? null : r.between(1, 100) * MS, amnesia: false };
      break;
    case 1:
      action = { kind: 'pause', target: who(), forUs: r.between(1, 50) * 10 * MS };
      break;
    case 2:
      action = { kind: 'isolate', target: who(), forUs: r.between(5, 100) * 10 * MS };
      break;
    default: {
      const forUs = r.between(5, 100) * 10 * MS;
      if (hasPeer) action = r.chance(0.5) ? { kind: 'cut', from: { kind: 'self' }, to: { kind: 'peer' }, forUs } : { kind: 'cut', from: { kind: 'peer' }, to: { kind: 'self' }, forUs };
      else action = { kind: 'cut', from: { kind: 'self' }, to: { kind: 'selector', selector: { kind: 'all' } }, forUs };
    }
  }
  return { when, action, index, line: 0 };
}

/** Stable sort by time: faults at one instant keep their order (it is the order they fire in). */
export function sortFaults(faults: readonly ScriptedFault[]): ScriptedFault[] {
  return faults.map((f, i) => ({ f, i })).sort((a, b) => a.f.atUs - b.f.atUs || a.i - b.i).map(({ f }) => ({ ...f, line: 0 }));
}

/** Triggers placed after the timed entries, in order (so the file's `faults[i]` names them). */
export function renumber(triggers: readonly TriggeredFault[], timed: number): TriggeredFault[] {
  return triggers.map((t, i) => ({ ...t, index: timed + i, line: 0 }));
}

function spread(r: Random, meanUs: number): number {
  return r.between(Math.max(1, Math.floor(meanUs / 4)), Math.max(1, Math.floor((meanUs * 7) / 4)));
}

function weightedPick<T>(r: Random, items: readonly T[], weights: readonly number[]): T {
  const w = items.map((_, i) => weights[i] ?? 0.1);
  let x = r.next() * w.reduce((a, b) => a + b, 0);
  for (let i = 0; i < items.length; i++) {
    x -= w[i] as number;
    if (x < 0) return items[i] as T;
  }
  return items[items.length - 1] as T;
}

function round(x: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}

export function nodeName(i: number): NodeId {
  return `n${i + 1}`;
}

function node(i: number): NodeSelector {
  return { kind: 'node', node: nodeName(i) };
}

export function nodeRange(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

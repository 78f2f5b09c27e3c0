/**
 * Simulation speed: for every registered protocol whose bundled `<protocol>-nemesis` scenario
 * exists, run consecutive seeds in this one thread (the sweep's own per-seed path: trace
 * hashing off) and report events per second, simulated-to-wall time and seeds per second on
 * one core. Targets (reported, never asserted): ≥ 5,000× real time per core on raft-nemesis, and
 * ≥ 100 seeds/s per core (PBFT: ≥ 60).
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { PROTOCOLS, PROTOCOLS_MODULE } from '../protocols/registry.js';
import { loadCatalogue } from '../sim/catalogue.js';
import { protocolSet } from '../sim/protocol-modules.js';
import { loadScenario } from '../sim/scenario/load.js';
import { sweep } from '../sim/sweep.js';
import { runSeed, type SweepJob } from '../sim/sweep-seed.js';

/** The bench is a composition root too: it hands the simulator the bundled protocols. */
const BUNDLED = protocolSet(PROTOCOLS, [PROTOCOLS_MODULE]);

/** Simulated time per wall-clock time on one core (raft-nemesis is the one it is stated for). */
export const TARGET_SIM_TO_WALL = 5_000;
/** Seeds per second on one core: PBFT signs and verifies every message, so its target is lower. */
export function targetSeedsPerSec(protocol: string): number {
  return protocol === 'pbft' ? 60 : 100;
}

/** What every simulation row measures, over `seeds` consecutive seeds of one scenario. */
interface SpeedFigures {
  readonly scenario: string;
  readonly protocol: string;
  readonly seeds: number;
  readonly failed: number;
  readonly events: number;
  readonly wallMs: number;
  readonly eventsPerSec: number;
  readonly simToWall: number;
  readonly seedsPerSec: number;
}

export interface SimBenchRow extends SpeedFigures {
  readonly bench: 'sim';
  readonly nodes: number;
  readonly clients: number;
  readonly virtualSecondsPerSeed: number;
  /** CPU time of this thread's process over the measured seeds: on a busy machine, the honest "per core" figure. */
  readonly cpuMs: number;
  readonly simToCpu: number;
  readonly seedsPerCpuSec: number;
  /** This row's events per second as a fraction of the bare event loop's (bench/heap.ts); null when not measured. */
  readonly ofBareHeap: number | null;
}

export interface SimBenchOptions {
  /** Seeds measured per scenario (after warm-up), unless the time budget runs out first. */
  readonly seeds: number;
  /** Wall-clock budget per scenario. */
  readonly budgetMs: number;
  /** Seeds run before measuring, so the JIT has compiled the hot paths. */
  readonly warmup: number;
}

export const DEFAULT_SIM_BENCH: SimBenchOptions = { seeds: 200, budgetMs: 10_000, warmup: 3 };

/** The bundled `<protocol>-nemesis` scenarios, in registry order. */
export function nemesisScenarios(): { protocol: string; file: string }[] {
  const catalogue = loadCatalogue(PROTOCOLS);
  const out: { protocol: string; file: string }[] = [];
  for (const p of PROTOCOLS) {
    const entry = catalogue.find((e) => e.scenario?.name === `${p.name}-nemesis`);
    if (entry !== undefined) out.push({ protocol: p.name, file: entry.file });
  }
  return out;
}

export function benchScenario(file: string, options: SimBenchOptions = DEFAULT_SIM_BENCH, bareHeapEventsPerSec: number | null = null): SimBenchRow {
  const job: SweepJob = { scenario: loadScenario(file, PROTOCOLS), extraBugs: [], reproArgs: [], protocolModules: BUNDLED.modules };
  const s = job.scenario;
  for (let seed = 1_000_000; seed < 1_000_000 + options.warmup; seed++) runSeed(job, seed, PROTOCOLS);
  let events = 0;
  let virtualMs = 0;
  let failed = 0;
  let seeds = 0;
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  while (seeds < options.seeds && performance.now() - started < options.budgetMs) {
    const outcome = runSeed(job, seeds + 1, PROTOCOLS);
    seeds++;
    events += outcome.events;
    virtualMs += outcome.virtualMs;
    if (!outcome.ok) failed++;
  }
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  const cpuMs = Math.max(0.001, (cpu.user + cpu.system) / 1000);
  const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;
  return {
    bench: 'sim',
    scenario: s.name,
    protocol: s.protocol,
    nodes: s.nodes,
    clients: s.workload.clients,
    virtualSecondsPerSeed: round((s.durationUs + s.settleUs) / 1e6, 3),
    seeds,
    failed,
    events,
    wallMs: round(wallMs),
    eventsPerSec: Math.round((events / wallMs) * 1000),
    simToWall: Math.round(virtualMs / wallMs),
    seedsPerSec: round((seeds / wallMs) * 1000),
    cpuMs: round(cpuMs),
    simToCpu: Math.round(virtualMs / cpuMs),
    seedsPerCpuSec: round((seeds / cpuMs) * 1000),
    ofBareHeap: bareHeapEventsPerSec === null ? null : Math.round((events / wallMs) * 1000 / bareHeapEventsPerSec * 10_000) / 10_000,
  };
}

/** A fixed-width table for people, below the JSON lines for machines. */
export function simTable(rows: readonly SimBenchRow[]): string[] {
  const header = ['scenario', 'nodes', 'clients', 'seeds', 'events/s', 'of heap', 'sim:wall', 'seeds/s', 'sim:cpu', 'seeds/cpu-s', 'targets'];
  const cells = rows.map((r) => [
    r.scenario,
    String(r.nodes),
    String(r.clients),
    String(r.seeds),
    r.eventsPerSec.toLocaleString('en-US'),
    r.ofBareHeap === null ? '-' : `${(r.ofBareHeap * 100).toFixed(1)}%`,
    `${r.simToWall.toLocaleString('en-US')}×`,
    String(r.seedsPerSec),
    `${r.simToCpu.toLocaleString('en-US')}×`,
    String(r.seedsPerCpuSec),
    `${r.simToWall >= TARGET_SIM_TO_WALL ? 'ok' : 'below'} / ${r.seedsPerSec >= targetSeedsPerSec(r.protocol) ? 'ok' : 'below'} ${targetSeedsPerSec(r.protocol)}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]): string => c.map((v, i) => (i === 0 || i === 10 ? v.padEnd(widths[i] ?? 0) : v.padStart(widths[i] ?? 0))).join('  ');
  return [
    `simulation speed, one thread (targets: sim:wall >= ${TARGET_SIM_TO_WALL.toLocaleString('en-US')}x, seeds/s >= 100, pbft 60; the cpu columns divide by CPU time instead of wall time; "of heap" is events/s as a share of the bare event loop's)`,
    line(header),
    ...cells.map(line),
  ];
}

/** Seconds of wall time each sweep row aims at: long enough that thread start-up is a small part, as in a real sweep. */
export const SWEEP_SECONDS = 10;


/** One `sweep` over worker threads, one per core: what a user's sweep gets from this machine. */
export interface SweepBenchRow extends SpeedFigures {
  readonly bench: 'sweep';
  readonly workers: number;
}

/**
 * Seeds 1..`seeds` of `file` through the real sweep (worker threads, one per core, including
 * their start-up): events per second, simulated-to-wall time and seeds per second for the
 * machine as a whole.
 */
export async function benchSweep(file: string, seeds: number, workers = availableParallelism()): Promise<SweepBenchRow> {
  const started = performance.now();
  const { result, totals } = await sweep(file, { from: 1, to: seeds, workers, protocols: BUNDLED });
  const wallMs = performance.now() - started;
  return {
    bench: 'sweep',
    scenario: result.scenario,
    protocol: result.protocol,
    workers,
    seeds: totals.seedsRun,
    failed: result.failed.length,
    events: totals.events,
    wallMs: Math.round(wallMs * 10) / 10,
    eventsPerSec: Math.round((totals.events / wallMs) * 1000),
    simToWall: Math.round(totals.virtualMs / wallMs),
    seedsPerSec: Math.round((totals.seedsRun / wallMs) * 1000 * 10) / 10,
  };
}

/** The table for the sweep rows. */
export function sweepTable(rows: readonly SweepBenchRow[]): string[] {
  const header = ['scenario', 'workers', 'seeds', 'events/s', 'sim:wall', 'seeds/s', 'target'];
  const cells = rows.map((r) => [
    r.scenario,
    String(r.workers),
    String(r.seeds),
    r.eventsPerSec.toLocaleString('en-US'),
    `${r.simToWall.toLocaleString('en-US')}×`,
    String(r.seedsPerSec),
    r.simToWall / r.workers >= TARGET_SIM_TO_WALL ? 'ok' : 'below',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]): string => c.map((v, i) => (i === 0 || i === 6 ? v.padEnd(widths[i] ?? 0) : v.padStart(widths[i] ?? 0))).join('  ');
  return [
    `simulation speed, a sweep on every core, about ${SWEEP_SECONDS} s each (target per core: sim:wall >= ${TARGET_SIM_TO_WALL.toLocaleString('en-US')}x; thread start-up included)`,
    line(header),
    ...cells.map(line),
  ];
}

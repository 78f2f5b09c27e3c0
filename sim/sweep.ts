/**
 * `consensim sweep`: one scenario, many seeds, in worker threads.
 *
 * Each seed is an independent deterministic run, so the verdict for a seed never depends on which
 * worker ran it or when. The main thread hands out small batches of seeds in increasing order and
 * merges the outcomes by seed, so the result (apart from wall time) is the same for any number of
 * workers. `--shard K/N` takes every seed s with (s - from) % N === K - 1, so N machines running
 * shards 1/N..N/N together cover the range exactly once.
 *
 * The main thread loads and validates the scenario once (so a bad file is one error, before any
 * thread starts) and hands every worker the validated scenario as plain data; a worker then runs
 * whole seeds on its own and sends back only verdicts.
 *
 * With `failFast`, the sweep stops handing out seeds above the lowest failing seed found so far,
 * waits for the seeds below it, and reports only seeds up to the lowest failure: again the same
 * answer for any number of workers.
 *
 * With `checkDeterminism`, every seed runs twice, on two different worker threads, and a seed whose
 * two traces differ is a failure naming the first differing trace line (see determinism.ts).
 */
import { availableParallelism } from 'node:os';
import type { SweepFailure, SweepResult } from './result.js';
import { differenceReason, firstTraceDifference } from './determinism.js';
import { inputError } from './errors.js';
import { prepareJob } from './prepare.js';
import type { ProtocolSet } from './protocol-modules.js';
import type { Scenario } from './scenario/types.js';
import { runSeed, type SeedOutcome, type SweepJob } from './sweep-seed.js';
import { SweepPool } from './sweep-pool.js';
import { wallNowMs } from './wallclock.js';

export interface SweepProgress {
  readonly done: number;
  readonly total: number;
  readonly failed: number;
}

export interface SweepOptions {
  readonly from: number;
  /** Inclusive. */
  readonly to: number;
  /** Worker threads; default: the number of cores. 1 runs in this thread. */
  readonly workers?: number;
  /** 1-based shard k of n. */
  readonly shard?: { readonly k: number; readonly n: number };
  readonly extraBugs?: readonly string[];
  /** `--protocol`: a protocol name or a module path (relative to the current directory). */
  readonly protocol?: string;
  /** The protocols the sweep may use, from the caller (see ProtocolSet). */
  readonly protocols: ProtocolSet;
  readonly failFast?: boolean;
  readonly onProgress?: (progress: SweepProgress) => void;
  /** Worker threads to reuse across sweeps (sweep-all); `workers` is then ignored. */
  readonly pool?: SweepPool;
  /** Run every seed twice, in two worker threads (at least two are started), and compare the traces. */
  readonly checkDeterminism?: boolean;
  /**
   * Awaited between seeds run in this thread (one worker), so the caller's event loop can turn,
   * e.g. to handle Ctrl-C; sim/ itself has no timers.
   */
  readonly between?: () => Promise<void>;
  /** Called once, before any seed runs, with a function that summarizes the seeds finished so far. */
  readonly onPartial?: (soFar: () => SweepOutcome) => void;
}

export interface SweepOutcome {
  /** The object `sweep --json` prints (docs/cli.md). */
  readonly result: SweepResult;
  /** Totals over every seed that ran (with fail-fast, maybe a few past the first failure). */
  readonly totals: { readonly seedsRun: number; readonly events: number; readonly virtualMs: number };
}

/** A sweep may not be larger than this many seeds (bounded everything). */
export const MAX_SWEEP_SEEDS = 10_000_000;

/** The seeds of a sweep (or of one shard): first, first + step, ... (`count` of them). */
export interface SeedPlan {
  readonly first: number;
  readonly step: number;
  readonly count: number;
}

export function seedPlan(from: number, to: number, shard?: { k: number; n: number }): SeedPlan {
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to < from) {
    throw inputError('', 0, 0, '--seeds', `expected A..B with 0 ≤ A ≤ B, found ${from}..${to}`);
  }
  if (to - from + 1 > MAX_SWEEP_SEEDS) throw inputError('', 0, 0, '--seeds', `at most ${MAX_SWEEP_SEEDS} seeds per sweep, found ${to - from + 1}`);
  if (shard !== undefined && !(Number.isSafeInteger(shard.k) && Number.isSafeInteger(shard.n) && shard.n >= 1 && shard.k >= 1 && shard.k <= shard.n)) {
    throw inputError('', 0, 0, '--shard', `expected K/N with 1 ≤ K ≤ N, found ${shard.k}/${shard.n}`);
  }
  const first = from + (shard === undefined ? 0 : shard.k - 1);
  const step = shard?.n ?? 1;
  return { first, step, count: first > to ? 0 : Math.floor((to - first) / step) + 1 };
}

/** The seeds a sweep (or one shard of it) runs, in increasing order. */
export function sweepSeeds(from: number, to: number, shard?: { k: number; n: number }): number[] {
  const plan = seedPlan(from, to, shard);
  return Array.from({ length: plan.count }, (_, i) => plan.first + i * plan.step);
}

export async function sweep(source: string | Scenario, options: SweepOptions): Promise<SweepOutcome> {
  const prepared = await prepareJob(source, options);
  const protocols = prepared.protocols;
  const job: SweepJob = options.checkDeterminism === true ? { ...prepared.job, keepTrace: true } : prepared.job;
  const plan = seedPlan(options.from, options.to, options.shard);
  const started = wallNowMs();
  const tally = new Tally(plan, options);
  options.onPartial?.(() => tally.summarizeSoFar(job, options, wallNowMs() - started));
  // Without protocol modules to import (a caller's in-memory protocols), workers could not find
  // the protocol: everything then runs in this thread.
  const threads = SweepPool.available() && protocols.modules.length > 0;
  if (options.checkDeterminism === true) {
    await sweepTwice(job, plan, tally, options, protocols, threads);
  } else if (options.pool !== undefined && options.pool.size > 1 && threads) {
    await options.pool.run(job, plan, tally);
  } else {
    const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), plan.count));
    // From TypeScript source (tests) there is no compiled worker module: run in this thread.
    if (workers === 1 || !threads) {
      await runInThread(job, plan, tally, protocols, options.between);
    } else {
      const pool = new SweepPool(workers);
      try {
        await pool.run(job, plan, tally);
      } finally {
        await pool.close();
      }
    }
  }
  return tally.summarize(job, options, wallNowMs() - started);
}

/** `checkDeterminism`: each seed on two workers (a pool of at least two), or twice here without workers. */
async function sweepTwice(job: SweepJob, plan: SeedPlan, tally: Tally, options: SweepOptions, protocols: ProtocolSet, threads: boolean): Promise<void> {
  if (!threads) {
    // From TypeScript source there are no worker threads: two runs in this thread still catch
    // anything that differs from run to run (module state, global randomness), if not per-thread state.
    for (let i = 0; i < plan.count; i++) {
      const seed = plan.first + i * plan.step;
      if (tally.stopsBefore(seed)) break;
      tally.add(compareRuns(runSeed(job, seed, protocols), runSeed(job, seed, protocols)));
      await options.between?.();
    }
    return;
  }
  const shared = options.pool !== undefined && options.pool.size >= 2 ? options.pool : null;
  const pool = shared ?? new SweepPool(Math.max(2, Math.min(options.workers ?? availableParallelism(), 2 * plan.count)));
  try {
    await pool.runPaired(job, plan, tally, compareRuns);
  } finally {
    if (shared === null) await pool.close();
  }
}

/** Two runs of one seed: the first one's outcome, or a failure naming the first differing trace line. */
export function compareRuns(first: SeedOutcome, second: SeedOutcome): SeedOutcome {
  const { trace: firstTrace, ...outcome } = first;
  if (first.traceHash === second.traceHash && firstTrace === second.trace) return outcome;
  const difference = firstTraceDifference(firstTrace ?? '', second.trace ?? '');
  const reason = difference === null ? `nondeterministic: traceHash ${first.traceHash} in one run, ${second.traceHash} in the other` : differenceReason(difference);
  return { ...outcome, ok: false, reason, nondeterministic: true };
}

/**
 * What the sweep has seen so far: only the failures are kept (memory stays small for millions of
 * passing seeds), plus counters.
 */
export class Tally {
  private readonly failures: SeedOutcome[] = [];
  private done = 0;
  private events = 0;
  private virtualMs = 0;
  lowestFailure = Infinity;

  constructor(
    private readonly plan: SeedPlan,
    private readonly options: SweepOptions,
  ) {}

  add(outcome: SeedOutcome): void {
    this.done++;
    this.events += outcome.events;
    this.virtualMs += outcome.virtualMs;
    if (!outcome.ok) {
      this.failures.push(outcome);
      this.lowestFailure = Math.min(this.lowestFailure, outcome.seed);
    }
    this.options.onProgress?.({ done: this.done, total: this.plan.count, failed: this.failures.length });
  }

  /** With fail-fast, no seed above the lowest failure needs to run. */
  stopsBefore(seed: number): boolean {
    return this.options.failFast === true && seed > this.lowestFailure;
  }

  /** Ctrl-C: the seeds finished so far (not a contiguous range with several workers), marked `interrupted`. */
  summarizeSoFar(job: SweepJob, options: SweepOptions, wallMs: number): SweepOutcome {
    const sorted = [...this.failures].sort((a, b) => a.seed - b.seed);
    const result: SweepResult = {
      scenario: job.scenario.name,
      protocol: job.scenario.protocol,
      seeds: { from: options.from, to: options.to, count: this.done },
      passed: this.done - sorted.length,
      failed: sorted.map(failureRecord),
      wallMs: Math.round(wallMs),
      seedsPerSec: wallMs > 0 ? Math.round((this.done / wallMs) * 1000 * 10) / 10 : 0,
      interrupted: true,
    };
    return { result, totals: { seedsRun: this.done, events: this.events, virtualMs: this.virtualMs } };
  }

  summarize(job: SweepJob, options: SweepOptions, wallMs: number): SweepOutcome {
    const sorted = [...this.failures].sort((a, b) => a.seed - b.seed);
    const first = sorted[0];
    // Fail-fast reports exactly the seeds up to the lowest failure, whichever worker got further.
    const failFast = options.failFast === true && first !== undefined;
    const kept = failFast ? [first] : sorted;
    const count = failFast ? (first.seed - this.plan.first) / this.plan.step + 1 : this.plan.count;
    const result: SweepResult = {
      scenario: job.scenario.name,
      protocol: job.scenario.protocol,
      seeds: { from: options.from, to: options.to, count },
      passed: count - kept.length,
      failed: kept.map(failureRecord),
      wallMs: Math.round(wallMs),
      seedsPerSec: wallMs > 0 ? Math.round((this.done / wallMs) * 1000 * 10) / 10 : 0,
    };
    return { result, totals: { seedsRun: this.done, events: this.events, virtualMs: this.virtualMs } };
  }
}

function failureRecord(o: SeedOutcome): SweepFailure {
  return { seed: o.seed, reason: o.reason, repro: o.repro, traceHash: o.traceHash, ...(o.nondeterministic === true ? { nondeterministic: true } : {}) };
}

async function runInThread(job: SweepJob, plan: SeedPlan, tally: Tally, protocols: ProtocolSet, between: (() => Promise<void>) | undefined): Promise<void> {
  for (let i = 0; i < plan.count; i++) {
    const seed = plan.first + i * plan.step;
    if (tally.stopsBefore(seed)) break;
    tally.add(runSeed(job, seed, protocols));
    if (between !== undefined) await between();
  }
}

export type { SeedOutcome, SweepJob };
export { SweepPool };

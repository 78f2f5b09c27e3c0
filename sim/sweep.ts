/**
 * `consensim sweep`: one scenario, many seeds, in worker threads.
 *
 * Each seed is an independent deterministic run, so the verdict for a seed never depends on which
 * worker ran it or when. The main thread hands out small batches of seeds in increasing order and
 * merges the outcomes by seed, so the result (apart from wall time) is the same for any number of
 * workers. `--shard K/N` takes every seed s with (s - from) % N === K - 1, so N machines running
 * shards 1/N..N/N together cover the range exactly once.
 *
 * With `failFast`, the sweep stops handing out seeds above the lowest failing seed found so far,
 * waits for the seeds below it, and reports only seeds up to the lowest failure: again the same
 * answer for any number of workers.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SweepResult } from './result.js';
import { inputError } from './errors.js';
import { loadScenario } from './scenario/load.js';
import { withOverrides } from './scenario/overrides.js';
import type { Scenario } from './scenario/types.js';
import { runSeed, type SeedOutcome, type SweepJob } from './sweep-seed.js';
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
  readonly protocol?: string;
  readonly failFast?: boolean;
  readonly onProgress?: (progress: SweepProgress) => void;
}

export interface SweepOutcome {
  /** The Contract 2 object `sweep --json` prints. */
  readonly result: SweepResult;
  /** Totals over every seed reported, for speed reports (bench). */
  readonly totals: { readonly events: number; readonly virtualMs: number };
}

/** A sweep may not be larger than this many seeds (bounded everything). */
export const MAX_SWEEP_SEEDS = 100_000_000;
const MAX_BATCH = 16;

/** The seeds a sweep (or one shard of it) runs, in increasing order. */
export function sweepSeeds(from: number, to: number, shard?: { k: number; n: number }): number[] {
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to < from) {
    throw inputError('', 0, 0, '--seeds', `expected A..B with 0 ≤ A ≤ B, found ${from}..${to}`);
  }
  if (to - from + 1 > MAX_SWEEP_SEEDS) throw inputError('', 0, 0, '--seeds', `at most ${MAX_SWEEP_SEEDS} seeds per sweep, found ${to - from + 1}`);
  if (shard !== undefined && !(Number.isSafeInteger(shard.k) && Number.isSafeInteger(shard.n) && shard.n >= 1 && shard.k >= 1 && shard.k <= shard.n)) {
    throw inputError('', 0, 0, '--shard', `expected K/N with 1 ≤ K ≤ N, found ${shard.k}/${shard.n}`);
  }
  const seeds: number[] = [];
  const step = shard?.n ?? 1;
  for (let s = from + (shard === undefined ? 0 : shard.k - 1); s <= to; s += step) seeds.push(s);
  return seeds;
}

/** The job every worker runs: the scenario with `--protocol`/`--bug` applied, and the repro arguments. */
export function sweepJob(source: string | Scenario, options: { protocol?: string; extraBugs?: readonly string[] }): SweepJob {
  const loaded = typeof source === 'string' ? loadScenario(source) : source;
  const extraBugs = options.extraBugs ?? [];
  const scenario = withOverrides(loaded, { ...(options.protocol === undefined ? {} : { protocol: options.protocol }), bugs: extraBugs });
  // The engine appends `--bug X` for each extra bug itself; we add only what it cannot know.
  const reproArgs = scenario.protocol !== loaded.protocol ? ['--protocol', scenario.protocol] : [];
  return { scenario, extraBugs, reproArgs };
}

export async function sweep(source: string | Scenario, options: SweepOptions): Promise<SweepOutcome> {
  const job = sweepJob(source, options);
  const seeds = sweepSeeds(options.from, options.to, options.shard);
  const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), seeds.length));
  const started = wallNowMs();
  const workerFile = fileURLToPath(new URL('./sweep-worker.js', import.meta.url));
  // From TypeScript source (tests) there is no compiled worker module: run in this thread.
  const outcomes = workers === 1 || !existsSync(workerFile)
    ? runInThread(job, seeds, options)
    : await runInWorkers(job, seeds, workers, workerFile, options);
  return summarize(job, options, outcomes, wallNowMs() - started);
}

function runInThread(job: SweepJob, seeds: readonly number[], options: SweepOptions): SeedOutcome[] {
  const outcomes: SeedOutcome[] = [];
  let failed = 0;
  for (const seed of seeds) {
    const outcome = runSeed(job, seed);
    outcomes.push(outcome);
    if (!outcome.ok) failed++;
    options.onProgress?.({ done: outcomes.length, total: seeds.length, failed });
    if (!outcome.ok && options.failFast === true) break;
  }
  return outcomes;
}

/** Hand out batches in seed order to idle workers until every seed (or, fail-fast, every seed below the first failure) is done. */
function runInWorkers(job: SweepJob, seeds: readonly number[], count: number, workerFile: string, options: SweepOptions): Promise<SeedOutcome[]> {
  const batch = Math.max(1, Math.min(MAX_BATCH, Math.ceil(seeds.length / (count * 8))));
  const outcomes: SeedOutcome[] = [];
  let next = 0;
  let lowestFailure = Infinity;
  let failed = 0;
  return new Promise((resolve, reject) => {
    const pool: Worker[] = [];
    let busy = 0;
    const finish = (error?: unknown): void => {
      for (const w of pool) void w.terminate();
      if (error !== undefined) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve(outcomes);
    };
    const feed = (worker: Worker): void => {
      const stop = options.failFast === true && next < seeds.length && (seeds[next] as number) > lowestFailure;
      if (next >= seeds.length || stop) {
        if (busy === 0) finish();
        return;
      }
      const slice = seeds.slice(next, next + batch);
      next += slice.length;
      busy++;
      worker.postMessage(slice);
    };
    for (let i = 0; i < count; i++) {
      const worker = new Worker(workerFile, { workerData: job });
      pool.push(worker);
      worker.on('message', (done: SeedOutcome[]) => {
        busy--;
        for (const o of done) {
          outcomes.push(o);
          if (!o.ok) {
            failed++;
            lowestFailure = Math.min(lowestFailure, o.seed);
          }
        }
        options.onProgress?.({ done: outcomes.length, total: seeds.length, failed });
        feed(worker);
      });
      worker.on('error', finish);
      feed(worker);
    }
  });
}

function summarize(job: SweepJob, options: SweepOptions, all: readonly SeedOutcome[], wallMs: number): SweepOutcome {
  const sorted = [...all].sort((a, b) => a.seed - b.seed);
  const firstFailure = sorted.find((o) => !o.ok);
  // Fail-fast reports exactly the seeds up to the lowest failure, whichever worker got further.
  const kept = options.failFast === true && firstFailure !== undefined ? sorted.filter((o) => o.seed <= firstFailure.seed) : sorted;
  const failed = kept.filter((o) => !o.ok).map((o) => ({ seed: o.seed, reason: o.reason, repro: o.repro }));
  const totals = { events: 0, virtualMs: 0 };
  for (const o of kept) {
    totals.events += o.events;
    totals.virtualMs += o.virtualMs;
  }
  const result: SweepResult = {
    scenario: job.scenario.name,
    protocol: job.scenario.protocol,
    seeds: { from: options.from, to: options.to, count: kept.length },
    passed: kept.length - failed.length,
    failed,
    wallMs: Math.round(wallMs),
    seedsPerSec: wallMs > 0 ? Math.round((kept.length / wallMs) * 1000 * 10) / 10 : 0,
  };
  return { result, totals };
}

export type { SeedOutcome, SweepJob };

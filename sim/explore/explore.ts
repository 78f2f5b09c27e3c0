/**
 * `explore`: search for failures nobody scripted. Each run is a swarm configuration drawn from
 * (base seed, run number) — or, in guided mode, sometimes a mutation of a corpus entry that reached
 * new coverage — run with a coverage recorder. The first failing run (or, with keepGoing, every
 * one) is written as an explicit scenario file that `consensim run FILE` reproduces.
 *
 * Determinism across worker counts: runs go in fixed batches of BATCH_RUNS. Batch k is drawn from
 * the corpus and coverage as they stood after batch k-1, its outcomes are merged in run order, and
 * exploration stops only at a batch boundary, reporting the lowest failing run. So the same base
 * seed gives the same runs, the same coverage numbers and the same first failure whatever the
 * number of workers (only wall time differs). `--time` ends at a batch boundary too; how many
 * batches fit depends on the machine, but each run that ran is the same.
 */
import { availableParallelism } from 'node:os';
import type { ProtocolSet } from '../protocol-modules.js';
import { inputError } from '../errors.js';
import { bugProblem } from '../scenario/load.js';
import { withOverrides } from '../scenario/overrides.js';
import type { Scenario } from '../scenario/types.js';
import { wallNowMs } from '../wallclock.js';
import { writeFailure } from './failure.js';
import { mutate } from './mutate.js';
import { runCandidate, type ExploreRunOutcome, type FailureKind } from './outcome.js';
import { ExplorePool, type ExploreTask } from './pool.js';
import { drawSwarm, runStream, type SwarmDraw } from './swarm.js';
import { shellQuote } from '../sweep-seed.js';

export type ExploreMode = 'swarm' | 'guided';

export interface ExploreOptions {
  readonly protocol: string;
  /** A scenario to draw around (its cluster, network, workload, options; faults are drawn). */
  readonly base?: Scenario;
  readonly bugs?: readonly string[];
  readonly mode?: ExploreMode;
  /** Base seed (default 1). */
  readonly seed?: number;
  /** Run budget; default 1000 unless `timeMs` is given. */
  readonly runs?: number;
  /** Wall-time budget in ms (checked between batches). */
  readonly timeMs?: number;
  readonly workers?: number;
  readonly keepGoing?: boolean;
  /** Where failing scenarios are written; null writes nothing (tests, bench). */
  readonly outDir: string | null;
  readonly onProgress?: (progress: ExploreProgress) => void;
}

export interface ExploreProgress {
  readonly runs: number;
  /** The run budget, or null with a time budget. */
  readonly total: number | null;
  readonly coverage: number;
  readonly corpus: number;
  readonly failures: number;
  readonly runsPerSec: number;
}

export interface ExploreFailure {
  readonly run: number;
  readonly kind: FailureKind;
  readonly reason: string;
  /** The scenario file written ('' when nothing was written). */
  readonly file: string;
  readonly repro: string;
}

/** The object `explore --json` prints (the CLI adds `version`). */
export interface ExploreResult {
  readonly protocol: string;
  readonly mode: ExploreMode;
  readonly seed: number;
  readonly runs: number;
  readonly failures: readonly ExploreFailure[];
  /** Distinct abstract transitions reached over all runs. */
  readonly coverage: number;
  readonly runsPerSec: number;
  readonly wallMs: number;
}

export interface ExploreOutcome {
  readonly result: ExploreResult;
  /** The failing runs' scenarios, in run order (what was written, or would have been). */
  readonly failingScenarios: readonly Scenario[];
  /** Coverage after each batch: [runs, transitions]. */
  readonly growth: readonly (readonly [number, number])[];
}

/** Runs per batch: fixed, so the corpus evolves the same way for any number of workers. */
export const BATCH_RUNS = 16;
export const DEFAULT_RUNS = 1000;
export const MAX_RUNS = 10_000_000;
/** Bounded: the corpus keeps at most this many schedules (the oldest are replaced). */
export const MAX_CORPUS = 1000;
/** With keepGoing, at most this many failure files are written. */
export const MAX_FAILURE_FILES = 100;

/** `set`: the protocols explore may use, from the caller (worker threads import `set.modules`). */
export async function explore(options: ExploreOptions, set: ProtocolSet): Promise<ExploreOutcome> {
  const started = wallNowMs();
  const protocols = set.definitions;
  const protocol = protocols.find((p) => p.name === options.protocol);
  if (protocol === undefined) {
    throw inputError('', 0, 0, '--protocol', `unknown protocol "${options.protocol}"; expected one of ${protocols.map((p) => p.name).join(', ')}`);
  }
  const bugs = options.bugs ?? [];
  for (const bug of bugs) {
    const problem = bugProblem(bug, protocol);
    if (problem !== null) throw inputError('', 0, 0, '--bug', problem);
  }
  const base = options.base === undefined ? undefined : withOverrides(options.base, { protocol: protocol.name, bugs }, protocols);
  const seed = options.seed ?? 1;
  if (!Number.isSafeInteger(seed) || seed < 0) throw inputError('', 0, 0, '--seed', `expected a non-negative integer, found ${seed}`);
  const mode = options.mode ?? 'swarm';
  const budget = options.runs ?? (options.timeMs === undefined ? DEFAULT_RUNS : MAX_RUNS);
  if (!Number.isSafeInteger(budget) || budget < 1 || budget > MAX_RUNS) throw inputError('', 0, 0, '--runs', `expected 1 to ${MAX_RUNS} runs, found ${budget}`);

  const coverage = new Set<number>();
  const corpus: SwarmDraw[] = [];
  let corpusAdded = 0;
  const failures: { run: number; kind: FailureKind; reason: string; scenario: Scenario }[] = [];
  const growth: [number, number][] = [];
  const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), BATCH_RUNS));
  // Without modules to import (in-memory protocols from a test), workers could not find the protocol.
  const pool = workers > 1 && ExplorePool.available() && set.modules.length > 0 ? new ExplorePool(workers, set.modules) : null;
  let done = 0;
  try {
    while (done < budget) {
      if (options.timeMs !== undefined && wallNowMs() - started >= options.timeMs) break;
      const draws: SwarmDraw[] = [];
      const tasks: ExploreTask[] = [];
      for (let run = done + 1; run <= Math.min(budget, done + BATCH_RUNS); run++) {
        const draw = candidate(protocol, seed, run, bugs, base, mode, corpus);
        draws.push(draw);
        tasks.push({ run, scenario: draw.scenario });
      }
      const outcomes: ExploreRunOutcome[] = pool === null ? tasks.map((t) => runCandidate(t.run, t.scenario, protocols)) : await pool.runBatch(tasks);
      outcomes.forEach((outcome, i) => {
        let fresh = 0;
        for (const t of outcome.transitions) {
          if (!coverage.has(t)) {
            coverage.add(t);
            fresh++;
          }
        }
        const draw = draws[i] as SwarmDraw;
        if (fresh > 0 && mode === 'guided') {
          if (corpus.length < MAX_CORPUS) corpus.push(draw);
          else corpus[corpusAdded % MAX_CORPUS] = draw;
          corpusAdded++;
        }
        if (!outcome.ok) failures.push({ run: outcome.run, kind: outcome.kind ?? 'failed', reason: outcome.reason, scenario: draw.scenario });
      });
      done += tasks.length;
      growth.push([done, coverage.size]);
      const elapsed = wallNowMs() - started;
      options.onProgress?.({ runs: done, total: options.runs ?? (options.timeMs === undefined ? budget : null), coverage: coverage.size, corpus: corpus.length, failures: failures.length, runsPerSec: rate(done, elapsed) });
      if (failures.length > 0 && options.keepGoing !== true) break;
    }
  } finally {
    await pool?.close();
  }
  const kept = options.keepGoing === true ? failures : failures.slice(0, 1);
  const written = kept.map((f, i) => record(f, i, protocol.name, seed, mode, bugs, options.outDir, protocols));
  const wallMs = Math.round(wallNowMs() - started);
  return {
    result: { protocol: protocol.name, mode, seed, runs: done, failures: written, coverage: coverage.size, runsPerSec: rate(done, wallMs), wallMs },
    failingScenarios: kept.map((f) => f.scenario),
    growth,
  };
}

function rate(runs: number, ms: number): number {
  return ms > 0 ? Math.round((runs / ms) * 1000 * 10) / 10 : 0;
}

/** Run `run`'s scenario: a fresh swarm draw, or (guided, about half the time) a corpus mutation. */
export function candidate(
  protocol: ProtocolSet['definitions'][number],
  seed: number,
  run: number,
  bugs: readonly string[],
  base: Scenario | undefined,
  mode: ExploreMode,
  corpus: readonly SwarmDraw[],
): SwarmDraw {
  if (mode === 'guided' && corpus.length > 0) {
    const r = runStream(seed, run, 'guide');
    if (r.chance(0.5)) {
      // Newer entries more often: they hold the most recent discoveries.
      const back = Math.floor(corpus.length * r.next() * r.next());
      const parent = corpus[corpus.length - 1 - back] as SwarmDraw;
      return mutate(parent, r, `explore-${protocol.name}-${seed}-${run}`, protocol);
    }
  }
  return drawSwarm(protocol, seed, run, bugs, base);
}

function record(
  f: { run: number; kind: FailureKind; reason: string; scenario: Scenario },
  index: number,
  protocol: string,
  seed: number,
  mode: ExploreMode,
  bugs: readonly string[],
  outDir: string | null,
  protocols: ProtocolSet['definitions'],
): ExploreFailure {
  const flags = ['--protocol', protocol, ...bugs.flatMap((b) => ['--bug', b]), '--mode', mode, '--seed', String(seed)];
  if (outDir === null || index >= MAX_FAILURE_FILES) {
    return { run: f.run, kind: f.kind, reason: f.reason, file: '', repro: ['consensim', 'explore', ...flags, '--runs', String(f.run)].map(shellQuote).join(' ') };
  }
  const slug = bugs.length === 0 ? protocol : bugs.map((b) => b.replace(/[^A-Za-z0-9.-]/g, '_')).join('_');
  const name = `${slug}-seed${seed}-run${f.run}`.slice(0, 80);
  const description = `Found by consensim explore ${flags.join(' ')} (run ${f.run}): ${f.reason}`;
  const written = writeFailure(f.scenario, f.kind, outDir, name, description, protocols);
  // Never claim a reproduction we did not see: say so when the written file fails differently.
  const reason = written.reproduces ? f.reason : `${f.reason} (warning: the written file did not fail the same way when run on its own)`;
  return { run: f.run, kind: f.kind, reason, file: written.file, repro: ['consensim', 'run', written.file].map(shellQuote).join(' ') };
}

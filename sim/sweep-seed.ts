/**
 * One seed of a sweep, the same code in the main thread (one worker) and in worker threads: run
 * the scenario with that seed, without hashing the trace (a sweep wants verdicts, not
 * fingerprints), check the history as it is recorded instead of keeping it, and keep only what
 * the sweep reports. A failing seed is run once more with hashing, so its failure record carries
 * the `traceHash` that `run` of its reproduce command prints (same seed, same run: the second run
 * is the first one again, fingerprinted).
 */
import { runScenario, traceToJsonLines, type ProtocolChoice } from './run.js';
import type { Scenario } from './scenario/types.js';

/** What every worker needs to run any seed: plain data, so it crosses a thread boundary. */
export interface SweepJob {
  /** Already validated, with `--protocol` applied and `--bug` names added to `bugs`. */
  readonly scenario: Scenario;
  /** The `--bug` names from the command line (so the reproduce command repeats them). */
  readonly extraBugs: readonly string[];
  /** Arguments the reproduce command needs besides the file, the seed and the bugs (`--protocol P`). */
  readonly reproArgs: readonly string[];
  /**
   * `--check-determinism`: hash every seed and send back its whole trace as JSON Lines, so two
   * runs of it (in two threads) can be compared line by line. Slower, and memory per seed in flight.
   */
  readonly keepTrace?: boolean;
  /**
   * File URLs of the modules a worker thread imports to find `scenario.protocol` (the caller's
   * ProtocolSet modules: the bundled registry, a protocol module given by path).
   */
  readonly protocolModules: readonly string[];
}

export interface SeedOutcome {
  readonly seed: number;
  readonly ok: boolean;
  /** One line; '' when ok. */
  readonly reason: string;
  readonly repro: string;
  /** The failing run's traceHash (what `run` of `repro` prints); '' when ok (not computed, unless keepTrace) or when the run crashed. */
  readonly traceHash: string;
  /** With `keepTrace`: the trace as JSON Lines. */
  readonly trace?: string;
  /** Set by a determinism check whose two runs of this seed differed. */
  readonly nondeterministic?: boolean;
  readonly events: number;
  readonly virtualMs: number;
}

export function runSeed(job: SweepJob, seed: number, protocols: ProtocolChoice): SeedOutcome {
  try {
    const keep = job.keepTrace === true;
    // The history is checked segment by segment as the run goes, as `consensim run` does, and not
    // kept: a seed's memory does not grow with `duration`, and its reason is the one `run` prints.
    const options = { seed, extraBugs: job.extraBugs, reproArgs: job.reproArgs, protocols, keepHistory: false };
    const { result, trace } = runScenario(job.scenario, { ...options, collectTrace: keep, hashTrace: keep });
    // Passing seeds skip hashing (a sweep wants verdicts); a failure, rare and worth a
    // fingerprint, runs once more with the hash: the same seed gives the same run.
    const traceHash = keep || result.ok ? (keep ? result.traceHash : '') : runScenario(job.scenario, { ...options, collectTrace: false, hashTrace: true }).result.traceHash;
    return {
      seed,
      ok: result.ok,
      reason: result.ok ? '' : (result.reason ?? firstFailedCheck(result.checks)),
      repro: result.repro,
      traceHash,
      ...(keep ? { trace: traceToJsonLines(trace ?? []) } : {}),
      events: result.stats.events,
      virtualMs: result.stats.virtualMs,
    };
  } catch (error) {
    // The engine turns protocol assertions into failed runs; anything escaping it is still this
    // seed's failure, and the sweep must report it rather than lose the other seeds.
    const message = error instanceof Error ? error.message : String(error);
    return { seed, ok: false, reason: `crashed: ${message.split('\n')[0]}`, repro: reproCommand(job, seed), traceHash: '', events: 0, virtualMs: 0 };
  }
}

function firstFailedCheck(checks: { linearizable: unknown; invariants: readonly { name: string }[]; liveness: unknown }): string {
  const first = checks.invariants[0];
  if (first !== undefined) return `invariant ${first.name} violated`;
  if (checks.linearizable === false) return 'not linearizable';
  if (checks.liveness === false) return 'liveness: did not converge after heal';
  return 'failed';
}

/** `consensim run FILE --seed N [--protocol P] [--bug X]...` (as the engine writes it), for a seed that crashed. */
export function reproCommand(job: SweepJob, seed: number): string {
  const bugs = job.extraBugs.flatMap((bug) => ['--bug', bug]);
  return ['consensim', 'run', job.scenario.file, '--seed', String(seed), ...job.reproArgs, ...bugs].map(shellQuote).join(' ');
}

export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

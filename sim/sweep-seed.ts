/**
 * One seed of a sweep, the same code in the main thread (one worker) and in worker threads: run
 * the scenario with that seed, without hashing the trace (a sweep wants verdicts, not
 * fingerprints), and keep only what the sweep reports.
 */
import { runScenario, type ProtocolChoice } from './run.js';
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
  /** The failing run's traceHash (what `run` of `repro` prints); '' when ok. */
  readonly traceHash: string;
  readonly events: number;
  readonly virtualMs: number;
}

export function runSeed(job: SweepJob, seed: number, protocols: ProtocolChoice): SeedOutcome {
  try {
    const options = { seed, extraBugs: job.extraBugs, reproArgs: job.reproArgs, collectTrace: false, protocols };
    const { result } = runScenario(job.scenario, { ...options, hashTrace: false });
    // Passing seeds skip hashing (a sweep wants verdicts); a failure, rare and worth a
    // fingerprint, runs once more with the hash: the same seed gives the same run.
    const traceHash = result.ok ? '' : runScenario(job.scenario, { ...options, hashTrace: true }).result.traceHash;
    return {
      seed,
      ok: result.ok,
      reason: result.ok ? '' : (result.reason ?? firstFailedCheck(result.checks)),
      repro: result.repro,
      traceHash,
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

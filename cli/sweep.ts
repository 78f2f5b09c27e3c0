/**
 * `consensim sweep FILE --seeds A..B [--protocol P] [--bug NAME]... [--workers N] [--shard K/N]
 * [--json] [--fail-fast] [--check-determinism]`: many seeds of one scenario in worker threads.
 * Lists every failing seed with the command that reproduces it; exit status 1 when any seed
 * failed. Ctrl-C prints the tally of the seeds finished so far, then exits with status 130.
 */
import type { Command } from 'commander';
import { sweep, type SweepOutcome, type SweepResult } from '../sim/index.js';
import { bundledProtocols } from './protocols.js';
import { capWorkers, collect, parsePositive, parseSeedRange, parseShard } from './args.js';
import { chalk, printLine, setExitCode } from './output.js';
import { progressBar, type ProgressBar } from './progress.js';
import { count } from './format.js';
import { versionFields } from './version.js';

interface SweepFlags {
  seeds: { from: number; to: number };
  protocol?: string;
  bug: string[];
  workers?: number;
  shard?: { k: number; n: number };
  json?: boolean;
  failFast?: boolean;
  checkDeterminism?: boolean;
}

/** The exit status of a process stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const INTERRUPTED_EXIT = 130;

/** Failing seeds listed on a terminal; the JSON output always has them all. */
const MAX_LISTED = 50;

export function registerSweep(program: Command): void {
  program
    .command('sweep')
    .description('run one scenario over a range of seeds')
    .showHelpAfterError(false)
    .argument('<file>', 'scenario file (YAML or JSON)')
    .requiredOption('--seeds <A..B>', 'seed range, inclusive (e.g. 1..2000)', parseSeedRange)
    .option('--protocol <name|path>', 'run the scenario with another protocol (a name, or a module path such as ./my-protocol.ts)')
    .option('--bug <name>', 'switch on a bug variant (repeatable)', collect, [])
    .option('--workers <n>', 'worker threads (default and maximum: the number of cores)', parsePositive)
    .option('--shard <K/N>', 'run only shard K of N: seeds s with (s - A) % N == K - 1', parseShard)
    .option('--json', 'print the result as one JSON object')
    .option('--fail-fast', 'stop at the first (lowest) failing seed')
    .option('--check-determinism', 'run every seed twice, in two worker threads, and fail a seed whose two traces differ')
    .action((file: string, flags: SweepFlags) => sweepCommand(file, flags));
}

async function sweepCommand(file: string, flags: SweepFlags): Promise<void> {
  const bar = progressBar('sweep', flags.json !== true);
  const workers = capWorkers(flags.workers);
  const stopOnInterrupt = interruptHandler(bar, flags);
  try {
    const { result } = await sweep(file, {
      from: flags.seeds.from,
      to: flags.seeds.to,
      extraBugs: flags.bug,
      protocols: bundledProtocols(),
      failFast: flags.failFast === true,
      checkDeterminism: flags.checkDeterminism === true,
      onProgress: (p) => bar.update(p.done, p.total, p.failed),
      onPartial: stopOnInterrupt.watch,
      between: turnEventLoop,
      ...(workers === undefined ? {} : { workers }),
      ...(flags.shard === undefined ? {} : { shard: flags.shard }),
      ...(flags.protocol === undefined ? {} : { protocol: flags.protocol }),
    });
    bar.finish();
    printResult(result, flags);
    setExitCode(result.failed.length === 0 ? 0 : 1);
  } finally {
    stopOnInterrupt.remove();
  }
}

function printResult(result: SweepResult, flags: SweepFlags): void {
  if (flags.json === true) printLine(JSON.stringify({ ...result, ...versionFields() }));
  else for (const line of sweepLines(result)) printLine(line);
}

/** Let Ctrl-C be handled between seeds when they run in this thread (one worker). */
export function turnEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Ctrl-C during a sweep: end the progress line, print the tally of the seeds finished so far
 * (text, or the `--json` object with `interrupted: true`), exit 130. Without this, the sweep's
 * work so far would be lost and the terminal left on a half-drawn progress line.
 */
function interruptHandler(bar: ProgressBar, flags: SweepFlags): { watch: (soFar: () => SweepOutcome) => void; remove: () => void } {
  let soFar: (() => SweepOutcome) | null = null;
  const onSigint = (): void => {
    bar.finish();
    if (soFar !== null) printResult(soFar().result, flags);
    else process.stderr.write('interrupted before any seed finished\n');
    process.exit(INTERRUPTED_EXIT);
  };
  process.on('SIGINT', onSigint);
  return {
    watch: (summarize) => {
      soFar = summarize;
    },
    remove: () => {
      process.off('SIGINT', onSigint);
    },
  };
}

export function sweepLines(result: SweepResult): string[] {
  const { seeds } = result;
  const lines = [
    chalk.bold(`${result.scenario} · ${result.protocol} · seeds ${seeds.from}..${seeds.to} (${count(seeds.count)} run)`),
    ...(result.interrupted === true ? [chalk.yellow(`interrupted (Ctrl-C): the tally below covers the ${count(seeds.count)} seeds finished so far`)] : []),
    `${count(result.passed)} passed, ${result.failed.length === 0 ? chalk.green('0 failed') : chalk.red(`${result.failed.length} failed`)} in ${(result.wallMs / 1000).toFixed(1)}s (${result.seedsPerSec} seeds/s)`,
  ];
  if (result.failed.length > 1) lines.push(`failures by kind: ${failureKinds(result.failed.map((f) => f.reason))}`);
  const nondeterministic = result.failed.filter((f) => f.nondeterministic === true).length;
  if (nondeterministic > 0) lines.push(chalk.red.bold(`NONDETERMINISM: ${nondeterministic} seed${nondeterministic === 1 ? '' : 's'} ran differently twice; a seed no longer fixes the run`));
  for (const f of result.failed.slice(0, MAX_LISTED)) {
    lines.push(`${chalk.red(`seed ${f.seed}`)}: ${f.reason}`);
    lines.push(`  reproduce: ${f.repro}`);
  }
  if (result.failed.length > MAX_LISTED) lines.push(chalk.dim(`... and ${result.failed.length - MAX_LISTED} more (use --json for all)`));
  return lines;
}

/** "30× invariant applied-prefix violated, 4× history is not linearizable": reasons without their details. */
export function failureKinds(reasons: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const reason of reasons) {
    const kind = reason.split(/ at | \(|: /)[0] ?? reason;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([kind, n]) => `${n}× ${kind}`).join(', ');
}

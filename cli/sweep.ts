/**
 * `consensim sweep FILE --seeds A..B [--protocol P] [--bug NAME]... [--workers N] [--shard K/N]
 * [--json] [--fail-fast]`: many seeds of one scenario in worker threads. Lists every failing seed
 * with the command that reproduces it; exit status 1 when any seed failed.
 */
import type { Command } from 'commander';
import { sweep, type SweepResult } from '../sim/index.js';
import { bundledProtocols } from './protocols.js';
import { collect, parsePositive, parseSeedRange, parseShard } from './args.js';
import { chalk, printLine, setExitCode } from './output.js';
import { progressBar } from './progress.js';
import { count } from './format.js';

interface SweepFlags {
  seeds: { from: number; to: number };
  protocol?: string;
  bug: string[];
  workers?: number;
  shard?: { k: number; n: number };
  json?: boolean;
  failFast?: boolean;
}

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
    .option('--workers <n>', 'worker threads (default: number of cores)', parsePositive)
    .option('--shard <K/N>', 'run only shard K of N: seeds s with (s - A) % N == K - 1', parseShard)
    .option('--json', 'print the result as one JSON object')
    .option('--fail-fast', 'stop at the first (lowest) failing seed')
    .action((file: string, flags: SweepFlags) => sweepCommand(file, flags));
}

async function sweepCommand(file: string, flags: SweepFlags): Promise<void> {
  const bar = progressBar('sweep', flags.json !== true);
  const { result } = await sweep(file, {
    from: flags.seeds.from,
    to: flags.seeds.to,
    extraBugs: flags.bug,
    protocols: bundledProtocols(),
    failFast: flags.failFast === true,
    onProgress: (p) => bar.update(p.done, p.total, p.failed),
    ...(flags.workers === undefined ? {} : { workers: flags.workers }),
    ...(flags.shard === undefined ? {} : { shard: flags.shard }),
    ...(flags.protocol === undefined ? {} : { protocol: flags.protocol }),
  });
  bar.finish();
  if (flags.json === true) printLine(JSON.stringify(result));
  else for (const line of sweepLines(result)) printLine(line);
  setExitCode(result.failed.length === 0 ? 0 : 1);
}

export function sweepLines(result: SweepResult): string[] {
  const { seeds } = result;
  const lines = [
    chalk.bold(`${result.scenario} · ${result.protocol} · seeds ${seeds.from}..${seeds.to} (${count(seeds.count)} run)`),
    `${count(result.passed)} passed, ${result.failed.length === 0 ? chalk.green('0 failed') : chalk.red(`${result.failed.length} failed`)} in ${(result.wallMs / 1000).toFixed(1)}s (${result.seedsPerSec} seeds/s)`,
  ];
  if (result.failed.length > 1) lines.push(`failures by kind: ${failureKinds(result.failed.map((f) => f.reason))}`);
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

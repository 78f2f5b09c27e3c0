/**
 * `consensim explore [FILE] --protocol P [--bug NAME]... [--runs N | --time D] [--mode swarm|guided]
 * [--seed S] [--workers N] [--out DIR] [--keep-going] [--json]`: search for failures with drawn
 * configurations (sim/explore/). Writes each failing configuration as a scenario file under --out
 * and prints the one command that reproduces it. Exit 1 when a failure was found, 0 when the budget
 * ran out with none, 2 bad input. A progress line (runs, coverage and its growth, runs/s) goes to
 * stderr when it is a terminal.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import {
  explore,
  inputError,
  loadScenarioFile,
  parseDuration,
  resolveProtocol,
  type ExploreMode,
  type ExploreProgress,
  type ExploreResult,
  type Scenario,
} from '../sim/index.js';
import { bundledProtocols } from './protocols.js';
import { collect, parsePositive, parseSeed } from './args.js';
import { chalk, printLine, setExitCode } from './output.js';
import { versionFields } from './version.js';

interface ExploreFlags {
  protocol?: string;
  bug: string[];
  runs?: number;
  time?: number;
  mode: ExploreMode;
  seed: number;
  workers?: number;
  out: string;
  keepGoing?: boolean;
  json?: boolean;
}

function parseMode(value: string): ExploreMode {
  if (value !== 'swarm' && value !== 'guided') throw new InvalidArgumentError(`expected swarm or guided, found "${value}".`);
  return value;
}

function parseTime(value: string): number {
  const us = parseDuration(value);
  if (us === null || us <= 0) throw new InvalidArgumentError(`expected a duration with a unit (e.g. 60s, 5m), found "${value}".`);
  return Math.ceil(us / 1000);
}

export function registerExplore(program: Command): void {
  program
    .command('explore')
    .description('search for failures nobody scripted: drawn configurations, event-triggered faults, coverage guidance')
    .showHelpAfterError(false)
    .argument('[file]', 'a scenario to draw around (its cluster, network, workload; faults are drawn)')
    .option('--protocol <name>', "protocol to explore (default: the file's)")
    .option('--bug <name>', 'switch on a bug variant (repeatable)', collect, [])
    .option('--runs <n>', 'runs to try (default 1000)', parsePositive)
    .option('--time <duration>', 'wall time to explore for instead, e.g. 60s', parseTime)
    .option('--mode <mode>', 'swarm (fresh draws) or guided (also mutate schedules that reached new coverage)', parseMode, 'swarm' as ExploreMode)
    .option('--seed <n>', 'base seed: run k is a pure function of (seed, k)', parseSeed, 1)
    .option('--workers <n>', 'worker threads (default: number of cores); results do not depend on it', parsePositive)
    .option('--out <dir>', 'where failing scenarios are written', './consensim-failures')
    .option('--keep-going', 'collect every failure instead of stopping at the first')
    .option('--json', 'print the result as one JSON object')
    .action((file: string | undefined, flags: ExploreFlags) => exploreCommand(file, flags));
}

async function exploreCommand(file: string | undefined, flags: ExploreFlags): Promise<void> {
  let set = bundledProtocols();
  let base: Scenario | undefined;
  if (file !== undefined) ({ scenario: base, protocols: set } = await loadScenarioFile(file, set));
  let protocol = base?.protocol;
  // --protocol: a bundled name or a module path, as everywhere.
  if (flags.protocol !== undefined) {
    const resolved = await resolveProtocol(flags.protocol, set);
    set = resolved.set;
    protocol = resolved.protocol.name;
  }
  if (protocol === undefined) throw inputError('', 0, 0, '--protocol', 'missing; explore needs --protocol P (or a scenario file to draw around)');
  const progress = progressLine(flags.json !== true);
  const { result, growth } = await explore({
    protocol,
    bugs: flags.bug,
    mode: flags.mode,
    seed: flags.seed,
    outDir: flags.out,
    keepGoing: flags.keepGoing === true,
    onProgress: progress.update,
    ...(base === undefined ? {} : { base }),
    ...(flags.runs === undefined ? {} : { runs: flags.runs }),
    ...(flags.time === undefined ? {} : { timeMs: flags.time }),
    ...(flags.workers === undefined ? {} : { workers: flags.workers }),
  }, set);
  progress.finish();
  if (flags.json === true) printLine(JSON.stringify({ ...versionFields(), ...result }));
  else for (const line of exploreLines(result, growth)) printLine(line);
  setExitCode(result.failures.length === 0 ? 0 : 1);
}

export function exploreLines(result: ExploreResult, growth: readonly (readonly [number, number])[]): string[] {
  const lines = [chalk.bold(`explore · ${result.protocol} · ${result.mode} · seed ${result.seed}`)];
  const marks = growthMarks(growth);
  if (marks !== '') lines.push(`coverage: ${marks}`);
  const found = result.failures.length === 0 ? chalk.green('no failure') : chalk.red(`${result.failures.length} failure${result.failures.length === 1 ? '' : 's'}`);
  lines.push(`${result.runs} runs, ${found}, ${result.coverage} abstract transitions, ${(result.wallMs / 1000).toFixed(1)}s (${result.runsPerSec} runs/s)`);
  for (const f of result.failures) {
    lines.push(`${chalk.red(`run ${f.run}`)} [${f.kind}]: ${f.reason}`);
    if (f.file !== '') lines.push(`  written: ${f.file}`);
    lines.push(`  reproduce: ${f.repro}`);
  }
  return lines;
}

/** "16→412, 256→1390, 1024→2301": coverage at powers of two (and at the end). */
function growthMarks(growth: readonly (readonly [number, number])[]): string {
  const picked = growth.filter(([runs], i) => i === growth.length - 1 || (runs & (runs - 1)) === 0);
  return picked.map(([runs, cov]) => `${runs}→${cov}`).join(', ');
}

/** One line on stderr when it is a terminal: runs, coverage and its growth, corpus, failures, runs/s. */
function progressLine(wanted: boolean): { update: (p: ExploreProgress) => void; finish: () => void } {
  const stream = process.stderr;
  if (!wanted || stream.isTTY !== true) return { update: () => {}, finish: () => {} };
  let drawn = false;
  let lastCoverage = 0;
  return {
    update(p) {
      const total = p.total === null ? '' : `/${p.total}`;
      const delta = p.coverage - lastCoverage;
      lastCoverage = p.coverage;
      const failures = p.failures > 0 ? ` · ${p.failures} failed` : '';
      stream.write(`\r\x1b[2Kexplore ${p.runs}${total} runs · coverage ${p.coverage} (+${delta}) · corpus ${p.corpus}${failures} · ${p.runsPerSec.toFixed(0)} runs/s`);
      drawn = true;
    },
    finish() {
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}

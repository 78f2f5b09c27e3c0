/**
 * `consensim sweep-all [--seeds A..B] [--workers N] [--json]` (what `npm start` runs): sweep every
 * bundled scenario over a modest seed range and print one summary table.
 *
 * A scenario marked `expect: fail` teaches a failure (a bug variant switched on); for it, a caught
 * violation is the expected outcome ("caught (expected)", the sweep stops at the first one) and
 * a clean sweep is the surprise. Exit status 1 when any scenario did not do what it expects, 2
 * when a bundled file does not load.
 */
import { Option, type Command } from 'commander';
import { availableParallelism } from 'node:os';
import { loadCatalogue, sweep, SweepPool, type CatalogueEntry, type ProtocolSet, type SweepResult } from '../sim/index.js';
import { bundledProtocols } from './protocols.js';
import { capWorkers, displayPath, parsePositive, parseSeedRange } from './args.js';
import { chalk, printError, printLine, setExitCode } from './output.js';
import { progressBar, type ProgressBar } from './progress.js';
import { INTERRUPTED_EXIT, turnEventLoop } from './sweep.js';
import { versionFields } from './version.js';

interface SweepAllFlags {
  seeds: { from: number; to: number };
  workers?: number;
  json?: boolean;
}

type Verdict = 'passed' | 'FAILED' | 'caught (expected)' | 'NOT CAUGHT' | 'invalid';

interface Row {
  readonly file: string;
  readonly expect: 'pass' | 'fail';
  readonly verdict: Verdict;
  readonly result: SweepResult | null;
  readonly error?: string;
}

export function registerSweepAll(program: Command): void {
  program
    .command('sweep-all')
    .description('sweep every bundled scenario over a modest seed range (npm start)')
    .showHelpAfterError(false)
    // The default's description is what --help shows (commander would print the object as JSON).
    .addOption(new Option('--seeds <A..B>', 'seed range for each scenario').argParser(parseSeedRange).default({ from: 1, to: 50 }, '1..50'))
    .option('--workers <n>', 'worker threads (default and maximum: the number of cores)', parsePositive)
    .option('--json', 'print one JSON object')
    .action((flags: SweepAllFlags) => sweepAll(flags));
}

async function sweepAll(flags: SweepAllFlags): Promise<void> {
  const protocols = bundledProtocols();
  const catalogue = loadCatalogue(protocols.definitions);
  const table = flags.json === true ? null : new Table(catalogue);
  table?.start(flags.seeds);
  // One set of worker threads for every scenario: starting threads costs more than a short sweep.
  const workers = capWorkers(flags.workers) ?? availableParallelism();
  const pool = workers > 1 && SweepPool.available() ? new SweepPool(workers) : null;
  const rows: Row[] = [];
  // Ctrl-C: end the progress line, say how far the sweep got (the finished rows are already on
  // screen; with --json, print them), exit 130.
  const onSigint = (): void => {
    current.bar?.finish();
    if (table === null) printLine(JSON.stringify({ ...versionFields(), scenarios: rows, interrupted: true }));
    else process.stderr.write(`interrupted (Ctrl-C) after ${rows.length} of ${catalogue.length} scenarios\n`);
    process.exit(INTERRUPTED_EXIT);
  };
  process.on('SIGINT', onSigint);
  try {
    for (const entry of catalogue) {
      const row = await sweepOne(entry, flags, pool, protocols);
      rows.push(row);
      table?.row(row);
    }
  } finally {
    process.off('SIGINT', onSigint);
    await pool?.close();
  }
  if (table === null) printLine(JSON.stringify({ ...versionFields(), scenarios: rows }));
  else table.finish(rows);
  for (const row of rows) {
    if (row.verdict === 'invalid') setExitCode(2);
    if (row.verdict === 'FAILED' || row.verdict === 'NOT CAUGHT') setExitCode(1);
  }
}

async function sweepOne(entry: CatalogueEntry, flags: SweepAllFlags, pool: SweepPool | null, protocols: ProtocolSet): Promise<Row> {
  const file = displayPath(entry.file);
  if (entry.scenario === null) return { file, expect: 'pass', verdict: 'invalid', result: null, error: entry.error ?? '' };
  const expect = entry.scenario.expect ?? 'pass';
  const bar = progressBar(entry.scenario.name, flags.json !== true);
  current.bar = bar;
  // Relative file names keep the reproduce commands short and copyable.
  const { result } = await sweep({ ...entry.scenario, file }, {
    from: flags.seeds.from,
    to: flags.seeds.to,
    failFast: expect === 'fail',
    protocols,
    onProgress: (p) => bar.update(p.done, p.total, p.failed),
    between: turnEventLoop,
    ...(pool === null ? { workers: 1 } : { pool }),
  });
  bar.finish();
  current.bar = null;
  return { file, expect, verdict: verdictOf(expect, result), result };
}

/** The progress bar on screen now, so Ctrl-C can end its line. */
const current: { bar: ProgressBar | null } = { bar: null };

function verdictOf(expect: 'pass' | 'fail', result: SweepResult): Verdict {
  const failed = result.failed.length > 0;
  if (expect === 'fail') return failed ? 'caught (expected)' : 'NOT CAUGHT';
  return failed ? 'FAILED' : 'passed';
}

function paint(verdict: Verdict): (text: string) => string {
  switch (verdict) {
    case 'passed':
      return chalk.green;
    case 'caught (expected)':
      return chalk.cyan;
    case 'FAILED':
    case 'NOT CAUGHT':
    case 'invalid':
      return chalk.red;
  }
}

const HEADER = ['scenario', 'protocol', 'seeds', 'passed', 'failed', 'seeds/s', 'verdict'];
/** Columns 2..5 are numbers: right-aligned. */
const NUMERIC = [false, false, true, true, true, true, false];

/** The summary table, printed a row at a time as each scenario's sweep ends. */
class Table {
  private readonly widths: number[];
  private readonly count: number;

  constructor(catalogue: readonly CatalogueEntry[]) {
    const names = catalogue.map((e) => e.scenario?.name ?? displayPath(e.file));
    const protocols = catalogue.map((e) => e.scenario?.protocol ?? '-');
    this.widths = [Math.max(8, ...names.map((n) => n.length)), Math.max(8, ...protocols.map((p) => p.length)), 5, 6, 6, 7, 0];
    this.count = catalogue.length;
  }

  start(seeds: { from: number; to: number }): void {
    printLine(chalk.bold(`Sweeping ${this.count} bundled scenarios, seeds ${seeds.from}..${seeds.to}`));
    printLine(chalk.bold(this.line(HEADER)));
  }

  row(r: Row): void {
    const res = r.result;
    if (res === null) {
      printLine(paint(r.verdict)(this.line([r.file, '-', '-', '-', '-', '-', r.verdict])));
      return;
    }
    const caughtAt = r.verdict === 'caught (expected)' ? ` at seed ${res.failed[0]?.seed}` : '';
    const cells = [res.scenario, res.protocol, String(res.seeds.count), String(res.passed), String(res.failed.length), String(res.seedsPerSec), r.verdict + caughtAt];
    printLine(paint(r.verdict)(this.line(cells)));
  }

  /** Below the table: what went wrong, with reproduce commands. */
  finish(rows: readonly Row[]): void {
    for (const r of rows) {
      if (r.verdict === 'invalid') printError(`${r.file}: ${r.error ?? ''}`);
      if (r.verdict === 'NOT CAUGHT') printLine(chalk.red(`${r.result?.scenario}: expected a failure, but every seed passed`));
      if (r.verdict !== 'FAILED' || r.result === null) continue;
      for (const f of r.result.failed.slice(0, 5)) printLine(`${chalk.red(`${r.result.scenario} seed ${f.seed}`)}: ${f.reason}\n  reproduce: ${f.repro}`);
    }
  }

  private line(cells: readonly string[]): string {
    return cells.map((v, i) => (NUMERIC[i] === true ? v.padStart(this.widths[i] ?? 0) : v.padEnd(this.widths[i] ?? 0))).join('  ').trimEnd();
  }
}

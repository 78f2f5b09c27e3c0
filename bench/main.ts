/**
 * `npm run bench`: how fast the simulator and the checker are. Prints one JSON object per line
 * (machine-readable, prefixed by nothing) and then a table for people. Targets are reported,
 * never asserted: speed is not a test.
 *
 *   node dist/bench/main.js [--seeds N] [--budget-ms MS] [--only sim|sweep|check|report|long|explore]
 *   (explore: [--explore-runs N] [--sweep-seeds N] [--workers N] [--bug PART,PART])
 */
import { availableParallelism } from 'node:os';
import { benchBareHeap } from './heap.js';
import { benchExplore } from './explore.js';
import { benchLongRun, LONG_RUN_SCENARIOS, LONG_RUN_SECONDS, longRunRatio, longRunTable, type LongRunRatioRow, type LongRunRow } from './long.js';
import { benchScenario, benchSweep, DEFAULT_SIM_BENCH, nemesisScenarios, simTable, sweepTable, SWEEP_SECONDS, type SimBenchOptions, type SimBenchRow } from './sim.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function positive(name: string, fallback: number): number {
  const text = flag(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) {
    process.stderr.write(`error: ${name} expects a positive integer, found "${text}"\n`);
    process.exit(2);
  }
  return value;
}

async function benchSimulation(options: SimBenchOptions): Promise<SimBenchRow[]> {
  const scenarios = nemesisScenarios();
  if (scenarios.length === 0) {
    process.stdout.write('simulation bench skipped: no bundled <protocol>-nemesis scenario\n');
    return [];
  }
  const heap = benchBareHeap();
  process.stdout.write(JSON.stringify(heap) + '\n');
  const rows = [];
  for (const { file } of scenarios) {
    const row = benchScenario(file, options, heap.eventsPerSec);
    process.stdout.write(JSON.stringify(row) + '\n');
    rows.push(row);
  }
  process.stdout.write(`\nbare event loop (the same queue and records, no protocol, ${heap.queued} events waiting): ${heap.eventsPerSec.toLocaleString('en-US')} events/s\n`);
  process.stdout.write(simTable(rows).join('\n') + '\n\n');
  return rows;
}

/**
 * One sweep per nemesis scenario, sized from that scenario's one-thread rate (measured above, or
 * by a short calibration run) so that each takes about SWEEP_SECONDS on every core.
 */
async function benchSweeps(oneThread: readonly SimBenchRow[]): Promise<void> {
  const rows = [];
  const cores = availableParallelism();
  for (const { protocol, file } of nemesisScenarios()) {
    const rate = (oneThread.find((r) => r.protocol === protocol) ?? benchScenario(file, { seeds: 20, budgetMs: 2_000, warmup: 2 })).seedsPerSec;
    const seeds = Math.max(cores * 20, Math.round(rate * cores * SWEEP_SECONDS));
    const row = await benchSweep(file, seeds, cores);
    process.stdout.write(JSON.stringify(row) + '\n');
    rows.push(row);
  }
  if (rows.length > 0) process.stdout.write('\n' + sweepTable(rows).join('\n') + '\n\n');
}

async function benchChecking(): Promise<void> {
  // The checker bench lives in its own module, written separately; without it, say so and go on.
  const specifier = './check.js';
  let mod: { benchChecker?: () => unknown };
  try {
    mod = (await import(specifier)) as { benchChecker?: () => unknown };
  } catch {
    process.stdout.write('checker bench skipped: bench/check.js is not built\n');
    return;
  }
  if (typeof mod.benchChecker !== 'function') {
    process.stdout.write('checker bench skipped: bench/check.js exports no benchChecker()\n');
    return;
  }
  await mod.benchChecker();
}

/** Memory and speed of one long run of each scenario at each of LONG_RUN_SECONDS (each in its own process), and the ratio of the longest to the shortest. */
function benchLongRuns(): void {
  const rows: LongRunRow[] = [];
  const ratios: LongRunRatioRow[] = [];
  for (const file of LONG_RUN_SCENARIOS) {
    const mine: LongRunRow[] = [];
    for (const seconds of LONG_RUN_SECONDS) {
      const row = benchLongRun(seconds, file);
      process.stdout.write(JSON.stringify(row) + '\n');
      mine.push(row);
    }
    const [short, long] = [mine[0], mine[mine.length - 1]];
    if (short !== undefined && long !== undefined && long !== short) {
      const ratio = longRunRatio(short, long);
      process.stdout.write(JSON.stringify(ratio) + '\n');
      ratios.push(ratio);
    }
    rows.push(...mine);
  }
  process.stdout.write('\n' + longRunTable(rows, ratios).join('\n') + '\n\n');
}

const only = flag('--only');
const simOptions: SimBenchOptions = {
  seeds: positive('--seeds', DEFAULT_SIM_BENCH.seeds),
  budgetMs: positive('--budget-ms', DEFAULT_SIM_BENCH.budgetMs),
  warmup: DEFAULT_SIM_BENCH.warmup,
};
if (only !== undefined && !['sim', 'sweep', 'check', 'report', 'long', 'explore'].includes(only)) {
  process.stderr.write(`error: --only expects sim, sweep, check, report, long or explore, found "${only}"\n`);
  process.exit(2);
}
const oneThread = only === undefined || only === 'sim' ? await benchSimulation(simOptions) : [];
if (only === undefined || only === 'sweep') await benchSweeps(oneThread);
if (only === undefined || only === 'check') await benchChecking();
// Explore hunts every bug variant three ways: minutes, not seconds, so only when asked for.
if (only === 'explore') {
  const runs = positive('--explore-runs', 2000);
  await benchExplore(runs, positive('--workers', availableParallelism()), flag('--bug'), positive('--sweep-seeds', runs));
}
if (only === undefined || only === 'report') await benchReportPage();
if (only === undefined || only === 'long') benchLongRuns();

/** The HTML report's size and load time in headless Chromium (bench/report.ts). */
async function benchReportPage(): Promise<void> {
  const specifier = './report.js';
  const mod = (await import(specifier)) as { benchReport: () => Promise<{ scenario: string; bytes: number; loadMs: number }[]> };
  const rows = await mod.benchReport();
  process.stdout.write('\nreport                 size      load\n');
  for (const r of rows) process.stdout.write(`${r.scenario.padEnd(22)} ${(r.bytes / 1e6).toFixed(2).padStart(5)} MB  ${String(r.loadMs).padStart(5)} ms\n`);
}

/**
 * `consensim run FILE [--seed N] [--protocol P] [--bug NAME]... [--json] [--trace F] [--history F]
 * [--report F.html] [--check-determinism]`: one deterministic run. Prints the seed banner first
 * and, on failure, the exact command that reproduces it last. Exit status 0 passed, 1 a check
 * failed (also for a scenario marked `expect: fail`, whose failure is the lesson: the summary
 * says so), 2 bad input. `--check-determinism` runs the seed a second time in a worker thread and
 * fails (exit 1) when the two traces differ, showing the first differing line of each.
 */
import type { Command } from 'commander';
import { closeSync, openSync, writeSync } from 'node:fs';
import { extname } from 'node:path';
import {
  checkHistory,
  firstTraceDifference,
  prepareJob,
  runScenario,
  SweepPool,
  toEdn,
  toJsonLines,
  traceToJsonLines,
  type Counterexample,
  type RunOutcome,
  type Scenario,
  type SweepJob,
  type TraceDifference,
  type ProtocolSet,
  explainOutcome,
  inputError,
} from '../sim/index.js';
import { bundledProtocols } from './protocols.js';
import { checkOutputPath, collect, parseSeed, writeOutput } from './args.js';
import { chalk, printError, printLine, printWarning, setExitCode } from './output.js';
import { versionFields } from './version.js';
import { renderReport } from './report.js';
import { renderCounterexample } from './timeline.js';
import { count } from './format.js';
import { banner, counterexampleText, skippedFaultLines, summaryLines } from './summary.js';

interface RunFlags {
  seed?: number;
  protocol?: string;
  bug: string[];
  json?: boolean;
  trace?: string;
  history?: string;
  report?: string;
  checkDeterminism?: boolean;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run one scenario with one seed and check it')
    .showHelpAfterError(false)
    .argument('<file>', 'scenario file (YAML or JSON)')
    .option('--seed <n>', "seed (default: the scenario's seed)", parseSeed)
    .option('--protocol <name|path>', 'run the scenario with another protocol (a name, or a module path such as ./my-protocol.ts)')
    .option('--bug <name>', 'switch on a bug variant (repeatable)', collect, [])
    .option('--json', 'print the result as one JSON object')
    .option('--trace <file>', 'write the trace as JSON Lines')
    .option('--history <file>', 'write the client history (JSON Lines; .edn for Jepsen EDN)')
    .option('--report <file>', 'write a self-contained HTML report')
    .option('--check-determinism', 'run the seed again in a worker thread; fail if the two traces differ')
    .action((file: string, flags: RunFlags) => runCommand(file, flags));
}

async function runCommand(file: string, flags: RunFlags): Promise<void> {
  const { job, protocols } = await prepareJob(file, { ...(flags.protocol === undefined ? {} : { protocol: flags.protocol }), extraBugs: flags.bug, protocols: bundledProtocols() });
  const scenario = job.scenario;
  const seed = flags.seed ?? scenario.seed;
  checkOutputPath(flags.trace, '--trace');
  checkOutputPath(flags.history, '--history');
  checkOutputPath(flags.report, '--report');
  if (flags.json !== true) printLine(banner(scenario, seed));
  const traceFile = flags.trace === undefined ? null : openTraceFile(flags.trace);
  // The history is kept only when a file needs it; otherwise it is checked as the run goes, so a
  // long run does not hold it (same verdict).
  const keepHistory = flags.history !== undefined || flags.report !== undefined;
  const options = { seed, extraBugs: job.extraBugs, reproArgs: job.reproArgs, hashTrace: true, keepHistory, protocols };
  let outcome: RunOutcome;
  try {
    outcome = runScenario(scenario, {
      ...options,
      // The report and the determinism check read the trace in memory; --trace streams it to the file.
      collectTrace: flags.report !== undefined || flags.checkDeterminism === true,
      ...(traceFile === null ? {} : { traceWriter: traceFile.write }),
    });
  } finally {
    traceFile?.close();
  }
  const { result } = outcome;
  const difference = flags.checkDeterminism === true ? await secondRunDiffers(job, seed, outcome) : null;
  // To show why a history is not linearizable the checker needs all of it: the same seed again gives it.
  const shown = flags.json !== true || flags.report !== undefined;
  const failedHistory = result.checks.linearizable !== false || !shown ? null : keepHistory ? outcome.history : runScenario(scenario, { ...options, keepHistory: true }).history;
  const counterexample = failedHistory === null ? null : findCounterexample(failedHistory);
  const written = writeFiles(flags, { ...scenario, seed }, outcome, counterexample, protocols);
  const determinism = flags.checkDeterminism === true ? { deterministic: difference === null, ...(difference === null ? {} : { difference }) } : {};
  if (flags.json === true) printLine(JSON.stringify({ ...result, ...determinism, ...versionFields() }));
  else {
    for (const line of skippedFaultLines(result.skippedFaults)) printWarning(line);
    for (const line of summaryLines(result, counterexample === null ? null : renderCounterexample(counterexample, null).join('\n'), written, scenario.expect === 'fail')) printLine(line);
    if (flags.checkDeterminism === true) for (const line of determinismLines(difference, result.repro)) printLine(line);
  }
  setExitCode(result.ok && difference === null ? 0 : 1);
}

/**
 * `--check-determinism`: the same seed in a worker thread (a fresh module state, another heap),
 * compared with this thread's run line by line. Null when the traces are identical.
 */
async function secondRunDiffers(job: SweepJob, seed: number, outcome: RunOutcome): Promise<TraceDifference | null> {
  if (!SweepPool.available()) throw new Error('--check-determinism needs the built worker module (npm run build)');
  const pool = new SweepPool(1);
  try {
    const second = await pool.runOne({ ...job, keepTrace: true }, seed);
    const first = traceToJsonLines(outcome.trace ?? []);
    if (second.traceHash === outcome.result.traceHash && second.trace === first) return null;
    // Line 0: the texts agree but the hashes do not; the "lines" are then the two hashes.
    return firstTraceDifference(first, second.trace ?? '') ?? { line: 0, first: outcome.result.traceHash, second: second.traceHash };
  } finally {
    await pool.close();
  }
}

/** Loud, on purpose: a seed that does not fix the run breaks every reproduce command. */
function determinismLines(difference: TraceDifference | null, repro: string): string[] {
  if (difference === null) return [chalk.green('deterministic: a second run in a worker thread produced the same trace')];
  const show = (text: string | null): string => text ?? '(the trace had ended)';
  if (difference.line === 0) {
    // Same text, different fingerprints: the hashing itself saw something else (line 0 holds the hashes).
    printError(`NONDETERMINISM: two runs of this seed have traceHash ${show(difference.first)} and ${show(difference.second)}`);
    return [chalk.red.bold('NONDETERMINISM: the two runs hashed their traces differently, though the trace texts are the same'), `reproduce: ${repro} --check-determinism`];
  }
  printError(`NONDETERMINISM: two runs of this seed differ at trace line ${difference.line}`);
  return [
    chalk.red.bold(`NONDETERMINISM: two runs of this seed differ; first differing trace line: ${difference.line}`),
    `  this thread:   ${show(difference.first)}`,
    `  worker thread: ${show(difference.second)}`,
    `reproduce: ${repro} --check-determinism`,
  ];
}

/** Write the files asked for; returns one note per file written ("trace t.jsonl (1,234 events)"). */
function writeFiles(flags: RunFlags, scenario: Scenario, outcome: RunOutcome, counterexample: Counterexample | null, protocols: ProtocolSet): string[] {
  const notes: string[] = [];
  // Trace records, not the "events run" of the summary: sends, drops and notes have lines too.
  if (flags.trace !== undefined) notes.push(`trace ${flags.trace} (${count(outcome.traceEvents ?? 0)} trace records)`);
  if (flags.history !== undefined) {
    const edn = extname(flags.history).toLowerCase() === '.edn';
    writeOutput(flags.history, edn ? toEdn(outcome.history) : toJsonLines(outcome.history), '--history');
    notes.push(`history ${flags.history} (${count(outcome.history.length)} events, ${edn ? 'EDN' : 'JSON Lines'})`);
  }
  if (flags.report !== undefined) {
    const text = counterexample === null ? null : counterexampleText(counterexample);
    const story = outcome.trace === null ? null : explainOutcome(scenario, outcome, protocols);
    writeOutput(flags.report, renderReport({ scenario, outcome, counterexample: text, story, version: versionFields() }), '--report');
    notes.push(`report ${flags.report}`);
  }
  return notes;
}

/**
 * `--trace F`, opened before the run and written batch by batch as the run goes: memory stays at
 * one batch however long the trace (the bytes are the ones the traceHash covers).
 */
function openTraceFile(path: string): { write: (text: string) => void; close: () => void } {
  const fail = (error: unknown): never => {
    const code = (error as { code?: string }).code ?? 'unknown error';
    throw inputError(path, 0, 0, '--trace', `cannot write the file (${code})`);
  };
  let fd = -1;
  try {
    fd = openSync(path, 'w');
  } catch (error) {
    fail(error);
  }
  return {
    write: (text) => {
      try {
        const bytes = Buffer.from(text, 'utf8');
        for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written);
      } catch (error) {
        fail(error);
      }
    },
    close: () => closeSync(fd),
  };
}

/** Budget for re-checking a failed history to show why it is not linearizable. */
const COUNTEREXAMPLE_TIMEOUT_MS = 10_000;

/** The run says "not linearizable"; the checker says why (the engine's result carries only the verdict). */
function findCounterexample(history: RunOutcome['history']): Counterexample | null {
  const check = checkHistory(history, { model: 'kv', timeoutMs: COUNTEREXAMPLE_TIMEOUT_MS });
  return check.counterexample ?? null;
}

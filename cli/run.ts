/**
 * `consensim run FILE [--seed N] [--protocol P] [--bug NAME]... [--json] [--trace F] [--history F]
 * [--report F.html]`: one deterministic run. Prints the seed banner first and, on failure, the
 * exact command that reproduces it last. Exit status 0 passed, 1 a check failed, 2 bad input.
 */
import type { Command } from 'commander';
import { closeSync, openSync, writeSync } from 'node:fs';
import { extname } from 'node:path';
import { checkHistory, type Counterexample } from '../sim/check/index.js';
import { toEdn, toJsonLines } from '../sim/history/index.js';
import { inputError } from '../sim/errors.js';
import { runScenario, type RunOutcome } from '../sim/run.js';
import type { Scenario } from '../sim/scenario/types.js';
import { sweepJob } from '../sim/sweep.js';
import { checkOutputPath, collect, parseSeed, writeOutput } from './args.js';
import { printLine, printWarning, setExitCode } from './output.js';
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
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run one scenario with one seed and check it')
    .showHelpAfterError(false)
    .argument('<file>', 'scenario file (YAML or JSON)')
    .option('--seed <n>', "seed (default: the scenario's seed)", parseSeed)
    .option('--protocol <name>', 'run the scenario with another protocol')
    .option('--bug <name>', 'switch on a bug variant (repeatable)', collect, [])
    .option('--json', 'print the result as one JSON object')
    .option('--trace <file>', 'write the trace as JSON Lines')
    .option('--history <file>', 'write the client history (JSON Lines; .edn for Jepsen EDN)')
    .option('--report <file>', 'write a self-contained HTML report')
    .action((file: string, flags: RunFlags) => runCommand(file, flags));
}

function runCommand(file: string, flags: RunFlags): void {
  const job = sweepJob(file, { ...(flags.protocol === undefined ? {} : { protocol: flags.protocol }), extraBugs: flags.bug });
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
  const options = { seed, extraBugs: job.extraBugs, reproArgs: job.reproArgs, hashTrace: true, keepHistory };
  let outcome: RunOutcome;
  try {
    outcome = runScenario(scenario, {
      ...options,
      // A report draws only roles, faults and phases; the full trace is streamed to --trace.
      collectTrace: flags.report !== undefined,
      collectTraceKinds: REPORT_TRACE_KINDS,
      ...(traceFile === null ? {} : { traceWriter: traceFile.write }),
    });
  } finally {
    traceFile?.close();
  }
  const { result } = outcome;
  // To show why a history is not linearizable the checker needs all of it: the same seed again gives it.
  const shown = flags.json !== true || flags.report !== undefined;
  const failedHistory = result.checks.linearizable !== false || !shown ? null : keepHistory ? outcome.history : runScenario(scenario, { ...options, keepHistory: true }).history;
  const counterexample = failedHistory === null ? null : findCounterexample(failedHistory);
  const written = writeFiles(flags, { ...scenario, seed }, outcome, counterexample);
  if (flags.json === true) {
    printLine(JSON.stringify(result));
  } else {
    for (const line of skippedFaultLines(result.skippedFaults)) printWarning(line);
    for (const line of summaryLines(result, counterexample === null ? null : renderCounterexample(counterexample, null).join('\n'), written)) printLine(line);
  }
  setExitCode(result.ok ? 0 : 1);
}

/** Write the files asked for; returns one note per file written ("trace t.jsonl (1,234 events)"). */
function writeFiles(flags: RunFlags, scenario: Scenario, outcome: RunOutcome, counterexample: Counterexample | null): string[] {
  const notes: string[] = [];
  if (flags.trace !== undefined) notes.push(`trace ${flags.trace} (${count(outcome.traceEvents ?? 0)} events)`);
  if (flags.history !== undefined) {
    const edn = extname(flags.history).toLowerCase() === '.edn';
    writeOutput(flags.history, edn ? toEdn(outcome.history) : toJsonLines(outcome.history), '--history');
    notes.push(`history ${flags.history} (${count(outcome.history.length)} events, ${edn ? 'EDN' : 'JSON Lines'})`);
  }
  if (flags.report !== undefined) {
    const text = counterexample === null ? null : counterexampleText(counterexample);
    writeOutput(flags.report, renderReport({ scenario, outcome, counterexample: text }), '--report');
    notes.push(`report ${flags.report}`);
  }
  return notes;
}

/** The trace kinds the HTML report draws (its timeline of roles, faults and phases). */
const REPORT_TRACE_KINDS = ['role', 'fault', 'phase'] as const;

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

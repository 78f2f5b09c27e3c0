/**
 * `consensim check HISTORY... [--model M] [--init JSON] [--timeout MS] [--json]` (see docs/cli.md).
 *
 * Several files in one process. With --json, one object per file per line:
 * `{ file, linearizable, ops, keys, wallMs, strategies, counterexample? }`; `wallMs` times the
 * check alone, parsing excluded; `strategies` lists the keys each strategy decided (`zones` for
 * unique-writes registers, `wgl` for the general search). Exit 0 if every file is linearizable, 1 if any is not (or "unknown"), 2 on bad
 * input (a bad file is reported and the others are still checked).
 */
import type { Command } from 'commander';
import { checkHistory, InputError, inputError, MODELS, parseJsonExact, readHistoryFile, toJsonText, wallNowMs, type CheckOptions, type CheckResult, type Model, type Value } from '../sim/index.js';
import { chalk, printError, printLine, setExitCode } from './output.js';
import { renderCounterexample } from './timeline.js';

interface CheckFlags {
  readonly model: string;
  readonly init: string;
  readonly timeout?: string;
  readonly json?: boolean;
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('check history files (JSON Lines or Jepsen EDN) for linearizability')
    .argument('<history...>', 'history files')
    .option('--model <model>', `the data type: ${MODELS.join(' | ')}`, 'kv')
    .option('--init <json>', 'initial value of every key, as JSON (e.g. \'""\')', 'null')
    .option('--timeout <ms>', 'give up on a file after this many milliseconds: verdict "unknown"')
    .option('--json', 'print one JSON object per file per line')
    .action((files: string[], flags: CheckFlags) => {
      runCheck(files, flags);
    });
}

function runCheck(files: readonly string[], flags: CheckFlags): void {
  const options = parseOptions(flags);
  for (const file of files) {
    let events;
    try {
      events = readHistoryFile(file);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      printError(error.message);
      setExitCode(2);
      continue;
    }
    let result: CheckResult;
    const startMs = wallNowMs();
    try {
      result = checkHistory(events, options);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      printError(`${file}: ${error.message}`);
      setExitCode(2);
      continue;
    }
    const wallMs = Math.round((wallNowMs() - startMs) * 1000) / 1000;
    setExitCode(result.linearizable === true ? 0 : 1);
    if (flags.json === true) printJson(file, result, wallMs);
    else printHuman(file, result, wallMs, options);
  }
}

function parseOptions(flags: CheckFlags): CheckOptions {
  const model = MODELS.find((m) => m === flags.model);
  if (model === undefined) {
    throw inputError('', 0, 0, '--model', `expected one of ${MODELS.join(', ')}, found ${JSON.stringify(flags.model)}`);
  }
  let init: unknown;
  try {
    init = parseJsonExact(flags.init);
  } catch {
    throw inputError('', 0, 0, '--init', `expected a JSON value such as null, 0 or '""', found ${flags.init}`);
  }
  if (!(init === null || typeof init === 'string' || typeof init === 'bigint' || (typeof init === 'number' && Number.isFinite(init)))) {
    throw inputError('', 0, 0, '--init', `expected a number, a string or null, found ${flags.init}`);
  }
  const base: { model: Model; init: Value } = { model, init };
  if (flags.timeout === undefined) return base;
  const timeoutMs = Number(flags.timeout);
  if (!/^\d+(\.\d+)?$/.test(flags.timeout) || !(timeoutMs > 0)) {
    throw inputError('', 0, 0, '--timeout', `expected a positive number of milliseconds, found ${flags.timeout}`);
  }
  return { ...base, timeoutMs };
}

function printJson(file: string, result: CheckResult, wallMs: number): void {
  const line = {
    file,
    linearizable: result.linearizable,
    ops: result.ops,
    keys: result.keys,
    wallMs,
    strategies: result.strategies,
    ...(result.linearizable === false && result.counterexample !== undefined ? { counterexample: result.counterexample } : {}),
  };
  printLine(toJsonText(line));
}

function printHuman(file: string, result: CheckResult, wallMs: number, options: CheckOptions): void {
  const size = `${result.ops} op${result.ops === 1 ? '' : 's'}, ${result.keys} key${result.keys === 1 ? '' : 's'}, ${wallMs.toFixed(wallMs < 10 ? 2 : 0)} ms`;
  if (result.linearizable === true) {
    printLine(`${chalk.green('✓')} ${file}: ${chalk.green('linearizable')} (${size})`);
    return;
  }
  if (result.linearizable === 'unknown') {
    const why = options.timeoutMs !== undefined ? `the ${options.timeoutMs} ms budget ran out` : 'the search outgrew its memory bound';
    printLine(`${chalk.yellow('?')} ${file}: ${chalk.yellow('unknown')}: ${why} on key ${JSON.stringify(result.failedKey ?? null)} (${size})`);
    return;
  }
  printLine(`${chalk.red('✗')} ${file}: ${chalk.red.bold('not linearizable')} (${size})`);
  if (result.counterexample !== undefined) {
    for (const line of renderCounterexample(result.counterexample, options.init ?? null)) printLine(line);
  }
}

/**
 * Argument parsers shared by run, sweep and sweep-all. A bad value is a commander usage error
 * (exit status 2, one line on stderr).
 */
import { InvalidArgumentError } from 'commander';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { inputError } from '../sim/index.js';

export function parseSeed(value: string): number {
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError(`expected a non-negative integer, found "${value}".`);
  }
  return Number(value);
}

export function parsePositive(value: string): number {
  if (!/^[1-9][0-9]*$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError(`expected a positive integer, found "${value}".`);
  }
  return Number(value);
}

/** `A..B` with 0 ≤ A ≤ B (or a single seed `A`). */
export function parseSeedRange(value: string): { from: number; to: number } {
  const match = /^([0-9]+)(?:\.\.([0-9]+))?$/.exec(value);
  const from = match ? Number(match[1]) : NaN;
  const to = match ? Number(match[2] ?? match[1]) : NaN;
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || to < from) {
    throw new InvalidArgumentError(`expected a seed range A..B with 0 <= A <= B (e.g. 1..2000), found "${value}".`);
  }
  return { from, to };
}

/** `K/N` with 1 ≤ K ≤ N. */
export function parseShard(value: string): { k: number; n: number } {
  const match = /^([1-9][0-9]*)\/([1-9][0-9]*)$/.exec(value);
  const k = match ? Number(match[1]) : NaN;
  const n = match ? Number(match[2]) : NaN;
  if (!(k >= 1 && k <= n && Number.isSafeInteger(n))) {
    throw new InvalidArgumentError(`expected K/N with 1 <= K <= N (e.g. 2/4), found "${value}".`);
  }
  return { k, n };
}

/**
 * `--workers N` above the number of cores is capped at it, with a note on stderr: each worker is a
 * thread with its own heap, and threads beyond the cores only add memory and switching (1,000
 * workers on 200 seeds took 3.1 GB and ran 15 times slower). `cores` is for tests.
 */
export function capWorkers(requested: number | undefined, cores = availableParallelism()): number | undefined {
  if (requested === undefined || requested <= cores) return requested;
  process.stderr.write(`note: --workers ${requested} is more than the ${cores} core${cores === 1 ? '' : 's'} here; using ${cores}\n`);
  return cores;
}

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Write an output file; failure is bad input (exit 2) naming the option. */
export function writeOutput(path: string, text: string, option: string): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'unknown error';
    throw inputError(path, 0, 0, option, `cannot write the file (${code})`);
  }
}

/** Fail before a long run, not after it, when an output file cannot be created. */
export function checkOutputPath(path: string | undefined, option: string): void {
  if (path === undefined) return;
  const parent = dirname(resolve(path));
  if (!existsSync(parent) || !statSync(parent).isDirectory()) throw inputError(path, 0, 0, option, `cannot write the file (no directory ${parent})`);
  if (existsSync(path) && statSync(path).isDirectory()) throw inputError(path, 0, 0, option, 'cannot write the file (it is a directory)');
}

/** A path as the user would type it from here: relative when under the current directory. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/**
 * `consensim list --json | head` closes stdout early: that is not an error, so stop quietly with
 * the status so far instead of dying on EPIPE with a stack trace.
 */
export function stopQuietlyOnClosedPipe(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
}

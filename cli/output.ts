/**
 * Printing and exit status, in one place. Colour comes from chalk, which honours NO_COLOR and
 * FORCE_COLOR and turns itself off when stdout is not a terminal.
 */
import chalk from 'chalk';

export { chalk };

export function printLine(text: string): void {
  process.stdout.write(text + '\n');
}

export function printError(text: string): void {
  process.stderr.write(chalk.red('error: ') + text + '\n');
}

export function printWarning(text: string): void {
  process.stderr.write(chalk.yellow('warning: ') + text + '\n');
}

/** Raise the exit status (2 beats 1 beats 0). */
export function setExitCode(code: 0 | 1 | 2): void {
  const current = typeof process.exitCode === 'number' ? process.exitCode : 0;
  if (code > current) process.exitCode = code;
}

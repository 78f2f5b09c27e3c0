#!/usr/bin/env node
/**
 * The `consensim` command line (documented in docs/cli.md). This layer parses arguments, prints, and
 * sets the exit status; everything it does is a call into sim/'s public entry points.
 *
 * Exit status: 0 every check passed; 1 a check failed; 2 bad input or usage.
 */
import { Command, CommanderError } from 'commander';
import { InputError } from '../sim/index.js';
import { setExitCode, printError } from './output.js';
import { registerList } from './list.js';
import { registerRun } from './run.js';
import { registerSweep } from './sweep.js';
import { registerSweepAll } from './sweep-all.js';
import { registerCheck } from './check.js';
import { registerNewProtocol } from './new-protocol.js';
import { registerExplain } from './explain.js';
import { stopQuietlyOnClosedPipe } from './args.js';
import { versionText } from './version.js';
import { registerExplore } from './explore.js';
import { registerShrink } from './shrink.js';
import { registerSchema } from './schema.js';

const program = new Command();
program
  .name('consensim')
  .description('A deterministic simulator for consensus protocols, with a linearizability checker.')
  .version(versionText(), '-V, --version', 'print the version (and the git commit when run from a checkout)')
  .option('--debug', 'print stack traces on errors')
  .showHelpAfterError()
  .exitOverride();

// Each command registers itself here (one module per command).
const registrations: ((p: Command) => void)[] = [registerRun, registerSweep, registerCheck, registerList, registerSweepAll];
registrations.push(registerNewProtocol);
registrations.push(registerExplain);
registrations.push(registerExplore, registerShrink);
registrations.push(registerSchema);

for (const register of registrations) register(program);

// `consensim ... | head` closes stdout early; every command stops quietly then.
stopQuietlyOnClosedPipe();

async function main(argv: string[]): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are exit 0; everything else commander rejects is usage (2).
      setExitCode(error.exitCode === 0 ? 0 : 2);
      return;
    }
    const debug = program.opts<{ debug?: boolean }>().debug === true || argv.includes('--debug');
    if (error instanceof InputError) {
      printError(error.message);
      // A protocol module that failed to load keeps the original error (its stack) for --debug.
      const cause: unknown = error.cause;
      if (debug && cause instanceof Error) printError(cause.stack ?? String(cause));
      setExitCode(2);
      return;
    }
    printError(debug && error instanceof Error ? (error.stack ?? String(error)) : `internal error: ${String(error instanceof Error ? error.message : error)} (run with --debug for the stack trace)`);
    setExitCode(2);
  }
}

await main(process.argv);

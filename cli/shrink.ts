/**
 * `consensim shrink FILE --seed N [--protocol P] [--bug NAME]... [--out F] [--json]`: the smallest
 * scenario file we can find that fails the same way (sim/shrink/). Prints before → after (faults,
 * clients, nodes, duration, events) and writes the file. Exit 0 when it wrote a scenario that still
 * fails the same kind of way, 1 when the run does not fail (nothing to shrink), 2 bad input.
 */
import type { Command } from 'commander';
import { basename, dirname, extname, join } from 'node:path';
import { findIn, inputError, prepareJob, scenarioToYaml, shellQuote, shrinkScenario, type ScenarioSize } from '../sim/index.js';
import { bundledProtocols } from './protocols.js';
import { checkOutputPath, collect, parseSeed, writeOutput } from './args.js';
import { chalk, printLine, setExitCode } from './output.js';
import { versionFields } from './version.js';

interface ShrinkFlags {
  seed?: number;
  protocol?: string;
  bug: string[];
  out?: string;
  json?: boolean;
}

export function registerShrink(program: Command): void {
  program
    .command('shrink')
    .description('shrink a failing run to a minimal scenario file that fails the same way')
    .showHelpAfterError(false)
    .argument('<file>', 'scenario file (YAML or JSON)')
    .option('--seed <n>', "seed of the failing run (default: the scenario's seed)", parseSeed)
    .option('--protocol <name>', 'run the scenario with another protocol')
    .option('--bug <name>', 'switch on a bug variant (repeatable)', collect, [])
    .option('--out <file>', 'where to write the minimal scenario (default: FILE.min.yaml next to FILE)')
    .option('--json', 'print the result as one JSON object')
    .action((file: string, flags: ShrinkFlags) => shrinkCommand(file, flags));
}

async function shrinkCommand(file: string, flags: ShrinkFlags): Promise<void> {
  const { job, protocols } = await prepareJob(file, { ...(flags.protocol === undefined ? {} : { protocol: flags.protocol }), extraBugs: flags.bug, protocols: bundledProtocols() });
  const scenario = flags.seed === undefined ? job.scenario : { ...job.scenario, seed: flags.seed };
  const protocol = findIn(protocols, scenario.protocol);
  if (protocol === undefined) throw inputError(file, 0, 0, 'protocol', `unknown protocol "${scenario.protocol}"`);
  const out = flags.out ?? join(dirname(file), `${basename(file, extname(file))}.min.yaml`);
  checkOutputPath(out, '--out');
  const outcome = shrinkScenario(scenario, protocols.definitions);
  if (outcome.kind === null) {
    if (flags.json === true) printLine(JSON.stringify({ ...versionFields(), kind: null, before: outcome.before, after: null, file: null, repro: null }));
    else printLine(`${scenario.name} with seed ${scenario.seed} does not fail: nothing to shrink`);
    setExitCode(1);
    return;
  }
  const name = `${scenario.name}-min`.slice(0, 80);
  const description = `Shrunk by consensim shrink from ${file} (seed ${scenario.seed}): fails with ${outcome.kind}.`;
  const minimal = { ...outcome.scenario, name, description };
  writeOutput(out, scenarioToYaml(minimal, protocol), '--out');
  const repro = ['consensim', 'run', out].map(shellQuote).join(' ');
  if (flags.json === true) {
    printLine(JSON.stringify({ ...versionFields(), kind: outcome.kind, before: outcome.before, after: outcome.after, file: out, repro }));
  } else {
    printLine(chalk.bold(`shrink · ${scenario.name} · seed ${scenario.seed} · ${outcome.kind}`));
    printLine(`before: ${sizeText(outcome.before)}`);
    printLine(`after:  ${sizeText(outcome.after)}  (${outcome.runs} runs)`);
    printLine(`written: ${out}`);
    printLine(`reproduce: ${repro}`);
  }
  setExitCode(0);
}

function sizeText(s: ScenarioSize): string {
  return `${s.faults} faults, ${s.clients} clients, ${s.nodes} nodes, ${s.durationMs}ms, ${s.events} events`;
}

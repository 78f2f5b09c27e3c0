/**
 * `consensim list [--json]`: the bundled scenarios, the registered protocols and their bug
 * variants. `--json` prints `{ scenarios: [{ name, file, protocol, description }], protocols:
 * [name], bugs: [{ name, protocol, description }] }` (Contract 2), plus, added compatibly,
 * `invariants: [{ name, protocol, description, source }]` (each protocol's online invariants) and
 * `hostInvariants: [{ name, description, source }]` (the ones the host checks for every protocol).
 */
import type { Command } from 'commander';
import { PROTOCOLS } from '../protocols/registry.js';
import { loadCatalogue } from '../sim/catalogue.js';
import { HOST_INVARIANTS } from '../sim/index.js';
import { displayPath } from './args.js';
import { chalk, printLine } from './output.js';

export interface ListResult {
  readonly scenarios: { name: string; file: string; protocol: string; description: string }[];
  readonly protocols: string[];
  readonly bugs: { name: string; protocol: string; description: string }[];
  readonly invariants: { name: string; protocol: string; description: string; source: string }[];
  readonly hostInvariants: { name: string; description: string; source: string }[];
}

export function listing(): { result: ListResult; invalid: { file: string; error: string }[] } {
  const scenarios: ListResult['scenarios'] = [];
  const invalid: { file: string; error: string }[] = [];
  for (const entry of loadCatalogue()) {
    if (entry.scenario === null) invalid.push({ file: displayPath(entry.file), error: entry.error ?? '' });
    else scenarios.push({ name: entry.scenario.name, file: displayPath(entry.file), protocol: entry.scenario.protocol, description: entry.scenario.description });
  }
  const bugs = PROTOCOLS.flatMap((p) => p.bugs.map((b) => ({ name: b.name, protocol: p.name, description: b.description })));
  const invariants = PROTOCOLS.flatMap((p) => (p.invariants ?? []).map((i) => ({ name: i.name, protocol: p.name, description: i.description, source: i.source })));
  const hostInvariants = HOST_INVARIANTS.map((i) => ({ name: i.name, description: i.description, source: i.source }));
  return { result: { scenarios, protocols: PROTOCOLS.map((p) => p.name), bugs, invariants, hostInvariants }, invalid };
}

export function registerList(program: Command): void {
  program
    .command('list')
    .description('list bundled scenarios, protocols and bug variants')
    .showHelpAfterError(false)
    .option('--json', 'print one JSON object')
    .action((flags: { json?: boolean }) => {
      const { result, invalid } = listing();
      if (flags.json === true) {
        printLine(JSON.stringify(result));
        return;
      }
      for (const line of listLines(result, invalid)) printLine(line);
    });
}

function firstSentence(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const end = flat.search(/\.(\s|$)/);
  return end < 0 ? flat : flat.slice(0, end + 1);
}

function listLines(result: ListResult, invalid: { file: string; error: string }[]): string[] {
  const lines: string[] = [chalk.bold('Scenarios')];
  const width = Math.max(0, ...result.scenarios.map((s) => s.file.length));
  for (const s of result.scenarios) lines.push(`  ${s.file.padEnd(width)}  ${chalk.cyan(s.protocol.padEnd(10))} ${firstSentence(s.description)}`);
  for (const i of invalid) lines.push(chalk.yellow(`  ${i.file}: not loadable: ${i.error}`));
  lines.push('', chalk.bold('Protocols'));
  for (const p of PROTOCOLS) lines.push(`  ${chalk.cyan(p.name.padEnd(12))} ${firstSentence(p.description)}`);
  const byzantine = PROTOCOLS.filter((p) => p.byzantine !== undefined && Object.keys(p.byzantine).length > 0);
  if (byzantine.length > 0) {
    lines.push('', chalk.bold('Byzantine behaviours (scenario key byzantine: { n1: NAME })'));
    for (const p of byzantine) lines.push(`  ${chalk.cyan(p.name.padEnd(12))} ${Object.keys(p.byzantine ?? {}).join(', ')}`);
  }
  lines.push('', chalk.bold('Online invariants (checked as each step happens; the first violation stops the run)'));
  const nameWidth = Math.max(0, ...result.invariants.map((i) => i.name.length), ...result.hostInvariants.map((i) => i.name.length));
  for (const i of result.hostInvariants) lines.push(`  ${chalk.cyan('every'.padEnd(12))} ${i.name.padEnd(nameWidth)}  ${i.description} (${i.source})`);
  for (const i of result.invariants) lines.push(`  ${chalk.cyan(i.protocol.padEnd(12))} ${i.name.padEnd(nameWidth)}  ${i.description} (${i.source})`);
  lines.push('', chalk.bold('Bug variants (run with --bug NAME)'));
  const bugWidth = Math.max(0, ...result.bugs.map((b) => b.name.length));
  for (const b of result.bugs) lines.push(`  ${b.name.padEnd(bugWidth)}  ${firstSentence(b.description)}`);
  return lines;
}

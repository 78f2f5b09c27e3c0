/**
 * `consensim list [--protocol PATH]... [--json]`: the bundled scenarios, the bundled protocols
 * (and any protocol module named with `--protocol`), their byzantine behaviours and their bug
 * variants. `--json` prints `{ scenarios: [{ name, file, protocol, description }], protocols:
 * [name], bugs: [{ name, protocol, description }], byzantine: [{ name, protocol, description }] }`
 * (the command-line contract's shape, plus `byzantine` so the JSON holds everything the text
 * listing shows), plus, added compatibly, `invariants: [{ name, protocol, description, source }]`
 * (each protocol's online invariants) and `hostInvariants: [{ name, description, source }]` (the
 * ones the host checks for every protocol).
 */
import type { Command } from 'commander';
import { HOST_INVARIANTS, loadCatalogue, resolveProtocol, type AnyProtocol, type ProtocolSet } from '../sim/index.js';
import { collect, displayPath } from './args.js';
import { chalk, printLine } from './output.js';
import { bundledProtocols } from './protocols.js';

export interface ListResult {
  readonly scenarios: { name: string; file: string; protocol: string; description: string }[];
  readonly protocols: string[];
  readonly bugs: { name: string; protocol: string; description: string }[];
  /** Extension: what `byzantine: { nN: NAME }` accepts, per protocol. */
  readonly byzantine: { name: string; protocol: string; description: string }[];
  readonly invariants: { name: string; protocol: string; description: string; source: string }[];
  readonly hostInvariants: { name: string; description: string; source: string }[];
}

/** The listing over `set` (default: the bundled protocols). */
export function listing(set: ProtocolSet = bundledProtocols()): { result: ListResult; invalid: { file: string; error: string }[]; protocols: readonly AnyProtocol[] } {
  const protocols = set.definitions;
  const scenarios: ListResult['scenarios'] = [];
  const invalid: { file: string; error: string }[] = [];
  for (const entry of loadCatalogue(protocols)) {
    if (entry.scenario === null) invalid.push({ file: displayPath(entry.file), error: entry.error ?? '' });
    else scenarios.push({ name: entry.scenario.name, file: displayPath(entry.file), protocol: entry.scenario.protocol, description: entry.scenario.description });
  }
  const bugs = protocols.flatMap((p) => p.bugs.map((b) => ({ name: b.name, protocol: p.name, description: b.description })));
  const byzantine = protocols.flatMap((p) => Object.entries(p.byzantine ?? {}).map(([name, b]) => ({ name, protocol: p.name, description: b.description })));
  const invariants = protocols.flatMap((p) => (p.invariants ?? []).map((i) => ({ name: i.name, protocol: p.name, description: i.description, source: i.source })));
  const hostInvariants = HOST_INVARIANTS.map((i) => ({ name: i.name, description: i.description, source: i.source }));
  return { result: { scenarios, protocols: protocols.map((p) => p.name), bugs, byzantine, invariants, hostInvariants }, invalid, protocols };
}

/** The bundled protocols plus every module named with `--protocol`. */
async function withModules(refs: readonly string[]): Promise<ProtocolSet> {
  let set = bundledProtocols();
  for (const ref of refs) set = (await resolveProtocol(ref, set)).set;
  return set;
}

export function registerList(program: Command): void {
  program
    .command('list')
    .description('list bundled scenarios, protocols and bug variants')
    .showHelpAfterError(false)
    .option('--protocol <path>', 'also list the protocol module at this path (repeatable)', collect, [])
    .option('--json', 'print one JSON object')
    .action(async (flags: { json?: boolean; protocol: string[] }) => {
      const { result, invalid, protocols } = listing(await withModules(flags.protocol));
      if (flags.json === true) {
        printLine(JSON.stringify(result));
        return;
      }
      for (const line of listLines(result, invalid, protocols)) printLine(line);
    });
}

function firstSentence(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const end = flat.search(/\.(\s|$)/);
  return end < 0 ? flat : flat.slice(0, end + 1);
}

function listLines(result: ListResult, invalid: { file: string; error: string }[], protocols: readonly AnyProtocol[]): string[] {
  const lines: string[] = [chalk.bold('Scenarios')];
  const width = Math.max(0, ...result.scenarios.map((s) => s.file.length));
  for (const s of result.scenarios) lines.push(`  ${s.file.padEnd(width)}  ${chalk.cyan(s.protocol.padEnd(10))} ${firstSentence(s.description)}`);
  for (const i of invalid) lines.push(chalk.yellow(`  ${i.file}: not loadable: ${i.error}`));
  lines.push('', chalk.bold('Protocols'));
  for (const p of protocols) lines.push(`  ${chalk.cyan(p.name.padEnd(12))} ${firstSentence(p.description)}`);
  // The same data as the JSON's `byzantine` list, one line per protocol.
  const byzantine = protocols.filter((p) => result.byzantine.some((b) => b.protocol === p.name));
  if (byzantine.length > 0) {
    lines.push('', chalk.bold('Byzantine behaviours (scenario key byzantine: { n1: NAME })'));
    for (const p of byzantine) lines.push(`  ${chalk.cyan(p.name.padEnd(12))} ${result.byzantine.filter((b) => b.protocol === p.name).map((b) => b.name).join(', ')}`);
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

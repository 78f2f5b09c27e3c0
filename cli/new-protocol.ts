/**
 * `consensim new-protocol NAME [DIR]`: scaffold a protocol of your own in DIR (default ./NAME):
 * a working single-leader toy protocol with an invariant monitor and a deliberate bug variant
 * (NAME.ts), its nemesis scenario (NAME-nemesis.yaml, whose `protocol: ./NAME.ts` loads it), and
 * a vitest file (NAME.test.ts) that sweeps it and catches the bug. docs/your-own-protocol.md
 * walks through it. Never overwrites a file; bad input is exit status 2.
 */
import type { Command } from 'commander';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROTOCOLS } from '../protocols/registry.js';
import { inputError } from '../sim/index.js';
import { displayPath } from './args.js';
import { chalk, printLine } from './output.js';

const NAME = /^[a-z][a-z0-9-]{0,39}$/;

/** What is written, from which template, and what it is, in the order printed. */
const FILES: readonly { template: string; file: (name: string) => string; what: string }[] = [
  { template: 'protocol.ts.tmpl', file: (n) => `${n}.ts`, what: 'the protocol: n1 leads, a majority commits (start editing here)' },
  { template: 'scenario.yaml.tmpl', file: (n) => `${n}-nemesis.yaml`, what: 'its scenario: partitions, crashes, pauses, clock jumps, every check on' },
  { template: 'protocol.test.ts.tmpl', file: (n) => `${n}.test.ts`, what: 'vitest: a sweep passes, a seed repeats, the bug is caught' },
];

export function registerNewProtocol(program: Command): void {
  program
    .command('new-protocol')
    .description('scaffold a protocol of your own: a working toy, its scenario and a vitest file')
    .showHelpAfterError(false)
    .argument('<name>', 'protocol name: a lower-case word (letters, digits, "-")')
    .argument('[dir]', 'directory to write into (default: ./NAME)')
    .action((name: string, dir: string | undefined) => {
      const written = scaffold(name, dir ?? name);
      for (const line of written) printLine(line);
    });
}

/** Write the scaffold; returns the lines to print. */
export function scaffold(name: string, dir: string): string[] {
  if (!NAME.test(name)) throw inputError('', 0, 0, 'NAME', `expected a lower-case word of letters, digits and "-" starting with a letter (at most 40), found "${name}"`);
  if (PROTOCOLS.some((p) => p.name === name)) throw inputError('', 0, 0, 'NAME', `"${name}" is a bundled protocol; choose another name`);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw inputError(dir, 0, 0, 'DIR', 'exists and is not a directory');
  const targets = FILES.map((f) => ({ ...f, path: join(dir, f.file(name)) }));
  const taken = targets.filter((t) => existsSync(t.path)).map((t) => displayPath(resolve(t.path)));
  if (taken.length > 0) throw inputError(dir, 0, 0, 'DIR', `would overwrite ${taken.join(', ')}; choose another directory or name`);
  const templates = templateDir();
  mkdirSync(dir, { recursive: true });
  const lines: string[] = [];
  const width = Math.max(...targets.map((t) => displayPath(resolve(t.path)).length));
  for (const t of targets) {
    writeFileSync(t.path, fill(readFileSync(join(templates, t.template), 'utf8'), name));
    lines.push(`${chalk.green('created')} ${displayPath(resolve(t.path)).padEnd(width)}  ${t.what}`);
  }
  const scenario = displayPath(resolve(targets[1]?.path ?? ''));
  lines.push(
    '',
    'next:',
    `  npx consensim run ${scenario} --seed 1`,
    `  npx consensim sweep ${scenario} --seeds 1..300`,
    `  npx consensim sweep ${scenario} --seeds 1..50 --bug ${name}.volatile-log`,
    `  npx vitest run ${displayPath(resolve(dir))}`,
    'and read docs/your-own-protocol.md in the consensim package.',
  );
  return lines;
}

/** `{{name}}` → toy-leader, `{{Name}}` → ToyLeader, `{{camel}}` → toyLeader. */
function fill(template: string, name: string): string {
  const pascal = name.split('-').map((w) => (w === '' ? '' : w[0]?.toUpperCase() + w.slice(1))).join('');
  const camel = pascal.length === 0 ? pascal : (pascal[0]?.toLowerCase() ?? '') + pascal.slice(1);
  return template.replaceAll('{{name}}', name).replaceAll('{{Name}}', pascal).replaceAll('{{camel}}', camel);
}

/** templates/new-protocol/ at the package root: `..` from cli/ source, `../..` from dist/cli/. */
function templateDir(): string {
  for (const up of ['../templates/new-protocol', '../../templates/new-protocol']) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(dir) && statSync(dir).isDirectory()) return dir;
  }
  throw new Error('cannot find the templates/new-protocol folder of the consensim package');
}

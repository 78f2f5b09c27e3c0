// Regenerates docs/cli.md from docs/cli.md.tmpl: every `{{run: COMMAND}}` becomes a console block
// with the command's real output (stdout and stderr, colour off) and its exit status, so the manual
// never shows output the code does not produce. `{{run:[N] COMMAND}}` keeps the first N lines.
// `consensim ` in a command runs the built CLI (node dist/cli/main.js). Run: `npm run docs`.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const template = readFileSync(join(root, 'docs', 'cli.md.tmpl'), 'utf8');
const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };

function block(spec) {
  const limited = /^\[(\d+)\]\s*([\s\S]*)$/.exec(spec.trim());
  const maxLines = limited === null ? null : Number(limited[1]);
  const command = (limited === null ? spec : limited[2]).trim();
  const shell = command.replaceAll('consensim ', 'node dist/cli/main.js ');
  const run = spawnSync('bash', ['-c', `${shell} 2>&1`], { cwd: root, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  let lines = run.stdout.replace(/\n+$/, '').split('\n');
  if (maxLines !== null && lines.length > maxLines) lines = [...lines.slice(0, maxLines), `... (${lines.length - maxLines} more lines)`];
  process.stderr.write(`${command} -> ${run.status}\n`);
  return ['```console', `$ ${command}`, ...lines, '$ echo $?', String(run.status), '```'].join('\n');
}

execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
writeFileSync(join(root, 'docs', 'cli.md'), template.replace(/\{\{run:([\s\S]*?)\}\}/g, (_, spec) => block(spec)));

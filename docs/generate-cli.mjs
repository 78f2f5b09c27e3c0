// Regenerates docs/cli.md from docs/cli.md.tmpl: every `{{run: COMMAND}}` becomes a console block
// with the command's real output (stdout and stderr, colour off) and its exit status, so the manual
// never shows output the code does not produce. `{{run:[N] COMMAND}}` keeps the first N lines and
// ends the block with a line saying how many were left out. `consensim ` in a command runs the
// built CLI (node dist/cli/main.js).
//
// It also refreshes the generated parts of README.md: the text between `<!-- generated:NAME -->`
// and `<!-- /generated -->` is replaced (NAME `test-counts`: how many tests `npm test` runs in a
// fresh clone, and how many more when the labelled peer histories are present), and the rest of
// the README is left as it is. Run: `npm run docs`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };

function block(spec) {
  const limited = /^\[(\d+)\]\s*([\s\S]*)$/.exec(spec.trim());
  const maxLines = limited === null ? null : Number(limited[1]);
  const command = (limited === null ? spec : limited[2]).trim();
  const shell = command.replaceAll('consensim ', 'node dist/cli/main.js ');
  const run = spawnSync('bash', ['-c', `${shell} 2>&1`], { cwd: root, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  let lines = run.stdout.replace(/\n+$/, '').split('\n');
  if (maxLines !== null && lines.length > maxLines) {
    const left = lines.length - maxLines;
    lines = [...lines.slice(0, maxLines), `[shortened for this manual: ${left} more line${left === 1 ? '' : 's'} of this output not shown]`];
  }
  process.stderr.write(`${command} -> ${run.status}\n`);
  return ['```console', `$ ${command}`, ...lines, '$ echo $?', String(run.status), '```'].join('\n');
}

/** The tests vitest would run (skipped ones are not listed), with the peer histories at `peersDir`. */
function countTests(peersDir) {
  const dir = mkdtempSync(join(tmpdir(), 'consensim-docs-'));
  const out = join(dir, 'tests.json');
  try {
    const run = spawnSync('npx', ['vitest', 'list', `--json=${out}`], { cwd: root, env: { ...env, CONSENSIM_PEERS_DIR: peersDir }, encoding: 'utf8', maxBuffer: 64 << 20 });
    if (run.status !== 0 || !existsSync(out)) throw new Error(`vitest list failed (exit ${run.status}): ${run.stderr}`);
    return JSON.parse(readFileSync(out, 'utf8')).length;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function testCounts() {
  const peers = resolve(root, process.env['CONSENSIM_PEERS_DIR'] ?? '../shared/peers');
  const fresh = countTests(join(tmpdir(), 'consensim-no-peer-histories'));
  const fmt = (n) => n.toLocaleString('en-US');
  if (!existsSync(peers)) {
    return `${fmt(fresh)} tests (more run when the labelled Porcupine and Knossos histories are present; they were not when this was generated)`;
  }
  const all = countTests(peers);
  return `${fmt(fresh)} tests in a fresh clone, and ${fmt(all - fresh)} more (every labelled Porcupine and Knossos history against its expected verdict) when those peer histories are present beside the project`;
}

const GENERATED = { 'test-counts': testCounts };

function fillReadme() {
  const file = join(root, 'README.md');
  const text = readFileSync(file, 'utf8');
  const filled = text.replace(/(<!-- generated:([a-z-]+) -->)[\s\S]*?(<!-- \/generated -->)/g, (whole, open, name, close) => {
    const make = GENERATED[name];
    if (make === undefined) throw new Error(`README.md: no generator for <!-- generated:${name} -->`);
    const value = make();
    process.stderr.write(`README ${name}: ${value}\n`);
    return `${open}${value}${close}`;
  });
  writeFileSync(file, filled);
}

execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
const template = readFileSync(join(root, 'docs', 'cli.md.tmpl'), 'utf8');
writeFileSync(join(root, 'docs', 'cli.md'), template.replace(/\{\{run:([\s\S]*?)\}\}/g, (_, spec) => block(spec)));
fillReadme();

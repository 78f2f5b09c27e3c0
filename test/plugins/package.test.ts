/**
 * consensim as a course repository uses it, end to end, in a temporary directory outside the
 * project: the package as `npm pack` would publish it, installed into that directory's
 * node_modules; `consensim new-protocol toy` scaffolds a protocol module that imports from
 * 'consensim'; `run` and `sweep --workers 2` load it by path (`--protocol ./toy/toy.ts`, and
 * `protocol: ./toy.ts` in its scenario) and agree on the traceHash of every seed; the scaffold's
 * own vitest file passes (its sweep runs the module in worker threads too) and its bug is caught;
 * and the scaffold type-checks against the published types. Needs the build (`npm test` builds).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
let course = '';
let main = '';

interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(...args: string[]): Ran {
  const r = spawnSync(process.execPath, [main, ...args], { cwd: course, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function json<T>(r: Ran): T {
  return JSON.parse(r.stdout) as T;
}

/** `npm pack` the project, unpack it as node_modules/consensim, and link its dependencies. */
function install(into: string): void {
  const packed = mkdtempSync(join(tmpdir(), 'consensim-pack-'));
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packed], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const [info] = JSON.parse(out) as { filename: string }[];
  const target = join(into, 'node_modules', 'consensim');
  mkdirSync(target, { recursive: true });
  execFileSync('tar', ['-xzf', join(packed, info?.filename ?? ''), '-C', target, '--strip-components=1']);
  // What `npm install` would fetch: the package's dependencies, plus vitest and the types the
  // scaffold's test and type check need. Linked from this project's node_modules (no network).
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const dep of [...Object.keys(manifest.dependencies), 'vitest', '@types/node']) {
    const link = join(into, 'node_modules', dep);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(realpathSync(join(ROOT, 'node_modules', dep)), link, 'dir');
  }
}

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'lib', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it in pretest)');
  course = mkdtempSync(join(tmpdir(), 'consensim-course-'));
  expect(relative(ROOT, course).startsWith('..')).toBe(true);
  writeFileSync(join(course, 'package.json'), JSON.stringify({ name: 'course', private: true, type: 'module' }));
  install(course);
  main = join(course, 'node_modules', 'consensim', 'dist', 'cli', 'main.js');
});

describe('the published package', () => {
  it('exports the node API, its helpers and the test helpers, with types', async () => {
    const manifest = JSON.parse(readFileSync(join(course, 'node_modules', 'consensim', 'package.json'), 'utf8')) as { exports: Record<string, { types: string; default: string }> };
    const entry = manifest.exports['.'];
    expect(entry).toBeDefined();
    for (const file of [entry?.types ?? '', entry?.default ?? '']) expect(existsSync(join(course, 'node_modules', 'consensim', file))).toBe(true);
    const probe = join(course, 'probe.mjs');
    writeFileSync(probe, "import * as c from 'consensim';\nconsole.log(JSON.stringify(Object.keys(c).sort()), c.majority(5));\n");
    const out = execFileSync(process.execPath, [probe], { cwd: course, encoding: 'utf8' });
    for (const name of ['majority', 'assertNever', 'KvMachine', 'runScenarioFile', 'sweepScenarioFile', 'bundledProtocols']) expect(out).toContain(`"${name}"`);
    expect(out.trim().endsWith(' 3')).toBe(true);
  });
});

describe('consensim new-protocol, run and sweep with a protocol module outside the project', () => {
  it('scaffolds a protocol, its scenario and a vitest file, and refuses to overwrite them', () => {
    const r = cli('new-protocol', 'toy');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/created toy\/toy\.ts/);
    for (const file of ['toy.ts', 'toy-nemesis.yaml', 'toy.test.ts']) expect(existsSync(join(course, 'toy', file))).toBe(true);
    expect(readFileSync(join(course, 'toy', 'toy.ts'), 'utf8')).toMatch(/from 'consensim'/);
    const again = cli('new-protocol', 'toy');
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/^error: toy: DIR: would overwrite toy\/toy\.ts, toy\/toy-nemesis\.yaml, toy\/toy\.test\.ts/);
    expect(cli('new-protocol', 'raft', 'elsewhere').stderr).toMatch(/"raft" is a bundled protocol/);
    expect(cli('new-protocol', 'Bad Name').status).toBe(2);
  });

  it('runs the scaffold\'s scenario, whose protocol is ./toy.ts, with every check passing', () => {
    const r = cli('run', 'toy/toy-nemesis.yaml', '--seed', '3', '--json');
    expect(r.stderr).toBe('');
    const result = json<{ ok: boolean; protocol: string; checks: Record<string, unknown>; repro: string }>(r);
    expect(result).toMatchObject({ ok: true, protocol: 'toy', checks: { linearizable: true, invariants: [], liveness: true } });
    expect(result.repro).toBe('consensim run toy/toy-nemesis.yaml --seed 3');
  });

  it('gets the same traceHash for a seed from run and from sweep --workers 2 with --protocol ./toy/toy.ts', () => {
    // A protocol-agnostic scenario of the course's own, switched to the module by --protocol.
    writeFileSync(join(course, 'generic.yaml'), 'protocol: raft\nnodes: 3\nduration: 4s\nsettle: 2s\nworkload: { clients: 2, keys: 2 }\nnemesis: { every: 500ms, faults: [crash, partition] }\n');
    const args = ['generic.yaml', '--protocol', './toy/toy.ts', '--bug', 'toy.volatile-log'];
    const swept = cli('sweep', ...args, '--seeds', '1..12', '--workers', '2', '--json');
    expect(swept.status).toBe(1);
    const result = json<{ protocol: string; failed: { seed: number; reason: string; repro: string; traceHash: string }[] }>(swept);
    expect(result.protocol).toBe('toy');
    expect(result.failed.length).toBeGreaterThanOrEqual(2);
    for (const failure of result.failed.slice(0, 3)) {
      expect(failure.repro).toBe(`consensim run generic.yaml --seed ${failure.seed} --protocol ./toy/toy.ts --bug toy.volatile-log`);
      const ran = cli(...failure.repro.split(' ').slice(1), '--json');
      expect(ran.status).toBe(1);
      const run = json<{ traceHash: string; reason: string }>(ran);
      expect(run.traceHash).toMatch(/^[0-9a-f]{64}$/);
      expect(run.traceHash).toBe(failure.traceHash);
      expect(run.reason).toBe(failure.reason);
    }
    // The same seeds in one thread give the same failures and hashes.
    const oneThread = json<typeof result>(cli('sweep', ...args, '--seeds', '1..12', '--workers', '1', '--json'));
    expect(oneThread.failed).toEqual(result.failed);
  });

  it('a module that cannot be loaded is one line naming it, exit status 2', () => {
    writeFileSync(join(course, 'broken.ts'), 'export default { name: ');
    for (const [ref, message] of [
      ['./missing.ts', /^error: \.\/missing\.ts: no such protocol module$/],
      ['./broken.ts', /^error: \.\/broken\.ts: cannot load the protocol module: .*broken\.ts:\d+:\d+: ERROR: /],
      ['./package.json', /^error: \.\/package\.json: /],
    ] as const) {
      const r = cli('run', 'generic.yaml', '--protocol', ref);
      expect(r.status, ref).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr.trimEnd()).toMatch(message);
    }
    // --debug adds the loader's own error with its stack, after the same first line.
    const debug = cli('run', 'generic.yaml', '--protocol', './broken.ts', '--debug');
    expect(debug.status).toBe(2);
    expect(debug.stderr).toMatch(/^error: \.\/broken\.ts: cannot load the protocol module: /);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });

  it('lists a protocol module next to the bundled protocols', () => {
    const listed = json<{ protocols: string[]; bugs: { name: string; protocol: string }[] }>(cli('list', '--protocol', './toy/toy.ts', '--json'));
    expect(listed.protocols).toEqual(['raft', 'vsr', 'multipaxos', 'zab', 'pbft', 'quorum', 'toy']);
    expect(listed.bugs).toContainEqual(expect.objectContaining({ name: 'toy.volatile-log', protocol: 'toy' }));
  });

  it('passes the scaffold\'s own vitest file, run from the course directory', () => {
    const vitest = join(course, 'node_modules', 'vitest', 'vitest.mjs');
    const r = spawnSync(process.execPath, [vitest, 'run', 'toy'], { cwd: course, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', CI: '1' } });
    expect(r.stdout + r.stderr).toMatch(/Tests\s+3 passed \(3\)/);
    expect(r.status).toBe(0);
  });

  it('type-checks the scaffold against the published types', () => {
    writeFileSync(join(course, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, noEmit: true, types: ['node'], skipLibCheck: true },
      include: ['toy'],
    }));
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: course, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

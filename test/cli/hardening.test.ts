/**
 * The built command line (`node dist/cli/main.js`) on what a newcomer and an auditor ran into:
 * versions in every output, fingerprints in sweep failures, a cap on --workers, checks that were
 * off said to be off, --check-determinism, Ctrl-C during a sweep, and output that labels what it
 * counts (issues 11 and 16).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { gitCommit } from '../../cli/version.js';

const ROOT = join(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'cli', 'main.js');
const BASIC = 'scenarios/raft-basic.yaml';
const NEMESIS = 'scenarios/raft-nemesis.yaml';
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const COMMIT = gitCommit(ROOT);
const ENV = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
let dir = '';

interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(...args: string[]): Ran {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: ROOT, encoding: 'utf8', env: ENV });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function json(r: Ran): Record<string, any> {
  return JSON.parse(r.stdout) as Record<string, any>;
}

/** A copy of raft-basic with some lines replaced (kept in a temporary directory). */
function variant(name: string, replace: (text: string) => string): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, replace(readFileSync(join(ROOT, BASIC), 'utf8')).replace(/^name: raft-basic$/m, `name: ${name}`));
  return path;
}

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error('dist/cli/main.js is missing: run `npm run build` (npm test does it in pretest)');
  dir = mkdtempSync(join(tmpdir(), 'consensim-hardening-'));
});

describe('versions', () => {
  it('--version prints the package version, and the commit from a checkout', () => {
    const r = cli('--version');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(COMMIT === null ? `${VERSION}\n` : `${VERSION} (commit ${COMMIT.slice(0, 12)})\n`);
  });

  it('finds the commit a checkout is at, as git does', () => {
    const git = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
    if (git.status !== 0) return; // not a checkout, or no git here: nothing to compare with
    expect(COMMIT).toBe(git.stdout.trim());
    expect(gitCommit(dir)).toBeNull();
  });

  it('every --json object of run, sweep and sweep-all, and the --report page, carry them', () => {
    const expected = COMMIT === null ? { version: VERSION } : { version: VERSION, commit: COMMIT };
    const report = join(dir, 'v.html');
    expect(json(cli('run', BASIC, '--seed', '1', '--json', '--report', report))).toMatchObject(expected);
    expect(json(cli('sweep', BASIC, '--seeds', '1..2', '--workers', '1', '--json'))).toMatchObject(expected);
    expect(json(cli('sweep-all', '--seeds', '1..1', '--workers', '1', '--json'))).toMatchObject(expected);
    expect(readFileSync(report, 'utf8')).toContain(`<th>consensim</th><td>${VERSION}`);
  });
});

describe('sweep failure records', () => {
  it('carry the traceHash that run of their reproduce command prints', () => {
    const r = cli('sweep', NEMESIS, '--seeds', '1..4', '--bug', 'raft.commit-index-uncapped', '--workers', '2', '--json');
    expect(r.status).toBe(1);
    const failed = json(r)['failed'] as { seed: number; repro: string; traceHash: string }[];
    expect(failed.length).toBeGreaterThan(0);
    for (const f of failed.slice(0, 2)) {
      expect(f.traceHash).toMatch(/^[0-9a-f]{64}$/);
      const run = json(cli(...f.repro.split(' ').slice(1), '--json'));
      expect(run['traceHash']).toBe(f.traceHash);
    }
  });
});

describe('--workers', () => {
  it('is capped at the number of cores, with a note on stderr; the answer is the same', () => {
    const capped = cli('sweep', BASIC, '--seeds', '1..3', '--workers', '1000', '--json');
    expect(capped.status).toBe(0);
    const cores = availableParallelism();
    expect(capped.stderr).toBe(`note: --workers 1000 is more than the ${cores} core${cores === 1 ? '' : 's'} here; using ${cores}\n`);
    const one = cli('sweep', BASIC, '--seeds', '1..3', '--workers', '1', '--json');
    expect(one.stderr).toBe('');
    expect({ ...json(capped), wallMs: 0, seedsPerSec: 0 }).toEqual({ ...json(one), wallMs: 0, seedsPerSec: 0 });
  });
});

describe('checks that are off', () => {
  it('say "not checked", in text and in --json', () => {
    const file = variant('no-invariants', (t) => t.replace('checks: [linearizability, invariants, liveness]', 'checks: [linearizability]'));
    const text = cli('run', file, '--seed', '1');
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/\n {2}linearizable {2}ok\n {2}invariants {4}not checked\n {2}liveness {6}not checked\n/);
    const checks = json(cli('run', file, '--seed', '1', '--json'))['checks'];
    expect(checks).toEqual({ linearizable: true, invariants: [], liveness: null, invariantsChecked: false });
    expect(json(cli('run', BASIC, '--seed', '1', '--json'))['checks']['invariantsChecked']).toBe(true);
  });
});

describe('--check-determinism', () => {
  it('run: a second run in a worker thread; says so, exit 0, and --json has deterministic: true', () => {
    const r = cli('run', BASIC, '--seed', '2', '--check-determinism');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\nPASS\ndeterministic: a second run in a worker thread produced the same trace\n$/);
    const out = json(cli('run', BASIC, '--seed', '2', '--check-determinism', '--json'));
    expect(out).toMatchObject({ ok: true, deterministic: true });
    expect(out['traceHash']).toBe(json(cli('run', BASIC, '--seed', '2', '--json'))['traceHash']);
  });

  it('sweep: every seed twice; the same verdicts as without the check', () => {
    const checked = cli('sweep', NEMESIS, '--seeds', '1..3', '--bug', 'raft.commit-index-uncapped', '--check-determinism', '--json');
    const plain = cli('sweep', NEMESIS, '--seeds', '1..3', '--bug', 'raft.commit-index-uncapped', '--json');
    expect(checked.status).toBe(plain.status);
    expect(json(checked)['failed']).toEqual(json(plain)['failed']);
    expect(JSON.stringify(json(checked)['failed'])).not.toContain('nondeterministic');
  });
});

describe('--check-determinism against a run that is not deterministic', () => {
  /**
   * A deliberately nondeterministic setup: a module preloaded with `node --import` (worker threads
   * inherit it) that, in one chosen thread only, adds a random field to every trace event after
   * time 0 as it is serialized. The run in that thread then differs from the same seed's run in
   * any other thread, from the first event after time 0 on.
   */
  function leakyCli(thread: number, ...args: string[]): Ran {
    const leak = join(dir, 'leak.mjs');
    writeFileSync(
      leak,
      `import { threadId } from 'node:worker_threads';
if (threadId === ${thread}) {
  const stringify = JSON.stringify;
  JSON.stringify = function (value, ...rest) {
    if (value !== null && typeof value === 'object' && 'kind' in value && value.t > 0 && !('leaked' in value)) {
      value.leaked = Math.random();
    }
    return stringify(value, ...rest);
  };
}
`,
    );
    const r = spawnSync(process.execPath, ['--import', `file://${leak}`, MAIN, ...args], { cwd: ROOT, encoding: 'utf8', env: ENV });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it('run: fails loudly (exit 1), naming the first differing trace line as each thread wrote it', () => {
    const r = leakyCli(0, 'run', BASIC, '--seed', '2', '--check-determinism');
    expect(r.status).toBe(1);
    const line = Number(/^error: NONDETERMINISM: two runs of this seed differ at trace line (\d+)\n$/.exec(r.stderr)?.[1]);
    expect(line).toBeGreaterThan(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.at(-4)).toBe(`NONDETERMINISM: two runs of this seed differ; first differing trace line: ${line}`);
    expect(lines.at(-3)).toMatch(/^ {2}this thread: {3}\{"t":\d+,"kind":"[a-z-]+",.*"leaked":0\.\d+\}$/);
    expect(lines.at(-2)).toMatch(/^ {2}worker thread: \{"t":\d+,"kind":"[a-z-]+",.*\}$/);
    expect(lines.at(-2)).not.toContain('leaked');
    expect(lines.at(-1)).toBe(`reproduce: consensim run ${BASIC} --seed 2 --check-determinism`);
    const json = JSON.parse(leakyCli(0, 'run', BASIC, '--seed', '2', '--check-determinism', '--json').stdout) as { deterministic: boolean; difference: { line: number } };
    expect(json.deterministic).toBe(false);
    expect(json.difference.line).toBe(line);
  });

  it('sweep: the two runs of each seed are on different worker threads; a difference fails the seed', () => {
    const r = leakyCli(1, 'sweep', BASIC, '--seeds', '1..2', '--check-determinism', '--json');
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout) as { passed: number; failed: { seed: number; reason: string; nondeterministic: boolean }[] };
    expect(out.passed).toBe(0);
    expect(out.failed.map((f) => f.seed)).toEqual([1, 2]);
    for (const f of out.failed) {
      expect(f.nondeterministic).toBe(true);
      expect(f.reason).toMatch(/^nondeterministic: trace line \d+ differs between two runs of this seed; first run: .*; second run: /);
      expect(f.reason).toContain('"leaked":');
    }
    const text = leakyCli(1, 'sweep', BASIC, '--seeds', '1..2', '--check-determinism');
    expect(text.stdout).toContain('NONDETERMINISM: 2 seeds ran differently twice; a seed no longer fixes the run');
    // Without the check the same setup goes unnoticed: that is what the flag is for.
    expect(leakyCli(1, 'sweep', BASIC, '--seeds', '1..2', '--json').status).toBe(0);
  });
});

describe('Ctrl-C during a sweep', () => {
  it('prints the tally of the seeds finished so far and exits 130', async () => {
    // --workers 1000 makes the CLI print its note on stderr just before the sweep starts, with
    // the Ctrl-C handler already installed: only then is SIGINT sent.
    const child = spawn(process.execPath, [MAIN, 'sweep', BASIC, '--seeds', '1..100000', '--workers', '1000', '--json'], { cwd: ROOT, env: ENV });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const started = new Promise<void>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('note: --workers')) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await started;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const out = JSON.parse(stdout) as { interrupted: boolean; seeds: { from: number; to: number; count: number }; passed: number; failed: unknown[] };
    expect(out.interrupted).toBe(true);
    expect(out.seeds.to).toBe(100000);
    expect(out.seeds.count).toBeLessThan(100000);
    expect(out.passed + out.failed.length).toBe(out.seeds.count);
  });

  it('in text: says it was interrupted, above the tally', async () => {
    const child = spawn(process.execPath, [MAIN, 'sweep', BASIC, '--seeds', '1..100000', '--workers', '1000'], { cwd: ROOT, env: ENV });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    await new Promise<void>((resolve) => child.stderr.once('data', () => resolve()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stdout).toMatch(/^raft-basic · raft · seeds 1\.\.100000 \(\d+ run\)\ninterrupted \(Ctrl-C\): the tally below covers the \d+ seeds finished so far\n\d+ passed, 0 failed in /);
  });
});

describe('Ctrl-C on a terminal', () => {
  // `script` gives the CLI a pseudo-terminal (so the progress bar is drawn) and passes the ^C typed
  // on its stdin to the terminal, which turns it into SIGINT, as a keyboard would.
  const haveScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

  it.skipIf(!haveScript)('clears the progress line before the tally, which ends with a newline', async () => {
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(MAIN)} sweep ${BASIC} --seeds 1..100000 --workers 1`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, env: ENV });
    let out = '';
    const drawn = new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('seeds/s')) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await drawn;
    child.stdin.write('\x03');
    expect(await exited).toBe(130);
    const afterBar = out.slice(out.lastIndexOf('\r\x1b[2K') + '\r\x1b[2K'.length).replace(/\x1b\[[0-9;]*m/g, '');
    expect(afterBar).toMatch(/^raft-basic · raft · seeds 1\.\.100000 \(\d+ run\)\r\ninterrupted \(Ctrl-C\)[^\n]*\r\n\d+ passed, 0 failed in [^\n]*\r\n$/);
  });
});

describe('output that says what it counts', () => {
  it('labels scheduler events and trace records apart, and cas mismatches as such', () => {
    const trace = join(dir, 'labels.jsonl');
    const r = cli('run', BASIC, '--seed', '42', '--trace', trace);
    expect(r.status).toBe(0);
    const records = readFileSync(trace, 'utf8').trimEnd().split('\n').length;
    expect(r.stdout).toMatch(/\n {2}[\d,]+ events run · messages /);
    expect(r.stdout).toContain(`wrote trace ${trace} (${records.toLocaleString('en-US')} trace records)`);
    const ops = json(cli('run', BASIC, '--seed', '42', '--json'))['stats']['ops'] as { fail: number; casMismatch: number };
    expect(ops.casMismatch).toBeGreaterThan(0);
    expect(ops.casMismatch).toBeLessThanOrEqual(ops.fail);
    const note = ops.casMismatch === ops.fail ? 'all cas mismatches' : `${ops.casMismatch} cas mismatch`;
    expect(r.stdout).toContain(`, ${ops.fail} fail (${note}`);
  });

  it('run of an expect: fail scenario says the failure is the lesson, exit status 1', () => {
    const r = cli('run', 'scenarios/zab-stale-follower-read.yaml', '--seed', '1');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/\nFAIL: .*\nexpected failure \(this scenario's lesson; the exit status is 1 as for any failed check\)\n/);
    expect(cli('run', BASIC, '--seed', '1').stdout).not.toContain('expected failure');
  });

  it('list --json has the byzantine behaviours list prints', () => {
    const out = json(cli('list', '--json')) as { byzantine: { name: string; protocol: string; description: string }[] };
    const text = cli('list').stdout;
    const shown = /Byzantine behaviours[^\n]*\n {2}pbft +([^\n]+)\n/.exec(text)?.[1]?.split(', ');
    expect(out.byzantine.filter((b) => b.protocol === 'pbft').map((b) => b.name)).toEqual(shown);
    expect(out.byzantine.every((b) => b.description.length > 0)).toBe(true);
  });

  it('sweep-all --help shows its default seed range readably', () => {
    const r = cli('sweep-all', '--help');
    expect(r.stdout).toContain('(default: 1..50)');
    expect(r.stdout).not.toContain('{"from"');
  });
});

/**
 * `consensim explore` and `consensim shrink` from the built command line: the same answer whatever
 * `--workers`, the written file reproduced by `consensim run FILE`, shrink's before → after and its
 * file, and bad input (exit 2, one located line).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'consensim-explore-cli-'));

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('consensim explore', () => {
  it('same runs, coverage and first failure with 1 and 2 workers; the written file reproduces; shrink makes it smaller', () => {
    const args = ['explore', '--protocol', 'multipaxos', '--bug', 'multipaxos.skip-phase1-recovery', '--runs', '300', '--mode', 'guided', '--json'];
    const one = cli(...args, '--workers', '1', '--out', join(dir, 'one'));
    const two = cli(...args, '--workers', '2', '--out', join(dir, 'two'));
    expect(one.status).toBe(1);
    expect(two.status).toBe(1);
    const a = JSON.parse(one.stdout) as Record<string, unknown> & { failures: { run: number; kind: string; file: string; repro: string }[] };
    const b = JSON.parse(two.stdout) as typeof a;
    expect(Object.keys(a).filter((k) => k !== 'commit')).toEqual(['version', 'protocol', 'mode', 'seed', 'runs', 'failures', 'coverage', 'runsPerSec', 'wallMs']);
    expect([b.runs, b.coverage, b.failures.map((f) => [f.run, f.kind])]).toEqual([a.runs, a.coverage, a.failures.map((f) => [f.run, f.kind])]);
    const failure = a.failures[0];
    if (failure === undefined) throw new Error('no failure');
    const rerun = cli('run', failure.file, '--json');
    expect(rerun.status).toBe(1);
    const shrunk = cli('shrink', failure.file, '--out', join(dir, 'min.yaml'), '--json');
    expect(shrunk.status).toBe(0);
    const s = JSON.parse(shrunk.stdout) as { kind: string; before: { faults: number }; after: { faults: number }; file: string };
    expect(s.kind).toBe(failure.kind);
    expect(s.after.faults).toBeLessThanOrEqual(s.before.faults);
    expect(cli('run', s.file).status).toBe(1);
  }, 240_000);

  it('bad input is exit 2 with one line', () => {
    for (const args of [
      ['explore'],
      ['explore', '--protocol', 'nope'],
      ['explore', '--protocol', 'raft', '--bug', 'raft.nope'],
      ['explore', '--protocol', 'raft', '--mode', 'random'],
      ['explore', '--protocol', 'raft', '--time', 'soon'],
      ['shrink', 'scenarios/raft-basic.yaml', '--out', '/nonexistent-dir/x.yaml'],
    ]) {
      const r = cli(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('a bad when: rule is a located error (exit 2) for run, shrink and explore', () => {
    const file = join(dir, 'bad-rule.yaml');
    writeFileSync(file, 'protocol: raft\nnodes: 3\nfaults:\n  - { when: { moment: vote, nth: -1 }, crash: self }\n');
    for (const command of ['run', 'shrink', 'explore']) {
      const r = cli(command, file);
      expect(r.status, command).toBe(2);
      expect(r.stderr).toMatch(/bad-rule\.yaml:4:\d+: faults\[0\]\.when\.nth/);
    }
  });

  it('shrink of a run that passes exits 1', () => {
    const r = cli('shrink', 'scenarios/raft-basic.yaml', '--out', join(dir, 'nothing.yaml'));
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/does not fail/);
  });
});

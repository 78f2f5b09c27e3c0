/**
 * `consensim explain` as a user runs it (the built CLI): the story with times and nodes, `--json`
 * lines of the contract shape, `--at` agreeing with the story's states, filters, a failing run
 * starting near its failure and naming the node, `--step` waiting for Enter on piped stdin, NO_COLOR,
 * and bad flags as exit 2.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'cli', 'main.js');

function cli(args: string[], env: Record<string, string> = { NO_COLOR: '1' }): { status: number | null; stdout: string; stderr: string } {
  const base: Record<string, string | undefined> = { ...process.env };
  delete base['FORCE_COLOR'];
  delete base['NO_COLOR'];
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...base, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('consensim explain', () => {
  it('tells the story with virtual time and node per line, and the reproduce command last', () => {
    const r = cli(['explain', 'scenarios/raft-basic.yaml', '--seed', '1', '--to', '300ms']);
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('seed 1 · raft-basic · raft · 3 nodes');
    expect(lines).toContainEqual(expect.stringMatching(/^\s+220\.659ms  n2 +n2's election timer fired; it became candidate for term 1 and asked n1, n3 for their votes$/));
    expect(lines.at(-1)).toBe('reproduce: consensim run scenarios/raft-basic.yaml --seed 1');
    expect(r.stdout).not.toMatch(/\u001b\[/);
  });

  it('--json prints one {t, node, kind, text} object per line, filtered by --node and --kinds', () => {
    const r = cli(['explain', 'scenarios/raft-basic.yaml', '--seed', '1', '--to', '1s', '--node', 'n1', '--kinds', 'vote,replication', '--json']);
    expect(r.status).toBe(0);
    const objects = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objects.length).toBeGreaterThan(2);
    for (const o of objects) {
      expect(Object.keys(o)).toEqual(['t', 'node', 'kind', 'text']);
      expect(o['node']).toBe('n1');
      expect(['vote', 'replication']).toContain(o['kind']);
      expect(o['t']).toBeLessThanOrEqual(1_000_000);
    }
    expect(objects[0]).toEqual({ t: 222650, node: 'n1', kind: 'vote', text: 'n1 granted its vote to n2 for term 1' });
  });

  it("--at prints every node's state at that time", () => {
    const r = cli(['explain', 'scenarios/raft-basic.yaml', '--seed', '1', '--at', '240ms']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('every node at 240.000ms');
    expect(r.stdout).toMatch(/n2 +up +leader +1 +n2 +1 +1 +1/);
    const json = cli(['explain', 'scenarios/raft-basic.yaml', '--seed', '1', '--at', '240ms', '--json']);
    const states = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { node: string; text: string; state: { role: string } });
    expect(states.map((s) => s.node)).toEqual(['n1', 'n2', 'n3']);
    expect(states[1]?.text).toBe('n2 is leader in term 1, leader n2, log 1, commit 1, applied 1');
  });

  it('on a failing run starts a little before the violation and names the node that broke what', () => {
    const r = cli(['explain', 'scenarios/raft-nemesis.yaml', '--seed', '2', '--bug', 'raft.commit-index-uncapped']);
    expect(r.status).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines[1]).toMatch(/^FAILED: n\d broke invariant applied-prefix at \d+\.\d{3}ms: /);
    const at = Number(/at (\d+\.\d{3})ms/.exec(lines[1] ?? '')?.[1]);
    const first = Number(/^\s*(\d+\.\d{3})ms/.exec(lines[3] ?? '')?.[1]);
    expect(first).toBeGreaterThanOrEqual(at - 100);
    expect(first).toBeLessThanOrEqual(at);
    expect(r.stdout).toMatch(/VIOLATION of applied-prefix on n\d/);
  });

  it('for a linearizability failure, says which node served the impossible read', () => {
    const r = cli(['explain', 'scenarios/raft-stale-read.yaml', '--seed', '1', '--bug', 'raft.stale-leader-read', '--to', '0s']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/FAILED: not linearizable: process \d+'s read of k\d returned \d+ at [\d.]+ms\.\.[\d.]+ms cannot follow the \d+ operations linearized before it; n\d answered it/);
  });

  it('--step waits for Enter between lines (piped stdin), and stops when stdin ends', async () => {
    const child = spawn(process.execPath, [MAIN, 'explain', 'scenarios/raft-basic.yaml', '--seed', '1', '--to', '230ms', '--step'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const waitFor = async (count: number): Promise<void> => {
      for (let i = 0; i < 200 && (out.match(/\[Enter\]/g) ?? []).length < count; i++) await new Promise((r) => setTimeout(r, 25));
    };
    await waitFor(1);
    await new Promise((r) => setTimeout(r, 300));
    // One line told, then it waits.
    expect((out.match(/\[Enter\]/g) ?? []).length).toBe(1);
    expect(out).toContain('n1 started');
    expect(out).not.toContain('n2 started');
    child.stdin.write('\n');
    await waitFor(2);
    expect(out).toContain('n2 started');
    expect(out).not.toContain('n3 started');
    child.stdin.end();
    const status = await new Promise<number | null>((r) => child.on('close', r));
    expect(status).toBe(0);
    expect(out).not.toContain('election timer fired');
  });

  it('colours nodes on a terminal unless NO_COLOR is set', () => {
    const coloured = cli(['explain', 'scenarios/raft-basic.yaml', '--to', '1ms'], { FORCE_COLOR: '1' });
    expect(coloured.stdout).toMatch(/\u001b\[36mn1/);
    const plain = cli(['explain', 'scenarios/raft-basic.yaml', '--to', '1ms'], { NO_COLOR: '1' });
    expect(plain.stdout).not.toMatch(/\u001b\[/);
  });

  it('bad flags and unknown nodes are exit 2 with one line on stderr', () => {
    for (const args of [['--from', 'soon'], ['--kinds', 'gossip'], ['--node', 'x1'], ['--node', 'n9']]) {
      const r = cli(['explain', 'scenarios/raft-basic.yaml', ...args]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    }
  });
});

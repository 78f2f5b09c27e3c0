/**
 * The built command line (`node dist/cli/main.js`, built by `npm test`'s pretest) against what
 * docs/cli.md promises: exit statuses, `--json` shapes, output files, reproduce commands that
 * reproduce, and bad input as exit 2 with one line on stderr and no stack trace.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseHistory } from '../../sim/history/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'cli', 'main.js');
const BASIC = 'scenarios/raft-basic.yaml';
const NEMESIS = 'scenarios/raft-nemesis.yaml';
let dir = '';

interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(...args: string[]): Ran {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `consensim run X --seed N ...` → the same arguments for `node dist/cli/main.js`. */
function reproArgs(repro: string): string[] {
  const words = repro.split(' ');
  expect(words.slice(0, 2)).toEqual(['consensim', 'run']);
  return words.slice(1);
}

function expectUsageError(r: Ran, pattern: RegExp): void {
  expect(r.status).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error('dist/cli/main.js is missing: run `npm run build` (npm test does it in pretest)');
  dir = mkdtempSync(join(tmpdir(), 'consensim-cli-'));
});

describe('consensim list', () => {
  it('--json prints scenarios, protocols, bug variants and byzantine behaviours', () => {
    const r = cli('list', '--json');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { scenarios: Record<string, unknown>[]; protocols: string[]; bugs: Record<string, unknown>[] };
    expect(Object.keys(out)).toEqual(['scenarios', 'protocols', 'bugs', 'byzantine', 'invariants', 'hostInvariants']);
    expect(out.protocols).toContain('raft');
    const basic = out.scenarios.find((s) => s['name'] === 'raft-basic');
    expect(basic).toMatchObject({ file: BASIC, protocol: 'raft' });
    for (const s of out.scenarios) expect(Object.keys(s)).toEqual(['name', 'file', 'protocol', 'description']);
    expect(out.bugs).toContainEqual(expect.objectContaining({ name: 'raft.forget-vote', protocol: 'raft' }));
    for (const b of out.bugs) expect(Object.keys(b)).toEqual(['name', 'protocol', 'description']);
  });

  it('--json lists each protocol\'s invariants with the rule and its source, and the host\'s (added compatibly)', () => {
    const out = JSON.parse(cli('list', '--json').stdout) as {
      protocols: string[];
      invariants: { name: string; protocol: string; description: string; source: string }[];
      hostInvariants: { name: string }[];
    };
    for (const protocol of out.protocols) expect(out.invariants.some((i) => i.protocol === protocol)).toBe(true);
    for (const [protocol, name] of [['multipaxos', 'p2c'], ['raft', 'vote up-to-date'], ['vsr', 'log-selection'], ['zab', 'zab.epoch-promise'], ['pbft', 'new-view-o']]) {
      expect(out.invariants).toContainEqual(expect.objectContaining({ protocol, name }));
    }
    for (const i of out.invariants) expect(Object.keys(i)).toEqual(['name', 'protocol', 'description', 'source']);
    expect(out.hostInvariants.map((i) => i.name)).toEqual(['applied-prefix', 'exactly-once']);
  });

  it('prints a readable listing', () => {
    const r = cli('list');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Scenarios\n[\s\S]*scenarios\/raft-basic\.yaml\s+raft/);
    expect(r.stdout).toMatch(/raft\.commit-previous-term/);
    expect(r.stdout).toMatch(/Online invariants[\s\S]*raft\s+vote up-to-date\s+A vote goes only/);
  });
});

describe('consensim run', () => {
  it('prints the seed banner first and a summary; exit 0 when every check passes', () => {
    const r = cli('run', BASIC, '--seed', '3');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('seed 3 · raft-basic · raft · 3 nodes');
    expect(r.stdout).toMatch(/invariants\s+ok/);
    expect(r.stdout).toMatch(/traceHash [0-9a-f]{64}/);
    expect(r.stdout).toMatch(/\nPASS\n$/);
  });

  it('--json prints exactly the RunResult, and its repro reproduces the same traceHash in a new process', () => {
    const r = cli('run', BASIC, '--seed', '5', '--json');
    expect(r.status).toBe(0);
    const result = JSON.parse(r.stdout) as Record<string, any>;
    expect(Object.keys(result).filter((k) => k !== 'reason' && k !== 'commit')).toEqual(['scenario', 'protocol', 'seed', 'ok', 'checks', 'stats', 'traceHash', 'repro', 'version']);
    expect(Object.keys(result['checks'])).toEqual(['linearizable', 'invariants', 'liveness', 'invariantsChecked']);
    expect(Object.keys(result['stats'])).toEqual(['events', 'messages', 'ops', 'virtualMs', 'wallMs', 'latency']);
    expect(Object.keys(result['stats']['latency'])).toEqual(['read', 'write', 'cas']);
    expect(Object.keys(result['stats']['latency']['read'])).toEqual(['count', 'p50', 'p99']);
    expect(Object.keys(result['stats']['messages'])).toEqual(['sent', 'delivered', 'dropped', 'duplicated']);
    expect(result).toMatchObject({ scenario: 'raft-basic', protocol: 'raft', seed: 5, ok: true, repro: `consensim run ${BASIC} --seed 5` });
    const again = cli(...reproArgs(result['repro'] as string), '--json');
    expect((JSON.parse(again.stdout) as { traceHash: string }).traceHash).toBe(result['traceHash']);
    const other = JSON.parse(cli('run', BASIC, '--seed', '6', '--json').stdout) as { traceHash: string };
    expect(other.traceHash).not.toBe(result['traceHash']);
  });

  it('writes the trace, the history (JSON Lines or EDN) and an HTML report', () => {
    const trace = join(dir, 'run.trace.jsonl');
    const history = join(dir, 'run.history.jsonl');
    const edn = join(dir, 'run.history.edn');
    const report = join(dir, 'run.html');
    expect(cli('run', BASIC, '--seed', '2', '--trace', trace, '--history', history, '--report', report).status).toBe(0);
    expect(cli('run', BASIC, '--seed', '2', '--history', edn).status).toBe(0);
    const traceLines = readFileSync(trace, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { t: number; kind: string });
    expect(traceLines.length).toBeGreaterThan(100);
    expect(traceLines.some((e) => e.kind === 'role')).toBe(true);
    const fromJson = parseHistory(readFileSync(history, 'utf8'), history);
    const fromEdn = parseHistory(readFileSync(edn, 'utf8'), edn);
    expect(fromJson.length).toBeGreaterThan(10);
    expect(fromEdn).toEqual(fromJson);
    const html = readFileSync(report, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toMatch(/<h2>Timeline<\/h2>[\s\S]*<svg/);
    expect(html).toContain(`<h2>History (${fromJson.length} events)</h2>`);
    expect(html).not.toMatch(/<script[^>]*\ssrc=|<link/);
  });

  it('--protocol runs a protocol-agnostic scenario with another protocol and says so in repro', () => {
    const list = JSON.parse(cli('list', '--json').stdout) as { protocols: string[] };
    const other = list.protocols.find((p) => p !== 'raft' && p !== 'pbft') as string;
    expect(other).toBeDefined();
    const r = cli('run', BASIC, '--seed', '1', '--protocol', other, '--json');
    const result = JSON.parse(r.stdout) as { protocol: string; repro: string; ok: boolean };
    expect(result.protocol).toBe(other);
    expect(result.repro).toBe(`consensim run ${BASIC} --seed 1 --protocol ${other}`);
    expect(r.status).toBe(result.ok ? 0 : 1);
  });
});

describe('consensim sweep', () => {
  it('--json prints the documented object; the verdicts do not depend on the number of workers', () => {
    const one = cli('sweep', BASIC, '--seeds', '1..4', '--workers', '1', '--json');
    const two = cli('sweep', BASIC, '--seeds', '1..4', '--workers', '2', '--json');
    expect(one.status).toBe(0);
    const a = JSON.parse(one.stdout) as Record<string, unknown>;
    const b = JSON.parse(two.stdout) as Record<string, unknown>;
    expect(Object.keys(a).filter((k) => k !== 'commit')).toEqual(['scenario', 'protocol', 'seeds', 'passed', 'failed', 'wallMs', 'seedsPerSec', 'version']);
    expect(a).toMatchObject({ scenario: 'raft-basic', protocol: 'raft', seeds: { from: 1, to: 4, count: 4 }, passed: 4, failed: [] });
    expect({ ...b, wallMs: 0, seedsPerSec: 0 }).toEqual({ ...a, wallMs: 0, seedsPerSec: 0 });
  });

  it('--shard K/N runs every N-th seed', () => {
    const r = JSON.parse(cli('sweep', BASIC, '--seeds', '1..5', '--shard', '2/2', '--workers', '1', '--json').stdout) as { seeds: { count: number } };
    expect(r.seeds).toEqual({ from: 1, to: 5, count: 2 });
  });

  it('a caught bug exits 1 and lists a reproduce command that reproduces the failure', () => {
    const r = cli('sweep', NEMESIS, '--seeds', '1..60', '--bug', 'raft.commit-index-uncapped', '--fail-fast', '--workers', '2', '--json');
    expect(r.status).toBe(1);
    const sweep = JSON.parse(r.stdout) as { failed: { seed: number; reason: string; repro: string }[]; passed: number; seeds: { count: number } };
    expect(sweep.failed).toHaveLength(1);
    const failure = sweep.failed[0] as { seed: number; reason: string; repro: string };
    expect(sweep.seeds.count).toBe(failure.seed);
    expect(failure.repro).toBe(`consensim run ${NEMESIS} --seed ${failure.seed} --bug raft.commit-index-uncapped`);
    const run = cli(...reproArgs(failure.repro));
    expect(run.status).toBe(1);
    expect(run.stdout.split('\n')[0]).toBe(`seed ${failure.seed} · raft-nemesis · raft · 5 nodes · bugs: raft.commit-index-uncapped`);
    expect(run.stdout).toContain(`FAIL: ${failure.reason}`);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe(`reproduce: ${failure.repro}`);
  });

  it('a non-linearizable run shows the counterexample, in the terminal and in the HTML report', () => {
    const r = cli('sweep', 'scenarios/raft-stale-read.yaml', '--seeds', '1..40', '--bug', 'raft.stale-leader-read', '--fail-fast', '--workers', '1', '--json');
    const failure = (JSON.parse(r.stdout) as { failed: { reason: string; repro: string }[] }).failed[0];
    expect(failure?.reason).toMatch(/not linearizable/);
    const report = join(dir, 'stale.html');
    const run = cli(...reproArgs((failure as { repro: string }).repro), '--report', report);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/linearizable\s+FAILED/);
    expect(run.stdout).toMatch(/could not be placed/);
    expect(readFileSync(report, 'utf8')).toMatch(/<h3>Counterexample<\/h3><pre>key k1: the longest linearizable order has \d+ operations/);
    // Without --report or --history the history is checked as the run goes and not kept; the
    // counterexample comes from running the same seed again, so it is the same.
    const plain = cli(...reproArgs((failure as { repro: string }).repro));
    expect(plain.status).toBe(1);
    expect(plain.stdout).toMatch(/linearizable\s+FAILED/);
    const failurePart = (out: string): string => out.slice(out.indexOf('FAIL:'));
    expect(failurePart(plain.stdout)).toBe(failurePart(run.stdout));
    expect(plain.stdout).toMatch(/could not be placed/);
  });

  it('on a terminal-less stdout prints a summary line and no progress bar', () => {
    const r = cli('sweep', BASIC, '--seeds', '1..2', '--workers', '1');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^raft-basic · raft · seeds 1\.\.2 \(2 run\)\n2 passed, 0 failed/);
    expect(r.stderr).toBe('');
  });
});

describe('consensim sweep-all (npm start)', () => {
  it('sweeps every bundled scenario; the exit status follows the verdicts', () => {
    const r = cli('sweep-all', '--seeds', '1..1', '--workers', '2', '--json');
    const out = JSON.parse(r.stdout) as { scenarios: { file: string; expect: string; verdict: string; result: { scenario: string; seeds: { count: number } } | null }[] };
    const listed = (JSON.parse(cli('list', '--json').stdout) as { scenarios: { file: string }[] }).scenarios.map((s) => s.file);
    expect(out.scenarios.map((row) => row.file)).toEqual(listed);
    for (const row of out.scenarios) {
      expect(['passed', 'FAILED', 'caught (expected)', 'NOT CAUGHT']).toContain(row.verdict);
      expect(row.verdict === 'caught (expected)' || row.verdict === 'NOT CAUGHT').toBe(row.expect === 'fail');
      expect(row.result?.seeds.count).toBe(1);
    }
    const unexpected = out.scenarios.some((row) => row.verdict === 'FAILED' || row.verdict === 'NOT CAUGHT');
    expect(r.status).toBe(unexpected ? 1 : 0);
  });

  it('prints a summary table', () => {
    const r = cli('sweep-all', '--seeds', '1..1', '--workers', '1');
    expect(r.stdout).toMatch(/^Sweeping \d+ bundled scenarios, seeds 1\.\.1\nscenario +protocol +seeds +passed +failed +seeds\/s +verdict/);
    expect(r.stdout).toMatch(/\nraft-basic +raft +1 +1 +0 +[0-9.]+ +passed/);
  });
});

describe('faults that do nothing', () => {
  it('run warns on stderr for each skipped scripted fault and lists them in --json', () => {
    const file = join(dir, 'skips.yaml');
    writeFileSync(file, 'protocol: raft\nnodes: 3\nduration: 1s\nsettle: 1s\nfaults:\n  - { at: 0s, crash: leader }\n  - { at: 500ms, restart: n2 }\n');
    const r = cli('run', file);
    expect(r.status).toBe(0);
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      'warning: fault at 0ms (line 6) skipped: crash leader: no leader yet (no live node claimed leadership)',
      'warning: fault at 500ms (line 7) skipped: restart n2: it is up, not down',
    ]);
    const json = cli('run', file, '--json');
    expect(json.stderr).toBe('');
    expect((JSON.parse(json.stdout) as { skippedFaults: unknown }).skippedFaults).toEqual([
      { time: 0, line: 6, action: 'crash', reason: 'crash leader: no leader yet (no live node claimed leadership)' },
      { time: 500_000, line: 7, action: 'restart', reason: 'restart n2: it is up, not down' },
    ]);
  });
});

describe('bad input: exit 2, one line on stderr, no stack trace', () => {
  it('a missing scenario file', () => expectUsageError(cli('run', 'scenarios/nope.yaml'), /scenarios\/nope\.yaml: no such file/));

  it('an invalid scenario names file:line:column and the field', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'protocol: raft\nnodes: 3\nnetwork:\n  loss: 2\n');
    expectUsageError(cli('run', file), new RegExp(`${file}:4:9: network.loss: expected a probability between 0 and 1, found 2`));
    expectUsageError(cli('sweep', file, '--seeds', '1..2'), /network\.loss/);
  });

  it('protocol options of 0 are refused before the banner, by run and by sweep (never "internal error" or "crashed")', () => {
    for (const [protocol, nodes, option] of [['raft', 3, 'electionTimeout'], ['raft', 3, 'heartbeatInterval'], ['pbft', 4, 'clientRetry']] as const) {
      const file = join(dir, `zero-${option}.yaml`);
      writeFileSync(file, `protocol: ${protocol}\nnodes: ${nodes}\nprotocolOptions:\n  ${option}: 0\n`);
      expectUsageError(cli('run', file), new RegExp(`${file}:4:${option.length + 5}: protocolOptions.${option}: expected a duration above 0`));
      expectUsageError(cli('sweep', file, '--seeds', '1..3'), new RegExp(`protocolOptions.${option}`));
    }
  });

  it('a binary scenario file says so and echoes none of its bytes', () => {
    const file = join(dir, 'binary.yaml');
    writeFileSync(file, Buffer.from(Array.from({ length: 9_700 }, (_, i) => (i * 197 + 3) % 256)));
    const r = cli('run', file);
    expectUsageError(r, new RegExp(`${file}: binary data, not a scenario`));
    expect(r.stderr.length).toBeLessThan(file.length + 100);
  });

  it('bad options', () => {
    expectUsageError(cli('run', BASIC, '--seed', 'abc'), /--seed.*expected a non-negative integer, found "abc"/);
    expectUsageError(cli('run', BASIC, '--seed', '-4'), /non-negative integer/);
    expectUsageError(cli('sweep', BASIC, '--seeds', '9..2'), /--seeds.*A\.\.B/);
    expectUsageError(cli('sweep', BASIC, '--seeds', 'all'), /--seeds/);
    expectUsageError(cli('sweep', BASIC), /--seeds/);
    expectUsageError(cli('sweep', BASIC, '--seeds', '1..2', '--shard', '3/2'), /--shard/);
    expectUsageError(cli('sweep', BASIC, '--seeds', '1..2', '--workers', '0'), /--workers/);
    expectUsageError(cli('run', BASIC, '--protocol', 'nope'), /--protocol: unknown protocol "nope"; expected one of .*raft/);
    expectUsageError(cli('run', BASIC, '--bug', 'raft.nope'), /--bug: unknown bug "raft.nope" for raft/);
    expectUsageError(cli('run', BASIC, '--trace', join(dir, 'no-such-dir', 't.jsonl')), /--trace: cannot write the file \(no directory/);
    const specific = join(dir, 'raft-specific.yaml');
    writeFileSync(specific, 'protocol: raft\nbugs: [raft.forget-vote]\n');
    expectUsageError(cli('run', specific, '--protocol', 'vsr'), /--protocol: raft-specific cannot switch from raft to vsr because it uses raft-specific bugs \(raft.forget-vote\)/);
  });
});

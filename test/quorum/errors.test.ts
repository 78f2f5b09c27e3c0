/**
 * Bad input for the quorum register and for Flexible Paxos: each is one located error naming the
 * field (file, line, column), from the loader, from a run with --bug/--protocol, and from the
 * command line with exit status 2.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, parseScenario, runScenario, withOverrides } from '../fixtures/bundled.js';
import { inputProblem } from '../scenario/fixtures.js';

const quorumFile = (options: string, extra = '', mix = '{ read: 0.5, write: 0.5 }'): string =>
  ['protocol: quorum', 'nodes: 5', `protocolOptions: ${options}`, 'workload:', `  mix: ${mix}`, extra].join('\n');

describe('quorum options', () => {
  it('accept r + w > n, majorities by default, and r = n with readRepair off', () => {
    expect(parseScenario(quorumFile('{ r: 3, w: 3 }'), 'ok.yaml').protocolOptions).toMatchObject({ r: 3, w: 3, readRepair: true });
    expect(parseScenario(quorumFile('{}'), 'ok.yaml').protocolOptions).toMatchObject({ r: 0, w: 0 });
    expect(parseScenario(quorumFile('{ r: 5, w: 1, readRepair: false }'), 'ok.yaml').protocolOptions).toMatchObject({ r: 5, w: 1 });
    expect(parseScenario(quorumFile('{ r: 1, w: 5 }'), 'ok.yaml').protocolOptions).toMatchObject({ r: 1, w: 5 });
  });

  it('reject a quorum larger than the cluster, at the option', () => {
    const p = inputProblem(() => parseScenario(quorumFile('{ r: 3, w: 7 }'), 'big.yaml'));
    expect(p).toMatchObject({ file: 'big.yaml', line: 3, column: 29, field: 'protocolOptions.w' });
    expect(p.message).toBe('expected a quorum size from 1 to n = 5 (0 for a majority), found 7');
  });

  it('reject r + w ≤ n unless quorum.sloppy is on', () => {
    const p = inputProblem(() => parseScenario(quorumFile('{ r: 2, w: 3 }'), 'disjoint.yaml'));
    expect(p).toMatchObject({ line: 3, column: 29, field: 'protocolOptions.w' });
    expect(p.message).toMatch(/^r \+ w = 2 \+ 3 is not more than n = 5: a read quorum could miss every replica of the last write/);
    expect(p.message).toContain('quorum.sloppy');
    expect(parseScenario(quorumFile('{ r: 2, w: 3 }', 'bugs: [quorum.sloppy]'), 'sloppy.yaml').bugs).toEqual(['quorum.sloppy']);
  });

  it('reject readRepair: false with r < n unless quorum.no-read-repair is on', () => {
    const p = inputProblem(() => parseScenario(quorumFile('{ r: 3, w: 3, readRepair: false }'), 'rr.yaml'));
    expect(p).toMatchObject({ line: 3, column: 44, field: 'protocolOptions.readRepair' });
    expect(p.message).toMatch(/^readRepair: false is safe only with r = n \(here r = 3, n = 5\)/);
    expect(() => parseScenario(quorumFile('{ r: 3, w: 3, readRepair: false }', 'bugs: [quorum.no-read-repair]'), 'rr.yaml')).not.toThrow();
  });

  it('reject cas in the workload, saying why (it needs consensus)', () => {
    const p = inputProblem(() => parseScenario(quorumFile('{}', '', '{ read: 0.5, write: 0.4, cas: 0.1 }'), 'cas.yaml'));
    expect(p).toMatchObject({ file: 'cas.yaml', line: 5, column: 38, field: 'workload.mix.cas' });
    expect(p.message).toMatch(/^quorum cannot run cas: a compare-and-set needs every replica to agree on one order of writes, which is consensus/);
  });

  it('reject append in the workload too (a read-modify-write needs consensus as well)', () => {
    const p = inputProblem(() => parseScenario(quorumFile('{}', '', '{ read: 0.5, write: 0.4, append: 0.1 }'), 'append.yaml'));
    expect(p).toMatchObject({ file: 'append.yaml', line: 5, field: 'workload.mix.append' });
    expect(p.message).toMatch(/^quorum cannot run append/);
  });

  it('reject cas also when another protocol\'s scenario is run with --protocol quorum', () => {
    const raft = loadScenario('scenarios/raft-basic.yaml');
    expect(inputProblem(() => withOverrides(raft, { protocol: 'quorum' }))).toMatchObject({ field: 'workload.mix.cas' });
    // A scenario switched in code, past the override check, is still refused by the run.
    expect(inputProblem(() => runScenario({ ...raft, protocol: 'quorum', protocolOptions: { r: 0, w: 0, readRepair: true } }))).toMatchObject({
      field: 'workload.mix.cas',
    });
  });

  it('check again at run time with the bugs of the command line', () => {
    const scenario = loadScenario('scenarios/quorum-sloppy.yaml');
    const without = { ...scenario, bugs: [] };
    expect(inputProblem(() => runScenario(without)).field).toBe('protocolOptions.w');
    expect(() => runScenario(without, { extraBugs: ['quorum.sloppy'], hashTrace: false })).not.toThrow();
  });
});

describe('Flexible Paxos options (multipaxos q1, q2)', () => {
  const paxosFile = (options: string, extra = ''): string => ['protocol: multipaxos', 'nodes: 5', `protocolOptions: ${options}`, extra].join('\n');

  it('accept q1 + q2 > n and default to majorities', () => {
    expect(parseScenario(paxosFile('{ q1: 4, q2: 2 }'), 'f.yaml').protocolOptions).toMatchObject({ q1: 4, q2: 2 });
    expect(parseScenario(paxosFile('{}'), 'f.yaml').protocolOptions).toMatchObject({ q1: 0, q2: 0 });
  });

  it('reject q1 + q2 ≤ n unless multipaxos.flexible-quorums-disjoint is on', () => {
    const p = inputProblem(() => parseScenario(paxosFile('{ q1: 3, q2: 2 }'), 'disjoint.yaml'));
    expect(p).toMatchObject({ file: 'disjoint.yaml', line: 3, column: 24, field: 'protocolOptions.q1' });
    expect(p.message).toMatch(/^q1 \+ q2 = 3 \+ 2 is not more than n = 5: a new leader's phase 1 quorum could miss every acceptor that chose a value/);
    expect(() => parseScenario(paxosFile('{ q1: 3, q2: 2 }', 'bugs: [multipaxos.flexible-quorums-disjoint]'), 'd.yaml')).not.toThrow();
  });

  it('reject a quorum larger than the cluster', () => {
    const p = inputProblem(() => parseScenario(paxosFile('{ q1: 6, q2: 2 }'), 'big.yaml'));
    expect(p).toMatchObject({ field: 'protocolOptions.q1', line: 3, column: 24 });
  });
});

describe('the command line', () => {
  const ROOT = join(import.meta.dirname, '..', '..');
  const MAIN = join(ROOT, 'dist', 'cli', 'main.js');

  it.skipIf(!existsSync(MAIN))('prints one located error and exits 2', () => {
    const r = spawnSync(process.execPath, [MAIN, 'run', 'scenarios/raft-basic.yaml', '--protocol', 'quorum'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe(''); // refused before the run's banner
    expect(r.stderr).toMatch(/workload\.mix\.cas: quorum cannot run cas/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});

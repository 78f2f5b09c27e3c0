import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, parseScenario } from '../../sim/scenario/load.js';
import { MAX_ALIASES } from '../../sim/scenario/located.js';
import { PROTOCOLS } from '../../protocols/registry.js';
import { FIXTURE_PROTOCOLS, inputProblem } from './fixtures.js';

const parse = (text: string, file = 'test.yaml') => parseScenario(text, file, FIXTURE_PROTOCOLS);
const problem = (text: string) => inputProblem(() => parse(text));

const FULL = `name: alpha-leader-isolation
description: Isolate the leader, keep writing, heal, check.
protocol: alpha
nodes: 5
seed: 7
duration: 20s
settle: 1.5s
protocolOptions: { electionTimeout: 300ms, preVote: true }
network:
  latency: { min: 1ms, max: 15ms }
  loss: 0.01
  duplicate: 0.02
clock: { skew: 20ms, drift: 100ppm }
workload:
  clients: 4
  keys: 2
  mix: { read: 0.5, write: 0.4, cas: 0.1 }
  interval: 20ms
  timeout: 500ms
faults:
  - { at: 5s,  partition: [[leader], rest] }
  - { at: 9s,  heal: all }
  - { at: 12s, crash: leader, restart: 2s }
  - { at: 14s, pause: n2, for: 1s }
  - { at: 15s, clock: n3, jump: -200ms }
  - { at: 16s, cut: { from: n1, to: [n2, n3] } }
  - { at: 17s, restart: n4 }
  - { at: 18s, crash: random, amnesia: true }
nemesis: { every: 2s, faults: [partition, crash, pause, clock] }
checks: [linearizability, invariants]
bugs: [alpha.skip-sync]
`;

describe('scenario loading: a complete file (Contract 1)', () => {
  it('normalizes every section: durations in µs, selectors, options with defaults', () => {
    const s = parse(FULL);
    expect(s.name).toBe('alpha-leader-isolation');
    expect(s.protocol).toBe('alpha');
    expect(s.nodes).toBe(5);
    expect(s.seed).toBe(7);
    expect(s.durationUs).toBe(20_000_000);
    expect(s.settleUs).toBe(1_500_000);
    expect(s.protocolOptions).toEqual({ electionTimeout: 300_000, batch: 8, preVote: true, readPath: 'log' });
    expect(s.network).toEqual({ latency: { dist: 'uniform', minUs: 1000, maxUs: 15000 }, loss: 0.01, duplicate: 0.02 });
    expect(s.clock).toEqual({ skewUs: 20_000, driftPpm: 100 });
    expect(s.workload).toEqual({ clients: 4, keys: 2, mix: { read: 0.5, write: 0.4, cas: 0.1 }, intervalUs: 20_000, timeoutUs: 500_000 });
    expect(s.nemesis).toEqual({ everyUs: 2_000_000, faults: ['partition', 'crash', 'pause', 'clock'] });
    expect(s.checks).toEqual({ linearizability: true, invariants: true, liveness: false });
    expect(s.bugs).toEqual(['alpha.skip-sync']);
    expect(s.faults.map((f) => [f.atUs, f.line])).toEqual([
      [5_000_000, 21], [9_000_000, 22], [12_000_000, 23], [14_000_000, 24],
      [15_000_000, 25], [16_000_000, 26], [17_000_000, 27], [18_000_000, 28],
    ]);
    expect(s.faults.map((f) => f.action)).toEqual([
      { kind: 'partition', groups: [[{ kind: 'leader' }], [{ kind: 'rest' }]] },
      { kind: 'heal', target: { kind: 'all' } },
      { kind: 'crash', target: { kind: 'leader' }, restartUs: 2_000_000, amnesia: false },
      { kind: 'pause', target: { kind: 'node', node: 'n2' }, forUs: 1_000_000 },
      { kind: 'clock', target: { kind: 'node', node: 'n3' }, jumpUs: -200_000 },
      { kind: 'cut', from: { kind: 'node', node: 'n1' }, to: [{ kind: 'node', node: 'n2' }, { kind: 'node', node: 'n3' }] },
      { kind: 'restart', target: { kind: 'node', node: 'n4' } },
      { kind: 'crash', target: { kind: 'random' }, restartUs: null, amnesia: true },
    ]);
  });

  it('reads the same scenario from JSON', () => {
    const json = JSON.stringify({
      protocol: 'alpha',
      nodes: 5,
      duration: '20s',
      network: { latency: { mean: '5ms', dist: 'exponential' } },
      faults: [{ at: '5s', partition: [['n1', 'n2'], 'rest'] }],
      nemesis: 'none',
    }, null, 2);
    const s = parse(json, 'dir/json-case.json');
    expect(s.name).toBe('json-case');
    expect(s.network.latency).toEqual({ dist: 'exponential', meanUs: 5000 });
    expect(s.faults[0]?.action).toEqual({
      kind: 'partition',
      groups: [[{ kind: 'node', node: 'n1' }, { kind: 'node', node: 'n2' }], [{ kind: 'rest' }]],
    });
    expect(s.nemesis).toBeNull();
  });

  it('loads from disk, and a missing file is an input error naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'consensim-load-'));
    const path = join(dir, 'from-disk.yaml');
    writeFileSync(path, 'protocol: alpha\n');
    expect(loadScenario(path, FIXTURE_PROTOCOLS).name).toBe('from-disk');
    const p = inputProblem(() => loadScenario(join(dir, 'nope.yaml'), FIXTURE_PROTOCOLS));
    expect(p.file).toBe(join(dir, 'nope.yaml'));
    expect(p.message).toMatch(/no such file/);
  });
});

describe('scenario loading: defaults for every omitted section', () => {
  it('fills the documented defaults', () => {
    const s = parse('protocol: alpha\n', 'scenarios/minimal.yaml');
    expect(s).toEqual({
      name: 'minimal',
      description: '',
      file: 'scenarios/minimal.yaml',
      protocol: 'alpha',
      nodes: 3,
      seed: 1,
      durationUs: 10_000_000,
      settleUs: 5_000_000,
      protocolOptions: { electionTimeout: 150_000, batch: 8, preVote: false, readPath: 'log' },
      network: { latency: { dist: 'uniform', minUs: 1000, maxUs: 10_000 }, loss: 0, duplicate: 0 },
      clock: { skewUs: 0, driftPpm: 0 },
      workload: { clients: 3, keys: 3, mix: { read: 0.5, write: 0.4, cas: 0.1 }, intervalUs: 20_000, timeoutUs: 1_000_000 },
      faults: [],
      nemesis: null,
      byzantine: {},
      checks: { linearizability: true, invariants: true, liveness: true },
      bugs: [],
    });
  });

  it('fills the keys a partial section leaves out', () => {
    const s = parse('protocol: alpha\nworkload: { clients: 8 }\nnemesis: { faults: [crash] }\nnetwork: { loss: 0.1 }\nlatency_is_fixed: no\n'.replace('latency_is_fixed: no\n', ''));
    expect(s.workload).toEqual({ clients: 8, keys: 3, mix: { read: 0.5, write: 0.4, cas: 0.1 }, intervalUs: 20_000, timeoutUs: 1_000_000 });
    expect(s.nemesis).toEqual({ everyUs: 2_000_000, faults: ['crash'] });
    expect(s.network).toEqual({ latency: { dist: 'uniform', minUs: 1000, maxUs: 10_000 }, loss: 0.1, duplicate: 0 });
  });

  it('accepts a fixed latency, fractional and zero durations, and the expect extension', () => {
    const s = parse('protocol: alpha\nnetwork: { latency: 3ms }\nsettle: 0\nchecks: [linearizability, invariants]\nduration: 0.5s\nexpect: fail\n');
    expect(s.network.latency).toEqual({ dist: 'fixed', valueUs: 3000 });
    expect(s.settleUs).toBe(0);
    expect(s.durationUs).toBe(500_000);
    expect(s.expect).toBe('fail');
  });
});

describe('scenario loading: every error names file, line, column, field, expected and found', () => {
  const cases: { what: string; text: string; line: number; column: number; field: string; message: RegExp }[] = [
    { what: 'unknown top-level key', text: 'protocol: alpha\nnodez: 5\n', line: 2, column: 1, field: 'nodez', message: /unknown key "nodez"; expected one of name, description, protocol, nodes/ },
    { what: 'unknown nested key', text: 'protocol: alpha\nnetwork:\n  los: 0.1\n', line: 3, column: 3, field: 'network.los', message: /unknown key "los"/ },
    { what: 'wrong type', text: 'protocol: alpha\nnodes: five\n', line: 2, column: 8, field: 'nodes', message: /expected an integer from 1 to 64, found "five"/ },
    { what: 'negative nodes', text: 'protocol: alpha\nnodes: -3\n', line: 2, column: 8, field: 'nodes', message: /found -3/ },
    { what: 'cluster size the protocol refuses', text: 'protocol: beta\nnodes: 5\n', line: 2, column: 8, field: 'nodes', message: /beta cannot run with 5 nodes: needs 3f\+1/ },
    { what: 'bad duration unit', text: 'protocol: alpha\nduration: 10 seconds\n', line: 2, column: 11, field: 'duration', message: /expected a duration above 0 such as 500ms \(units us, ms, s, m\), found "10 seconds"/ },
    { what: 'duration without unit', text: 'protocol: alpha\nsettle: 5\n', line: 2, column: 9, field: 'settle', message: /expected a duration/ },
    { what: 'negative duration', text: 'protocol: alpha\nworkload: { interval: -5ms }\n', line: 2, column: 23, field: 'workload.interval', message: /found "-5ms"/ },
    { what: 'probability above 1', text: 'protocol: alpha\nnetwork: { loss: 2 }\n', line: 2, column: 18, field: 'network.loss', message: /expected a probability between 0 and 1, found 2/ },
    { what: 'bad rate', text: 'protocol: alpha\nclock: { drift: 100 ppm }\n', line: 2, column: 17, field: 'clock.drift', message: /expected a rate such as 100ppm/ },
    { what: 'missing protocol', text: 'nodes: 3\n', line: 1, column: 1, field: 'protocol', message: /missing; expected one of alpha, beta/ },
    { what: 'unknown protocol', text: 'protocol: zeta\n', line: 1, column: 11, field: 'protocol', message: /unknown protocol "zeta"; expected one of alpha, beta/ },
    { what: 'unknown bug', text: 'protocol: alpha\nbugs: [alpha.skip-sync, alpha.nope]\n', line: 2, column: 25, field: 'bugs[1]', message: /unknown bug "alpha.nope" for alpha; expected one of alpha.skip-sync, alpha.early-commit/ },
    { what: 'short bug name', text: 'protocol: alpha\nbugs: [skip-sync]\n', line: 2, column: 8, field: 'bugs[0]', message: /did you mean alpha.skip-sync\?/ },
    { what: 'unknown selector', text: 'protocol: alpha\nfaults:\n  - { at: 1s, crash: follower }\n', line: 3, column: 22, field: 'faults[0].crash', message: /expected a node n1..n3 or one of leader, random, minority, majority, rest, all, found "follower"/ },
    { what: 'node beyond the cluster', text: 'protocol: alpha\nnodes: 3\nfaults:\n  - { at: 1s, pause: n7, for: 1s }\n', line: 4, column: 22, field: 'faults[0].pause', message: /unknown node "n7": this scenario has 3 nodes/ },
    { what: 'fault with two actions', text: 'protocol: alpha\nfaults:\n  - { at: 1s, crash: n1, heal: all }\n', line: 3, column: 5, field: 'faults[0]', message: /exactly one fault action .* found crash and heal/ },
    { what: 'fault key of another action', text: 'protocol: alpha\nfaults:\n  - { at: 1s, crash: n1, for: 1s }\n', line: 3, column: 26, field: 'faults[0].for', message: /not allowed with crash/ },
    { what: 'fault without at', text: 'protocol: alpha\nfaults:\n  - { heal: all }\n', line: 3, column: 5, field: 'faults[0].at', message: /missing/ },
    { what: 'fault after the duration', text: 'protocol: alpha\nduration: 5s\nfaults:\n  - { at: 6s, heal: all }\n', line: 4, column: 11, field: 'faults[0].at', message: /within the scenario's duration \(0..5s\), found 6s/ },
    { what: 'pause without for', text: 'protocol: alpha\nfaults:\n  - { at: 1s, pause: n1 }\n', line: 3, column: 22, field: 'faults[0].for', message: /missing/ },
    { what: 'partition of one group', text: 'protocol: alpha\nfaults:\n  - { at: 1s, partition: [[n1]] }\n', line: 3, column: 26, field: 'faults[0].partition', message: /at least two groups/ },
    { what: 'partition naming a node twice', text: 'protocol: alpha\nfaults:\n  - { at: 1s, partition: [[n1], [n1, n2]] }\n', line: 3, column: 34, field: 'faults[0].partition[1][0]', message: /named in two groups/ },
    { what: 'cut without to', text: 'protocol: alpha\nfaults:\n  - { at: 1s, cut: { from: n1 } }\n', line: 3, column: 20, field: 'faults[0].cut.to', message: /missing/ },
    { what: 'unknown nemesis fault kind', text: 'protocol: alpha\nnemesis: { faults: [partition, meteor] }\n', line: 2, column: 32, field: 'nemesis.faults[1]', message: /expected one of partition, crash, pause, clock, cut, amnesia, found "meteor"/ },
    { what: 'unknown check', text: 'protocol: alpha\nchecks: [linearizability, safety]\n', line: 2, column: 27, field: 'checks[1]', message: /found "safety"/ },
    { what: 'byzantine for a protocol without behaviours', text: 'protocol: alpha\nbyzantine: { n1: silent }\n', line: 2, column: 14, field: 'byzantine.n1', message: /alpha has no byzantine behaviours/ },
    { what: 'unknown byzantine behaviour', text: 'protocol: beta\nnodes: 4\nbyzantine: { n1: lie }\n', line: 3, column: 18, field: 'byzantine.n1', message: /expected one of silent, equivocate, found "lie"/ },
    { what: 'byzantine node beyond the cluster', text: 'protocol: beta\nnodes: 4\nbyzantine: { n5: silent }\n', line: 3, column: 14, field: 'byzantine.n5', message: /unknown node "n5"/ },
    { what: 'unknown protocol option', text: 'protocol: alpha\nprotocolOptions:\n  heartbeat: 10ms\n', line: 3, column: 3, field: 'protocolOptions.heartbeat', message: /unknown alpha option "heartbeat"; expected one of electionTimeout, batch, preVote, readPath$/ },
    { what: 'option name cut short', text: 'protocol: alpha\nprotocolOptions:\n  election: 10ms\n', line: 3, column: 3, field: 'protocolOptions.election', message: /\(did you mean electionTimeout\?\)$/ },
    { what: 'option of the wrong type', text: 'protocol: alpha\nprotocolOptions: { preVote: maybe }\n', line: 2, column: 29, field: 'protocolOptions.preVote', message: /expected true or false, found "maybe"/ },
    { what: 'integer option out of range', text: 'protocol: alpha\nprotocolOptions: { batch: 0 }\n', line: 2, column: 27, field: 'protocolOptions.batch', message: /expected an integer from 1 to 64, found 0/ },
    { what: 'enum option', text: 'protocol: alpha\nprotocolOptions: { readPath: lease }\n', line: 2, column: 30, field: 'protocolOptions.readPath', message: /expected one of log, read-index, found "lease"/ },
    { what: 'duration option', text: 'protocol: alpha\nprotocolOptions: { electionTimeout: 150 }\n', line: 2, column: 37, field: 'protocolOptions.electionTimeout', message: /expected a duration/ },
    { what: 'latency max below min', text: 'protocol: alpha\nnetwork: { latency: { min: 5ms, max: 1ms } }\n', line: 2, column: 38, field: 'network.latency.max', message: /at least min/ },
    { what: 'all-zero mix', text: 'protocol: alpha\nworkload: { mix: { read: 0 } }\n', line: 2, column: 18, field: 'workload.mix', message: /at least one positive weight/ },
    { what: 'negative append weight', text: 'protocol: alpha\nworkload: { mix: { append: -1 } }\n', line: 2, column: 28, field: 'workload.mix.append', message: /a non-negative weight/ },
    { what: 'reuseValues not an integer', text: 'protocol: alpha\nworkload: { reuseValues: few }\n', line: 2, column: 26, field: 'workload.reuseValues', message: /expected an integer from 0 to 1000000, found "few"/ },
    { what: 'reuseValues negative', text: 'protocol: alpha\nworkload: { reuseValues: -2 }\n', line: 2, column: 26, field: 'workload.reuseValues', message: /found -2/ },
    { what: 'YAML syntax error', text: 'protocol: alpha\nnodes: [3\n', line: 3, column: 1, field: '', message: /invalid YAML/ },
    { what: 'duplicate key', text: 'protocol: alpha\nprotocol: beta\n', line: 2, column: 1, field: '', message: /invalid YAML: Map keys must be unique/ },
    { what: 'not a mapping', text: '- protocol: alpha\n', line: 1, column: 1, field: '', message: /expected a mapping of scenario fields/ },
    { what: 'empty value', text: 'protocol: alpha\nnodes:\n', line: 2, column: 7, field: 'nodes', message: /expected an integer from 1 to 64, found nothing \(null\)/ },
    { what: 'bad expect', text: 'protocol: alpha\nexpect: maybe\n', line: 2, column: 9, field: 'expect', message: /expected one of pass, fail/ },
    // Zero (or too small) option values: one rule for every protocol, checked at load time.
    { what: 'duration option of 0', text: 'protocol: alpha\nprotocolOptions: { electionTimeout: 0 }\n', line: 2, column: 37, field: 'protocolOptions.electionTimeout', message: /expected a duration above 0 such as 500ms.*found 0/ },
    { what: 'duration option of 0ms', text: 'protocol: alpha\nprotocolOptions: { electionTimeout: 0ms }\n', line: 2, column: 37, field: 'protocolOptions.electionTimeout', message: /expected a duration above 0/ },
    { what: 'duration option below its min', text: 'protocol: beta\nnodes: 4\nprotocolOptions: { tick: 1ms }\n', line: 3, column: 26, field: 'protocolOptions.tick', message: /expected a duration of at least 5ms such as 500ms.*found "1ms"/ },
    // Unknown YAML tags, cuts to self, empty rest, flat partitions.
    { what: 'unknown YAML tag', text: 'protocol: alpha\nname: !!js/function "function () {}"\n', line: 2, column: 21, field: 'name', message: /unsupported YAML tag "!!js\/function"/ },
    { what: 'local YAML tag', text: 'protocol: alpha\nnodes: !big 3\n', line: 2, column: 13, field: 'nodes', message: /unsupported YAML tag "!big"/ },
    { what: 'YAML tag on a key', text: 'protocol: alpha\n!!binary bm9kZXM=: 3\n', line: 2, column: 10, field: '', message: /unsupported YAML tag "!!binary"/ },
    { what: 'non-core YAML tag', text: 'protocol: alpha\nfaults: !!set { a }\n', line: 2, column: 15, field: 'faults', message: /unsupported YAML tag "!!set"/ },
    { what: 'cut from a node to itself', text: 'protocol: alpha\nfaults:\n  - { at: 1s, cut: { from: n2, to: [n1, n2] } }\n', line: 3, column: 41, field: 'faults[0].cut.to[1]', message: /a cut from n2 to itself cuts nothing/ },
    { what: 'cut from a node to itself (single to)', text: 'protocol: alpha\nfaults:\n  - { at: 1s, cut: { from: n2, to: n2 } }\n', line: 3, column: 36, field: 'faults[0].cut.to', message: /to itself/ },
    { what: 'partition whose rest is empty', text: 'protocol: alpha\nfaults:\n  - { at: 1s, partition: [[n1], [n2, n3], rest] }\n', line: 3, column: 26, field: 'faults[0].partition', message: /rest would be empty: the other groups already name all 3 nodes/ },
    { what: 'partition as a flat list of nodes', text: 'protocol: alpha\nnodes: 5\nfaults:\n  - { at: 1s, partition: [n1, n2] }\n', line: 4, column: 26, field: 'faults[0].partition', message: /expected a list of groups, found \[n1, n2\].*write \[\[n1\], \[n2\]\] for exactly that, or \[\[n1, n2\], rest\]/ },
    // settle: 0 cannot leave time for liveness.
    { what: 'settle 0 with clients and liveness', text: 'protocol: alpha\nsettle: 0s\n', line: 2, column: 9, field: 'settle', message: /expected a duration above 0 when clients run and liveness is checked: liveness needs time after the faults stop/ },
    // "Did you mean": unknown keys, options, protocols.
    { what: 'misspelt top-level key', text: 'protocol: alpha\nduraton: 5s\n', line: 2, column: 1, field: 'duraton', message: /unknown key "duraton"; expected one of .* \(did you mean duration\?\)$/ },
    { what: 'misspelt nested key', text: 'protocol: alpha\nworkload: { client: 2 }\n', line: 2, column: 13, field: 'workload.client', message: /\(did you mean clients\?\)$/ },
    { what: 'misspelt fault key', text: 'protocol: alpha\nfaults:\n  - { at: 1s, parition: [[n1], rest] }\n', line: 3, column: 15, field: 'faults[0].parition', message: /\(did you mean partition\?\)$/ },
    { what: 'misspelt option', text: 'protocol: alpha\nprotocolOptions: { electiontimeout: 1s }\n', line: 2, column: 20, field: 'protocolOptions.electiontimeout', message: /\(did you mean electionTimeout\?\)$/ },
    { what: 'misspelt protocol', text: 'protocol: alpah\n', line: 1, column: 11, field: 'protocol', message: /unknown protocol "alpah".*\(did you mean alpha\?\)$/ },
    { what: 'misspelt bug', text: 'protocol: alpha\nbugs: [alpha.skip-snyc]\n', line: 2, column: 8, field: 'bugs[0]', message: /\(did you mean alpha.skip-sync\?\)$/ },
  ];

  for (const c of cases) {
    it(c.what, () => {
      const p = problem(c.text);
      expect({ file: p.file, line: p.line, column: p.column, field: p.field }).toEqual({ file: 'test.yaml', line: c.line, column: c.column, field: c.field });
      expect(p.message).toMatch(c.message);
    });
  }

  it('reads an append weight and reuseValues, and leaves both out when not given (old scenarios draw as before)', () => {
    const s = parse('protocol: alpha\nworkload: { mix: { read: 1, append: 2 }, reuseValues: 3 }\n');
    expect(s.workload.mix).toEqual({ read: 1, write: 0, cas: 0, append: 2 });
    expect(s.workload.reuseValues).toBe(3);
    const plain = parse('protocol: alpha\nworkload: { mix: { read: 1, append: 0 }, reuseValues: 0 }\n');
    expect('append' in plain.workload.mix).toBe(false);
    expect('reuseValues' in plain.workload).toBe(false);
    expect(parse('protocol: alpha\nworkload: { mix: { append: 1 } }\n').workload.mix).toEqual({ read: 0, write: 0, cas: 0, append: 1 });
  });

  it('formats as one sentence with file:line:column and the field', () => {
    try {
      parse('protocol: alpha\nnetwork: { loss: 2 }\n');
    } catch (error) {
      expect((error as Error).message).toBe('test.yaml:2:18: network.loss: expected a probability between 0 and 1, found 2');
      return;
    }
    throw new Error('expected an error');
  });

  it('suggests nothing for a key unlike any known one', () => {
    expect(problem('protocol: alpha\nfrobnicate: 5\n').message).not.toMatch(/did you mean/);
  });

  it('accepts every partition form that says what it means', () => {
    const s = parse('protocol: alpha\nnodes: 5\nfaults:\n  - { at: 1s, partition: [leader, rest] }\n  - { at: 2s, partition: [[n1], [n2]] }\n  - { at: 3s, partition: [[n1, n2], rest] }\n  - { at: 4s, partition: [[n1, n2, n3, n4], rest] }\n');
    expect(s.faults.map((f) => (f.action.kind === 'partition' ? f.action.groups.length : 0))).toEqual([2, 2, 2, 2]);
  });

  it('accepts settle: 0 without clients or without liveness', () => {
    expect(parse('protocol: alpha\nsettle: 0\nworkload: { clients: 0 }\n').settleUs).toBe(0);
    expect(parse('protocol: alpha\nsettle: 0\nchecks: [invariants]\n').settleUs).toBe(0);
  });

  it('resolves a few aliases as their anchors', () => {
    const s = parse('protocol: alpha\nnodes: 5\nfaults:\n  - &crash { at: 1s, crash: n1 }\n  - *crash\n  - &p { at: 2s, partition: [[n1], rest] }\n  - *p\n');
    expect(s.faults.map((f) => f.action.kind)).toEqual(['crash', 'crash', 'partition', 'partition']);
  });

  it('refuses 100,000 aliases quickly, before composing the document (a 700 KB alias bomb)', () => {
    const lines = ['protocol: alpha', 'faults:', '  - &f { at: 1s, crash: n1 }'];
    for (let i = 0; i < 100_000; i++) lines.push('  - *f');
    const text = lines.join('\n') + '\n';
    expect(text.length).toBeGreaterThan(600_000);
    const p = problem(text);
    // The first alias beyond the bound stands on line 3 + MAX_ALIASES + 1.
    expect([p.file, p.line, p.field]).toEqual(['test.yaml', 4 + MAX_ALIASES, '']);
    expect(p.message).toMatch(new RegExp(`too many YAML aliases \\(more than ${MAX_ALIASES}\\)`));
  });

  it('resolves MAX_ALIASES aliases, each to the last anchor of its name before it', () => {
    const lines = ['protocol: alpha', 'faults:', '  - &f { at: 1s, heal: all }'];
    for (let i = 1; i < MAX_ALIASES; i++) lines.push('  - *f');
    lines.push('  - &f { at: 2s, crash: n1 }', '  - *f');
    const s = parse(lines.join('\n') + '\n');
    expect(s.faults.length).toBe(MAX_ALIASES + 2);
    expect(s.faults.slice(0, MAX_ALIASES).every((f) => f.action.kind === 'heal')).toBe(true);
    expect(s.faults.slice(MAX_ALIASES).map((f) => f.action.kind)).toEqual(['crash', 'crash']);
  });

  it('never echoes a long value whole', () => {
    const p = problem(`protocol: ${'z'.repeat(10_000)}\n`);
    expect(p.message.length).toBeLessThan(300);
    expect(p.message).toMatch(/\.\.\. \(10000 characters\)/);
  });

  it('reports positions in JSON files too', () => {
    const p = inputProblem(() => parse('{\n  "protocol": "alpha",\n  "network": { "loss": 1.5 }\n}\n', 'x.json'));
    expect([p.file, p.line, p.column, p.field]).toEqual(['x.json', 3, 24, 'network.loss']);
  });
});

describe('scenario files on disk', () => {
  it('a directory or an oversized file is an input error, not a crash', () => {
    const dir = mkdtempSync(join(tmpdir(), 'consensim-load-'));
    expect(inputProblem(() => loadScenario(dir, FIXTURE_PROTOCOLS)).message).toMatch(/is a directory/);
    const big = join(dir, 'big.yaml');
    writeFileSync(big, `protocol: alpha\ndescription: "${'x'.repeat(5 * 1024 * 1024)}"\n`);
    expect(inputProblem(() => loadScenario(big, FIXTURE_PROTOCOLS)).message).toMatch(/too large for a scenario file/);
  });

  it('a binary file is "binary data, not a scenario", without echoing its bytes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'consensim-load-'));
    const notUtf8 = join(dir, 'image.yaml');
    const bytes = Buffer.alloc(9_700);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) % 256;
    writeFileSync(notUtf8, bytes);
    const a = inputProblem(() => loadScenario(notUtf8, FIXTURE_PROTOCOLS));
    expect(a.message).toBe('binary data, not a scenario (the file is not UTF-8 text)');
    const controls = join(dir, 'controls.yaml');
    writeFileSync(controls, 'protocol: alpha\nname: x\u0000\u0001\u0002y\n');
    const b = inputProblem(() => loadScenario(controls, FIXTURE_PROTOCOLS));
    expect([b.file, b.line, b.message]).toEqual([controls, 2, 'binary data, not a scenario (expected YAML or JSON text)']);
  });
});

describe('protocolOptions of every registered protocol: one rule at load time', () => {
  const clusterSize = (p: (typeof PROTOCOLS)[number]): number => [3, 4, 5, 7].find((n) => (p.checkClusterSize?.(n) ?? null) === null) ?? 3;
  for (const protocol of PROTOCOLS) {
    for (const [name, spec] of Object.entries(protocol.options)) {
      if (spec.type !== 'duration') continue;
      it(`${protocol.name} ${name}: 0 is a located error (never "internal error" at run time)`, () => {
        const text = `protocol: ${protocol.name}\nnodes: ${clusterSize(protocol)}\nprotocolOptions:\n  ${name}: 0\n`;
        const p = inputProblem(() => parseScenario(text, 'zero.yaml', PROTOCOLS));
        expect([p.file, p.line, p.column, p.field]).toEqual(['zero.yaml', 4, name.length + 5, `protocolOptions.${name}`]);
        expect(p.message).toMatch(/expected a duration (above 0|of at least)/);
      });
    }
  }
});

/**
 * The JSON Schema editors use (`schema/scenario.schema.json`) against what the loader does: it is
 * exactly what the code generates, it accepts every bundled scenario, and it rejects the bad
 * scenarios of the loader's tests — except the rules no JSON Schema can state (rules across fields,
 * listed below by name), which it must then accept, so the list stays exact.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { PROTOCOLS } from '../../protocols/registry.js';
import { InputError } from '../../sim/errors.js';
import { scenarioJsonSchema, scenarioJsonSchemaText } from '../../sim/scenario/json-schema.js';
import { parseScenario } from '../../sim/scenario/load.js';
import { isModuleRef } from '../../sim/protocol-modules.js';
import { DURATION, parseDuration } from '../../sim/scenario/fields.js';
import { FIXTURE_PROTOCOLS } from './fixtures.js';

const SCHEMA_FILE = 'schema/scenario.schema.json';
const HEADER = '# yaml-language-server: $schema=../schema/scenario.schema.json';

function validator(schema: object) {
  const ajv = new Ajv2020({ allErrors: false, strict: true, allowUnionTypes: true });
  return ajv.compile(schema);
}

const bundled = readdirSync('scenarios').filter((f) => f.endsWith('.yaml')).map((f) => join('scenarios', f));

describe('schema/scenario.schema.json', () => {
  it('is what the code generates (run npm run schema after changing the scenario schema or a protocol option)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(scenarioJsonSchemaText(PROTOCOLS));
  });

  it('is a draft 2020-12 schema with a description on the top-level fields', () => {
    const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as { $schema: string; properties: Record<string, { description?: string }> };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    const undescribed = Object.entries(schema.properties).filter(([name, p]) => p.description === undefined && name !== 'description').map(([name]) => name);
    expect(undescribed).toEqual([]);
  });

  const validate = validator(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object);
  for (const file of bundled) {
    it(`accepts ${file}, which names it on its first line`, () => {
      const text = readFileSync(file, 'utf8');
      expect(text.split('\n')[0]).toBe(HEADER);
      const ok = validate(parseYaml(text));
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    });
  }

  it('rejects a bundled protocol\'s unknown option, unknown bug and byzantine behaviour on a protocol without any', () => {
    for (const extra of ['protocolOptions: { heartbeat: 10ms }', 'bugs: [raft.nope]', 'byzantine: { n1: silent }', 'protocolOptions: { electionTimeout: 150 }']) {
      expect(validate(parseYaml(`protocol: raft\n${extra}\n`)), extra).toBe(false);
    }
    expect(validate(parseYaml('protocol: pbft\nnodes: 4\nbyzantine: { n1: silent }\n'))).toBe(true);
  });

  it('writes durations with the pattern the duration parser reads', () => {
    const samples = ['0', '1us', '20ms', '1.5s', '2m', '-200ms', '0.5us', '1.25ms', '10 seconds', '5', '1h', 'ms', '1.s', '.5s', '+1s', '1e3ms', '007ms', ' 1s', '1s '];
    // Every spelling the parser reads matches the pattern, and the pattern matches nothing it refuses but fractions of a µs.
    for (const text of samples) if (parseDuration(text) !== null && text !== '0') expect(DURATION.test(text), text).toBe(true);
    for (const text of samples) if (DURATION.test(text) && parseDuration(text) === null) expect(text).toBe('0.5us');
  });

  it('describes a protocol named by module path the way the loader recognises one', () => {
    const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as { properties: { protocol: { anyOf: { pattern?: string }[] } } };
    const pattern = new RegExp(schema.properties.protocol.anyOf.find((a) => a.pattern !== undefined)?.pattern ?? '^$', 'u');
    for (const ref of ['./toy.ts', 'lib/toy.js', '/abs/toy.mjs', 'toy.ts', 'toy.cts', 'file:///x/toy.js', 'dir\\toy.ts', 'raft', 'multipaxos', 'my-protocol']) {
      expect(pattern.test(ref), ref).toBe(isModuleRef(ref));
    }
  });
});

describe('consensim schema', () => {
  const cli = (...args: string[]): string => execFileSync(process.execPath, ['dist/cli/main.js', 'schema', ...args], { encoding: 'utf8' });

  it('prints the committed schema', () => {
    expect(cli()).toBe(readFileSync(SCHEMA_FILE, 'utf8'));
  });

  it('--protocol PATH adds the plug-in protocol\'s options, bugs and behaviours, matched by its name or path', () => {
    const validate = validator(JSON.parse(cli('--protocol', 'test/fixtures/primary.ts')) as object);
    expect(validate(parseYaml('protocol: ./primary.ts\nbugs: [fixture.diverge]\n'))).toBe(true);
    expect(validate(parseYaml('protocol: test/fixtures/primary.ts\nbugs: [fixture.nope]\n'))).toBe(false);
    expect(validate(parseYaml('protocol: fixture\nprotocolOptions: { anything: 1 }\n'))).toBe(false);
    // Without the module the schema knows nothing of its bugs: a module path may hold anything.
    expect(validate(parseYaml('protocol: ./other.ts\nbugs: [fixture.nope]\n'))).toBe(true);
  });
});

/**
 * Bad scenarios from the loader's tests (test/scenario/load.test.ts, triggers.test.ts), with the
 * fixture protocols alpha and beta. `crossField: true` marks the rules a JSON Schema cannot state:
 * the JSON Schema accepts those files and only the loader refuses them.
 */
const BAD: { what: string; text: string; crossField?: true }[] = [
  { what: 'unknown top-level key', text: 'protocol: alpha\nnodez: 5\n' },
  { what: 'unknown nested key', text: 'protocol: alpha\nnetwork:\n  los: 0.1\n' },
  { what: 'wrong type', text: 'protocol: alpha\nnodes: five\n' },
  { what: 'negative nodes', text: 'protocol: alpha\nnodes: -3\n' },
  { what: 'bad duration unit', text: 'protocol: alpha\nduration: 10 seconds\n' },
  { what: 'duration without unit', text: 'protocol: alpha\nsettle: 5\n' },
  { what: 'negative duration', text: 'protocol: alpha\nworkload: { interval: -5ms }\n' },
  { what: 'probability above 1', text: 'protocol: alpha\nnetwork: { loss: 2 }\n' },
  { what: 'bad rate', text: 'protocol: alpha\nclock: { drift: 100 ppm }\n' },
  { what: 'missing protocol', text: 'nodes: 3\n' },
  { what: 'unknown protocol', text: 'protocol: zeta\n' },
  { what: 'unknown bug', text: 'protocol: alpha\nbugs: [alpha.skip-sync, alpha.nope]\n' },
  { what: 'short bug name', text: 'protocol: alpha\nbugs: [skip-sync]\n' },
  { what: 'unknown selector', text: 'protocol: alpha\nfaults:\n  - { at: 1s, crash: follower }\n' },
  { what: 'fault with two actions', text: 'protocol: alpha\nfaults:\n  - { at: 1s, crash: n1, heal: all }\n' },
  { what: 'fault key of another action', text: 'protocol: alpha\nfaults:\n  - { at: 1s, crash: n1, for: 1s }\n' },
  { what: 'fault without at', text: 'protocol: alpha\nfaults:\n  - { heal: all }\n' },
  { what: 'pause without for', text: 'protocol: alpha\nfaults:\n  - { at: 1s, pause: n1 }\n' },
  { what: 'partition of one group', text: 'protocol: alpha\nfaults:\n  - { at: 1s, partition: [[n1]] }\n' },
  { what: 'cut without to', text: 'protocol: alpha\nfaults:\n  - { at: 1s, cut: { from: n1 } }\n' },
  { what: 'unknown fault kind', text: 'protocol: alpha\nfaults:\n  - { at: 1s, meteor: n1 }\n' },
  { what: 'unknown nemesis fault kind', text: 'protocol: alpha\nnemesis: { faults: [partition, meteor] }\n' },
  { what: 'unknown check', text: 'protocol: alpha\nchecks: [linearizability, safety]\n' },
  { what: 'byzantine for a protocol without behaviours', text: 'protocol: alpha\nbyzantine: { n1: silent }\n' },
  { what: 'unknown byzantine behaviour', text: 'protocol: beta\nnodes: 4\nbyzantine: { n1: lie }\n' },
  { what: 'unknown protocol option', text: 'protocol: alpha\nprotocolOptions:\n  heartbeat: 10ms\n' },
  { what: 'option of the wrong type', text: 'protocol: alpha\nprotocolOptions: { preVote: maybe }\n' },
  { what: 'integer option out of range', text: 'protocol: alpha\nprotocolOptions: { batch: 0 }\n' },
  { what: 'enum option', text: 'protocol: alpha\nprotocolOptions: { readPath: lease }\n' },
  { what: 'duration option without unit', text: 'protocol: alpha\nprotocolOptions: { electionTimeout: 150 }\n' },
  { what: 'negative append weight', text: 'protocol: alpha\nworkload: { mix: { append: -1 } }\n' },
  { what: 'reuseValues not an integer', text: 'protocol: alpha\nworkload: { reuseValues: few }\n' },
  { what: 'reuseValues negative', text: 'protocol: alpha\nworkload: { reuseValues: -2 }\n' },
  { what: 'not a mapping', text: '- protocol: alpha\n' },
  { what: 'empty value', text: 'protocol: alpha\nnodes:\n' },
  { what: 'bad expect', text: 'protocol: alpha\nexpect: maybe\n' },
  { what: 'latency of an unknown distribution', text: 'protocol: alpha\nnetwork: { latency: { dist: normal, mean: 5ms } }\n' },
  { what: 'latency key of another distribution', text: 'protocol: alpha\nnetwork: { latency: { min: 1ms, max: 2ms, mean: 5ms } }\n' },
  { what: 'nemesis of no faults', text: 'protocol: alpha\nnemesis: { faults: [] }\n' },
  { what: 'misspelt fault key', text: 'protocol: alpha\nfaults:\n  - { at: 1s, parition: [[n1], rest] }\n' },
  { what: 'name with a space', text: 'protocol: alpha\nname: two words\n' },
  // Event-triggered faults (test/scenario/triggers.test.ts).
  { what: 'unknown moment', text: 'protocol: alpha\nfaults:\n  - { when: { moment: elected }, crash: self }\n' },
  { what: 'condition without a moment', text: 'protocol: alpha\nfaults:\n  - { when: { node: n1 }, crash: self }\n' },
  { what: 'nth of 0', text: 'protocol: alpha\nfaults:\n  - { when: { moment: vote, nth: 0 }, crash: self }\n' },
  { what: 'chance above 1', text: 'protocol: alpha\nfaults:\n  - { when: { moment: vote, chance: 2 }, crash: self }\n' },
  { what: 'triggered pause without for', text: 'protocol: alpha\nfaults:\n  - { when: { moment: vote }, pause: self }\n' },
  { what: 'triggered fault with two actions', text: 'protocol: alpha\nfaults:\n  - { when: { moment: vote }, crash: self, pause: self }\n' },
  { what: 'triggered heal (no such action)', text: 'protocol: alpha\nfaults:\n  - { when: { moment: vote }, heal: all }\n' },
  { what: 'triggered crash with for', text: 'protocol: alpha\nfaults:\n  - { when: { moment: vote }, crash: self, for: 1s }\n' },
  { what: 'unknown condition key', text: 'protocol: alpha\nfaults:\n  - { when: { moment: vote, every: 2 }, crash: self }\n' },

  // The known exceptions: rules across fields, or ranges a JSON Schema pattern does not carry.
  { what: 'cluster size the protocol refuses', text: 'protocol: beta\nnodes: 5\n', crossField: true },
  { what: 'node beyond the cluster', text: 'protocol: alpha\nnodes: 3\nfaults:\n  - { at: 1s, pause: n7, for: 1s }\n', crossField: true },
  { what: 'byzantine node beyond the cluster', text: 'protocol: beta\nnodes: 4\nbyzantine: { n5: silent }\n', crossField: true },
  { what: 'triggered on a node beyond the cluster', text: 'protocol: alpha\nfaults:\n  - { when: { moment: vote, node: n9 }, crash: self }\n', crossField: true },
  { what: 'fault after the duration', text: 'protocol: alpha\nduration: 5s\nfaults:\n  - { at: 6s, heal: all }\n', crossField: true },
  { what: 'partition naming a node twice', text: 'protocol: alpha\nfaults:\n  - { at: 1s, partition: [[n1], [n1, n2]] }\n', crossField: true },
  { what: 'partition whose rest is empty', text: 'protocol: alpha\nfaults:\n  - { at: 1s, partition: [[n1], [n2, n3], rest] }\n', crossField: true },
  { what: 'partition as a flat list of nodes', text: 'protocol: alpha\nnodes: 5\nfaults:\n  - { at: 1s, partition: [n1, n2] }\n', crossField: true },
  { what: 'cut from a node to itself', text: 'protocol: alpha\nfaults:\n  - { at: 1s, cut: { from: n2, to: [n1, n2] } }\n', crossField: true },
  { what: 'peer on a moment without one', text: 'protocol: alpha\nfaults:\n  - { when: { moment: leader }, crash: peer }\n', crossField: true },
  { what: 'latency max below min', text: 'protocol: alpha\nnetwork: { latency: { min: 5ms, max: 1ms } }\n', crossField: true },
  { what: 'all-zero mix', text: 'protocol: alpha\nworkload: { mix: { read: 0 } }\n', crossField: true },
  { what: 'settle 0 with clients and liveness', text: 'protocol: alpha\nsettle: 0s\n', crossField: true },
  { what: 'duration option of 0ms (a positive duration)', text: 'protocol: alpha\nprotocolOptions: { electionTimeout: 0ms }\n', crossField: true },
  { what: 'duration option below its min', text: 'protocol: beta\nnodes: 4\nprotocolOptions: { tick: 1ms }\n', crossField: true },
  { what: 'duration longer than a day', text: 'protocol: alpha\nduration: 1500m\n', crossField: true },
];

describe('the JSON Schema against the loader, on the bad scenarios of the test suite', () => {
  const validate = validator(scenarioJsonSchema(FIXTURE_PROTOCOLS));

  it(`covers at least 20 different defects the schema rejects, and lists ${BAD.filter((c) => c.crossField).length} it cannot state`, () => {
    expect(BAD.filter((c) => c.crossField !== true).length).toBeGreaterThanOrEqual(20);
    expect(new Set(BAD.map((c) => c.what)).size).toBe(BAD.length);
  });

  for (const c of BAD) {
    it(`${c.crossField === true ? 'accepts (known exception, loader only)' : 'rejects'}: ${c.what}`, () => {
      expect(() => parseScenario(c.text, 'bad.yaml', FIXTURE_PROTOCOLS)).toThrow(InputError);
      expect(validate(parseYaml(c.text))).toBe(c.crossField === true);
    });
  }

  it('accepts the good forms the loader accepts', () => {
    const good = [
      'protocol: alpha\n',
      'protocol: alpha\nnetwork: { latency: 3ms }\nsettle: 0\nchecks: [linearizability, invariants]\nduration: 0.5s\nexpect: fail\n',
      'protocol: alpha\nnetwork: { latency: { dist: exponential, mean: 5ms } }\nnemesis: none\n',
      'protocol: alpha\nnodes: 5\nfaults:\n  - { at: 1s, partition: [leader, rest] }\n  - { at: 2s, partition: [[n1], [n2]] }\n  - { at: 3s, crash: n1, restart: 1s, amnesia: true }\n  - { at: 4s, clock: n2, jump: -200ms }\n  - { at: 5s, cut: { from: n1, to: all } }\n',
      'protocol: alpha\nfaults:\n  - { when: { moment: vote, node: n2, nth: 2, chance: 0.5, times: 3 }, cut: { from: self, to: peer }, for: 100ms }\n',
      'protocol: beta\nnodes: 4\nbyzantine: { n1: equivocate }\nbugs: [beta.no-digest-check]\nprotocolOptions: { tick: 5ms }\n',
      'protocol: ./my-protocol.ts\nprotocolOptions: { anything: 1 }\n',
    ];
    for (const text of good) {
      const ok = validate(parseYaml(text));
      expect(validate.errors ?? [], text).toEqual([]);
      expect(ok).toBe(true);
    }
  });
});

/**
 * Protocol modules named by path: how `--protocol ./x.ts` and `protocol: ./x.ts` in a scenario
 * find a definition (sim/protocol-modules.ts, sim/prepare.ts), the clear errors for a module that
 * does not load, exports nothing usable or does not fit the node API, and the runs that fail with
 * a reason when a protocol breaks the API's contract while running.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOLS } from '../../protocols/registry.js';
import {
  definitionProblems,
  importProtocolSet,
  InputError,
  isModuleRef,
  loadProtocolModule,
  prepareJob,
  protocolModuleOf,
  protocolSet,
  resolveProtocol,
  runScenario,
  type ProtocolSet,
} from '../../sim/index.js';

const BUNDLED: ProtocolSet = protocolSet(PROTOCOLS);
let dir = '';

/** A protocol module's source: one node type whose handlers are given as code. */
function protocolSource(name: string, handlers: { onRequest?: string; onMessage?: string; start?: string } = {}, exportAs = 'export default'): string {
  return `
const view = { role: 'solo', term: 1, leader: 'n1', commitIndex: 0, appliedIndex: 0, logLength: 0 };
${exportAs} {
  name: '${name}',
  description: 'a test protocol',
  options: {},
  bugs: [{ name: '${name}.broken', description: 'broken on purpose' }],
  createNode: ({ env }) => ({
    start() { ${handlers.start ?? ''} },
    onMessage(from, msg) { ${handlers.onMessage ?? ''} },
    onTimer() {},
    onRequest(client, reqId, op) { ${handlers.onRequest ?? `env.reply(client, reqId, { kind: 'result', result: env.machine.apply({ client, reqId, op }) });`} },
    inspect: () => view,
  }),
  clientPolicy: () => ({ replyQuorum: 1, retry: 'next', retryAfterMicros: 50000 }),
};
`;
}

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function loadError(path: string): Promise<string> {
  const error = await loadProtocolModule(path, path).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return (error as InputError).message;
}

const SCENARIO = 'nodes: 1\nduration: 300ms\nsettle: 200ms\nworkload: { clients: 1, keys: 1, interval: 10ms, timeout: 100ms }\n';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'consensim-modules-'));
});

describe('protocol references', () => {
  it('tells module paths from protocol names', () => {
    for (const ref of ['./toy.ts', '../x/toy.js', '/abs/toy.mjs', 'toy.ts', 'lib\\toy.cts', 'file:///tmp/toy.js']) expect(isModuleRef(ref)).toBe(true);
    for (const ref of ['raft', 'toy-leader', 'pbft']) expect(isModuleRef(ref)).toBe(false);
  });

  it('finds a name in the caller\'s set, and names the choices for an unknown one', async () => {
    expect((await resolveProtocol('zab', BUNDLED)).protocol.name).toBe('zab');
    await expect(resolveProtocol('raftt', BUNDLED)).rejects.toThrow(/--protocol: unknown protocol "raftt"; expected one of raft, vsr, multipaxos, zab, pbft, quorum, or a module path/);
  });

  it('accepts every bundled protocol as a well-formed definition', () => {
    for (const protocol of PROTOCOLS) expect(definitionProblems(protocol), protocol.name).toEqual([]);
  });
});

describe('loading a protocol module', () => {
  it('loads a JavaScript module\'s default export and a TypeScript module\'s only exported definition', async () => {
    const js = await loadProtocolModule(write('solo-js.mjs', protocolSource('solo-js')));
    expect(js.name).toBe('solo-js');
    const ts = write('solo-ts.ts', `import type { NodeId } from './none.js';\nconst id: string = 'x';\n${protocolSource('solo-ts', {}, 'export const soloTs =')}`);
    const loaded = await loadProtocolModule(ts);
    expect(loaded.name).toBe('solo-ts');
    expect(protocolModuleOf(loaded)).toBe(ts);
    // Loaded once per thread: the same object again.
    expect(await loadProtocolModule(ts)).toBe(loaded);
  });

  it('finds a TypeScript module\'s definition in a worker thread\'s view too, outside a "type": "module" package', async () => {
    // The temporary directory has no package.json: tsx hands the module over as CommonJS exports.
    const path = write('cjs-ts.ts', `export const helper = 1;\n${protocolSource('cjs-ts')}`);
    const set = await importProtocolSet([`file://${path}`]);
    expect(set.definitions.map((p) => p.name)).toEqual(['cjs-ts']);
    expect((await loadProtocolModule(path)).name).toBe('cjs-ts');
  });

  it('adds a module to the caller\'s set, refusing a name the set already has', async () => {
    const path = write('solo-set.mjs', protocolSource('solo-set'));
    const { protocol, set } = await resolveProtocol(path, BUNDLED);
    expect(set.definitions.map((p) => p.name)).toEqual([...PROTOCOLS.map((p) => p.name), 'solo-set']);
    expect(set.modules).toEqual([`file://${path}`]);
    expect(set.definitions).toContain(protocol);
    const clash = write('clash.mjs', protocolSource('raft').replace("'raft.broken'", "'raft.broken'"));
    await expect(resolveProtocol(clash, BUNDLED)).rejects.toThrow(/clash\.mjs: the protocol module's protocol is named "raft", like a bundled protocol; give it a name of its own/);
  });

  it('says which module, and why, when it cannot be used', async () => {
    expect(await loadError(join(dir, 'missing.ts'))).toMatch(/missing\.ts: no such protocol module$/);
    expect(await loadError(write('nothing.mjs', 'export const x = 1;\nexport function f() {}\n'))).toMatch(/nothing\.mjs: the protocol module exports no protocol definition .*; it exports x, f$/);
    const two = `${protocolSource('one', {}, 'export const a =')}\n${protocolSource('two', {}, 'export const b =').replace('const view', 'const view2')}`;
    expect(await loadError(write('two.mjs', two))).toMatch(/two\.mjs: the protocol module exports 2 protocol definitions \(a, b\); make the one to run its default export/);
    expect(await loadError(write('syntax.ts', 'export default { name: '))).toMatch(/syntax\.ts: cannot load the protocol module: .*syntax\.ts:\d+:\d+: ERROR: /);
    expect(await loadError(write('throws.mjs', 'throw new Error("no config");'))).toMatch(/throws\.mjs: cannot load the protocol module: no config$/);
    expect(await loadError(write('dep.mjs', 'import x from "no-such-package-anywhere";\nexport default x;'))).toMatch(/dep\.mjs: cannot load the protocol module: Cannot find package 'no-such-package-anywhere'/);
  });

  it('checks the definition\'s shape and lists every problem', async () => {
    const bad = `export default { name: 'Bad Name', createNode: () => ({}), options: { t: { type: 'duration', default: 'fast' }, n: { type: 'integer', default: 9, min: 0, max: 3 }, e: { type: 'enum', values: ['a'], default: 'b' } }, bugs: [{ name: 'other.x', description: '' }] };`;
    const message = await loadError(write('bad.mjs', bad));
    expect(message).toMatch(/bad\.mjs: the protocol definition does not fit the node API: /);
    for (const problem of [
      /name must be a lower-case word/,
      /description must be a string, found nothing/,
      /clientPolicy must be a function, found nothing/,
      /options\.t\.default must be a duration such as "150ms", found "fast"/,
      /options\.n\.default must be an integer in \[0, 3\], found 9/,
      /options\.e\.default must be one of a, found "b"/,
      /bugs\[0\]\.name must start with "Bad Name\."/,
    ]) expect(message).toMatch(problem);
  });
});

describe('a scenario that names its protocol by path', () => {
  it('resolves it relative to the scenario file, whatever the current directory', async () => {
    mkdirSync(join(dir, 'proto'), { recursive: true });
    mkdirSync(join(dir, 'scenarios'), { recursive: true });
    write('proto/solo-rel.ts', protocolSource('solo-rel'));
    const file = write('scenarios/solo.yaml', `protocol: ../proto/solo-rel.ts\n${SCENARIO}`);
    const { job, protocols } = await prepareJob(file, { protocols: BUNDLED });
    expect(job.scenario.protocol).toBe('solo-rel');
    expect(job.protocolModules).toEqual([`file://${join(dir, 'proto', 'solo-rel.ts')}`]);
    expect(job.reproArgs).toEqual([]);
    const { result } = runScenario(job.scenario, { protocols });
    expect(result.ok).toBe(true);
    expect(result.protocol).toBe('solo-rel');
  });

  it('names the scenario line when the module is missing', async () => {
    const file = write('scenarios/lost.yaml', `${SCENARIO}protocol: ./nowhere.ts\n`);
    await expect(prepareJob(file, { protocols: BUNDLED })).rejects.toThrow(/lost\.yaml:5:11: protocol: \.\/nowhere\.ts: no such protocol module/);
  });

  it('repeats --protocol exactly as typed in the reproduce command', async () => {
    const module = write('solo-repro.mjs', protocolSource('solo-repro', { onRequest: 'throw new Error("boom");' }));
    const file = write('agnostic.yaml', `protocol: raft\n${SCENARIO}`.replace('nodes: 1', 'nodes: 3'));
    const { job, protocols } = await prepareJob(file, { protocol: module, extraBugs: ['solo-repro.broken'], protocols: BUNDLED });
    const { result } = runScenario(job.scenario, { protocols, extraBugs: job.extraBugs, reproArgs: job.reproArgs });
    expect(result.ok).toBe(false);
    expect(result.repro).toBe(`consensim run ${file} --seed 1 --protocol ${module} --bug solo-repro.broken`);
  });
});

describe('a protocol that breaks the node API while running', () => {
  async function runWith(name: string, handlers: Parameters<typeof protocolSource>[1]) {
    const path = write(`${name}.mjs`, protocolSource(name, handlers));
    const file = write(`${name}.yaml`, `protocol: ./${name}.mjs\n${SCENARIO.replace('nodes: 1', 'nodes: 3')}`);
    const { job, protocols } = await prepareJob(file, { protocols: BUNDLED });
    expect(protocolModuleOf(protocols.definitions.at(-1) ?? PROTOCOLS[0]!)).toBe(path);
    return runScenario(job.scenario, { protocols }).result;
  }

  it('fails the run, naming the node, when it throws in a handler', async () => {
    const result = await runWith('thrower', { onRequest: 'throw new RangeError("slot out of range");' });
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/^invariant exception violated at [\d.]+ms on n\d: n\d threw RangeError: slot out of range \(protocol module .*thrower\.mjs\)$/);
  });

  it('fails the run when it sends to a node that does not exist', async () => {
    const result = await runWith('stray', { start: "env.send('n9', { hello: 1 });" });
    expect(result.reason).toBe(`invariant node-api violated at 0.000ms on n1: n1 broke the node API: sent to unknown node "n9" (the nodes are n1..n3) (protocol module ${join(dir, 'stray.mjs')})`);
  });

  it('fails the run when it changes a message it sent', async () => {
    const result = await runWith('mutator', { start: "const msg = { n: 1 }; env.send(env.peers[0], msg); msg.n = 2;" });
    expect(result.reason).toMatch(/n1 threw TypeError: Cannot assign to read only property 'n' of object .*\(messages are frozen once sent: copy one before changing it/);
  });

  it('fails the run when it changes a message it received', async () => {
    const result = await runWith('receiver', { start: "if (env.id === 'n1') env.send('n2', { n: 1 });", onMessage: 'msg.n++;' });
    expect(result.reason).toMatch(/on n2: n2 threw TypeError: .*messages are frozen once sent/);
  });
});

describe('a protocol whose client policy does not fit', () => {
  it('is bad input naming the protocol and the field, before the run starts', async () => {
    const source = protocolSource('odd-policy').replace("retryAfterMicros: 50000", "retryAfterMicros: 'soon'");
    write('odd-policy.mjs', source);
    const file = write('odd-policy.yaml', `protocol: ./odd-policy.mjs\n${SCENARIO}`);
    const { job, protocols } = await prepareJob(file, { protocols: BUNDLED });
    expect(() => runScenario(job.scenario, { protocols })).toThrow(/protocol: odd-policy: clientPolicy's retryAfterMicros must be a positive number of microseconds, found "soon"/);
  });
});

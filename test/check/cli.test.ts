/**
 * `consensim check` as a user runs it: the built CLI in a child process (the pretest script
 * builds dist/). Exit 0 linearizable, 1 not (or unknown), 2 bad input; --json is one object per
 * file per line.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { toJsonLines, type HistoryEvent } from '../../sim/history/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = join(ROOT, 'dist/cli/main.js');
const DIR = mkdtempSync(join(tmpdir(), 'consensim-check-'));

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, [MAIN, 'check', ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

function write(name: string, text: string): string {
  const file = join(DIR, name);
  writeFileSync(file, text);
  return file;
}

let time = 0;
const ev = (process: number, type: HistoryEvent['type'], f: HistoryEvent['f'], value: HistoryEvent['value'], key: string | null = null): HistoryEvent => ({
  process,
  type,
  f,
  key,
  value,
  time: time++,
});

// p0 writes 1; then p1 reads 1: linearizable.
const GOOD = write('good.jsonl', toJsonLines([ev(0, 'invoke', 'write', 1), ev(0, 'ok', 'write', 1), ev(1, 'invoke', 'read', null), ev(1, 'ok', 'read', 1)]));
// p0 writes 1 and finishes; later p1 reads null: a stale read.
const BAD = write(
  'bad.jsonl',
  toJsonLines([ev(0, 'invoke', 'write', 1, 'k'), ev(0, 'ok', 'write', 1, 'k'), ev(1, 'invoke', 'read', null, 'k'), ev(1, 'ok', 'read', null, 'k')]),
);
const MALFORMED = write('malformed.jsonl', '{"process": 0, "type": "invoke", "f": "write", "key": null, "value": 1, "time": 0}\n{"process": 0, "type": "ok",\n');

/**
 * 18 concurrent writes, then three reads one after another that see 0, 1, 0: impossible once all
 * writes are done, but proving it means trying every subset of the writes (2^18 of them).
 */
function hardHistory(): string {
  const events: HistoryEvent[] = [];
  // Value 0 is written twice: the zones cannot take it, the general search must.
  for (let p = 0; p < 18; p++) events.push(ev(p, 'invoke', 'write', p % 17));
  for (let p = 0; p < 18; p++) events.push(ev(p, 'ok', 'write', p % 17));
  for (const [p, value] of [[18, 0], [19, 1], [20, 0]] as const) events.push(ev(p, 'invoke', 'read', null), ev(p, 'ok', 'read', value));
  return write('hard.jsonl', toJsonLines(events));
}

describe('consensim check', () => {
  it('exits 0 and says linearizable', () => {
    const result = run(GOOD, '--model', 'register');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/good\.jsonl: linearizable \(2 ops, 1 key/);
  });

  it('exits 1 and shows a timeline with the culprit', () => {
    const result = run(BAD);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/bad\.jsonl: not linearizable/);
    expect(result.stdout).toMatch(/key "k": 1 operation linearized, then this one could not go next/);
    expect(result.stdout).toMatch(/^\s*p1 +\[✗ read → null/m);
    expect(result.stdout).toMatch(/state after it: 1/);
  });

  it('--json prints one object per file per line with the contract fields', () => {
    const result = run(GOOD, BAD, '--json');
    expect(result.status).toBe(1);
    const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(Object.keys(lines[0]!)).toEqual(['file', 'linearizable', 'ops', 'keys', 'wallMs', 'strategies']);
    expect(lines[0]).toMatchObject({ file: GOOD, linearizable: true, ops: 2, keys: 1 });
    expect(typeof lines[0]!['wallMs']).toBe('number');
    expect(Object.keys(lines[1]!)).toEqual(['file', 'linearizable', 'ops', 'keys', 'wallMs', 'strategies', 'counterexample']);
    expect(lines[1]!['counterexample']).toEqual({
      key: 'k',
      prefix: [{ process: 0, f: 'write', value: 1, invokeTime: 4, completeTime: 5, type: 'ok' }],
      unplaced: [{ process: 1, f: 'read', value: null, output: null, invokeTime: 6, completeTime: 7, type: 'ok' }],
      reason: 'the initial value null must stay in the register until time 6 (when a read of it was invoked), yet the write of 1 must take effect inside that stretch',
    });
    expect(lines[1]!['strategies']).toEqual({ zones: ['k'], wgl: [] });
  });

  it('--init sets every key\'s initial value', () => {
    expect(run(BAD, '--init', 'null').status).toBe(1);
    const onlyRead = write('read-empty.jsonl', toJsonLines([ev(0, 'invoke', 'read', null), ev(0, 'ok', 'read', '')]));
    expect(run(onlyRead).status).toBe(1);
    expect(run(onlyRead, '--init', '""').status).toBe(0);
  });

  it('exits 2 on a malformed file, naming file and line, and still checks the others', () => {
    const result = run(MALFORMED, GOOD, '--json');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`${MALFORMED}:2: malformed JSON`);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(result.stdout.trim())).toMatchObject({ file: GOOD, linearizable: true });
  });

  it('exits 2 on a missing file, a bad --model, --init or --timeout, and a model without the history\'s operations', () => {
    expect(run(join(DIR, 'missing.jsonl')).status).toBe(2);
    expect(run(GOOD, '--model', 'queue').stderr).toMatch(/--model: expected one of register, cas-register, kv/);
    expect(run(GOOD, '--init', '{nope').status).toBe(2);
    expect(run(GOOD, '--init', '[1]').status).toBe(2);
    expect(run(GOOD, '--timeout', 'soon').status).toBe(2);
    const cas = write('cas.jsonl', toJsonLines([ev(0, 'invoke', 'cas', [null, 1]), ev(0, 'ok', 'cas', [null, 1])]));
    const result = run(cas, '--model', 'register');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/the register model has no cas/);
    expect(run(cas, '--model', 'cas-register').status).toBe(0);
  });

  it('gives every kind of malformed file one clear error naming file and line, and exit 2', () => {
    const line = (fields: Record<string, unknown>): string =>
      JSON.stringify({ process: 0, type: 'invoke', f: 'write', key: null, value: 1, time: 0, ...fields }) + '\n';
    const cases: [string, string | Buffer, RegExp][] = [
      ['truncated.jsonl', line({}).slice(0, 30), /:1: malformed JSON/],
      ['wrong-type.jsonl', line({ process: 'p0' }), /:1: process: expected an integer/],
      ['dangling.jsonl', line({ type: 'ok' }), /:1: ok write on process 0 has no open invoke/],
      ['two-open.jsonl', line({}) + line({ time: 1 }), /:2: process 0 invokes write while/],
      ['time.jsonl', line({ time: 3 }) + line({ process: 1, time: 2 }), /:2: time: time must increase/],
      ['unknown-f.jsonl', line({ f: 'incr' }), /:1: f: expected one of/],
      ['unknown-type.jsonl', line({ type: 'timeout' }), /:1: type: expected one of/],
      ['empty.jsonl', '', /:1: the file is empty/],
      ['junk.bin', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]), /:1: binary data/],
    ];
    for (const [name, text, says] of cases) {
      const file = join(DIR, name);
      writeFileSync(file, text);
      const result = run(file, '--json');
      expect(result.status, name).toBe(2);
      expect(result.stdout, name).toBe('');
      const errors = result.stderr.trim().split('\n');
      expect(errors, name).toHaveLength(1);
      expect(errors[0], name).toMatch(new RegExp(`^error: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${says.source}`));
    }
  });

  it('says "unknown" and exits 1 when --timeout runs out', () => {
    const hard = hardHistory();
    const result = run(hard, '--timeout', '1', '--json');
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ linearizable: 'unknown', ops: 21, keys: 1 });
  });

  it('keeps integers above 2^53 exact: verdict, --json and the timeline', () => {
    const big = write(
      'big.jsonl',
      [
        '{"process":0,"type":"invoke","f":"write","key":null,"value":9007199254740993,"time":1}',
        '{"process":0,"type":"ok","f":"write","key":null,"value":9007199254740993,"time":2}',
        '{"process":1,"type":"invoke","f":"read","key":null,"value":null,"time":3}',
        '{"process":1,"type":"ok","f":"read","key":null,"value":9007199254740992,"time":4}',
      ].join('\n'),
    );
    const json = run(big, '--json');
    expect(json.status).toBe(1);
    expect(json.stdout).toContain('"output":9007199254740992');
    expect(JSON.parse(json.stdout)).toMatchObject({ strategies: { zones: [null], wgl: [] } });
    expect(JSON.parse(json.stdout)).toMatchObject({ linearizable: false });
    const human = run(big);
    expect(human.status).toBe(1);
    expect(human.stdout).toContain('read → 9007199254740992');
    // The initial value is exact too.
    expect(run(big, '--init', '9007199254740992').status).toBe(1);
  });
});

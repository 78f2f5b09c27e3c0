/**
 * Every malformed history is one InputError that names the file and the line (Contract 3:
 * "one error naming the file and line, exit 2").
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../sim/errors.js';
import { parseHistory, readHistoryFile } from '../../sim/history/index.js';

const ok = (fields: Record<string, unknown>): string =>
  JSON.stringify({ process: 0, type: 'invoke', f: 'write', key: null, value: 1, time: 0, ...fields });

function failure(run: () => unknown): InputError {
  try {
    run();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError, got none');
}

const CASES: readonly { name: string; text: string; line: number; says: RegExp }[] = [
  { name: 'truncated JSON', text: `${ok({})}\n{"process": 0, "type": "ok", "f"`, line: 2, says: /malformed JSON/ },
  { name: 'a JSON array instead of an event', text: `[1, 2]`, line: 1, says: /expected an event object/ },
  { name: 'process of the wrong type', text: ok({ process: 'p1' }), line: 1, says: /process: expected an integer/ },
  { name: 'fractional process', text: ok({ process: 1.5 }), line: 1, says: /process: expected an integer/ },
  { name: 'time of the wrong type', text: ok({ time: '12' }), line: 1, says: /time: expected a number/ },
  { name: 'key of the wrong type', text: ok({ key: 3 }), line: 1, says: /key: expected a string or null/ },
  { name: 'cas value of the wrong type', text: ok({ f: 'cas', value: 3 }), line: 1, says: /value: a cas carries \[expected, new\]/ },
  { name: 'append value of the wrong type', text: ok({ f: 'append', value: 3 }), line: 1, says: /value: an append carries a string/ },
  { name: 'read invoke carrying a value', text: ok({ f: 'read', value: 3 }), line: 1, says: /a read invoke carries null/ },
  { name: 'missing value', text: JSON.stringify({ process: 0, type: 'invoke', f: 'write', key: null, time: 0 }), line: 1, says: /value: missing/ },
  { name: 'unknown type', text: ok({ type: 'done' }), line: 1, says: /type: expected one of invoke, ok, fail, info, found "done"/ },
  { name: 'unknown f', text: ok({ f: 'delete' }), line: 1, says: /f: expected one of read, write/ },
  { name: 'dangling completion', text: `${ok({})}\n${ok({ type: 'ok', time: 1 })}\n${ok({ process: 2, type: 'ok', time: 2 })}`, line: 3, says: /has no open invoke/ },
  { name: 'completion of another operation', text: `${ok({})}\n${ok({ type: 'ok', f: 'read', value: null, time: 1 })}`, line: 2, says: /does not match/ },
  { name: 'two open invokes on one process', text: `${ok({})}\n${ok({ time: 1 })}`, line: 2, says: /still open/ },
  { name: 'non-increasing time', text: `${ok({ time: 5 })}\n${ok({ process: 1, time: 5 })}`, line: 2, says: /time must increase/ },
  { name: 'decreasing time', text: `${ok({ time: 5 })}\n\n${ok({ process: 1, time: 4 })}`, line: 3, says: /time must increase/ },
  { name: 'empty file', text: '', line: 1, says: /empty/ },
  { name: 'blank file', text: '\n  \n\t\n', line: 1, says: /empty/ },
  { name: 'binary junk', text: `${ok({})}\n\u0000\u0001\u0002PK\u0003\u0004`, line: 2, says: /binary data/ },
  { name: 'unterminated EDN map', text: '{:process 0, :type :invoke, :f :write, :value 1}\n{:process 0, :type :ok', line: 2, says: /malformed EDN: unexpected end of file/ },
  { name: 'EDN event that is not a map', text: '[{:process 0, :type :invoke, :f :read, :value nil}\n :oops]', line: 2, says: /expected an operation map/ },
  { name: 'EDN unknown f', text: '{:process 0, :type :invoke, :f :lock, :value nil}', line: 1, says: /f: expected one of/ },
  { name: 'EDN dangling completion', text: '{:process 0, :type :invoke, :f :read, :value nil}\n{:process 1, :type :ok, :f :read, :value 3}', line: 2, says: /has no open invoke/ },
];

describe('malformed histories', () => {
  for (const c of CASES) {
    it(`${c.name}: one error naming the file and line ${c.line}`, () => {
      const error = failure(() => parseHistory(c.text, 'bad.jsonl'));
      expect(error.problem.file).toBe('bad.jsonl');
      expect(error.problem.line).toBe(c.line);
      expect(error.message).toMatch(new RegExp(`^bad\\.jsonl:${c.line}(:\\d+)?: `));
      expect(error.message).toMatch(c.says);
    });
  }

  it('binary bytes that are not UTF-8, read from a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'consensim-history-'));
    const file = join(dir, 'junk.bin');
    writeFileSync(file, Buffer.from([0x7b, 0x0a, 0x0a, 0xff, 0xfe, 0x80, 0x81, 0xc3]));
    const error = failure(() => readHistoryFile(file));
    expect(error.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: binary data`));
  });

  it('a file that does not exist', () => {
    const error = failure(() => readHistoryFile('/nonexistent/history.jsonl'));
    expect(error.message).toBe('/nonexistent/history.jsonl: cannot read the history: no such file');
  });
});

/**
 * Reading a history file from disk: the only I/O in sim/history. Unreadable or undecodable files
 * are InputErrors too (exit 2), like malformed contents.
 */
import { readFileSync } from 'node:fs';
import { inputError } from '../errors.js';
import { lineAt, parseHistory } from './parse.js';
import type { HistoryEvent } from './types.js';

/** Reads and parses a history file; unreadable or undecodable files are InputErrors too. */
export function readHistoryFile(path: string): HistoryEvent[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : String(error instanceof Error ? error.message : error);
    throw inputError(path, 0, 0, '', `cannot read the history: ${reason}`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const bad = firstInvalidUtf8(bytes);
    throw inputError(path, lineAt(bytes.subarray(0, bad).toString('latin1'), bad), 0, '', 'binary data, not a history (the file is not UTF-8 text)');
  }
  return parseHistory(text, path);
}

/** Offset of the first byte that breaks UTF-8 (a rough scan; only used for the error's line). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b < 0x80) continue;
    const need = b >= 0xf0 && b < 0xf8 ? 3 : b >= 0xe0 ? 2 : b >= 0xc2 && b < 0xe0 ? 1 : -1;
    if (need < 0 || (b >= 0xe0 && b < 0xf0 && need !== 2)) return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    i += need;
  }
  return bytes.length;
}

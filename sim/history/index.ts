/**
 * History files (Contract 3): JSON Lines and Jepsen EDN, read with strict validation and written
 * back. `parseHistory` is pure; `readHistoryFile` is the one place that touches the file system.
 */
import { readFileSync } from 'node:fs';
import { inputError } from '../errors.js';
import { parseEdn, toEdn } from './edn.js';
import { parseJsonLines, toJsonLines } from './jsonl.js';
import type { HistoryEvent } from './types.js';

export type { HistoryEvent, HistoryF, HistoryType, HistoryValue } from './types.js';
export { toEdn, toJsonLines };

/** Index of the first control character other than tab/newline/return, or U+FFFD (undecodable bytes); -1 if none. */
function binaryAt(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f || c === 0xfffd) return i;
  }
  return -1;
}

/** Parses a history, telling JSON Lines (`{"…`) from EDN (`{:…`, `[`, `(`) by its first form. */
export function parseHistory(text: string, file: string): HistoryEvent[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const junk = binaryAt(body);
  if (junk >= 0) {
    const line = lineAt(body, junk);
    throw inputError(file, line, 0, '', 'binary data, not a history (expected JSON Lines or Jepsen EDN text)');
  }
  if (body.trim() === '') throw inputError(file, 1, 0, '', 'the file is empty: a history needs at least one event');
  return looksLikeEdn(body) ? parseEdn(body, file) : parseJsonLines(body, file);
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * EDN starts with `{:` (a map with keyword keys), a vector or list of those, a tag or a comment;
 * JSON Lines starts with `{"`. Anything else is read as JSON Lines, whose error names the line.
 */
function looksLikeEdn(text: string): boolean {
  let i = skipBlank(text, 0);
  while (text[i] === '[') i = skipBlank(text, i + 1);
  const c = text[i];
  if (c === '(' || c === ';' || c === '#' || c === ':' || c === ']') return true;
  if (c !== '{') return false;
  const next = text[skipBlank(text, i + 1)];
  return next === ':' || next === '}';
}

function skipBlank(text: string, from: number): number {
  let i = from;
  while (i < text.length && /[\s,]/.test(text[i] as string)) i++;
  return i;
}

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

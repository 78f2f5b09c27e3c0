/**
 * Parsing a history from text: JSON Lines or Jepsen EDN, told apart by the first form.
 */
import { inputError } from '../errors.js';
import { parseEdn } from './edn.js';
import { parseJsonLines } from './jsonl.js';
import type { HistoryEvent } from './types.js';

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

export function lineAt(text: string, index: number): number {
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

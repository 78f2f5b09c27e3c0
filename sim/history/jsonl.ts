/**
 * JSON Lines histories (Contract 3): one event object per line, in real-time order. Integers
 * outside the safe range are read and written exactly (json-text.ts).
 */
import { inputError } from '../errors.js';
import type { HistoryEvent } from './types.js';
import { parseJsonExact, toJsonText } from './json-text.js';
import { HistoryValidator, describe } from './validate.js';

export function parseJsonLines(text: string, file: string): HistoryEvent[] {
  const validator = new HistoryValidator(file);
  const events: HistoryEvent[] = [];
  let start = 0;
  let line = 0;
  while (start < text.length) {
    line++;
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const body = text.slice(start, end).trim();
    start = end + 1;
    if (body === '') continue;
    let parsed: unknown;
    try {
      parsed = parseJsonExact(body);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw inputError(file, line, 0, '', `malformed JSON (${reason})`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw inputError(file, line, 0, '', `expected an event object {"process", "type", "f", "key", "value", "time"}, found ${describe(parsed)}`);
    }
    const record = parsed as Record<string, unknown>;
    events.push(
      validator.add(
        { process: record['process'], type: record['type'], f: record['f'], key: record['key'], value: record['value'], time: record['time'] },
        line,
      ),
    );
  }
  return events;
}

/** One line per event, fields in Contract 3's order, `\n`-terminated. */
export function toJsonLines(events: readonly HistoryEvent[]): string {
  let out = '';
  for (const e of events) {
    out += toJsonText({ process: e.process, type: e.type, f: e.f, key: e.key, value: e.value, time: e.time }) + '\n';
  }
  return out;
}

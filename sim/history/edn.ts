/**
 * Jepsen EDN histories: `{:process 0, :type :invoke, :f :write, :value 3}`, either one map per
 * line or all of them inside one vector (as Knossos' data files are).
 *
 * Reading follows Jepsen's own rules, the ones Knossos applies before checking:
 * - events whose `:process` is not an integer (`:nemesis`) are fault notes, not operations: skipped;
 * - keyed operations (jepsen.independent) carry `:value [k v]` (for cas `[k [old new]]`); an explicit
 *   `:key` is accepted too;
 * - a read invoke's value is ignored (some sources put the value read there);
 * - order is file order; `time` is `:time` when every operation has one and they increase,
 *   otherwise the event's 0-based position in the file (Jepsen's `:time` is per-thread and may not
 *   be monotonic, which is why Knossos orders by position).
 */
import { inputError } from '../errors.js';
import { exactNumber } from './json-text.js';
import type { HistoryEvent, HistoryValue } from './types.js';
import { HistoryValidator, describe, type RawEvent } from './validate.js';

class Keyword {
  constructor(readonly name: string) {}
}
class EdnSymbol {
  constructor(readonly name: string) {}
}
class EdnMap {
  constructor(readonly entries: ReadonlyMap<string, Edn>) {}
}
type Edn = null | boolean | number | bigint | string | Keyword | EdnSymbol | EdnMap | Edn[];

/** A form and the line it starts on. */
interface Located {
  readonly form: Edn;
  readonly line: number;
}

/** Characters that end a token: whitespace, commas and the delimiters `()[]{}";`. */
const ENDS_TOKEN = new Uint8Array(128);
for (const c of ' \t\r\n,()[]{}";') ENDS_TOKEN[c.charCodeAt(0)] = 1;
const MAX_DEPTH = 64;

/** A small recursive-descent EDN reader with line tracking; enough for Jepsen histories. */
class EdnReader {
  private pos = 0;
  private line = 1;

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  readAll(): Located[] {
    const forms: Located[] = [];
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.text.length) return forms;
      const line = this.line;
      const form = this.read(0);
      if (form !== DISCARDED) forms.push({ form, line });
    }
  }

  private fail(message: string): never {
    throw inputError(this.file, this.line, 0, '', `malformed EDN: ${message}`);
  }

  private skipSpace(): void {
    const text = this.text;
    let pos = this.pos;
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 10) {
        this.line++;
        pos++;
      } else if (c === 32 || c === 44 || c === 9 || c === 13) {
        pos++;
      } else if (c === 59) {
        const end = text.indexOf('\n', pos);
        pos = end < 0 ? text.length : end;
      } else {
        break;
      }
    }
    this.pos = pos;
  }

  private read(depth: number): Edn | typeof DISCARDED {
    if (depth > MAX_DEPTH) this.fail('nested too deeply');
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === undefined) this.fail('unexpected end of file');
    switch (c) {
      case '[':
      case '(':
        this.pos++;
        return this.readSequence(c === '[' ? ']' : ')', depth);
      case '{':
        this.pos++;
        return this.readMap(depth);
      case ')':
      case ']':
      case '}':
        return this.fail(`unexpected '${c}'`);
      case '"':
        return this.readString();
      case ':':
        this.pos++;
        return new Keyword(this.readToken().replace(/^:/, ''));
      case '\\':
        this.pos++;
        return this.readChar();
      case '#':
        return this.readDispatch(depth);
      default:
        return this.readAtom();
    }
  }

  private readSequence(close: string, depth: number): Edn[] {
    const items: Edn[] = [];
    for (;;) {
      this.skipSpace();
      const c = this.text[this.pos];
      if (c === undefined) this.fail(`unexpected end of file, expected '${close}'`);
      if (c === close) {
        this.pos++;
        return items;
      }
      const item = this.read(depth + 1);
      if (item !== DISCARDED) items.push(item);
    }
  }

  private readMap(depth: number): EdnMap {
    const items = this.readSequence('}', depth);
    if (items.length % 2 !== 0) this.fail('a map needs an even number of forms');
    const entries = new Map<string, Edn>();
    for (let i = 0; i < items.length; i += 2) {
      const key = items[i];
      const name = key instanceof Keyword ? ':' + key.name : typeof key === 'string' ? key : JSON.stringify(key);
      entries.set(name, items[i + 1] ?? null);
    }
    return new EdnMap(entries);
  }

  private readString(): string {
    const text = this.text;
    let out = '';
    this.pos++;
    for (;;) {
      // Copy the plain run up to the next quote or backslash in one slice.
      let end = this.pos;
      while (end < text.length) {
        const code = text.charCodeAt(end);
        if (code === 34 || code === 92) break;
        if (code === 10) this.line++;
        end++;
      }
      out += text.slice(this.pos, end);
      this.pos = end;
      const c = text[this.pos++];
      if (c === undefined) this.fail('unterminated string');
      if (c === '"') return out;
      const e = text[this.pos++];
      if (e === 'n') out += '\n';
      else if (e === 't') out += '\t';
      else if (e === 'r') out += '\r';
      else if (e === 'b') out += '\b';
      else if (e === 'f') out += '\f';
      else if (e === '"' || e === '\\') out += e;
      else if (e === 'u') {
        const hex = text.slice(this.pos, this.pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail(`bad \\u escape "${hex}"`);
        out += String.fromCharCode(parseInt(hex, 16));
        this.pos += 4;
      } else this.fail(`bad escape \\${e ?? ''}`);
    }
  }

  private readChar(): string {
    const token = this.readToken();
    const named: Record<string, string> = { newline: '\n', space: ' ', tab: '\t', return: '\r' };
    if (token.length === 1) return token;
    const found = named[token];
    if (found === undefined) {
      if (token === '') return this.text[this.pos++] ?? this.fail('unexpected end of file');
      this.fail(`unknown character \\${token}`);
    }
    return found;
  }

  private readDispatch(depth: number): Edn | typeof DISCARDED {
    const next = this.text[this.pos + 1];
    if (next === '_') {
      this.pos += 2;
      this.read(depth + 1);
      return DISCARDED;
    }
    if (next === '{') {
      this.pos += 2;
      return this.readSequence('}', depth);
    }
    // A tagged literal (#inst "...", #jepsen.history.Op{...}): the tag changes nothing we use.
    this.pos++;
    const tag = this.readToken();
    if (tag === '') this.fail("a '#' with no tag");
    return this.read(depth + 1);
  }

  private readToken(): string {
    const start = this.pos;
    const text = this.text;
    let pos = start;
    while (pos < text.length) {
      const code = text.charCodeAt(pos);
      if (code < 128 && ENDS_TOKEN[code] === 1) break;
      pos++;
    }
    this.pos = pos;
    return text.slice(start, pos);
  }

  private readAtom(): Edn {
    const token = this.readToken();
    if (token === '') this.fail(`unexpected character ${JSON.stringify(this.text[this.pos])}`);
    if (token === 'nil') return null;
    if (token === 'true') return true;
    if (token === 'false') return false;
    if (/^[+-]?\d/.test(token)) return this.number(token);
    return new EdnSymbol(token);
  }

  /** Integers outside the safe range stay exact (BigInt), like Clojure's longs and bigints. */
  private number(token: string): number | bigint {
    const ratio = /^([+-]?\d+)\/(\d+)$/.exec(token);
    if (ratio) return Number(ratio[1]) / Number(ratio[2]);
    const plain = token.replace(/[NM]$/, '');
    const parts = /^[+-]?\d+(\.\d*)?([eE][+-]?\d+)?$/.exec(plain);
    if (parts === null) this.fail(`bad number ${token}`);
    const integer = parts[1] === undefined && parts[2] === undefined && !token.endsWith('M');
    const value = exactNumber(plain.replace(/^\+/, ''), integer);
    if (typeof value === 'number' && !Number.isFinite(value)) this.fail(`number out of range ${token}`);
    return value;
  }
}

const DISCARDED = Symbol('discarded');

/** What a reader found in one event map, before validation. */
interface Candidate extends RawEvent {
  readonly line: number;
  readonly position: number;
}

export function parseEdn(text: string, file: string): HistoryEvent[] {
  const forms = new EdnReader(text, file).readAll();
  const maps: Located[] = [];
  for (const located of forms) {
    if (Array.isArray(located.form)) {
      // Elements of a top-level vector do not carry their own line; count the vector's lines.
      for (const form of located.form) maps.push({ form, line: located.line });
    } else {
      maps.push(located);
    }
  }
  if (maps.length === 0) throw inputError(file, 1, 0, '', 'the history has no events');
  const lines = elementLines(text, forms, maps);
  const candidates: Candidate[] = [];
  maps.forEach((located, position) => {
    const candidate = toCandidate(located.form, lines[position] ?? located.line, position, file);
    if (candidate !== null) candidates.push(candidate);
  });
  const useTimes = candidates.every((c, i) => {
    const prev = candidates[i - 1];
    return typeof c.time === 'number' && (prev === undefined || (prev.time as number) < c.time);
  });
  const validator = new HistoryValidator(file);
  return candidates.map((c) => validator.add({ ...c, time: useTimes ? c.time : c.position }, c.line));
}

/**
 * The line of each event inside a top-level vector: Knossos files put one map per line, so the
 * n-th `{` at nesting depth one of a vector is the n-th event. Falls back to the vector's line.
 */
function elementLines(text: string, forms: readonly Located[], maps: readonly Located[]): number[] {
  if (!forms.some((f) => Array.isArray(f.form))) return maps.map((m) => m.line);
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') line++;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === ';') {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '(' || c === '{') {
      if (depth <= 1 && c === '{') lines.push(line);
      depth++;
    } else if (c === ']' || c === ')' || c === '}') depth--;
  }
  return lines.length === maps.length ? lines : maps.map((m) => m.line);
}

function toCandidate(form: Edn, line: number, position: number, file: string): Candidate | null {
  if (!(form instanceof EdnMap)) {
    throw inputError(file, line, 0, '', `expected an operation map {:process …, :type …, :f …, :value …}, found ${ednDescribe(form)}`);
  }
  const get = (name: string): Edn | undefined => form.entries.get(':' + name);
  const process = get('process');
  if (process instanceof Keyword || process instanceof EdnSymbol) return null; // :nemesis
  const type = name(get('type'));
  const f = name(get('f'));
  let key: unknown = keyName(get('key'));
  let value: unknown = toPlain(get('value'), line, file);
  if (key === null && Array.isArray(value) && value.length === 2 && (f !== 'cas' || Array.isArray(value[1]))) {
    key = keyName(value[0] as Edn);
    value = value[1];
  }
  if ((f === 'read' || f === 'get') && type === 'invoke') value = null;
  return { line, position, process, type, f, key, value, time: get('time') };
}

function name(form: Edn | undefined): unknown {
  if (form instanceof Keyword || form instanceof EdnSymbol) return form.name;
  return form;
}

function keyName(form: Edn | undefined): string | null {
  if (form === undefined || form === null) return null;
  if (form instanceof Keyword || form instanceof EdnSymbol) return form.name;
  if (typeof form === 'string') return form;
  if (typeof form === 'number' || typeof form === 'bigint' || typeof form === 'boolean') return String(form);
  return JSON.stringify(toPlainLoose(form));
}

function toPlainLoose(form: Edn): unknown {
  if (Array.isArray(form)) return form.map(toPlainLoose);
  if (form instanceof Keyword || form instanceof EdnSymbol) return form.name;
  if (form instanceof EdnMap) return '{…}';
  return form;
}

/** EDN value → JSON-like value; keywords become strings, maps are not operation values. */
function toPlain(form: Edn | undefined, line: number, file: string): unknown {
  if (form === undefined) return null;
  if (Array.isArray(form)) return form.map((x) => toPlain(x, line, file));
  if (form instanceof Keyword || form instanceof EdnSymbol) return form.name;
  if (form instanceof EdnMap) throw inputError(file, line, 0, 'value', 'expected a number, string, nil or vector, found a map');
  if (typeof form === 'boolean') throw inputError(file, line, 0, 'value', `expected a number, string, nil or vector, found ${form}`);
  return form;
}

function ednDescribe(form: Edn): string {
  if (form instanceof Keyword) return ':' + form.name;
  if (form instanceof EdnSymbol) return form.name;
  return describe(form);
}

/** One map per line, Jepsen style: keyed operations as `:value [k v]`. */
export function toEdn(events: readonly HistoryEvent[]): string {
  let out = '';
  for (const e of events) {
    const value = e.key === null ? ednValue(e.value) : `[${ednString(e.key)} ${ednValue(e.value)}]`;
    out += `{:process ${e.process}, :type :${e.type}, :f :${e.f}, :value ${value}, :time ${e.time}}\n`;
  }
  return out;
}

function ednValue(value: HistoryValue): string {
  if (value === null) return 'nil';
  if (typeof value === 'string') return ednString(value);
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return `[${ednValue(value[0])} ${ednValue(value[1])}]`;
}

function ednString(text: string): string {
  return '"' + text.replace(/[\\"\n\t\r]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\t': '\\t', '\r': '\\r' })[c] ?? c) + '"';
}

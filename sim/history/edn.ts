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
 *
 * Types are read faithfully: keywords, symbols, characters, strings, lists, vectors, sets and maps
 * are distinct, a map with a repeated key or a set with a repeated element is malformed, and an
 * operation value of a type the models cannot hold (a keyword, a character, a set…) is refused
 * at its line and column instead of being read as a string or a vector. Integers outside the safe
 * range stay exact (BigInt).
 */
import { inputError } from '../errors.js';
import { exactNumber } from './json-text.js';
import type { HistoryEvent, HistoryValue } from './types.js';
import { HistoryValidator, describe, type RawEvent } from './validate.js';

/** An object form knows where it starts (1-based line and column; 0 until the reader sets it). */
abstract class Positioned {
  line = 0;
  column = 0;
}
class Keyword extends Positioned {
  constructor(readonly name: string) {
    super();
  }
}
class EdnSymbol extends Positioned {
  constructor(readonly name: string) {
    super();
  }
}
class EdnChar extends Positioned {
  constructor(readonly char: string) {
    super();
  }
}
/** `[…]` */
class EdnVector extends Positioned {
  constructor(readonly items: readonly Edn[]) {
    super();
  }
}
/** `(…)` */
class EdnList extends Positioned {
  constructor(readonly items: readonly Edn[]) {
    super();
  }
}
class EdnSet extends Positioned {
  constructor(readonly items: readonly Edn[]) {
    super();
  }
}
/** Entries by the canonical text of their key (`canonical`), so equal keys are one entry. */
class EdnMap extends Positioned {
  constructor(readonly entries: ReadonlyMap<string, Edn>) {
    super();
  }
}
type Edn = null | boolean | number | bigint | string | Keyword | EdnSymbol | EdnChar | EdnVector | EdnList | EdnSet | EdnMap;

/** Where a form starts: 1-based line and column. */
interface Where {
  readonly line: number;
  readonly column: number;
}

/** A form and the line it starts on. */
interface Located {
  readonly form: Edn;
  readonly line: number;
}

/**
 * One text per EDN value such that two forms get the same text iff EDN calls them equal: the type
 * is part of it (`:x`, `"x"`, `\x` and `x` differ), vectors and lists are equal sequences as in
 * Clojure, sets and maps ignore order.
 */
function canonical(form: Edn): string {
  if (form === null) return 'nil';
  if (typeof form === 'boolean') return String(form);
  if (typeof form === 'number' || typeof form === 'bigint') return String(form);
  if (typeof form === 'string') return JSON.stringify(form);
  if (form instanceof Keyword) return ':' + form.name;
  if (form instanceof EdnSymbol) return form.name;
  if (form instanceof EdnChar) return '\\' + JSON.stringify(form.char);
  if (form instanceof EdnVector || form instanceof EdnList) return '[' + form.items.map(canonical).join(' ') + ']';
  if (form instanceof EdnSet) return '#{' + form.items.map(canonical).sort().join(' ') + '}';
  return '{' + [...form.entries].map(([k, v]) => k + ' ' + canonical(v)).sort().join(', ') + '}';
}

/** Characters that end a token: whitespace, commas and the delimiters `()[]{}";`. */
const ENDS_TOKEN = new Uint8Array(128);
for (const c of ' \t\r\n,()[]{}";') ENDS_TOKEN[c.charCodeAt(0)] = 1;
const MAX_DEPTH = 64;

/** A small recursive-descent EDN reader with line and column tracking; enough for Jepsen histories. */
class EdnReader {
  private pos = 0;
  private line = 1;
  /** Offset of the current line's first character. */
  private lineStart = 0;

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

  private here(): Where {
    return { line: this.line, column: this.pos - this.lineStart + 1 };
  }

  private fail(message: string, at: Where = this.here()): never {
    throw inputError(this.file, at.line, at.column, '', `malformed EDN: ${message}`);
  }

  private newline(at: number): void {
    this.line++;
    this.lineStart = at + 1;
  }

  private skipSpace(): void {
    const text = this.text;
    let pos = this.pos;
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 10) {
        this.newline(pos);
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
    const line = this.line;
    const column = this.pos - this.lineStart + 1;
    const form = this.readForm(depth);
    if (form instanceof Positioned) {
      form.line = line;
      form.column = column;
    }
    return form;
  }

  private readForm(depth: number): Edn | typeof DISCARDED {
    const c = this.text[this.pos];
    if (c === undefined) this.fail('unexpected end of file');
    switch (c) {
      case '[':
        this.pos++;
        return new EdnVector(this.readSequence(']', depth));
      case '(':
        this.pos++;
        return new EdnList(this.readSequence(')', depth));
      case '{':
        this.pos++;
        return this.readMap(depth);
      case ')':
      case ']':
      case '}':
        return this.fail(`unexpected '${c}'`);
      case '"':
        return this.readString();
      case ':': {
        this.pos++;
        const name = this.readToken();
        if (name === '' || name === ':') this.fail('a keyword needs a name');
        return new Keyword(name.replace(/^:/, ''));
      }
      case '\\':
        this.pos++;
        return new EdnChar(this.readChar());
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

  /** A map; a key that equals an earlier one is malformed EDN (as Clojure's reader says too). */
  private readMap(depth: number): EdnMap {
    const entries = new Map<string, Edn>();
    for (;;) {
      this.skipSpace();
      const c = this.text[this.pos];
      if (c === undefined) this.fail("unexpected end of file, expected '}'");
      if (c === '}') {
        this.pos++;
        return new EdnMap(entries);
      }
      const atLine = this.line;
      const atColumn = this.pos - this.lineStart + 1;
      const key = this.read(depth + 1);
      if (key === DISCARDED) continue;
      let value: Edn | typeof DISCARDED = DISCARDED;
      while (value === DISCARDED) {
        this.skipSpace();
        if (this.text[this.pos] === '}') this.fail('a map needs an even number of forms');
        value = this.read(depth + 1);
      }
      const name = canonical(key);
      if (entries.has(name)) this.fail(`duplicate key ${name} in a map`, { line: atLine, column: atColumn });
      entries.set(name, value);
    }
  }

  /** A set; an element that equals an earlier one is malformed EDN. */
  private readSet(depth: number): EdnSet {
    const items: Edn[] = [];
    const seen = new Set<string>();
    for (;;) {
      this.skipSpace();
      const c = this.text[this.pos];
      if (c === undefined) this.fail("unexpected end of file, expected '}'");
      if (c === '}') {
        this.pos++;
        return new EdnSet(items);
      }
      const atLine = this.line;
      const atColumn = this.pos - this.lineStart + 1;
      const item = this.read(depth + 1);
      if (item === DISCARDED) continue;
      const name = canonical(item);
      if (seen.has(name)) this.fail(`duplicate element ${name} in a set`, { line: atLine, column: atColumn });
      seen.add(name);
      items.push(item);
    }
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
        if (code === 10) this.newline(end);
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
      if (/^u[0-9a-fA-F]{4}$/.test(token)) return String.fromCharCode(parseInt(token.slice(1), 16));
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
      return this.readSet(depth);
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
  const reader = new EdnReader(text, file);
  const forms = reader.readAll();
  const maps: Located[] = [];
  for (const located of forms) {
    const items = sequence(located.form);
    if (items === null) {
      maps.push(located);
      continue;
    }
    // Elements of a top-level vector or list: each on the line where it starts, when known.
    for (const form of items) {
      maps.push({ form, line: form instanceof Positioned ? form.line : located.line });
    }
  }
  if (maps.length === 0) throw inputError(file, 1, 0, '', 'the history has no events');
  const converter = new Converter(file);
  const candidates: Candidate[] = [];
  maps.forEach((located, position) => {
    const candidate = converter.candidate(located.form, located.line, position);
    if (candidate !== null) candidates.push(candidate);
  });
  const useTimes = candidates.every((c, i) => {
    const prev = candidates[i - 1];
    return typeof c.time === 'number' && (prev === undefined || (prev.time as number) < c.time);
  });
  const validator = new HistoryValidator(file);
  return candidates.map((c) => validator.add({ ...c, time: useTimes ? c.time : c.position }, c.line));
}

const VALUE_TYPES = 'the models hold numbers, strings, nil, and [old new] for cas';

/**
 * From EDN maps to events. Operation values must be what the models hold (numbers, strings, nil;
 * a two-element vector or list for cas); any other EDN type is refused at its line and column
 * rather than turned into a string or a vector. Keys may be keywords, symbols, strings or
 * numbers, and are named as text; two keys of different types with the same text (`:x` and
 * `"x"`, `1` and `"1"`) are refused, since EDN says they are different keys.
 */
class Converter {
  private readonly keyForms = new Map<string, string>();

  constructor(
    private readonly file: string,
  ) {}

  candidate(form: Edn, line: number, position: number): Candidate | null {
    if (!(form instanceof EdnMap)) {
      throw this.error(form, line, '', `expected an operation map {:process …, :type …, :f …, :value …}, found ${ednDescribe(form)}`);
    }
    const get = (name: string): Edn | undefined => form.entries.get(':' + name);
    const process = get('process');
    if (process instanceof Keyword || process instanceof EdnSymbol) return null; // :nemesis
    const type = name(get('type'));
    const f = name(get('f'));
    let keyForm = get('key');
    let valueForm = get('value');
    const pair = sequence(valueForm);
    if ((keyForm === undefined || keyForm === null) && pair !== null && pair.length === 2 && (f !== 'cas' || sequence(pair[1] ?? null) !== null)) {
      keyForm = pair[0];
      valueForm = pair[1];
    }
    const key = this.key(keyForm, get('key') ?? get('value'), line);
    let value: unknown = this.value(valueForm, line);
    if ((f === 'read' || f === 'get') && type === 'invoke') value = null;
    const time = get('time');
    // Only the order of times matters: one beyond 2^53 is compared as the nearest double.
    return { line, position, process, type, f, key, value, time: typeof time === 'bigint' ? Number(time) : time };
  }

  /** An error at the form's line and column; at `near`'s when the form has none (a number, a string). */
  private error(form: Edn | undefined, line: number, field: string, message: string, near?: Edn) {
    const at = this.located(form) ?? this.located(near);
    return inputError(this.file, at?.line ?? line, at?.column ?? 0, field, message);
  }

  private located(form: Edn | undefined): Where | undefined {
    return form instanceof Positioned ? form : undefined;
  }

  private key(form: Edn | undefined, near: Edn | undefined, line: number): string | null {
    if (form === undefined || form === null) return null;
    let text: string;
    if (form instanceof Keyword || form instanceof EdnSymbol) text = form.name;
    else if (typeof form === 'string') text = form;
    else if (typeof form === 'number' || typeof form === 'bigint' || typeof form === 'boolean') text = String(form);
    else text = canonical(form);
    const written = canonical(form);
    const earlier = this.keyForms.get(text);
    if (earlier === undefined) this.keyForms.set(text, written);
    else if (earlier !== written) {
      throw this.error(form, line, 'key', `${written} and ${earlier} are different EDN keys but would have the same name ${JSON.stringify(text)}; use one type for keys`, near);
    }
    return text;
  }

  /** EDN value → a value the models hold, or a located refusal. */
  private value(form: Edn | undefined, line: number): unknown {
    if (form === undefined) return undefined;
    const items = sequence(form);
    if (items !== null) return items.map((item) => this.value(item, line));
    if (form === null || typeof form === 'number' || typeof form === 'bigint' || typeof form === 'string') return form;
    throw this.error(form, line, 'value', `${ednDescribe(form)} cannot be an operation value (${VALUE_TYPES})`);
  }
}

/** The items of a vector or a list (equal sequences in Clojure); null for anything else. */
function sequence(form: Edn | undefined): readonly Edn[] | null {
  if (form instanceof EdnVector || form instanceof EdnList) return form.items;
  return null;
}

function name(form: Edn | undefined): unknown {
  if (form instanceof Keyword || form instanceof EdnSymbol) return form.name;
  return form;
}

function ednDescribe(form: Edn): string {
  if (form instanceof Keyword) return `the keyword :${form.name}`;
  if (form instanceof EdnSymbol) return `the symbol ${form.name}`;
  if (form instanceof EdnChar) return `the character \\${form.char}`;
  if (form instanceof EdnSet) return 'a set #{…}';
  if (form instanceof EdnMap) return 'a map {…}';
  if (form instanceof EdnList) return `a list of ${form.items.length}`;
  if (typeof form === 'boolean') return String(form);
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

/**
 * JSON with exact integers. `JSON.parse` turns every number into a double, so 9007199254740993
 * silently becomes 9007199254740992 and two different written values compare equal. A history's
 * values must compare exactly as written, so an integer literal outside the safe range
 * (|n| > 2^53 - 1) is read as a BigInt, and written back digit for digit.
 *
 * Numbers with a fraction or an exponent stay doubles (compared as IEEE values, as every JSON
 * reader does); safe integers stay ordinary numbers, so a value has one representation either way.
 */

/** 16 digits in a row: the shortest literal that can be outside the safe range. */
const LONG_DIGITS = /\d{16}/;

/**
 * `JSON.parse`, except that integer literals outside the safe range become BigInts. Malformed text
 * throws JSON.parse's own SyntaxError. Lines without a long digit run take JSON.parse's speed.
 */
export function parseJsonExact(text: string): unknown {
  const plain = JSON.parse(text) as unknown;
  if (!LONG_DIGITS.test(text)) return plain;
  return new ExactReader(text).document();
}

/** A reader for text JSON.parse has already accepted: it needs no error handling of its own. */
class ExactReader {
  private pos = 0;

  constructor(private readonly text: string) {}

  document(): unknown {
    return this.value();
  }

  private space(): void {
    const text = this.text;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
      this.pos++;
    }
  }

  private value(): unknown {
    this.space();
    const c = this.text[this.pos];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === 't') return this.literal('true', true);
    if (c === 'f') return this.literal('false', false);
    if (c === 'n') return this.literal('null', null);
    return this.number();
  }

  private literal<T>(word: string, value: T): T {
    this.pos += word.length;
    return value;
  }

  private object(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.pos++;
    this.space();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.space();
      const key = this.string();
      this.space();
      this.pos++; // ':'
      // Like JSON.parse: a repeated name keeps its last value; "__proto__" is an ordinary name.
      Object.defineProperty(out, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
      this.space();
      if (this.text[this.pos++] === '}') return out;
    }
  }

  private array(): unknown[] {
    const out: unknown[] = [];
    this.pos++;
    this.space();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.space();
      if (this.text[this.pos++] === ']') return out;
    }
  }

  private string(): string {
    const start = this.pos;
    let end = start + 1;
    for (;;) {
      const c = this.text.charCodeAt(end);
      if (c === 92) end += 2;
      else if (c === 34) break;
      else end++;
    }
    this.pos = end + 1;
    return JSON.parse(this.text.slice(start, end + 1)) as string;
  }

  private number(): number | bigint {
    const match = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;
    match.lastIndex = this.pos;
    const found = match.exec(this.text) as RegExpExecArray;
    this.pos = match.lastIndex;
    return exactNumber(found[0], found[1] === undefined && found[2] === undefined);
  }
}

/** A number literal's value: a BigInt for an integer literal outside the safe range. */
export function exactNumber(literal: string, integer: boolean): number | bigint {
  const value = Number(literal);
  if (integer && !Number.isSafeInteger(value)) return BigInt(literal);
  return value;
}

/**
 * `JSON.stringify` for plain data that may hold BigInts (written as bare digits, so they read
 * back as the same integer). Object keys keep insertion order; undefined members are left out.
 */
export function toJsonText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
    case 'boolean':
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return '[' + value.map((item) => toJsonText(item)).join(',') + ']';
      const parts: string[] = [];
      for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
        if (member === undefined) continue;
        parts.push(JSON.stringify(key) + ':' + toJsonText(member));
      }
      return '{' + parts.join(',') + '}';
    }
    default:
      return 'null';
  }
}

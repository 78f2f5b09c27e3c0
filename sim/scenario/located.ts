/**
 * A scenario file as a small tree of values that remember where they stood in the file.
 *
 * YAML (and JSON, which YAML 1.2 reads as a subset) is parsed with the `yaml` package into a
 * document whose nodes carry source offsets; a `LineCounter` turns offsets into 1-based line and
 * column. We copy that into our own three-case tree so the validators never touch the library's
 * node classes, and so every error can name the exact spot.
 */
import { CST, LineCounter, Lexer, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, visit } from 'yaml';
import type { Alias, Document, Node as YamlNode } from 'yaml';
import { inputError, type InputError } from '../errors.js';

export interface Pos {
  readonly line: number;
  readonly column: number;
}

export type Scalar = string | number | boolean | null;

export interface MapEntry {
  readonly key: string;
  readonly keyPos: Pos;
  readonly value: LNode;
}

export type LNode =
  | { readonly t: 'map'; readonly entries: readonly MapEntry[]; readonly pos: Pos }
  | { readonly t: 'seq'; readonly items: readonly LNode[]; readonly pos: Pos }
  | { readonly t: 'scalar'; readonly value: Scalar; readonly pos: Pos };

/** Aliases may point at aliases; a bound keeps a hostile file from looping or exploding. */
const MAX_ALIAS_DEPTH = 16;
const MAX_NODES = 100_000;
/**
 * Aliases in one file, counted on the token stream before the document is composed (the `yaml`
 * library's own guard, `maxAliasCount`, only applies when converting to JavaScript, which we never
 * do). A scenario that reuses an anchor a few times is normal; thousands of aliases are an attack.
 */
export const MAX_ALIASES = 1_000;
/** The YAML 1.2 core tags: a scenario holds plain strings, numbers, booleans, lists and mappings. */
const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));
/** Longest text of a found value quoted in a message; a file of junk must not be echoed whole. */
const MAX_QUOTED_CHARS = 60;

/** Where a file went wrong, with its name baked in. */
export class Located {
  readonly file: string;
  private readonly lines: LineCounter;

  constructor(file: string, lines: LineCounter) {
    this.file = file;
    this.lines = lines;
  }

  at(offset: number): Pos {
    const p = this.lines.linePos(offset);
    return { line: p.line, column: p.col };
  }

  error(pos: Pos, field: string, message: string): InputError {
    return inputError(this.file, pos.line, pos.column, field, message);
  }
}

/**
 * Parse `text`; a YAML syntax error becomes one InputError at its position. Binary data and files
 * with more than MAX_ALIASES aliases are refused before the document is composed.
 */
export function parseTree(text: string, file: string): { tree: LNode; where: Located } {
  const binary = binaryAt(text);
  if (binary >= 0) {
    throw inputError(file, lineOf(text, binary), 0, '', 'binary data, not a scenario (expected YAML or JSON text)');
  }
  const tooMany = aliasBeyondLimit(text);
  if (tooMany >= 0) {
    throw inputError(file, lineOf(text, tooMany), 0, '', `too many YAML aliases (more than ${MAX_ALIASES}); write the values out or use fewer anchors`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const where = new Located(file, lines);
  const first = doc.errors[0];
  if (first !== undefined) {
    throw where.error(where.at(first.pos[0]), '', `invalid YAML: ${oneLine(first.message)}`);
  }
  const ctx: ConvertContext = { doc, where, nodes: 0, targets: aliasTargets(doc) };
  const tree = convert(ctx, doc.contents, 0, '');
  return { tree, where };
}

/**
 * Index of the first control character other than tab, newline and return (or U+FFFD, which
 * stands for bytes that were not UTF-8); -1 when the text is clean. YAML allows none of them.
 */
export function binaryAt(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f || c === 0xfffd) return i;
  }
  return -1;
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** The lexer's marker tokens (document, flow-error end, scalar), which stand for no source text. */
const MARKERS = new Set(['\x02', '\x18', '\x1f']);

/**
 * Offset of the first alias beyond MAX_ALIASES, or -1: one pass over the lexer's tokens, stopping
 * at the bound (so a file of 100,000 aliases costs no more than one of MAX_ALIASES).
 */
function aliasBeyondLimit(text: string): number {
  if (!text.includes('*')) return -1;
  let offset = 0;
  let aliases = 0;
  for (const token of new Lexer().lex(text)) {
    if (CST.tokenType(token) === 'alias' && ++aliases > MAX_ALIASES) return offset;
    if (!MARKERS.has(token)) offset += token.length;
  }
  return -1;
}

/**
 * Every alias's anchored node, found in one walk in document order (an alias names the last anchor
 * of that name before it). The library's `Alias.resolve` walks the whole document per alias:
 * quadratic in the number of aliases.
 */
function aliasTargets(doc: Document): Map<Alias, YamlNode> {
  const anchors = new Map<string, YamlNode>();
  const targets = new Map<Alias, YamlNode>();
  visit(doc, {
    Node: (_key, node) => {
      if (isAlias(node)) {
        const target = anchors.get(node.source);
        if (target !== undefined) targets.set(node, target);
      } else if (node.anchor !== undefined) {
        anchors.set(node.anchor, node);
      }
    },
  });
  return targets;
}

interface ConvertContext {
  readonly doc: Document;
  readonly where: Located;
  nodes: number;
  readonly targets: ReadonlyMap<Alias, YamlNode>;
}

function oneLine(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?$/, '').trim();
}

function convert(
  ctx: ConvertContext,
  node: YamlNode | null,
  aliasDepth: number,
  field: string,
  /** Where an empty value (`nodes:` with nothing after it) is reported: its key. */
  emptyPos: Pos = { line: 1, column: 1 },
): LNode {
  const where = ctx.where;
  ctx.nodes++;
  if (ctx.nodes > MAX_NODES) throw where.error({ line: 0, column: 0 }, '', `file too large (more than ${MAX_NODES} values)`);
  if (node === null) return { t: 'scalar', value: null, pos: emptyPos };
  const pos = where.at(node.range?.[0] ?? 0);
  if (isAlias(node)) {
    if (aliasDepth >= MAX_ALIAS_DEPTH) throw where.error(pos, field, 'aliases nested too deeply');
    const target = ctx.targets.get(node);
    if (target === undefined) throw where.error(pos, field, `unknown alias *${node.source}`);
    return convert(ctx, target, aliasDepth + 1, field);
  }
  refuseTag(where, node, pos, field);
  if (isScalar(node)) return { t: 'scalar', value: scalarValue(node.value, where, pos, field), pos };
  if (isSeq(node)) {
    const items = node.items.map((item, i) => convert(ctx, item as YamlNode | null, aliasDepth, `${field}[${i}]`));
    return { t: 'seq', items, pos };
  }
  if (isMap(node)) return { t: 'map', entries: mapEntries(ctx, node.items, aliasDepth, field), pos };
  throw where.error(pos, field, 'unsupported YAML value');
}

/** Only the YAML core tags: `!!js/function`, `!!binary`, `!!set`, local `!tags` are errors. */
function refuseTag(where: Located, node: YamlNode, pos: Pos, field: string): void {
  const tag = node.tag;
  if (tag === undefined || CORE_TAGS.has(tag)) return;
  const shown = tag.startsWith('tag:yaml.org,2002:') ? `!!${tag.slice('tag:yaml.org,2002:'.length)}` : tag;
  throw where.error(pos, field, `unsupported YAML tag ${quoted(shown)}; a scenario holds plain strings, numbers, booleans, lists and mappings`);
}

function mapEntries(ctx: ConvertContext, pairs: readonly unknown[], aliasDepth: number, field: string): MapEntry[] {
  const where = ctx.where;
  const entries: MapEntry[] = [];
  for (const pair of pairs) {
    if (!isPair(pair)) continue;
    const keyNode = pair.key as YamlNode | null;
    const keyPos = where.at(keyNode?.range?.[0] ?? 0);
    if (keyNode !== null) refuseTag(where, keyNode, keyPos, field);
    const key = isScalar(keyNode) ? keyNode.value : undefined;
    if (typeof key !== 'string' && typeof key !== 'number') {
      throw where.error(keyPos, field, `expected a plain key, found ${keyNode === null ? 'an empty key' : 'a complex key'}`);
    }
    const name = String(key);
    const child = field ? `${field}.${name}` : name;
    entries.push({ key: name, keyPos, value: convert(ctx, pair.value as YamlNode | null, aliasDepth, child, keyPos) });
  }
  return entries;
}

function scalarValue(value: unknown, where: Located, pos: Pos, field: string): Scalar {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  throw where.error(pos, field, `unsupported value ${String(value)}`);
}

/** How a found value reads in a message: `"abc"`, `2`, `a list`, `a mapping`, `null`. */
export function describe(node: LNode): string {
  switch (node.t) {
    case 'map':
      return 'a mapping';
    case 'seq':
      return 'a list';
    case 'scalar':
      return node.value === null ? 'nothing (null)' : typeof node.value === 'string' ? quoted(node.value) : String(node.value);
  }
}

/** `"text"`, cut to MAX_QUOTED_CHARS characters with the length said when longer. */
export function quoted(text: string): string {
  if (text.length <= MAX_QUOTED_CHARS) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, MAX_QUOTED_CHARS))}... (${text.length} characters)`;
}

/** The tree as plain values (what the scenario schema validates); keys keep their file order. */
export function toPlain(node: LNode): unknown {
  switch (node.t) {
    case 'scalar':
      return node.value;
    case 'seq':
      return node.items.map(toPlain);
    case 'map':
      return Object.fromEntries(node.entries.map((e) => [e.key, toPlain(e.value)]));
  }
}

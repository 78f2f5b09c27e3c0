/**
 * A scenario file as a small tree of values that remember where they stood in the file.
 *
 * YAML (and JSON, which YAML 1.2 reads as a subset) is parsed with the `yaml` package into a
 * document whose nodes carry source offsets; a `LineCounter` turns offsets into 1-based line and
 * column. We copy that into our own three-case tree so the validators never touch the library's
 * node classes, and so every error can name the exact spot.
 */
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
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

/** Parse `text`; a YAML syntax error becomes one InputError at its position. */
export function parseTree(text: string, file: string): { tree: LNode; where: Located } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const where = new Located(file, lines);
  const first = doc.errors[0];
  if (first !== undefined) {
    throw where.error(where.at(first.pos[0]), '', `invalid YAML: ${oneLine(first.message)}`);
  }
  const counter = { nodes: 0 };
  const tree = convert(doc, doc.contents, where, 0, counter, '');
  return { tree, where };
}

function oneLine(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?$/, '').trim();
}

function convert(
  doc: Document,
  node: YamlNode | null,
  where: Located,
  aliasDepth: number,
  counter: { nodes: number },
  field: string,
  /** Where an empty value (`nodes:` with nothing after it) is reported: its key. */
  emptyPos: Pos = { line: 1, column: 1 },
): LNode {
  counter.nodes++;
  if (counter.nodes > MAX_NODES) throw where.error({ line: 0, column: 0 }, '', `file too large (more than ${MAX_NODES} values)`);
  if (node === null) return { t: 'scalar', value: null, pos: emptyPos };
  const pos = where.at(node.range?.[0] ?? 0);
  if (isAlias(node)) {
    if (aliasDepth >= MAX_ALIAS_DEPTH) throw where.error(pos, field, 'aliases nested too deeply');
    const target = node.resolve(doc);
    if (target === undefined) throw where.error(pos, field, `unknown alias *${node.source}`);
    return convert(doc, target as YamlNode, where, aliasDepth + 1, counter, field);
  }
  if (isScalar(node)) return { t: 'scalar', value: scalarValue(node.value, where, pos, field), pos };
  if (isSeq(node)) {
    const items = node.items.map((item, i) => convert(doc, item as YamlNode | null, where, aliasDepth, counter, `${field}[${i}]`));
    return { t: 'seq', items, pos };
  }
  if (isMap(node)) return { t: 'map', entries: mapEntries(doc, node.items, where, aliasDepth, counter, field), pos };
  throw where.error(pos, field, 'unsupported YAML value');
}

function mapEntries(
  doc: Document,
  pairs: readonly unknown[],
  where: Located,
  aliasDepth: number,
  counter: { nodes: number },
  field: string,
): MapEntry[] {
  const entries: MapEntry[] = [];
  for (const pair of pairs) {
    if (!isPair(pair)) continue;
    const keyNode = pair.key as YamlNode | null;
    const keyPos = where.at(keyNode?.range?.[0] ?? 0);
    const key = isScalar(keyNode) ? keyNode.value : undefined;
    if (typeof key !== 'string' && typeof key !== 'number') {
      throw where.error(keyPos, field, `expected a plain key, found ${keyNode === null ? 'an empty key' : 'a complex key'}`);
    }
    const name = String(key);
    const child = field ? `${field}.${name}` : name;
    entries.push({ key: name, keyPos, value: convert(doc, pair.value as YamlNode | null, where, aliasDepth, counter, child, keyPos) });
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
      return node.value === null ? 'nothing (null)' : typeof node.value === 'string' ? JSON.stringify(node.value) : String(node.value);
  }
}

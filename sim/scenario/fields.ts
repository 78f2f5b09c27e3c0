/**
 * Readers for the value kinds a scenario file uses: mappings with a closed set of keys, integers
 * in a range, probabilities, durations (`250ms`), rates (`100ppm`), node selectors. Each one
 * either returns a normalized value or throws one InputError naming the file, line, column, field
 * path, what was expected and what was found.
 */
import type { NodeId } from '../../protocols/api.js';
import type { NodeSelector } from './types.js';
import { describe, quoted, type Located, type LNode, type MapEntry } from './located.js';
import { didYouMean } from './suggest.js';
import { parseDuration } from '../../protocols/kit/duration.js';

export { parseDuration };

const PPM = /^(\d+(?:\.\d+)?)ppm$/;
/** No scenario needs more than a day of virtual time; larger values are typos. */
export const MAX_DURATION_US = 24 * 60 * 60 * 1_000_000;

export const SELECTOR_WORDS = ['leader', 'random', 'minority', 'majority', 'rest', 'all'] as const;

export class Fields {
  readonly where: Located;

  constructor(where: Located) {
    this.where = where;
  }

  fail(node: LNode, field: string, expected: string): never {
    throw this.where.error(node.pos, field, `expected ${expected}, found ${describe(node)}`);
  }

  /** The entries of a mapping, rejecting any key not in `allowed`. */
  map(node: LNode, field: string, allowed: readonly string[]): Map<string, MapEntry> {
    if (node.t !== 'map') this.fail(node, field, 'a mapping');
    const out = new Map<string, MapEntry>();
    for (const entry of node.entries) {
      if (!allowed.includes(entry.key)) {
        const path = field ? `${field}.${entry.key}` : entry.key;
        throw this.where.error(entry.keyPos, path, `unknown key ${quoted(entry.key)}; expected one of ${allowed.join(', ')}${didYouMean(entry.key, allowed)}`);
      }
      out.set(entry.key, entry);
    }
    return out;
  }

  list(node: LNode, field: string, what = 'a list'): readonly LNode[] {
    if (node.t !== 'seq') this.fail(node, field, what);
    return node.items;
  }

  string(node: LNode, field: string): string {
    if (node.t !== 'scalar' || typeof node.value !== 'string') this.fail(node, field, 'a string');
    return node.value;
  }

  boolean(node: LNode, field: string): boolean {
    if (node.t !== 'scalar' || typeof node.value !== 'boolean') this.fail(node, field, 'true or false');
    return node.value;
  }

  integer(node: LNode, field: string, min: number, max: number): number {
    const ok = node.t === 'scalar' && Number.isSafeInteger(node.value) && (node.value as number) >= min && (node.value as number) <= max;
    if (!ok) this.fail(node, field, rangeText('an integer', min, max));
    return (node as { value: number }).value;
  }

  /** A finite number in [min, max]. */
  number(node: LNode, field: string, min: number, max: number, what: string): number {
    const ok = node.t === 'scalar' && typeof node.value === 'number' && Number.isFinite(node.value) && node.value >= min && node.value <= max;
    if (!ok) this.fail(node, field, what);
    return (node as { value: number }).value;
  }

  probability(node: LNode, field: string): number {
    return this.number(node, field, 0, 1, 'a probability between 0 and 1');
  }

  /** `1.5s`, `250ms`, `20us`, `2m` (or the number 0) → integer microseconds. */
  duration(node: LNode, field: string, opts: { min?: number; allowNegative?: boolean } = {}): number {
    const min = opts.min ?? 0;
    const expected = opts.allowNegative === true
      ? 'a duration such as 500ms or -200ms (units us, ms, s, m)'
      : `a duration${min === 1 ? ' above 0' : min > 1 ? ` of at least ${formatDuration(min)}` : ''} such as 500ms (units us, ms, s, m)`;
    const micros = parseDuration(node.t === 'scalar' ? node.value : undefined);
    if (micros === null || Math.abs(micros) > MAX_DURATION_US) this.fail(node, field, expected);
    if (opts.allowNegative !== true && micros < min) this.fail(node, field, expected);
    return micros;
  }

  /** `100ppm` (or the number 0) → parts per million. */
  ppm(node: LNode, field: string, max: number): number {
    const expected = `a rate such as 100ppm (at most ${max}ppm)`;
    if (node.t === 'scalar' && node.value === 0) return 0;
    const match = node.t === 'scalar' && typeof node.value === 'string' ? PPM.exec(node.value) : null;
    const value = match ? Number(match[1]) : NaN;
    if (!(value <= max)) this.fail(node, field, expected);
    return value;
  }

  /** One of `values`, as a string. */
  choice<T extends string>(node: LNode, field: string, values: readonly T[]): T {
    const found = values.find((v) => node.t === 'scalar' && v === node.value);
    if (found === undefined) this.fail(node, field, `one of ${values.join(', ')}`);
    return found;
  }

  /** `n3` (with 3 ≤ nodes) or a selector word from `allowed`. */
  selector(node: LNode, field: string, nodes: number, allowed: readonly string[] = SELECTOR_WORDS): NodeSelector {
    const words = allowed.join(', ');
    const expected = `a node n1..n${nodes} or one of ${words}`;
    if (node.t !== 'scalar' || typeof node.value !== 'string') this.fail(node, field, expected);
    const value = node.value;
    if (/^n[1-9][0-9]*$/.test(value)) {
      if (Number(value.slice(1)) > nodes) {
        throw this.where.error(node.pos, field, `unknown node "${value}": this scenario has ${nodes} nodes (n1..n${nodes})`);
      }
      return { kind: 'node', node: value as NodeId };
    }
    if (!allowed.includes(value)) this.fail(node, field, expected);
    return { kind: value as Exclude<NodeSelector['kind'], 'node'> } as NodeSelector;
  }

  /** A concrete node name n1..nN (no selector words). */
  nodeId(node: LNode, field: string, nodes: number): NodeId {
    const selector = this.selector(node, field, nodes, []);
    if (selector.kind !== 'node') this.fail(node, field, `a node n1..n${nodes}`);
    return selector.node;
  }
}

function rangeText(what: string, min: number, max: number): string {
  if (max >= Number.MAX_SAFE_INTEGER) return min === 0 ? `a non-negative integer` : min === 1 ? 'a positive integer' : `${what} ≥ ${min}`;
  return `${what} from ${min} to ${max}`;
}

/** `1500000` → `1.5s`: the shortest exact spelling, for messages and docs. */
export function formatDuration(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(micros);
  if (abs === 0) return '0s';
  if (abs % 60_000_000 === 0) return `${sign}${abs / 60_000_000}m`;
  if (abs >= 1_000_000) return `${sign}${abs / 1_000_000}s`;
  if (abs >= 1_000) return `${sign}${abs / 1_000}ms`;
  return `${sign}${abs}us`;
}

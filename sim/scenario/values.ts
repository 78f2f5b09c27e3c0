/**
 * The value kinds a scenario file uses, as zod schemas: mappings with a closed set of keys,
 * integers in a range, probabilities, durations (`250ms` → integer µs), rates (`100ppm`), node
 * selectors. The scenario schema (`schema.ts`) is built from these, so each kind of value has one
 * definition, one JSON Schema rendering (a pattern, a range, an enum) and one wording of its error.
 *
 * Wording: a message that states what was expected (`expected a probability between 0 and 1`) is
 * finished by the loader with what was found (`, found 2`), because only the loader knows how the
 * value was written in the file; a message that already says what was found is used as it is.
 */
import * as z from 'zod';
import type { NodeId } from '../../protocols/api.js';
import { DURATION, formatDuration, MAX_DURATION_US, parseDuration } from './fields.js';
import { quoted } from './located.js';
import { didYouMean } from './suggest.js';
import type { NodeSelector } from './types.js';

/** The unit pattern of `fields.ts`, without the sign where a duration cannot be negative. */
const SIGNED_DURATION = DURATION;
const UNSIGNED_DURATION = new RegExp(DURATION.source.replace('(-?)', ''));
const PPM = /^(\d+(?:\.\d+)?)ppm$/;
const NODE_ID = /^n[1-9][0-9]*$/;

/**
 * What the scenario schema knows beyond the file's own shape: the cluster size and the workload's
 * duration, read from the file before the whole of it is validated, so that a node selector can
 * say `n1..n5` and a fault time can be held to the duration. Absent (as when the JSON Schema is
 * generated) the schema checks shapes only. The schema reads these when it parses, not when it is
 * built, so one built schema serves every file (the loader sets them for each file it reads).
 */
export interface ValueContext {
  readonly nodes?: number | undefined;
  readonly durationUs?: number | undefined;
}

/** A message, or one made when the issue is reported (it may name the cluster size of the file being read). */
type Message = string | (() => string);

function textOf(message: Message): string {
  return typeof message === 'string' ? message : message();
}

/** A zod error option that always says `message`. */
export function says(message: Message): { error: () => string } {
  return { error: () => textOf(message) };
}

/** `missing` for undefined input (a key left out), `otherwise` for anything else. */
function missingOr(missing: string | undefined, otherwise: Message): { error: (iss: { input?: unknown }) => string } {
  return { error: (iss) => (iss.input === undefined && missing !== undefined ? missing : textOf(otherwise)) };
}

/** A mapping with exactly the keys of `shape` (all as the shape says), refusing any other key. */
export function closedMap<S extends z.core.$ZodLooseShape>(
  shape: S,
  opts: { what?: string; unknownKey?: (key: string) => string; missing?: string } = {},
) {
  const keys = Object.keys(shape);
  const unknownKey = opts.unknownKey ?? ((key: string) => `unknown key ${quoted(key)}; expected one of ${keys.join(', ')}${didYouMean(key, keys)}`);
  const what = `expected ${opts.what ?? 'a mapping'}`;
  return z.strictObject(shape, {
    error: (iss) => {
      if (iss.code === 'unrecognized_keys') return unknownKey(iss.keys[0] ?? '');
      if (iss.input === undefined && opts.missing !== undefined) return opts.missing;
      return what;
    },
  });
}

export function text(what = 'a string') {
  return z.string(says(`expected ${what}`));
}

export function flag(missing?: string) {
  return z.boolean(missingOr(missing, 'expected true or false'));
}

export function integer(min: number, max: number, missing?: string) {
  const message = `expected ${rangeText(min, max)}`;
  return z.int(missingOr(missing, message)).min(min, says(message)).max(max, says(message));
}

function rangeText(min: number, max: number): string {
  if (max >= Number.MAX_SAFE_INTEGER) return min === 0 ? 'a non-negative integer' : min === 1 ? 'a positive integer' : `an integer ≥ ${min}`;
  return `an integer from ${min} to ${max}`;
}

/** A finite number in [min, max]. */
export function number(min: number, max: number, what: string) {
  const message = `expected ${what}`;
  return z.number(says(message)).min(min, says(message)).max(max, says(message));
}

export function probability() {
  return number(0, 1, 'a probability between 0 and 1');
}

export function choice<const T extends readonly [string, ...string[]]>(values: T, missing?: string) {
  return z.enum(values, missingOr(missing, `expected one of ${values.join(', ')}`));
}

export interface DurationOptions {
  /** Smallest value in µs (default 0). */
  readonly min?: number;
  readonly allowNegative?: boolean;
  /** The message when the key is left out (for a required duration). */
  readonly missing?: string;
  readonly description?: string;
}

/**
 * `1.5s`, `250ms`, `20us`, `2m` (or the number 0) → integer microseconds, at most a day. In the
 * JSON Schema: the number 0 or a string matching the unit pattern.
 */
export function duration(opts: DurationOptions = {}) {
  const min = opts.min ?? 0;
  const message = opts.allowNegative === true
    ? 'expected a duration such as 500ms or -200ms (units us, ms, s, m)'
    : `expected a duration${min === 1 ? ' above 0' : min > 1 ? ` of at least ${formatDuration(min)}` : ''} such as 500ms (units us, ms, s, m)`;
  const error = missingOr(opts.missing, message);
  const pattern = opts.allowNegative === true ? SIGNED_DURATION : UNSIGNED_DURATION;
  const written = z.union([z.literal(0, error), z.string(error).regex(pattern, error)], error);
  const parsed = written.transform((value, ctx) => {
    const micros = parseDuration(value);
    const inRange = micros !== null && Math.abs(micros) <= MAX_DURATION_US && (opts.allowNegative === true || micros >= min);
    if (!inRange) {
      ctx.addIssue({ code: 'custom', message, input: value });
      return z.NEVER;
    }
    return micros;
  });
  return parsed.meta({ description: opts.description ?? `a duration: a number with a unit us, ms, s or m (${opts.allowNegative === true ? 'may be negative' : 'or 0'})` });
}

/** `100ppm` (or the number 0) → parts per million, at most `max`. */
export function ppm(max: number) {
  const message = `expected a rate such as 100ppm (at most ${max}ppm)`;
  const error = says(message);
  return z.union([z.literal(0, error), z.string(error).regex(PPM, error)], error).transform((value, ctx) => {
    const rate = value === 0 ? 0 : Number(PPM.exec(value)?.[1]);
    if (!(rate <= max)) {
      ctx.addIssue({ code: 'custom', message, input: value });
      return z.NEVER;
    }
    return rate;
  });
}

export const SELECTOR_WORDS = ['leader', 'random', 'minority', 'majority', 'rest', 'all'] as const;

/** `n1..n5` when the cluster size is known, `n1..nN` otherwise. */
export function nodeRange(ctx: ValueContext): string {
  return `n1..n${ctx.nodes ?? 'N'}`;
}

/** The one check that a named node exists; null when it does (or the cluster size is unknown). */
export function unknownNode(id: string, ctx: ValueContext): string | null {
  if (ctx.nodes === undefined || Number(id.slice(1)) <= ctx.nodes) return null;
  return `unknown node ${JSON.stringify(id)}: this scenario has ${ctx.nodes} nodes (${nodeRange(ctx)})`;
}

function alternatives(words: readonly string[]): RegExp {
  return new RegExp(`^(?:n[1-9][0-9]*${words.map((w) => `|${w}`).join('')})$`);
}

/** `n3` (within the cluster) or a selector word from `words`. */
export function selector(ctx: ValueContext, words: readonly string[] = SELECTOR_WORDS, missing?: string) {
  const message = (): string => `expected a node ${nodeRange(ctx)} or one of ${words.join(', ')}`;
  return z
    .string(missingOr(missing, message))
    .regex(alternatives(words), says(message))
    .transform((value, issues): NodeSelector => {
      if (NODE_ID.test(value)) {
        const unknown = unknownNode(value, ctx);
        if (unknown !== null) {
          issues.addIssue({ code: 'custom', message: unknown, input: value });
          return z.NEVER;
        }
        return { kind: 'node', node: value as NodeId };
      }
      return { kind: value as Exclude<NodeSelector['kind'], 'node'> } as NodeSelector;
    });
}

/** A concrete node name n1..nN (no selector words). */
export function nodeId(ctx: ValueContext) {
  const message = (): string => `expected a node ${nodeRange(ctx)}`;
  return z
    .string(says(message))
    .regex(NODE_ID, says(message))
    .transform((value, issues) => {
      const unknown = unknownNode(value, ctx);
      if (unknown !== null) {
        issues.addIssue({ code: 'custom', message: unknown, input: value });
        return z.NEVER;
      }
      return value as NodeId;
    });
}

/** A plain value from a parsed file: what the schema validates. */
export type Plain = string | number | boolean | null | readonly Plain[] | { readonly [key: string]: Plain };

export function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * One of several mapping shapes, chosen by the keys present (a fault is a `crash` fault because it
 * has a `crash` key), so that an error speaks of the shape the writer meant instead of listing
 * every shape's complaint. `choose` names the branch or returns the problem with the mapping as a
 * whole. In the JSON Schema the dispatch is the `anyOf` of its branches, each closed to its keys.
 */
export function dispatch<B extends Record<string, z.ZodType>>(
  branches: B,
  choose: (input: Readonly<Record<string, unknown>>) => { readonly branch: keyof B } | { readonly problem: DispatchProblem },
  notAMapping: string,
  /** Where a key the chosen branch needs but the entry leaves out is reported (a sibling key), if not at the entry. */
  reportMissingAt: (branch: keyof B, key: string) => string | undefined = () => undefined,
) {
  type Out = z.output<B[keyof B]>;
  const json = z.union(Object.values(branches) as [z.ZodType, ...z.ZodType[]]);
  const checked = z.unknown().transform((input, ctx): Out => {
    if (!isRecord(input)) {
      ctx.addIssue({ code: 'custom', message: notAMapping, input });
      return z.NEVER;
    }
    const chosen = choose(input);
    if ('problem' in chosen) {
      const { message, path = [], unknownKey } = chosen.problem;
      if (unknownKey !== undefined) ctx.addIssue({ code: 'unrecognized_keys', keys: [unknownKey], message, input });
      else ctx.addIssue({ code: 'custom', message, path: [...path], input });
      return z.NEVER;
    }
    const result = (branches[chosen.branch] as z.ZodType).safeParse(input);
    if (result.success) return result.data as Out;
    for (const issue of result.error.issues) {
      const key = issue.path.length === 1 ? String(issue.path[0]) : undefined;
      const missing = key !== undefined && !(key in input);
      const reportAt = missing ? reportMissingAt(chosen.branch, key) : undefined;
      ctx.issues.push((reportAt === undefined ? issue : { ...issue, params: { reportAt } }) as never);
    }
    return z.NEVER;
  });
  return standIn(checked, json);
}

export interface DispatchProblem {
  readonly message: string;
  /** Where, relative to the mapping (default: the mapping itself). */
  readonly path?: readonly (string | number)[];
  /** The problem is this key, unknown to every branch (reported at the key, as zod reports unknown keys). */
  readonly unknownKey?: string;
}

/** Extra placement for an issue, read by the loader (`issues.ts`). */
export interface IssueParams {
  /** Report a missing key at this sibling key's value instead of at the enclosing mapping. */
  readonly reportAt?: string;
}

/**
 * JSON Schema stand-ins: a schema whose checks are code (a dispatch, a transform over any value)
 * registers here the plain schema that describes the same values, for `json-schema.ts`.
 */
export const JSON_STAND_IN = new WeakMap<object, z.core.$ZodType>();

/**
 * `schema`, described in the JSON Schema by `json`. Keyed by the schema's definition, which its
 * copies (`.meta()`, `.describe()`) share.
 */
export function standIn<S extends z.core.$ZodType>(schema: S, json: z.core.$ZodType): S {
  JSON_STAND_IN.set(schema._zod.def, json);
  return schema;
}

/** The standard "unknown key" message for a mapping whose keys are `known`. */
export function unknownKeyMessage(key: string, known: readonly string[]): string {
  return `unknown key ${quoted(key)}; expected one of ${known.join(', ')}${didYouMean(key, known)}`;
}

/**
 * A value that is either a mapping (checked by `mapping`) or something else (checked by `other`),
 * e.g. `nemesis: none` or `nemesis: { every: 2s }`: an error speaks of the form the writer chose.
 */
export function mappingOr<M extends z.ZodType, O extends z.ZodType>(mapping: M, other: O) {
  const either = z.unknown().transform((input, ctx): z.output<M> | z.output<O> => {
    const result = (isRecord(input) ? mapping : other).safeParse(input);
    if (result.success) return result.data as z.output<M> | z.output<O>;
    for (const issue of result.error.issues) ctx.issues.push(issue as never);
    return z.NEVER;
  });
  return standIn(either, z.union([other, mapping]));
}

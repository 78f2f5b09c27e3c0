/**
 * Protocols the simulator does not ship: a protocol module named by its path (`--protocol
 * ./my-protocol.ts`, or `protocol: ./my-protocol.ts` in a scenario file), loaded at run time.
 *
 * The simulator never chooses its protocols itself (it has no registry): its caller — the command
 * line, the package API, a test — hands it a `ProtocolSet`, the definitions it may run plus the
 * modules a sweep's worker threads import to get the very same definitions (threads share no
 * objects, only data). `resolveProtocol` is the one place that turns what a user typed, a name or
 * a module path, into a `ProtocolDefinition`; every command that takes `--protocol` calls it.
 *
 * `.js`/`.mjs`/`.cjs` modules are imported as they are; `.ts`/`.mts`/`.cts` modules go through
 * tsx's loader (`tsImport`), scoped to the one import so that nothing else in the process changes.
 * A module that cannot be loaded, exports no protocol definition (or several, none of them the
 * default export), or exports one of the wrong shape is bad input: one InputError naming the
 * module as the user wrote it, and exit status 2. The original error rides along as `cause` for
 * `--debug`.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import type { ProtocolDefinition } from '../protocols/api.js';
import { InputError } from './errors.js';

/** A protocol as the simulator sees it (message and view types erased). */
export type AnyProtocol = ProtocolDefinition<any, any>;

/** The protocols a caller lets the simulator run, and where a worker thread finds them again. */
export interface ProtocolSet {
  readonly definitions: readonly AnyProtocol[];
  /**
   * File URLs of modules whose exported definitions (single ones, or arrays of them) are exactly
   * `definitions`: a sweep's worker threads import these. May be empty when no sweep runs in
   * worker threads (then sweeps run in the calling thread).
   */
  readonly modules: readonly string[];
}

/** `{ definitions, modules }`, with `modules` as file URLs (plain paths are converted). */
export function protocolSet(definitions: readonly AnyProtocol[], modules: readonly string[] = []): ProtocolSet {
  return { definitions: [...definitions], modules: modules.map(toUrl) };
}

const MODULE_EXTENSION = /\.(m|c)?(js|ts)$/;
const TYPESCRIPT_EXTENSION = /\.(m|c)?ts$/;

/**
 * True when `ref` names a module rather than a protocol: it contains a path separator or ends in
 * a JavaScript or TypeScript extension (`./toy.ts`, `lib/toy.js`, `/abs/toy.mjs`, `toy.ts`).
 * Protocol names are lower-case words, so the two never overlap.
 */
export function isModuleRef(ref: string): boolean {
  return ref.includes('/') || ref.includes('\\') || MODULE_EXTENSION.test(ref) || ref.startsWith('file:');
}

/** The absolute path `ref` points to, relative to `baseDir` (the current directory by default). */
export function modulePath(ref: string, baseDir?: string): string {
  if (ref.startsWith('file:')) return fileURLToPath(ref);
  if (isAbsolute(ref)) return ref;
  return baseDir === undefined ? resolve(ref) : resolve(baseDir, ref);
}

/** Absolute path of the module each loaded definition came from. */
const origins = new WeakMap<object, string>();
/** One load per module per thread: loading twice would give two different definition objects. */
const loaded = new Map<string, Promise<AnyProtocol>>();

/** The absolute path of the module `protocol` was loaded from, or undefined for a caller's own. */
export function protocolModuleOf(protocol: AnyProtocol): string | undefined {
  return origins.get(protocol);
}

/**
 * Turn a protocol name or a module path into a definition. Names are looked up in `set`; module
 * paths are resolved against `baseDir` (default: the current directory), loaded, checked, and
 * returned with a set that includes them. `field` names where the reference came from in errors
 * (`--protocol`, or `protocol` of a scenario file).
 */
export async function resolveProtocol(
  ref: string,
  set: ProtocolSet,
  options: { readonly baseDir?: string; readonly field?: string; readonly file?: string } = {},
): Promise<{ readonly protocol: AnyProtocol; readonly set: ProtocolSet }> {
  const field = options.field ?? '--protocol';
  if (!isModuleRef(ref)) {
    const protocol = set.definitions.find((p) => p.name === ref);
    if (protocol === undefined) {
      const known = set.definitions.map((p) => p.name).join(', ') || '(none)';
      throw new InputError({ file: options.file ?? '', line: 0, column: 0, field, message: `unknown protocol "${ref}"; expected one of ${known}, or a module path such as ./my-protocol.ts` });
    }
    return { protocol, set };
  }
  const path = modulePath(ref, options.baseDir);
  const protocol = await loadProtocolModule(path, ref);
  return { protocol, set: withProtocol(set, protocol, path, ref) };
}

/** `set` plus `protocol` from the module at `path`; a name taken by another protocol is an error. */
function withProtocol(set: ProtocolSet, protocol: AnyProtocol, path: string, label: string): ProtocolSet {
  const same = set.definitions.find((p) => p.name === protocol.name);
  if (same === protocol) return set;
  if (same !== undefined) {
    const other = protocolModuleOf(same);
    const where = other === undefined ? 'like a bundled protocol' : `like the protocol from ${other}`;
    throw moduleError(label, `the protocol module's protocol is named "${protocol.name}", ${where}; give it a name of its own`);
  }
  return { definitions: [...set.definitions, protocol], modules: [...set.modules, toUrl(path)] };
}

/**
 * Load the protocol module at absolute `path` (once per thread) and return its definition;
 * `label` is how the user wrote the path, for errors.
 */
export function loadProtocolModule(path: string, label: string = path): Promise<AnyProtocol> {
  let pending = loaded.get(path);
  if (pending === undefined) {
    pending = importModule(path, label).then((namespace) => {
      const protocol = pickDefinition(namespace, label);
      origins.set(protocol, path);
      return protocol;
    });
    loaded.set(path, pending);
    // A failed load is not cached: the user may fix the file and the caller try again.
    pending.catch(() => loaded.delete(path));
  }
  return pending;
}

/**
 * Every protocol definition the modules at `urls` export (a worker thread's view of a
 * `ProtocolSet`): single definitions, and arrays of them such as the bundled registry's list.
 */
export async function importProtocolSet(urls: readonly string[]): Promise<ProtocolSet> {
  const definitions: AnyProtocol[] = [];
  for (const url of urls) {
    const path = fileURLToPath(url);
    const namespace = await importModule(path, path);
    for (const protocol of definitionsIn(namespace)) {
      if (!origins.has(protocol)) origins.set(protocol, path);
      if (!definitions.includes(protocol)) definitions.push(protocol);
    }
  }
  return { definitions, modules: [...urls] };
}

async function importModule(path: string, label: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href;
  if (!existsSync(path)) throw moduleError(label, 'no such protocol module');
  try {
    if (TYPESCRIPT_EXTENSION.test(path)) {
      const { tsImport } = await import('tsx/esm/api');
      return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
    }
    return (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw moduleError(label, `cannot load the protocol module: ${summary(error)}`, error);
  }
}

/** The definition a protocol module offers: its default export, or its only exported definition. */
function pickDefinition(namespace: Record<string, unknown>, label: string): AnyProtocol {
  const fallback = namespace['default'];
  if (looksLikeDefinition(fallback)) return checked(fallback, label);
  const named = Object.keys(namespace).filter((key) => key !== 'default' && looksLikeDefinition(namespace[key]));
  // A CommonJS module (or a TypeScript file tsx treats as one) arrives as { default: module.exports }.
  const inDefault = isRecord(fallback) ? Object.keys(fallback).filter((key) => looksLikeDefinition(fallback[key])) : [];
  const candidates = [...named.map((key) => namespace[key]), ...inDefault.map((key) => fallback && (fallback as Record<string, unknown>)[key])];
  const distinct = candidates.filter((c, i) => candidates.indexOf(c) === i);
  if (distinct.length === 1) return checked(distinct[0], label);
  if (distinct.length > 1) {
    throw moduleError(label, `the protocol module exports ${distinct.length} protocol definitions (${[...named, ...inDefault].join(', ')}); make the one to run its default export`);
  }
  const exported = Object.keys(namespace).filter((key) => key !== 'default');
  const found = exported.length === 0 ? 'it exports nothing' : `it exports ${exported.join(', ')}`;
  throw moduleError(label, `the protocol module exports no protocol definition (an object with name, description, options, bugs, createNode and clientPolicy); ${found}`);
}

/**
 * Every definition a module exports, alone or in an array; a CommonJS module's exports (its
 * `default`, as tsx hands over a TypeScript file outside a `"type": "module"` package) included.
 */
function definitionsIn(namespace: Record<string, unknown>): AnyProtocol[] {
  const out: AnyProtocol[] = [];
  const visit = (value: unknown): void => {
    if (looksLikeDefinition(value)) out.push(value);
    else if (Array.isArray(value)) for (const item of value) if (looksLikeDefinition(item)) out.push(item);
  };
  for (const key of Object.keys(namespace)) visit(namespace[key]);
  const commonJs = namespace['default'];
  if (isRecord(commonJs) && !looksLikeDefinition(commonJs) && !Array.isArray(commonJs)) {
    for (const key of Object.keys(commonJs)) visit(commonJs[key]);
  }
  return out.filter((p, i) => out.indexOf(p) === i);
}

/** Enough of the shape to tell a definition from anything else a module exports. */
function looksLikeDefinition(value: unknown): value is AnyProtocol {
  return isRecord(value) && typeof value['name'] === 'string' && typeof value['createNode'] === 'function';
}

function checked(value: unknown, label: string): AnyProtocol {
  const problems = definitionProblems(value);
  if (problems.length > 0) throw moduleError(label, `the protocol definition does not fit the node API: ${problems.join('; ')}`);
  return value as AnyProtocol;
}

const OPTION_TYPES = ['duration', 'integer', 'boolean', 'enum'];
const NAME = /^[a-z][a-z0-9-]{0,39}$/;
const DURATION = /^\d+(?:\.\d+)?(us|ms|s|m)$/;

/**
 * What is wrong with `value` as a ProtocolDefinition (empty when nothing): the fields the
 * simulator relies on before it creates a single node, checked so that a mistake surfaces as one
 * sentence at load time rather than as a TypeError deep in a run.
 */
export function definitionProblems(value: unknown): string[] {
  if (!isRecord(value)) return ['it is not an object'];
  const problems: string[] = [];
  const name = value['name'];
  if (typeof name !== 'string' || !NAME.test(name)) problems.push(`name must be a lower-case word such as "toy-leader" (letters, digits, "-"), found ${show(name)}`);
  if (typeof value['description'] !== 'string') problems.push(`description must be a string, found ${show(value['description'])}`);
  for (const fn of ['createNode', 'clientPolicy']) {
    if (typeof value[fn] !== 'function') problems.push(`${fn} must be a function, found ${show(value[fn])}`);
  }
  for (const fn of ['createMonitor', 'checkClusterSize']) {
    if (value[fn] !== undefined && typeof value[fn] !== 'function') problems.push(`${fn} must be a function when present, found ${show(value[fn])}`);
  }
  problems.push(...optionProblems(value['options']));
  problems.push(...bugProblems(value['bugs'], typeof name === 'string' ? name : ''));
  const byzantine = value['byzantine'];
  if (byzantine !== undefined) {
    if (!isRecord(byzantine)) problems.push(`byzantine must be an object of behaviours when present, found ${show(byzantine)}`);
    else for (const [key, b] of Object.entries(byzantine)) if (!isRecord(b) || typeof b['wrap'] !== 'function') problems.push(`byzantine.${key} must have a wrap function`);
  }
  return problems;
}

/**
 * What is wrong with what `clientPolicy` returned for a cluster of `nodes` (null when nothing):
 * the workload clients rely on it from the first request on.
 */
export function clientPolicyProblem(policy: unknown, nodes: number): string | null {
  if (!isRecord(policy)) return `clientPolicy must return { replyQuorum, retry, retryAfterMicros }, found ${show(policy)}`;
  const { replyQuorum, retry, retryAfterMicros } = policy;
  if (!Number.isSafeInteger(replyQuorum) || (replyQuorum as number) < 1) return `clientPolicy's replyQuorum must be a positive integer (at most ${nodes} here), found ${show(replyQuorum)}`;
  if (retry !== 'next' && retry !== 'all') return `clientPolicy's retry must be "next" or "all", found ${show(retry)}`;
  if (typeof retryAfterMicros !== 'number' || !Number.isFinite(retryAfterMicros) || retryAfterMicros <= 0) return `clientPolicy's retryAfterMicros must be a positive number of microseconds, found ${show(retryAfterMicros)}`;
  return null;
}

function optionProblems(options: unknown): string[] {
  if (!isRecord(options)) return [`options must be an object of option specs ({} for none), found ${show(options)}`];
  const problems: string[] = [];
  for (const [key, spec] of Object.entries(options)) {
    const at = `options.${key}`;
    if (!isRecord(spec) || !OPTION_TYPES.includes(spec['type'] as string)) {
      problems.push(`${at}.type must be one of ${OPTION_TYPES.join(', ')}`);
      continue;
    }
    const fallback = spec['default'];
    switch (spec['type']) {
      case 'duration':
        if (typeof fallback !== 'string' || !DURATION.test(fallback)) problems.push(`${at}.default must be a duration such as "150ms", found ${show(fallback)}`);
        break;
      case 'integer': {
        const { min, max } = spec;
        if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || (min as number) > (max as number)) problems.push(`${at} needs integer min <= max`);
        else if (!Number.isSafeInteger(fallback) || (fallback as number) < (min as number) || (fallback as number) > (max as number)) problems.push(`${at}.default must be an integer in [${String(min)}, ${String(max)}], found ${show(fallback)}`);
        break;
      }
      case 'boolean':
        if (typeof fallback !== 'boolean') problems.push(`${at}.default must be true or false, found ${show(fallback)}`);
        break;
      case 'enum': {
        const values = spec['values'];
        if (!Array.isArray(values) || values.length === 0 || !values.every((v) => typeof v === 'string')) problems.push(`${at}.values must be a non-empty list of strings`);
        else if (typeof fallback !== 'string' || !values.includes(fallback)) problems.push(`${at}.default must be one of ${values.join(', ')}, found ${show(fallback)}`);
        break;
      }
    }
  }
  return problems;
}

function bugProblems(bugs: unknown, name: string): string[] {
  if (!Array.isArray(bugs)) return [`bugs must be a list ([] for none), found ${show(bugs)}`];
  const problems: string[] = [];
  bugs.forEach((bug: unknown, i) => {
    if (!isRecord(bug) || typeof bug['name'] !== 'string' || typeof bug['description'] !== 'string') {
      problems.push(`bugs[${i}] must be { name, description }`);
    } else if (name !== '' && !bug['name'].startsWith(`${name}.`)) {
      problems.push(`bugs[${i}].name must start with "${name}." (found "${bug['name']}")`);
    }
  });
  return problems;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}

/**
 * One line about why a module did not load: its error's first line, and the next one too when
 * the first only announces it ("Transform failed with 1 error:" then "toy.ts:2:0: ERROR: ...").
 */
function summary(error: unknown): string {
  const text = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const first = lines[0] ?? text;
  return first.endsWith(':') && lines[1] !== undefined ? `${first} ${lines[1]}` : first;
}

function moduleError(label: string, message: string, cause?: unknown): InputError {
  const error = new InputError({ file: label, line: 0, column: 0, field: '', message });
  if (cause !== undefined) Object.defineProperty(error, 'cause', { value: cause, enumerable: false });
  return error;
}

function toUrl(pathOrUrl: string): string {
  return pathOrUrl.startsWith('file:') ? pathOrUrl : pathToFileURL(pathOrUrl).href;
}

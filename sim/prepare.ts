/**
 * From what a command was given to what every seed runs: a scenario file (or an already loaded
 * scenario), `--protocol` as a name or a module path, `--bug` names, and the caller's protocols.
 *
 * Loading a protocol module is asynchronous and validating a scenario is not, so this is where
 * the two meet: a scenario file whose `protocol` is a module path (`./my-protocol.ts`, relative
 * to the file) has its module loaded first, then the file is validated against the caller's
 * protocols plus that one. `run`, `sweep` and every later command that takes a scenario and
 * `--protocol` go through `prepareJob`, so they resolve protocols the same way and print the same
 * reproduce command.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError } from './errors.js';
import { isModuleRef, resolveProtocol, type ProtocolSet } from './protocol-modules.js';
import { loadScenario } from './scenario/load.js';
import { parseTree, type Pos } from './scenario/located.js';
import { withOverrides } from './scenario/overrides.js';
import type { Scenario } from './scenario/types.js';
import type { SweepJob } from './sweep-seed.js';

export interface PrepareOptions {
  /** `--protocol`: a protocol name, or a module path relative to the current directory. */
  readonly protocol?: string;
  /** `--bug` names, added to the scenario's own. */
  readonly extraBugs?: readonly string[];
  /** The protocols the caller lets the simulator run. */
  readonly protocols: ProtocolSet;
}

/** The job every seed runs, and the protocol set it needs (the caller's, plus any module loaded). */
export async function prepareJob(source: string | Scenario, options: PrepareOptions): Promise<{ job: SweepJob; protocols: ProtocolSet }> {
  let set = options.protocols;
  let loaded: Scenario;
  if (typeof source === 'string') ({ scenario: loaded, protocols: set } = await loadScenarioFile(source, set));
  else loaded = source;
  let switchTo: string | undefined;
  if (options.protocol !== undefined) {
    const resolved = await resolveProtocol(options.protocol, set);
    set = resolved.set;
    switchTo = resolved.protocol.name;
  }
  const extraBugs = options.extraBugs ?? [];
  const scenario = withOverrides(loaded, { ...(switchTo === undefined ? {} : { protocol: switchTo }), bugs: extraBugs }, set.definitions);
  // The engine appends `--bug X` for each extra bug itself; we add only what it cannot know:
  // `--protocol` exactly as typed (a module path stays a path, relative to where it was typed).
  const reproArgs = scenario.protocol !== loaded.protocol && options.protocol !== undefined ? ['--protocol', options.protocol] : [];
  return { job: { scenario, extraBugs, reproArgs, protocolModules: set.modules }, protocols: set };
}

/**
 * Load and validate the scenario file at `path`; when its `protocol` is a module path, load that
 * module (relative to the file) first and return the set that includes it.
 */
export async function loadScenarioFile(path: string, set: ProtocolSet): Promise<{ scenario: Scenario; protocols: ProtocolSet }> {
  const ref = protocolRefIn(path);
  let protocols = set;
  if (ref !== null) {
    try {
      protocols = (await resolveProtocol(ref.value, set, { baseDir: dirname(resolve(path)), field: 'protocol', file: path })).set;
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      // "scenario.yaml:3:11: protocol: module ./toy.ts: no such file": the line that named it.
      const located = new InputError({ file: path, line: ref.pos.line, column: ref.pos.column, field: 'protocol', message: error.message });
      Object.defineProperty(located, 'cause', { value: error, enumerable: false });
      throw located;
    }
  }
  return { scenario: loadScenario(path, protocols.definitions), protocols };
}

/** Larger files are not scenarios; the validator says so. */
const PEEK_MAX_BYTES = 4 * 1024 * 1024;

/**
 * The scenario file's `protocol` when it is a module path, else null. Anything wrong with the
 * file is left for the validator to report with its usual precision.
 */
function protocolRefIn(path: string): { value: string; pos: Pos } | null {
  let text: string;
  try {
    if (statSync(path).size > PEEK_MAX_BYTES) return null;
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  try {
    const { tree } = parseTree(text, path);
    if (tree.t !== 'map') return null;
    const entry = tree.entries.find((e) => e.key === 'protocol');
    if (entry === undefined || entry.value.t !== 'scalar' || typeof entry.value.value !== 'string') return null;
    return isModuleRef(entry.value.value) ? { value: entry.value.value, pos: entry.value.pos } : null;
  } catch {
    return null;
  }
}

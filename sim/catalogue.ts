/**
 * The bundled scenarios: every `*.yaml` / `*.yml` / `*.json` file in the package's `scenarios/`
 * folder, loaded and validated, in file-name order. `consensim list` and `npm start` read it.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProtocolDefinition } from '../protocols/api.js';
import { InputError } from './errors.js';
import { loadScenario } from './scenario/load.js';
import type { Scenario } from './scenario/types.js';

export interface CatalogueEntry {
  /** Absolute path of the file. */
  readonly file: string;
  /** The validated scenario, or null when the file does not validate (see `error`). */
  readonly scenario: Scenario | null;
  /** One sentence, when the file does not validate (e.g. its protocol is not registered). */
  readonly error: string | null;
}

const SCENARIO_FILE = /\.(ya?ml|json)$/;
/** More bundled files than this would be a packaging accident. */
const MAX_BUNDLED = 1_000;

/**
 * The `scenarios/` folder next to the package root. From source this module is `sim/catalogue.ts`
 * (root is `..`); compiled it is `dist/sim/catalogue.js` (root is `../..`).
 */
export function bundledScenarioDir(): string {
  for (const up of ['../scenarios', '../../scenarios']) {
    const dir = fileURLToPath(new URL(up, import.meta.url));
    if (existsSync(dir) && statSync(dir).isDirectory()) return dir;
  }
  throw new Error('cannot find the bundled scenarios/ folder next to the package');
}

/** Every scenario file in `dir` (default: the bundled folder), sorted by file name. */
export function scenarioFiles(dir: string = bundledScenarioDir()): string[] {
  const names = readdirSync(dir).filter((n) => SCENARIO_FILE.test(n)).sort();
  if (names.length > MAX_BUNDLED) throw new Error(`more than ${MAX_BUNDLED} scenario files in ${dir}`);
  return names.map((n) => join(dir, n));
}

/** Load every scenario in `dir` against the caller's `protocols`; a file that does not validate is listed with its error. */
export function loadCatalogue(
  protocols: readonly ProtocolDefinition<any, any>[],
  dir: string = bundledScenarioDir(),
): CatalogueEntry[] {
  return scenarioFiles(dir).map((file) => {
    try {
      return { file, scenario: loadScenario(file, protocols), error: null };
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      return { file, scenario: null, error: error.message };
    }
  });
}

/** The package version, for the `version` field of `explore --json` and `shrink --json`. */
import { readFileSync } from 'node:fs';

let cached: string | null = null;

export function packageVersion(): string {
  if (cached !== null) return cached;
  try {
    // dist/cli/version.js and cli/version.ts both sit two levels below the package root.
    const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
    cached = String((JSON.parse(text) as { version?: unknown }).version ?? '0.0.0');
  } catch {
    cached = '0.0.0';
  }
  return cached;
}

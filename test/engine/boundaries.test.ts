/**
 * Guards the determinism boundary (DESIGN.md, STYLE.md §12): nothing under sim/ or protocols/ reads
 * wall time, global randomness, timers, the process or the console (except the one documented
 * wall-clock helper), the engine never imports a specific protocol nor the registry of bundled
 * ones (its callers hand it protocols), and the command line reaches the engine only through
 * sim/index.ts.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** Source text without comments and string contents, so documentation may name what it bans. */
function code(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
    .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g, "''");
}

/** Every relative module specifier a source file imports (static, dynamic, or re-exported). */
function importsOf(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g)].map((m) => m[1] ?? '');
}

const BANNED: readonly [RegExp, string][] = [
  [/\bMath\.random\b/, 'Math.random'],
  [/\bDate\.now\b/, 'Date.now'],
  [/\bnew Date\b/, 'new Date'],
  [/\bsetTimeout\b/, 'setTimeout'],
  [/\bsetInterval\b/, 'setInterval'],
  [/\bsetImmediate\b/, 'setImmediate'],
  [/\bperformance\.now\b/, 'performance.now'],
  [/\bprocess\.\w/, 'process.*'],
  [/\bconsole\.\w/, 'console.*'],
  [/\bcrypto\.randomUUID\b|\brandomBytes\b/, 'crypto randomness'],
];

/** The one documented wall-clock helper (reporting speed only). */
const ALLOWED: Readonly<Record<string, readonly string[]>> = { 'sim/wallclock.ts': ['performance.now'] };

describe('boundaries', () => {
  const files = [...sources(join(root, 'sim')), ...sources(join(root, 'protocols'))].map((p) => relative(root, p).split('\\').join('/'));

  it('finds the sources it guards', () => {
    expect(files).toContain('sim/run.ts');
    expect(files).toContain('protocols/api.ts');
  });

  it('bans wall time, global randomness, timers, process and console under sim/ and protocols/', () => {
    const offences: string[] = [];
    for (const file of files) {
      const text = code(readFileSync(join(root, file), 'utf8'));
      for (const [pattern, name] of BANNED) {
        if (pattern.test(text) && !(ALLOWED[file] ?? []).includes(name)) offences.push(`${file}: ${name}`);
      }
    }
    expect(offences).toEqual([]);
  });

  it('keeps seedrandom behind sim/random.ts', () => {
    const importers = files.filter((f) => /from\s+['"]seedrandom['"]/.test(readFileSync(join(root, f), 'utf8')));
    expect(importers).toEqual(['sim/random.ts']);
  });

  it('never imports a specific protocol from sim/ (the protocol kit is shared by all, so it may)', () => {
    const offences: string[] = [];
    for (const file of files.filter((f) => f.startsWith('sim/'))) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const match of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
        const spec = match[1] ?? '';
        if (/(^|\/)protocols\/(?!kit\/)[^/]+\//.test(spec)) offences.push(`${file} imports ${spec}`);
      }
    }
    expect(offences).toEqual([]);
  });

  it('never imports the protocol registry from sim/: the caller chooses the protocols', () => {
    const offences: string[] = [];
    for (const file of files.filter((f) => f.startsWith('sim/'))) {
      for (const spec of importsOf(join(root, file))) {
        const target = posix.normalize(posix.join(posix.dirname(file), spec));
        const shared = target === 'protocols/api.js' || target === 'protocols/kv.js' || target.startsWith('protocols/kit/');
        if (target.startsWith('protocols/') && !shared) offences.push(`${file} imports ${spec}`);
      }
    }
    expect(offences).toEqual([]);
  });

  it('lets cli/ and the package API (lib/) reach sim/ only through sim/index.ts', () => {
    const cliFiles = [...sources(join(root, 'cli')), ...sources(join(root, 'lib'))].map((p) => relative(root, p).split('\\').join('/'));
    expect(cliFiles).toContain('cli/main.ts');
    expect(cliFiles).toContain('lib/index.ts');
    const offences: string[] = [];
    for (const file of cliFiles) {
      for (const spec of importsOf(join(root, file))) {
        const target = posix.normalize(posix.join(posix.dirname(file), spec));
        if (target.startsWith('sim/') && target !== 'sim/index.js') offences.push(`${file} imports ${spec}`);
      }
    }
    expect(offences).toEqual([]);
  });

  it('keeps protocol folders to api.ts, kv.ts, the kit and their own files, and the kit to api.ts and kv.ts', () => {
    const offences: string[] = [];
    for (const file of files.filter((f) => /^protocols\/[^/]+\//.test(f))) {
      const folder = file.split('/').slice(0, 2).join('/') + '/';
      const text = readFileSync(join(root, file), 'utf8');
      for (const match of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)) {
        const spec = match[1] ?? '';
        const target = spec.startsWith('.') ? posix.normalize(posix.join(posix.dirname(file), spec)) : spec;
        const kit = folder !== 'protocols/kit/' && target.startsWith('protocols/kit/');
        const ok = target.startsWith(folder) || kit || target === 'protocols/api.js' || target === 'protocols/kv.js';
        if (!ok) offences.push(`${file} imports ${spec}`);
      }
    }
    expect(offences).toEqual([]);
  });
});

/**
 * The docs a newcomer reads from a fresh clone: every reference resolves inside the repository
 * (no outside design notes, no files a clone does not have), the `check` examples use histories a
 * clone has or makes, and the README's test counts are the generated ones.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

/** docs/cli.md is generated from docs/cli.md.tmpl by `npm run docs`: the template is what is written. */
const DOCS = [
  'README.md',
  'docs/cli.md.tmpl',
  ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md') && f !== 'cli.md').map((f) => `docs/${f}`),
  ...readdirSync(join(ROOT, 'scenarios')).filter((f) => f.endsWith('.yaml')).map((f) => `scenarios/${f}`),
];

describe('docs a fresh clone can follow', () => {
  it('cite nothing outside the repository (design contracts, protocol-note ids, ../shared)', () => {
    const offences: string[] = [];
    for (const file of DOCS) {
      readFileSync(join(ROOT, file), 'utf8').split('\n').forEach((line, i) => {
        if (/Contract [123]|PROTOCOL-NOTES|\bS-[A-Z][0-9]\b|\.\.\/shared/.test(line)) offences.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offences).toEqual([]);
  });

  it('check examples use a history in the repository or one an earlier `run --history` made', () => {
    for (const file of ['README.md', 'docs/cli.md.tmpl']) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      const made = [...text.matchAll(/--history (\S+)/g)].map((m) => m[1]);
      // Commands shown as run (`$ consensim check ...` in a console block, `{{run: ...}}` in the template).
      const commands = [...text.matchAll(/(?:^\$ |run: |; )consensim check ([^\n]*?)(?= --| >|\}\}|$)/gm)];
      const checked = commands.flatMap((m) => (m[1] ?? '').trim().split(' ').filter((word) => word !== ''));
      expect(checked.length, file).toBeGreaterThan(0);
      for (const history of checked) {
        expect(existsSync(join(ROOT, history)) || made.includes(history), `${file}: consensim check ${history}`).toBe(true);
      }
    }
  });

  it('README states the generated test counts, both ways', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /<!-- generated:test-counts -->([\s\S]*?)<!-- \/generated -->/.exec(readme)?.[1] ?? '';
    expect(block).toMatch(/^[\d,]+ tests in a fresh clone, and [\d,]+ more \(/);
    expect(readme).not.toMatch(/about 700 tests/);
  });
});

/**
 * Every bundled scenario loads under the strict rules, teaches something (a description), and is
 * named after its file, so `consensim list`, `npm start` and the docs agree.
 */
import { basename, extname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledScenarioDir, scenarioFiles } from '../../sim/catalogue.js';
import { loadCatalogue } from '../fixtures/bundled.js';

describe('bundled scenarios', () => {
  const catalogue = loadCatalogue();

  it('are found in scenarios/', () => {
    expect(bundledScenarioDir()).toMatch(/scenarios$/);
    expect(scenarioFiles().length).toBeGreaterThan(0);
    expect(catalogue.map((e) => basename(e.file))).toContain('raft-basic.yaml');
  });

  it('all validate', () => {
    expect(catalogue.filter((e) => e.error !== null).map((e) => e.error)).toEqual([]);
  });

  it('each has a description and a name equal to its file name', () => {
    for (const entry of catalogue) {
      const s = entry.scenario;
      if (s === null) continue;
      expect(s.name, entry.file).toBe(basename(entry.file, extname(entry.file)));
      expect(s.description.length, entry.file).toBeGreaterThan(40);
    }
  });
});

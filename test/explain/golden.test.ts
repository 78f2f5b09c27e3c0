/**
 * Acceptance: for each protocol, `explain` on its basic scenario narrates the first election (or
 * view) and the first committed client command in under 30 lines, and the narration is pinned for
 * a fixed seed. Regenerate the golden files after an intended change with `npm run golden`
 * (UPDATE_GOLDEN=1), then read the diff: it is the story a lecture will tell.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatTime, selectLines, type StoryLine } from '../../sim/index.js';
import { explainRun, loadScenario } from '../fixtures/bundled.js';

const PROTOCOLS = ['raft', 'multipaxos', 'vsr', 'zab', 'pbft'];
const SEED = 1;
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

function plain(line: StoryLine): string {
  return `${formatTime(line.t).padStart(12)} ${(line.node ?? '').padEnd(4)} ${line.text}`;
}

/**
 * The story from the start to the first committed client command, inclusive: the first line where
 * a node commits and answers a client, or a client hears its command returned ok.
 */
function untilFirstCommand(lines: readonly StoryLine[]): StoryLine[] {
  const end = lines.findIndex((l) => (l.kind === 'commit' && /answered c\d/.test(l.text)) || (l.kind === 'client' && / returned ok/.test(l.text)));
  return end < 0 ? [...lines] : lines.slice(0, end + 1);
}

describe('explain golden narration (basic scenarios, seed 1)', () => {
  for (const protocol of PROTOCOLS) {
    it(`${protocol}: first ${protocol === 'raft' || protocol === 'multipaxos' ? 'election' : 'view/epoch'} and first committed command in under 30 lines`, () => {
      const explanation = explainRun(loadScenario(`scenarios/${protocol}-basic.yaml`), { seed: SEED });
      const story = untilFirstCommand(selectLines(explanation.lines, {}));
      expect(story.length).toBeLessThan(30);
      expect(story.some((l) => l.kind === 'election' || l.kind === 'start')).toBe(true);
      expect(story.at(-1)?.text).toMatch(/ returned ok|answered c\d/);
      const text = story.map(plain).join('\n') + '\n';
      const file = `test/explain/golden/${protocol}-basic.txt`;
      if (UPDATE) writeFileSync(file, text);
      expect(existsSync(file), `${file} is missing: run npm run golden`).toBe(true);
      expect(text).toBe(readFileSync(file, 'utf8'));
    });
  }
});

/**
 * The HTML report driven in a real headless Chromium (the one the @sparticuz/chromium package ships
 * inside the npm registry package, so a fresh clone's `npm ci` has it). The tests assert what a
 * person sees: as many delivered-message arrows as the trace has deliveries in the window, a click
 * on an arrow shows the state the trace holds at that time, zoom changes the window, the failing
 * operation is highlighted and linked to the node that answered it. A screenshot of each
 * protocol's report goes to test-output/report/ for review.
 *
 * Never skipped: if Chromium cannot start, the suite fails and says why.
 */
import chromium from '@sparticuz/chromium';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport } from '../../cli/report.js';
import type { NodeId } from '../../protocols/api.js';
import type { Explanation } from '../../sim/index.js';
import { explainOutcome, loadScenario, runScenario } from '../fixtures/bundled.js';
import type { Scenario } from '../../sim/scenario/types.js';

/** Browser globals used inside page functions (this project's tsconfig has no DOM library). */
declare const MouseEvent: new (type: string, init: { bubbles: boolean }) => Event;
interface Clickable {
  click(): void;
}

const OUT = resolve('test-output/report');
let browser: Browser;
let userDataDir: string;

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  userDataDir = mkdtempSync(join(tmpdir(), 'consensim-chromium-'));
  try {
    const executablePath = process.env['CONSENSIM_CHROMIUM'] ?? (await chromium.executablePath());
    browser = await puppeteer.launch({
      executablePath,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${userDataDir}`],
    });
  } catch (error) {
    throw new Error(`headless Chromium could not start for the report tests (from @sparticuz/chromium; set CONSENSIM_CHROMIUM to another binary): ${String(error)}`);
  }
}, 120_000);

afterAll(async () => {
  await browser?.close();
  rmSync(userDataDir, { recursive: true, force: true });
});

interface Opened {
  readonly page: Page;
  readonly story: Explanation;
  readonly errors: string[];
}

/** Run, write the report, open it. */
async function open(name: string, scenario: Scenario, seed: number, bugs: readonly string[] = []): Promise<Opened> {
  const outcome = runScenario(scenario, { seed, extraBugs: bugs, collectTrace: true });
  const story = explainOutcome(scenario, outcome);
  const file = join(OUT, `${name}.html`);
  writeFileSync(file, renderReport({ scenario: { ...scenario, bugs: [...scenario.bugs, ...bugs] }, outcome, story }));
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.setViewport({ width: 1400, height: 1000 });
  await page.goto(`file://${file}`, { waitUntil: 'load' });
  return { page, story, errors };
}

/** The deliveries between nodes in the trace whose arrow crosses [from, to]. */
function deliveriesInWindow(story: Explanation, from: number, to: number): number {
  const sentAt = new Map<number, number>();
  let count = 0;
  for (const e of story.trace) {
    if (e.kind === 'send' && e.from.startsWith('n') && e.to.startsWith('n')) sentAt.set(e.id, e.t);
    if (e.kind === 'deliver' && e.from.startsWith('n') && e.to.startsWith('n')) {
      const sent = sentAt.get(e.id);
      if (sent !== undefined && sent <= to && e.t >= from) count++;
    }
  }
  return count;
}

async function windowOf(page: Page): Promise<{ from: number; to: number }> {
  return page.$eval('#diagram', (svg) => ({ from: Number(svg.getAttribute('data-from')), to: Number(svg.getAttribute('data-to')) }));
}

async function arrows(page: Page): Promise<number> {
  return page.$$eval('#diagram line.msg.delivered', (lines) => lines.length);
}

describe('the report in a real browser', () => {
  for (const protocol of ['raft', 'multipaxos', 'vsr', 'zab', 'pbft']) {
    it(`${protocol}-nemesis: arrows match the trace, a click shows the trace's state, zoom changes the window`, async () => {
      const { page, story, errors } = await open(`${protocol}-nemesis`, loadScenario(`scenarios/${protocol}-nemesis.yaml`), 2);
      try {
        expect(errors).toEqual([]);
        const first = await windowOf(page);
        expect(first.to).toBeGreaterThan(first.from);
        const shown = await arrows(page);
        expect(shown).toBeGreaterThan(0);
        expect(shown).toBe(deliveriesInWindow(story, first.from, first.to));
        expect(await page.$eval('#arrow-count', (e) => Number(e.getAttribute('data-delivered')))).toBe(shown);

        // Click the middle arrow: the inspector shows every node's state at its delivery time, as the trace holds it.
        await page.$$eval('#diagram line.msg.delivered', (lines) => {
          lines[Math.floor(lines.length / 2)]?.dispatchEvent(new MouseEvent('click', { bubbles: true }));
        });
        const t = await page.$eval('#inspect-time', (e) => Number(e.getAttribute('data-t')));
        const rows = await page.$$eval('#inspector tr[data-node]', (trs) =>
          trs.map((tr) => ({ node: tr.getAttribute('data-node'), live: tr.getAttribute('data-live') ?? 'down', role: tr.getAttribute('data-role'), term: tr.getAttribute('data-term'), commit: tr.getAttribute('data-commit'), log: tr.getAttribute('data-log') })),
        );
        expect(rows.map((r) => r.node)).toEqual(story.nodes);
        for (const row of rows) {
          const state = story.states.of(row.node as NodeId, t);
          expect(row.live, `${row.node} at ${t}`).toBe(state.live);
          if (state.live === 'down') continue;
          expect({ role: row.role, term: Number(row.term), commit: Number(row.commit), log: Number(row.log) }, `${row.node} at ${t}`).toEqual({
            role: state.role,
            term: state.term,
            commit: state.commitIndex,
            log: state.logLength,
          });
        }
        expect(await page.$eval('#inspector', (e) => e.querySelectorAll('.narrated').length)).toBeGreaterThan(0);
        await page.screenshot({ path: join(OUT, `${protocol}-nemesis.png`) });

        // Zoom in: the window halves and the arrows are those of the new window.
        await page.click('#zoom-in');
        const zoomed = await windowOf(page);
        expect(zoomed.to - zoomed.from).toBeCloseTo((first.to - first.from) / 2, 0);
        expect(await arrows(page)).toBe(deliveriesInWindow(story, zoomed.from, zoomed.to));
        // Filter out one kind of message: its arrows go.
        const kind = await page.$eval('#kinds input[data-kind]', (input) => {
          (input as unknown as Clickable).click();
          return input.getAttribute('data-kind');
        });
        expect(kind).not.toBeNull();
        expect(await arrows(page)).toBeLessThanOrEqual(deliveriesInWindow(story, zoomed.from, zoomed.to));
      } finally {
        await page.close();
      }
    });
  }

  it('a non-linearizable run: the failing operation is highlighted and linked to the node that answered it', async () => {
    const { page, story, errors } = await open('raft-stale-read-bug', loadScenario('scenarios/raft-stale-read.yaml'), 1, ['raft.stale-leader-read']);
    try {
      expect(errors).toEqual([]);
      expect(story.outcome.result.checks.linearizable).toBe(false);
      const failure = story.failure;
      expect(failure?.kind).toBe('linearizability');
      await page.click('#goto-failing');
      const failing = await page.$$eval('#history .row.failing', (rows) => rows.map((r) => ({ text: r.textContent ?? '', node: r.querySelector('a.answered')?.textContent ?? null })));
      expect(failing).toHaveLength(1);
      const op = failure?.op;
      expect(failing[0]?.text).toContain(`${op?.f}`);
      expect(failing[0]?.node).toBe(failure?.node);
      expect(await page.$$eval('#linearization rect.unplaced', (r) => r.length)).toBeGreaterThan(0);
      expect(await page.$$eval('#linearization rect.linearized', (r) => r.length)).toBeGreaterThan(0);
      // Following the link shows the answering node's step around that time.
      await page.$eval('#history .row.failing a.answered', (a) => (a as unknown as Clickable).click());
      expect(await page.$eval('#inspector .line b', (b) => b.textContent)).toContain(`${failure?.node} answered`);
      await page.screenshot({ path: join(OUT, 'raft-stale-read-bug.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });
});

/**
 * The report's size and load time, for the two heaviest nemesis runs (raft and pbft, 15 s of
 * virtual time each): the page is rendered in this process, written to a temporary file and opened
 * in headless Chromium (the one @sparticuz/chromium ships); load time is from navigation start to
 * the load event, by which the page's inline script has drawn the diagram, history and figures
 * (the best of three loads). Targets: under 5 MB and
 * under 2 s. Reported, never asserted.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderReport } from '../cli/report.js';
import { PROTOCOLS } from '../protocols/registry.js';
import { explainOutcome, loadScenario, runScenario } from '../sim/index.js';

export interface ReportBenchRow {
  readonly bench: 'report';
  readonly scenario: string;
  readonly seed: number;
  readonly virtualMs: number;
  readonly bytes: number;
  readonly loadMs: number;
  readonly targetBytes: number;
  readonly targetLoadMs: number;
}

const SCENARIOS = ['scenarios/raft-nemesis.yaml', 'scenarios/pbft-nemesis.yaml'];
const LOADS = 3;

export async function benchReport(): Promise<ReportBenchRow[]> {
  const chromium = (await import('@sparticuz/chromium')).default;
  const puppeteer = (await import('puppeteer-core')).default;
  const dir = mkdtempSync(join(tmpdir(), 'consensim-report-bench-'));
  const browser = await puppeteer.launch({
    executablePath: await chromium.executablePath(),
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${join(dir, 'profile')}`],
  });
  const rows: ReportBenchRow[] = [];
  try {
    for (const file of SCENARIOS) {
      const scenario = loadScenario(file, PROTOCOLS);
      const outcome = runScenario(scenario, { seed: 1, collectTrace: true, protocols: PROTOCOLS });
      const html = renderReport({ scenario, outcome, story: explainOutcome(scenario, outcome, PROTOCOLS) });
      const path = join(dir, `${scenario.name}.html`);
      writeFileSync(path, html);
      let best = Infinity;
      for (let i = 0; i < LOADS; i++) {
        const page = await browser.newPage();
        await page.setViewport({ width: 1400, height: 1000 });
        await page.goto(`file://${path}`, { waitUntil: 'load' });
        const ms = (await page.evaluate('performance.now()')) as number;
        best = Math.min(best, ms);
        await page.close();
      }
      const row: ReportBenchRow = { bench: 'report', scenario: scenario.name, seed: 1, virtualMs: outcome.result.stats.virtualMs, bytes: Buffer.byteLength(html), loadMs: Math.round(best), targetBytes: 5_000_000, targetLoadMs: 2_000 };
      process.stdout.write(JSON.stringify(row) + '\n');
      rows.push(row);
    }
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

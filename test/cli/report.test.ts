/**
 * The HTML report's page, without a browser (test/report/browser.test.ts drives it in Chromium):
 * one self-contained file (no external script, style, image or link), everything escaped, the
 * data the script draws from embedded as JSON, the failure and the history listed.
 */
import { describe, expect, it } from 'vitest';
import { escapeHtml, renderReport } from '../../cli/report.js';
import { latencyLine } from '../../cli/summary.js';
import type { RunResult } from '../../sim/result.js';
import { explainOutcome, runScenario } from '../../sim/index.js';
import { fixtureProtocols } from '../fixtures/primary.js';
import { fixtureScenario } from '../fixtures/scenario.js';

const scenario = { ...fixtureScenario({ seed: 2, nodes: 3, durationUs: 400_000, settleUs: 100_000 }), description: 'A <b>bold</b> lesson.' };

function data(html: string): { msgs: number[][]; ops: unknown[][]; nodes: string[]; lines: unknown[][]; kinds: string[] } {
  const match = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  if (match === null) throw new Error('no report data');
  return JSON.parse(match[1] as string) as ReturnType<typeof data>;
}

describe('HTML report page', () => {
  const outcome = runScenario(scenario, { protocols: fixtureProtocols, collectTrace: true });
  const story = explainOutcome(scenario, outcome, fixtureProtocols);
  const html = renderReport({ scenario, outcome, story, counterexample: 'key k1: <culprit>' });

  it('is one self-contained page: inline script and style only, nothing fetched, text escaped', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script[^>]*\ssrc=|<link|<img|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html).toContain('A &lt;b&gt;bold&lt;/b&gt; lesson.');
    expect(escapeHtml(`"'&`)).toBe('&quot;&#39;&amp;');
    // The embedded JSON cannot close its script element early.
    const json = /id="report-data">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    expect(json).not.toContain('</');
  });

  it('embeds one arrow per delivery or drop between nodes, the operations, and the narrated lines', () => {
    const d = data(html);
    const trace = outcome.trace ?? [];
    const nodeToNode = (e: { from: string; to: string }): boolean => e.from.startsWith('n') && e.to.startsWith('n');
    const expected = trace.filter((e) => (e.kind === 'deliver' || e.kind === 'drop') && nodeToNode(e)).length;
    expect(d.msgs.length).toBe(expected);
    expect(d.ops.length).toBe(outcome.history.filter((e) => e.type === 'invoke').length);
    expect(d.nodes).toEqual(['n1', 'n2', 'n3']);
    expect(d.lines.length).toBeGreaterThan(0);
    expect(html).toContain(`<h2>History (${outcome.history.length} events)</h2>`);
    expect(html).toMatch(/<h2>Timeline<\/h2>[\s\S]*<svg id="diagram"/);
  });

  it('a failing run lists the failure and the counterexample text; without a story there is no diagram', () => {
    const failed = { ...outcome.result, ok: false, reason: 'invariant one-leader violated', checks: { ...outcome.result.checks, invariants: [{ name: 'one-leader', time: 5_000, node: 'n2' as const, detail: 'n1 & n2 both lead' }] } };
    const page = renderReport({ scenario, outcome: { ...outcome, result: failed }, story: null, counterexample: 'key k1: <culprit>' });
    expect(page).toContain('<h2>Failure</h2><p class="bad">invariant one-leader violated</p>');
    expect(page).toContain('n1 &amp; n2 both lead');
    expect(page).toContain('<pre>key k1: &lt;culprit&gt;</pre>');
    expect(page).not.toContain('<h2>Timeline</h2>');
    const ok = renderReport({ scenario, outcome, story });
    expect(ok).not.toContain('<h2>Failure</h2>');
  });
});

describe('latency table', () => {
  const outcome = runScenario(scenario, { protocols: fixtureProtocols, collectTrace: true });
  const render = (r: RunResult): string => renderReport({ scenario, outcome: { ...outcome, result: r }, story: null, counterexample: null });

  it('shows ok count, p50 and p99 per operation kind, a dash where none completed', () => {
    const base = outcome.result;
    const latency = {
      read: { count: 3, p50: 4.5, p99: 12.25 },
      write: { count: 2, p50: 9, p99: 20.125 },
      cas: { count: 0, p50: null, p99: null },
    };
    const html = render({ ...base, stats: { ...base.stats, latency } });
    expect(html).toContain('<h3>Latency (virtual ms, operations that completed ok)</h3>');
    expect(html).toContain('<tr><td>read</td><td>3</td><td>4.5</td><td>12.25</td></tr>');
    expect(html).toContain('<tr><td>cas</td><td>0</td><td>—</td><td>—</td></tr>');
  });

  it('is left out for a result without latency figures', () => {
    const { latency: _latency, ...stats } = outcome.result.stats;
    expect(render({ ...outcome.result, stats })).not.toContain('<h3>Latency');
  });
});

describe('summary latency line', () => {
  it('names the kinds that completed ok, and is absent when none did', () => {
    const none = { count: 0, p50: null, p99: null };
    expect(latencyLine({ read: { count: 1200, p50: 4.5, p99: 12.25 }, write: none, cas: { count: 3, p50: 1, p99: 2 } })).toBe(
      '  latency read p50 4.5ms p99 12.25ms (1,200 ok) · cas p50 1ms p99 2ms (3 ok)',
    );
    expect(latencyLine({ read: none, write: none, cas: none })).toBeNull();
    expect(latencyLine(undefined)).toBeNull();
  });
});

/**
 * The HTML report from a hand-made result, trace and history: what the timeline draws for role
 * changes and faults, the failure section, escaping, and the history table.
 */
import { describe, expect, it } from 'vitest';
import { escapeHtml, renderReport, type ReportTraceEvent } from '../../cli/report.js';
import { latencyLine } from '../../cli/summary.js';
import type { HistoryEvent } from '../../sim/history/types.js';
import type { RunResult } from '../../sim/result.js';
import { parseScenario } from '../../sim/scenario/load.js';
import { FIXTURE_PROTOCOLS } from '../scenario/fixtures.js';

const scenario = parseScenario('protocol: alpha\nnodes: 3\ndescription: A <b>bold</b> lesson.\n', 'r.yaml', FIXTURE_PROTOCOLS);

function result(ok: boolean): RunResult {
  return {
    scenario: 'r',
    protocol: 'alpha',
    seed: 9,
    ok,
    checks: {
      linearizable: ok,
      invariants: ok ? [] : [{ name: 'one-leader', time: 5_000_000, node: 'n2', detail: 'n1 & n2 both lead term 3' }],
      liveness: null,
    },
    stats: { events: 10, messages: { sent: 4, delivered: 3, dropped: 1, duplicated: 0 }, ops: { ok: 1, fail: 0, info: 0 }, virtualMs: 10_000, wallMs: 3 },
    traceHash: 'abc',
    repro: 'consensim run r.yaml --seed 9',
    ...(ok ? {} : { reason: 'invariant one-leader violated' }),
  };
}

const trace: ReportTraceEvent[] = [
  { t: 0, kind: 'role', node: 'n1', role: 'follower', term: 0 },
  { t: 1_000_000, kind: 'role', node: 'n1', role: 'leader', term: 1 },
  { t: 2_000_000, kind: 'fault', action: 'partition', source: 'script', nodes: ['n1', 'n2', 'n3'], groups: [['n1'], ['n2', 'n3']] },
  { t: 3_000_000, kind: 'fault', action: 'crash', source: 'script', nodes: ['n1'] },
  { t: 4_000_000, kind: 'fault', action: 'pause', source: 'script', nodes: ['n3'] },
  { t: 4_500_000, kind: 'role', node: 'n3', role: 'candidate', term: 2 },
  { t: 5_000_000, kind: 'fault', action: 'resume', source: 'script', nodes: ['n3'] },
  { t: 6_000_000, kind: 'fault', action: 'heal', source: 'script', nodes: ['n1', 'n2', 'n3'] },
  { t: 7_000_000, kind: 'phase', phase: 'settle' },
];

const history: HistoryEvent[] = [
  { process: 0, type: 'invoke', f: 'write', key: 'k1', value: '<x>', time: 10 },
  { process: 0, type: 'ok', f: 'write', key: 'k1', value: '<x>', time: 20 },
];

/** The role segments drawn for `node`, as "role from–to ms" tooltips. */
function segments(html: string, node: string): string[] {
  return [...html.matchAll(new RegExp(`<title>${node} ([a-z-]+) ([0-9.]+)–([0-9.]+) ms</title>`, 'g'))].map((m) => `${m[1]} ${m[2]}-${m[3]}`);
}

describe('HTML report', () => {
  const html = renderReport({ scenario, outcome: { result: result(false), history, trace }, counterexample: 'key k1: <culprit>' });

  it('is one self-contained page without scripts, with everything escaped', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|src=/);
    expect(html).toContain('A &lt;b&gt;bold&lt;/b&gt; lesson.');
    expect(html).toContain('n1 &amp; n2 both lead term 3');
    expect(html).toContain('<pre>key k1: &lt;culprit&gt;</pre>');
    expect(escapeHtml(`"'&`)).toBe('&quot;&#39;&amp;');
  });

  it('draws role segments from role changes, crashes and pauses', () => {
    expect(segments(html, 'n1')).toEqual(['follower 0.0-1000.0', 'leader 1000.0-3000.0', 'crashed 3000.0-10000.0']);
    // A role change while paused shows once the pause ends.
    expect(segments(html, 'n3')).toEqual(['follower 0.0-4000.0', 'paused 4000.0-5000.0', 'candidate 5000.0-10000.0']);
  });

  it('marks a partition on the cut-off nodes, heals and phases across lanes, and the violation', () => {
    expect(html).toContain('<title>2000.000 ms partition n1</title>');
    expect(html).not.toContain('partition n2</title>');
    expect(html).toMatch(/stroke-dasharray="3 3"\/><text[^>]*>heal</);
    expect(html).toMatch(/stroke-dasharray="3 3"\/><text[^>]*>settle</);
    expect(html).toContain('<title>one-leader: n1 &amp; n2 both lead term 3</title>');
  });

  it('lists the failure, the reproduce command and the history', () => {
    expect(html).toContain('<h2>Failure</h2><p class="bad">invariant one-leader violated</p>');
    expect(html).toContain('<code>consensim run r.yaml --seed 9</code>');
    expect(html).toContain('<h2>History (2 events)</h2>');
    expect(html).toContain('<td>&quot;&lt;x&gt;&quot;</td>');
  });

  it('a passing run has no failure section, and no trace means no timeline', () => {
    const ok = renderReport({ scenario, outcome: { result: result(true), history, trace: null } });
    expect(ok).not.toContain('<h2>Failure</h2>');
    expect(ok).not.toContain('<h2>Timeline</h2>');
  });
});

describe('latency table', () => {
  const render = (r: RunResult): string =>
    renderReport({ scenario, outcome: { result: r, history: [], trace: [] }, counterexample: null });

  it('shows ok count, p50 and p99 per operation kind, a dash where none completed', () => {
    const base = result(true);
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
    expect(render(result(true))).not.toContain('Latency');
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

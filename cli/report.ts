/**
 * `run --report F.html`: one self-contained HTML page (no scripts, no external files) with the
 * run's summary, a per-node timeline of role changes and faults drawn as SVG, the failure and its
 * counterexample if any, and the client history as a table. Everything comes from the run's
 * result, trace and history; nothing here simulates.
 */
import type { HistoryEvent, RunResult, Scenario } from '../sim/index.js';

export interface ReportTraceEvent {
  readonly t: number;
  readonly kind: string;
  readonly [field: string]: unknown;
}

export interface ReportInput {
  readonly scenario: Scenario;
  readonly outcome: {
    readonly result: RunResult;
    readonly history: readonly HistoryEvent[];
    readonly trace: readonly ReportTraceEvent[] | null;
  };
  /** Extra sections (e.g. the linearizability counterexample), already as text. */
  readonly counterexample?: string | null;
  /** What made the page: consensim's version and, from a checkout, the git commit. */
  readonly version?: { readonly version: string; readonly commit?: string };
}

/** Keep the page openable: beyond this the history table is cut (and says so). */
const MAX_HISTORY_ROWS = 5_000;
const MAX_MARKERS = 2_000;
const WIDTH = 960;
const ROW = 26;
const LEFT = 40;

const ROLE_COLOURS: Readonly<Record<string, string>> = {
  leader: '#2e7d32', primary: '#2e7d32', leading: '#2e7d32',
  candidate: '#f9a825', 'view-change': '#f9a825', looking: '#f9a825', recovering: '#f9a825',
  follower: '#90a4ae', backup: '#90a4ae', following: '#90a4ae',
  crashed: '#c62828', paused: '#6a1b9a', restarted: '#cfd8dc',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

export function renderReport(input: ReportInput): string {
  const { scenario, outcome } = input;
  const r = outcome.result;
  const title = `${r.scenario} · seed ${r.seed} · ${r.ok ? 'PASS' : 'FAIL'}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1000px;color:#222}
h1{font-size:20px}h2{font-size:16px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse}td,th{padding:2px 8px;text-align:left;border-bottom:1px solid #eee;font-variant-numeric:tabular-nums}
.ok{color:#2e7d32;font-weight:600}.bad{color:#c62828;font-weight:600}.dim{color:#777}
code,pre{font:12px ui-monospace,monospace;background:#f6f6f6;padding:2px 4px}pre{padding:8px;overflow:auto}
tr.fail td{background:#fff3f3}tr.info td{background:#fffbe6}
.legend span{display:inline-block;margin-right:12px}.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-2px}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(scenario.description || 'No description.')}</p>
${summarySection(scenario, r, input.version)}
${failureSection(r, input.counterexample ?? null)}
${timelineSection(scenario, outcome.trace, r)}
${historySection(outcome.history)}
</body></html>
`;
}

function summarySection(scenario: Scenario, r: RunResult, version: ReportInput['version']): string {
  const verdict = (v: boolean | 'unknown' | null): string =>
    v === null ? '<span class="dim">not checked</span>' : v === 'unknown' ? 'unknown' : v ? '<span class="ok">ok</span>' : '<span class="bad">FAILED</span>';
  const m = r.stats.messages;
  const rows: [string, string][] = [
    ['protocol', `${escapeHtml(r.protocol)} · ${scenario.nodes} nodes${scenario.bugs.length ? ` · bugs: ${escapeHtml(scenario.bugs.join(', '))}` : ''}`],
    ['linearizable', verdict(r.checks.linearizable)],
    ['invariants', r.checks.invariantsChecked === false ? '<span class="dim">not checked</span>' : r.checks.invariants.length === 0 ? '<span class="ok">ok</span>' : `<span class="bad">${r.checks.invariants.length} violated</span>`],
    ['liveness', verdict(r.checks.liveness)],
    ['events', String(r.stats.events)],
    ['messages', `${m.sent} sent, ${m.delivered} delivered, ${m.dropped} dropped, ${m.duplicated} duplicated`],
    ['operations', `${r.stats.ops.ok} ok, ${r.stats.ops.fail} fail, ${r.stats.ops.info} info`],
    ['virtual time', `${r.stats.virtualMs} ms (wall ${Math.round(r.stats.wallMs)} ms)`],
    ['traceHash', `<code>${escapeHtml(r.traceHash)}</code>`],
    ['reproduce', `<code>${escapeHtml(r.repro)}</code>`],
    ...(version === undefined ? [] : [['consensim', `${escapeHtml(version.version)}${version.commit === undefined ? '' : ` (commit <code>${escapeHtml(version.commit)}</code>)`}`] as [string, string]]),
  ];
  return `<h2>Summary</h2><table>${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>${latencySection(r)}`;
}

/** Invoke-to-ok latency per operation kind (virtual ms). */
function latencySection(r: RunResult): string {
  const latency = r.stats.latency;
  if (latency === undefined) return '';
  const ms = (v: number | null): string => (v === null ? '—' : `${v}`);
  const rows = (['read', 'write', 'cas'] as const)
    .map((kind) => `<tr><td>${kind}</td><td>${latency[kind].count}</td><td>${ms(latency[kind].p50)}</td><td>${ms(latency[kind].p99)}</td></tr>`)
    .join('');
  return `<h3>Latency (virtual ms, operations that completed ok)</h3><table><tr><th>operation</th><th>ok</th><th>p50</th><th>p99</th></tr>${rows}</table>`;
}

function failureSection(r: RunResult, counterexample: string | null): string {
  if (r.ok) return '';
  const violations = r.checks.invariants
    .map((v) => `<tr><td>${escapeHtml(v.name)}</td><td>${(v.time / 1000).toFixed(3)} ms</td><td>${escapeHtml(v.node ?? '—')}</td><td>${escapeHtml(v.detail)}</td></tr>`)
    .join('');
  return `<h2>Failure</h2><p class="bad">${escapeHtml(r.reason ?? 'a check failed')}</p>
${violations ? `<table><tr><th>invariant</th><th>time</th><th>node</th><th>detail</th></tr>${violations}</table>` : ''}
${counterexample ? `<h3>Counterexample</h3><pre>${escapeHtml(counterexample)}</pre>` : ''}`;
}

interface Segment {
  readonly from: number;
  readonly to: number;
  readonly role: string;
}

interface NodeLane {
  role: string;
  /** The role to go back to when a pause ends. */
  beforePause: string;
  since: number;
  readonly segments: Segment[];
}

interface Timeline {
  readonly lanes: Map<string, NodeLane>;
  /** [time, node, label] markers for faults that do not change a node's state. */
  readonly markers: [number, string, string][];
  /** [time, label] lines across every lane (phases, heals). */
  readonly lines: [number, string][];
}

/** Replay role changes and faults from the trace into one lane per node. */
function buildTimeline(nodes: readonly string[], trace: readonly ReportTraceEvent[]): Timeline {
  const lanes = new Map<string, NodeLane>(nodes.map((n) => [n, { role: 'follower', beforePause: 'follower', since: 0, segments: [] }]));
  const timeline: Timeline = { lanes, markers: [], lines: [] };
  const setRole = (node: string, role: string, t: number): void => {
    const lane = lanes.get(node);
    if (lane === undefined || lane.role === role) return;
    lane.segments.push({ from: lane.since, to: t, role: lane.role });
    lane.role = role;
    lane.since = t;
  };
  for (const e of trace) {
    if (e.kind === 'role' && typeof e['node'] === 'string' && typeof e['role'] === 'string') {
      const lane = lanes.get(e['node']);
      if (lane !== undefined && lane.role === 'paused') lane.beforePause = e['role'];
      else setRole(e['node'], e['role'], e.t);
    } else if (e.kind === 'fault') {
      applyFault(timeline, e, setRole);
    } else if (e.kind === 'phase' && typeof e['phase'] === 'string' && timeline.lines.length < MAX_MARKERS) {
      timeline.lines.push([e.t, e['phase']]);
    }
  }
  return timeline;
}

function applyFault(timeline: Timeline, e: ReportTraceEvent, setRole: (node: string, role: string, t: number) => void): void {
  const action = String(e['action'] ?? 'fault');
  const nodes = Array.isArray(e['nodes']) ? (e['nodes'] as unknown[]).filter((n): n is string => typeof n === 'string') : [];
  for (const node of nodes) {
    const lane = timeline.lanes.get(node);
    if (lane === undefined) continue;
    if (action === 'crash') setRole(node, 'crashed', e.t);
    else if (action === 'restart') setRole(node, 'restarted', e.t);
    else if (action === 'pause') {
      if (lane.role !== 'paused') lane.beforePause = lane.role;
      setRole(node, 'paused', e.t);
    } else if (action === 'resume') setRole(node, lane.beforePause, e.t);
  }
  if (['crash', 'restart', 'pause', 'resume'].includes(action) || timeline.markers.length >= MAX_MARKERS) return;
  if (action === 'heal') {
    timeline.lines.push([e.t, 'heal']);
    return;
  }
  const label = action === 'clock' && typeof e['jumpUs'] === 'number' ? `clock ${e['jumpUs'] >= 0 ? '+' : ''}${Math.round(e['jumpUs'] / 1000)}ms` : action;
  // A partition is drawn on the nodes cut off from the largest group.
  const marked = action === 'partition' && Array.isArray(e['groups']) ? minorityOf(e['groups'] as unknown[]) : nodes;
  for (const node of marked) timeline.markers.push([e.t, node, label]);
}

function minorityOf(groups: readonly unknown[]): string[] {
  const lists = groups.filter(Array.isArray).map((g) => (g as unknown[]).filter((n): n is string => typeof n === 'string'));
  const largest = lists.reduce((a, b) => (b.length > a.length ? b : a), [] as string[]);
  return lists.filter((g) => g !== largest).flat();
}

/** Per node: role segments (from role changes, crashes, restarts, pauses) and fault markers. */
function timelineSection(scenario: Scenario, trace: readonly ReportTraceEvent[] | null, r: RunResult): string {
  if (trace === null) return '';
  const endUs = Math.max(1, r.stats.virtualMs * 1000, trace.length > 0 ? (trace[trace.length - 1] as ReportTraceEvent).t : 0);
  const x = (t: number): string => (LEFT + ((WIDTH - LEFT - 10) * t) / endUs).toFixed(1);
  const nodes = Array.from({ length: scenario.nodes }, (_, i) => `n${i + 1}`);
  const { lanes, markers, lines } = buildTimeline(nodes, trace);
  const height = scenario.nodes * ROW + 24;
  const svg: string[] = [];
  nodes.forEach((node, i) => {
    const lane = lanes.get(node) as NodeLane;
    const y = i * ROW + 8;
    svg.push(`<text x="4" y="${y + 12}">${node}</text>`);
    for (const s of [...lane.segments, { from: lane.since, to: endUs, role: lane.role }]) {
      if (s.to <= s.from) continue;
      const width = Math.max(0.5, Number(x(s.to)) - Number(x(s.from))).toFixed(1);
      const tip = `${node} ${s.role} ${(s.from / 1000).toFixed(1)}–${(s.to / 1000).toFixed(1)} ms`;
      svg.push(`<rect x="${x(s.from)}" y="${y}" width="${width}" height="14" fill="${ROLE_COLOURS[s.role] ?? '#b0bec5'}"><title>${escapeHtml(tip)}</title></rect>`);
    }
  });
  for (const [t, node, label] of markers) {
    const y = nodes.indexOf(node) * ROW + 6;
    svg.push(`<g><title>${escapeHtml(`${(t / 1000).toFixed(3)} ms ${label} ${node}`)}</title><path d="M${x(t)} ${y} l4 -5 l4 5 z" fill="#000"/><text x="${(Number(x(t)) + 8).toFixed(1)}" y="${y}" font-size="9">${escapeHtml(label)}</text></g>`);
  }
  for (const [t, label] of lines) {
    svg.push(`<line x1="${x(t)}" x2="${x(t)}" y1="2" y2="${height - 16}" stroke="#555" stroke-dasharray="3 3"/><text x="${(Number(x(t)) + 2).toFixed(1)}" y="${height - 16}" font-size="9">${escapeHtml(label)}</text>`);
  }
  for (const v of r.checks.invariants) {
    svg.push(`<line x1="${x(v.time)}" x2="${x(v.time)}" y1="2" y2="${height - 16}" stroke="#c62828" stroke-width="2"><title>${escapeHtml(`${v.name}: ${v.detail}`)}</title></line>`);
  }
  svg.push(`<text x="${LEFT}" y="${height - 4}" font-size="10">0</text><text x="${WIDTH - 60}" y="${height - 4}" font-size="10">${(endUs / 1e6).toFixed(2)} s</text>`);
  const legend = ['leader', 'candidate', 'follower', 'crashed', 'restarted', 'paused']
    .map((k) => `<span><i style="background:${ROLE_COLOURS[k] ?? '#b0bec5'}"></i>${k}</span>`).join('');
  return `<h2>Timeline</h2><div class="legend">${legend}<span>▲ fault</span><span>┆ heal / phase</span><span style="color:#c62828">│ violation</span></div>
<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="system-ui" font-size="12">${svg.join('')}</svg>`;
}

function historySection(history: readonly HistoryEvent[]): string {
  const rows = history.slice(0, MAX_HISTORY_ROWS).map((e) =>
    `<tr class="${e.type}"><td>${(e.time / 1000).toFixed(3)}</td><td>${e.process}</td><td>${e.type}</td><td>${e.f}</td><td>${escapeHtml(String(e.key))}</td><td>${escapeHtml(JSON.stringify(e.value))}</td></tr>`,
  );
  const cut = history.length > MAX_HISTORY_ROWS ? `<p class="dim">Showing the first ${MAX_HISTORY_ROWS} of ${history.length} events; write the whole history with --history.</p>` : '';
  return `<h2>History (${history.length} events)</h2>${cut}<table><tr><th>time (ms)</th><th>process</th><th>type</th><th>f</th><th>key</th><th>value</th></tr>${rows.join('')}</table>`;
}

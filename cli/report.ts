/**
 * `run --report F.html`: one self-contained page (no network, no external files; one inline script
 * and the run's data as inline JSON) for reading a run on a projector:
 * - a space-time (Lamport) diagram: a lane per node with its roles and eras, every message as an
 *   arrow from send to delivery (drops end in a cross, second deliveries of duplicates are marked),
 *   crashes, pauses and partitions as shaded bands; zoom, pan, a time window, a filter by message
 *   kind, and an overview of the whole run to move the window;
 * - click an arrow or a lane: every node's state at that time and the narrated line of the step;
 * - the whole history as a virtualised list, the failing operation highlighted and linked to the
 *   node that answered it, and the linearizability counterexample drawn on one time axis;
 * - per-kind latency percentiles and throughput over time.
 * Everything comes from the run's result, trace and history (and the story told from them).
 */
import type { NodeId } from '../protocols/api.js';
import { checkHistory, type Explanation, type HistoryEvent, type NodeState, type RunResult, type Scenario, type StoryLine, type TraceEvent } from '../sim/index.js';
import { REPORT_SCRIPT, REPORT_STYLE } from './report-script.js';

export interface ReportInput {
  readonly scenario: Scenario;
  readonly outcome: {
    readonly result: RunResult;
    readonly history: readonly HistoryEvent[];
    readonly trace: readonly TraceEvent[] | null;
  };
  /** The counterexample as text (the terminal's rendering), when the history is not linearizable. */
  readonly counterexample?: string | null;
  /** What made the page: consensim's version and, from a checkout, the git commit. */
  readonly version?: { readonly version: string; readonly commit?: string };
  /** The story of the run (narrated lines, node states); without it there is no diagram. */
  readonly story?: Explanation | null;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** JSON safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function renderReport(input: ReportInput): string {
  const { scenario, outcome } = input;
  const r = outcome.result;
  const title = `${r.scenario} · seed ${r.seed} · ${r.ok ? 'PASS' : 'FAIL'}`;
  const data = reportData(input);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title>
<style>${REPORT_STYLE}</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(scenario.description || 'No description.')}</p>
${summarySection(scenario, r, input.version)}
${failureSection(r, input.counterexample ?? null)}
${data.lanes ? timelineSection() : ''}
${statsSection()}
${historySection(outcome.history)}
<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script>${REPORT_SCRIPT}</script>
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
  return `<h2>Summary</h2><table class="summary">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>${latencySection(r)}`;
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
<p id="failure-focus" class="focus"></p>
${violations ? `<table><tr><th>invariant</th><th>time</th><th>node</th><th>detail</th></tr>${violations}</table>` : ''}
<div id="linearization"></div>
${counterexample ? `<h3>Counterexample</h3><pre>${escapeHtml(counterexample)}</pre>` : ''}`;
}

function timelineSection(): string {
  return `<h2>Timeline</h2>
<div class="controls">
<button id="zoom-in" title="zoom in (+)">+</button><button id="zoom-out" title="zoom out (−)">−</button>
<button id="pan-left" title="earlier (←)">◀</button><button id="pan-right" title="later (→)">▶</button>
<button id="show-all">whole run</button>
<label>window <input id="win-from" size="9"> – <input id="win-to" size="9"> ms</label>
<span id="arrow-count" class="dim"></span>
</div>
<div id="kinds" class="kinds"></div>
<svg id="overview" class="overview" xmlns="http://www.w3.org/2000/svg"></svg>
<svg id="diagram" class="diagram" xmlns="http://www.w3.org/2000/svg"></svg>
<div class="legend"><span><i class="sw leader"></i>leader/primary</span><span><i class="sw candidate"></i>candidate/view change</span><span><i class="sw follower"></i>follower/backup</span><span><i class="sw down"></i>down</span><span><i class="sw paused"></i>paused</span><span><i class="sw cut"></i>cut off by a partition</span><span>→ message</span><span class="bad">→× dropped</span><span class="dup">→ duplicate</span></div>
<div id="inspector" class="inspector"><p class="dim">Click an arrow or a lane to see every node's state at that moment and what happened.</p></div>`;
}

function statsSection(): string {
  return `<h2>Latency and throughput</h2><div id="latency"></div><svg id="throughput" class="throughput" xmlns="http://www.w3.org/2000/svg"></svg>`;
}

function historySection(history: readonly HistoryEvent[]): string {
  return `<h2>History (${history.length} events)</h2>
<div class="controls"><button id="goto-failing" hidden>show the failing operation</button> <span id="op-count" class="dim"></span></div>
<div class="ophead"><span>#</span><span>process</span><span>op</span><span>key</span><span>value</span><span>result</span><span>invoked ms</span><span>done ms</span><span>answered by</span></div>
<div id="history" class="history"><div id="history-inner"></div></div>`;
}

// ---------------------------------------------------------------- the data the page draws

/** Roles drawn in the leader colour, the candidate colour; anything else is a follower. */
const LEADER_ROLES = ['leader', 'primary', 'leading'];
const CANDIDATE_ROLES = ['candidate', 'view-change', 'looking', 'recovering'];

interface ReportData {
  readonly meta: Readonly<Record<string, unknown>>;
  readonly lanes: boolean;
  readonly nodes: readonly string[];
  readonly kinds: readonly string[];
  /** [sendUs, endUs, from, to, kind, flags (1 dropped, 2 duplicate), line] per delivery or drop. */
  readonly msgs: readonly (readonly number[])[];
  /** Per node: [fromUs, toUs, roleClass (0 follower, 1 candidate, 2 leader), term, role name index]. */
  readonly roles: readonly (readonly (readonly number[])[])[];
  readonly roleNames: readonly string[];
  /** Per node: [fromUs, toUs, 0 down | 1 paused | 2 cut off]. */
  readonly bands: readonly (readonly (readonly number[])[])[];
  /** [t, node, label] markers: leader moments, era changes, clock jumps, violations. */
  readonly marks: readonly (readonly [number, number, string])[];
  /** Per node: state changes [t, live (0 down, 1 up, 2 paused), role index, term, leader (-1 none), commit, applied, log, snapshot index]. */
  readonly states: readonly (readonly (readonly number[])[])[];
  /** Snapshots: [t, view, log] referenced by states. */
  readonly snapshots: readonly (readonly [number, Readonly<Record<string, unknown>>, readonly string[]])[];
  /** Narrated lines (routine runs summarised): [t, node (-1 none), kind, text, first trace index]. */
  readonly lines: readonly (readonly [number, number, string, string, number])[];
  /** Operations: [process, f, key, value, output, invokeUs, completeUs (-1), type, node (-1)]. */
  readonly ops: readonly (readonly unknown[])[];
  readonly failing: { readonly op: number; readonly prefix: readonly number[]; readonly unplaced: readonly number[]; readonly key: string | null } | null;
  readonly focus: { readonly t: number; readonly node: number; readonly text: string } | null;
}

function reportData(input: ReportInput): ReportData {
  const { scenario, outcome, story } = input;
  const r = outcome.result;
  const nodes = Array.from({ length: scenario.nodes }, (_, i) => `n${i + 1}`);
  const nodeIndex = new Map(nodes.map((n, i) => [n, i]));
  const trace = outcome.trace;
  const endUs = Math.max(1, r.stats.virtualMs * 1000, trace !== null && trace.length > 0 ? (trace[trace.length - 1] as TraceEvent).t : 0);
  const meta = { scenario: r.scenario, protocol: r.protocol, seed: r.seed, ok: r.ok, endUs, era: story?.era ?? 'term', reason: r.reason ?? null };
  const ops = operations(outcome.history, trace, nodeIndex);
  const failing = failingOps(input, ops.index);
  const focus = story?.failure ? { t: story.failure.t, node: story.failure.node === null ? -1 : (nodeIndex.get(story.failure.node) ?? -1), text: story.failure.text } : null;
  const base = { meta, nodes, ops: ops.rows, failing, focus };
  if (trace === null || story === undefined || story === null) {
    return { ...base, lanes: false, kinds: [], msgs: [], roles: [], roleNames: [], bands: [], marks: [], states: [], snapshots: [], lines: [] };
  }
  const lines = reportLines(story.lines, nodeIndex);
  const messages = messageArrows(trace, nodeIndex, story, lines);
  const lanes = laneData(story, nodes as NodeId[], endUs);
  return {
    ...base,
    lanes: true,
    kinds: messages.kinds,
    msgs: messages.rows,
    roles: lanes.roles,
    roleNames: lanes.roleNames,
    bands: bands(trace, nodeIndex, endUs),
    marks: marks(trace, nodeIndex),
    states: lanes.states,
    snapshots: lanes.snapshots,
    lines: lines.rows,
  };
}

function reportLines(lines: readonly StoryLine[], nodeIndex: ReadonlyMap<string, number>): { rows: [number, number, string, string, number][]; first: number[] } {
  const rows: [number, number, string, string, number][] = [];
  const first: number[] = [];
  // Routine runs are summarised (one line each), like the terminal's explain; the page stays small.
  let run: StoryLine[] = [];
  const flush = (): void => {
    if (run.length === 0) return;
    const head = run[0] as StoryLine;
    const text = run.length === 1 ? head.text : `· ${run.length} routine steps (heartbeats, repeated acknowledgements, retries) until ${((run.at(-1) as StoryLine).t / 1000).toFixed(3)} ms`;
    rows.push([head.t, run.length === 1 ? (nodeIndex.get(head.node ?? '') ?? -1) : -1, run.length === 1 ? head.kind : 'summary', text, head.first]);
    first.push(head.first);
    run = [];
  };
  for (const line of lines) {
    if (line.routine) {
      run.push(line);
      continue;
    }
    flush();
    rows.push([line.t, nodeIndex.get(line.node ?? '') ?? -1, line.kind, line.text, line.first]);
    first.push(line.first);
  }
  flush();
  return { rows, first };
}

/** The line whose step holds trace index `i` (the last line starting at or before it). */
function lineAt(first: readonly number[], i: number): number {
  let lo = 0;
  let hi = first.length - 1;
  if (hi < 0 || (first[0] as number) > i) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((first[mid] as number) <= i) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function messageArrows(
  trace: readonly TraceEvent[],
  nodeIndex: ReadonlyMap<string, number>,
  story: Explanation,
  lines: { first: number[] },
): { rows: number[][]; kinds: string[] } {
  const kinds: string[] = [];
  const kindIndex = new Map<string, number>();
  const sent = new Map<number, { t: number; kind: number; line: number; delivered: number }>();
  const rows: number[][] = [];
  trace.forEach((e, i) => {
    if (e.kind === 'send') {
      if (!nodeIndex.has(e.from) || !nodeIndex.has(e.to)) return;
      const name = messageKind(e.msg, story);
      let k = kindIndex.get(name);
      if (k === undefined) {
        k = kinds.length;
        kinds.push(name);
        kindIndex.set(name, k);
      }
      sent.set(e.id, { t: e.t, kind: k, line: lineAt(lines.first, i), delivered: 0 });
    } else if (e.kind === 'deliver' || e.kind === 'drop') {
      const from = nodeIndex.get(e.from);
      const to = nodeIndex.get(e.to);
      const s = sent.get(e.id);
      if (from === undefined || to === undefined || s === undefined) return;
      const flags = (e.kind === 'drop' ? 1 : 0) | (s.delivered > 0 ? 2 : 0);
      if (e.kind === 'deliver') s.delivered++;
      rows.push([s.t, e.t, from, to, s.kind, flags, s.line, lineAt(lines.first, i)]);
    }
  });
  return { rows, kinds };
}

function messageKind(msg: unknown, story: Explanation): string {
  return story.messageKind(msg);
}

function roleClass(role: string): number {
  return LEADER_ROLES.includes(role) ? 2 : CANDIDATE_ROLES.includes(role) ? 1 : 0;
}

function laneData(story: Explanation, nodes: readonly NodeId[], endUs: number) {
  const roleNames: string[] = [];
  const roleIndex = (name: string): number => {
    let i = roleNames.indexOf(name);
    if (i < 0) {
      i = roleNames.length;
      roleNames.push(name);
    }
    return i;
  };
  const nodeIndex = new Map(nodes.map((n, i) => [n, i]));
  const snapshots: [number, Readonly<Record<string, unknown>>, string[]][] = [];
  const roles: number[][][] = [];
  const states: number[][][] = [];
  for (const node of nodes) {
    const { times, states: list } = story.states.changes(node);
    const segs: number[][] = [];
    const rows: number[][] = [];
    let lastSnapshot = -1;
    let snapshotKey: NodeState | null = null;
    list.forEach((s, i) => {
      const t = times[i] as number;
      const next = i + 1 < times.length ? (times[i + 1] as number) : endUs;
      if (s.snapshotUs !== (snapshotKey?.snapshotUs ?? -1) || s.view !== snapshotKey?.view) {
        snapshots.push([s.snapshotUs, s.view, [...s.log]]);
        lastSnapshot = snapshots.length - 1;
        snapshotKey = s;
      }
      const live = s.live === 'down' ? 0 : s.live === 'up' ? 1 : 2;
      rows.push([t, live, roleIndex(s.role), s.term, s.leader === null ? -1 : (nodeIndex.get(s.leader) ?? -1), s.commitIndex, s.appliedIndex, s.logLength, lastSnapshot]);
      if (s.live === 'down') return;
      const prev = segs[segs.length - 1];
      const cls = roleClass(s.role);
      const ri = roleIndex(s.role);
      if (prev !== undefined && prev[1] === t && prev[4] === ri && prev[3] === s.term) prev[1] = next;
      else segs.push([t, next, cls, s.term, ri]);
    });
    roles.push(segs);
    states.push(rows);
  }
  return { roles, states, snapshots, roleNames };
}

/** Shaded bands: down (crash..restart), paused (pause..resume), cut off (partition..heal). */
function bands(trace: readonly TraceEvent[], nodeIndex: ReadonlyMap<string, number>, endUs: number): number[][][] {
  const out: number[][][] = [...nodeIndex.keys()].map(() => []);
  const open = new Map<string, number>();
  const openBand = (node: string, type: number, t: number): void => {
    if (!open.has(`${node}/${type}`)) open.set(`${node}/${type}`, t);
  };
  const closeBand = (node: string, type: number, t: number): void => {
    const from = open.get(`${node}/${type}`);
    const i = nodeIndex.get(node);
    if (from === undefined || i === undefined) return;
    open.delete(`${node}/${type}`);
    (out[i] as number[][]).push([from, t, type]);
  };
  for (const e of trace) {
    if (e.kind !== 'fault') continue;
    for (const node of e.nodes) {
      if (e.action === 'crash') openBand(node, 0, e.t);
      else if (e.action === 'restart') closeBand(node, 0, e.t);
      else if (e.action === 'pause') openBand(node, 1, e.t);
      else if (e.action === 'resume') closeBand(node, 1, e.t);
    }
    if (e.action === 'partition' && e.groups !== undefined) {
      const largest = e.groups.reduce((a, b) => (b.length > a.length ? b : a), [] as readonly string[]);
      for (const group of e.groups) if (group !== largest) for (const node of group) openBand(node, 2, e.t);
    } else if (e.action === 'cut') {
      for (const node of e.nodes) openBand(node, 2, e.t);
    } else if (e.action === 'heal') {
      for (const node of nodeIndex.keys()) closeBand(node, 2, e.t);
    }
  }
  for (const key of [...open.keys()]) {
    const [node, type] = key.split('/') as [string, string];
    closeBand(node, Number(type), endUs);
  }
  return out;
}

function marks(trace: readonly TraceEvent[], nodeIndex: ReadonlyMap<string, number>): [number, number, string][] {
  const out: [number, number, string][] = [];
  for (const e of trace) {
    if (e.kind === 'leader') out.push([e.t, nodeIndex.get(e.node) ?? -1, `leads ${e.term}`]);
    else if (e.kind === 'era-change') out.push([e.t, nodeIndex.get(e.node) ?? -1, `→ ${e.term}`]);
    else if (e.kind === 'fault' && e.action === 'clock') for (const n of e.nodes) out.push([e.t, nodeIndex.get(n) ?? -1, `clock ${(e.jumpUs ?? 0) >= 0 ? '+' : ''}${Math.round((e.jumpUs ?? 0) / 1000)}ms`]);
    else if (e.kind === 'violation') out.push([e.t, e.node === null ? -1 : (nodeIndex.get(e.node) ?? -1), `✗ ${e.name}`]);
  }
  return out;
}

/**
 * The history as operations (invoke paired with its completion per process), with the node that
 * answered each (the last delivery to its client at its completion time).
 */
function operations(history: readonly HistoryEvent[], trace: readonly TraceEvent[] | null, nodeIndex: ReadonlyMap<string, number>) {
  const rows: unknown[][] = [];
  const open = new Map<number, number>();
  const index = new Map<string, number>();
  for (const e of history) {
    if (e.type === 'invoke') {
      open.set(e.process, rows.length);
      index.set(`${e.process}@${e.time}`, rows.length);
      rows.push([e.process, e.f, e.key, e.value, null, e.time, -1, 'info', -1]);
    } else {
      const i = open.get(e.process);
      if (i === undefined) continue;
      open.delete(e.process);
      const row = rows[i] as unknown[];
      row[6] = e.time;
      row[7] = e.type;
      if (e.f === 'read' && e.type === 'ok') row[4] = e.value;
    }
  }
  if (trace !== null) {
    // The answering node: the delivery to the client right before each `complete` event.
    const byComplete = new Map<string, number>();
    rows.forEach((row, i) => {
      if ((row[6] as number) >= 0) byComplete.set(`${row[0] as number}@${Math.floor(row[6] as number)}`, i);
    });
    let lastDeliverFrom: string | null = null;
    let lastDeliverT = -1;
    for (const e of trace) {
      if (e.kind === 'deliver' && e.to.startsWith('c')) {
        lastDeliverFrom = e.from;
        lastDeliverT = e.t;
      } else if (e.kind === 'complete' && lastDeliverT === e.t && lastDeliverFrom !== null) {
        const i = byComplete.get(`${e.process}@${e.t}`);
        if (i !== undefined) (rows[i] as unknown[])[8] = nodeIndex.get(lastDeliverFrom) ?? -1;
      }
    }
  }
  return { rows, index };
}

/** The counterexample as operation indices: the linearized prefix, and what could not go next. */
function failingOps(input: ReportInput, index: ReadonlyMap<string, number>): ReportData['failing'] {
  const { outcome } = input;
  if (outcome.result.checks.linearizable !== false) return null;
  const fromStory = input.story?.failure?.counterexample;
  const counterexample = fromStory ?? checkHistory(outcome.history, { model: 'kv', maxSteps: 20_000_000 }).counterexample;
  if (counterexample === undefined) return null;
  const find = (op: { process: number; invokeTime: number }): number => index.get(`${op.process}@${op.invokeTime}`) ?? -1;
  const unplaced = counterexample.unplaced.map(find).filter((i) => i >= 0);
  return { op: unplaced[0] ?? -1, prefix: counterexample.prefix.map(find).filter((i) => i >= 0), unplaced, key: counterexample.key };
}

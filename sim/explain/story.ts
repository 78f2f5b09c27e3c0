/**
 * The story of a run: the trace cut into steps (one node handling one timer, message, request or
 * its own start; one client invoking, retrying or hearing back; a fault; a phase), each told in one
 * plain sentence by the protocol's narrator or, for any protocol without one (a plug-in, a new
 * protocol), by the generic narrator below, which words a step from its moments and numbers.
 *
 * Nothing here simulates: it reads the trace, so the story of a seed is as deterministic as the
 * trace itself.
 */
import type {
  ClientId,
  ClientReply,
  KvOp,
  Moment,
  NarrationNumbers,
  NarrationStep,
  Narrator,
  NodeId,
  StepTrigger,
} from '../../protocols/api.js';
import { isNodeId } from '../../protocols/api.js';
import type { CompleteEvent, FaultEvent, InvokeEvent, TraceEvent } from '../world/trace.js';

/** What a line is about, for `--kinds` and for colours in the report. */
export type LineKind =
  | 'start'
  | 'election'
  | 'vote'
  | 'replication'
  | 'commit'
  | 'client'
  | 'message'
  | 'drop'
  | 'fault'
  | 'phase'
  | 'violation'
  | 'summary';

export const LINE_KINDS: readonly LineKind[] = [
  'start', 'election', 'vote', 'replication', 'commit', 'client', 'message', 'drop', 'fault', 'phase', 'violation', 'summary',
];

export interface StoryLine {
  /** Virtual time in microseconds. */
  readonly t: number;
  /** The node or client the line is about (null: the whole cluster). */
  readonly node: string | null;
  readonly kind: LineKind;
  readonly text: string;
  /** Heartbeats, repeated acknowledgements, retries: summarised with their neighbours. */
  readonly routine: boolean;
  /** Index in the trace of the first event of this line's step. */
  readonly first: number;
  /** Index in the trace of the last event of this line's step. */
  readonly last: number;
  /** Short names of the messages the step sent (for summaries). */
  readonly messages: readonly string[];
}

type AnyStep = NarrationStep<unknown>;

interface OpenStep {
  readonly node: NodeId;
  readonly t: number;
  readonly first: number;
  last: number;
  readonly trigger: StepTrigger<unknown>;
  readonly sends: { to: NodeId; msg: unknown }[];
  readonly replies: { client: ClientId; reqId: number; reply: ClientReply }[];
  readonly moments: Moment[];
  readonly notes: string[];
  readonly before: NarrationNumbers | null;
  drops: number;
  duplicates: number;
}

interface OpenClientStep {
  readonly client: ClientId;
  readonly t: number;
  readonly first: number;
  last: number;
  invoke: InvokeEvent | null;
  complete: CompleteEvent | null;
  /** Who the reply that started this step came from. */
  readonly replyFrom: NodeId | null;
  readonly sentTo: NodeId[];
}

/** Names used when a protocol's narrator says nothing of its own. */
export interface Wording {
  /** The protocol's era: "term", "ballot", "epoch", "view". */
  readonly era: string;
  messageKind(msg: unknown): string;
}

export function genericMessageKind(msg: unknown): string {
  if (typeof msg !== 'object' || msg === null) return 'message';
  const record = msg as Readonly<Record<string, unknown>>;
  if (typeof record['type'] === 'string') return record['type'];
  if (typeof record['kind'] === 'string') return record['kind'];
  return 'message';
}

/** Tell a whole trace. `narrator` is the protocol's (or undefined); `era` names its era number. */
export function tellStory(trace: readonly TraceEvent[], narrator: Narrator<unknown> | undefined, era = 'term'): StoryLine[] {
  return new StoryTeller(trace, narrator, era).tell();
}

class StoryTeller {
  private readonly lines: StoryLine[] = [];
  private readonly numbers = new Map<NodeId, NarrationNumbers | null>();
  /** Message payloads by id, for a delivery's trigger (dropped once delivered or dropped). */
  private readonly messages = new Map<number, unknown>();
  private readonly lastAck = new Map<NodeId, string>();
  /** Client op in flight, for the complete line ("returned after 12 ms"). */
  private readonly invoked = new Map<ClientId, InvokeEvent>();
  private step: OpenStep | null = null;
  private clientStep: OpenClientStep | null = null;
  private readonly wording: Wording;

  constructor(
    private readonly trace: readonly TraceEvent[],
    private readonly narrator: Narrator<unknown> | undefined,
    era: string,
  ) {
    const kind = narrator?.messageKind;
    this.wording = { era, messageKind: kind === undefined ? genericMessageKind : (msg) => kind.call(narrator, msg) };
  }

  tell(): StoryLine[] {
    this.trace.forEach((e, i) => this.observe(e, i));
    this.closeAll();
    return this.lines;
  }

  private observe(e: TraceEvent, i: number): void {
    switch (e.kind) {
      case 'send':
        this.messages.set(e.id, e.msg);
        if (isNodeId(e.from)) {
          const step = this.stepOf(e.from, e.t, i);
          step.last = i;
          if (isNodeId(e.to)) step.sends.push({ to: e.to, msg: e.msg });
          else {
            const reply = e.msg as { reqId: number; reply: ClientReply };
            step.replies.push({ client: e.to as ClientId, reqId: reply.reqId, reply: reply.reply });
          }
        } else {
          const client = this.clientStepOf(e.from as ClientId, e.t, i);
          client.last = i;
          if (isNodeId(e.to)) client.sentTo.push(e.to);
        }
        return;
      case 'deliver': {
        const msg = this.messages.get(e.id);
        if (isNodeId(e.to)) {
          this.closeAll();
          const trigger: StepTrigger<unknown> = isNodeId(e.from)
            ? { kind: 'message', from: e.from, msg }
            : requestTrigger(e.from as ClientId, msg);
          this.open(e.to, e.t, i, trigger);
        } else {
          this.closeAll();
          this.clientStep = { client: e.to as ClientId, t: e.t, first: i, last: i, invoke: null, complete: null, replyFrom: isNodeId(e.from) ? e.from : null, sentTo: [] };
        }
        return;
      }
      case 'timer':
        this.closeAll();
        this.open(e.node, e.t, i, { kind: 'timer', name: e.name });
        return;
      case 'duplicate':
        if (this.step !== null && this.step.t === e.t && this.step.node === e.from) {
          this.step.duplicates++;
          this.step.last = i;
        }
        return;
      case 'drop':
        if (this.step !== null && this.step.t === e.t && this.step.node === e.from && e.reason !== 'crashed') {
          this.step.drops++;
          this.step.last = i;
          return;
        }
        if (this.clientStep !== null && this.clientStep.t === e.t && this.clientStep.client === e.from) {
          this.clientStep.last = i;
          return;
        }
        this.closeAll();
        this.push({ t: e.t, node: e.to, kind: 'drop', text: `a message from ${e.from} to ${e.to} was dropped (${dropReason(e.reason)})`, routine: true, first: i, last: i, messages: [] });
        return;
      case 'note':
        this.stepOf(e.node, e.t, i).notes.push(e.text);
        this.step!.last = i;
        return;
      case 'role':
        this.stepOf(e.node, e.t, i).last = i;
        this.numbers.set(e.node, { ...(this.numbers.get(e.node) ?? ZERO), role: e.role, term: e.term, leader: e.leader });
        return;
      case 'state':
        if (this.step !== null && this.step.node === e.node && this.step.t === e.t) {
          this.step.last = i;
        }
        this.numbers.set(e.node, { role: e.role, term: e.term, leader: e.leader, commitIndex: e.commitIndex, appliedIndex: e.appliedIndex, logLength: e.logLength });
        return;
      case 'progress':
        this.stepOf(e.node, e.t, i).last = i;
        this.numbers.set(e.node, { ...(this.numbers.get(e.node) ?? ZERO), commitIndex: e.commitIndex, appliedIndex: e.appliedIndex, logLength: e.logLength });
        return;
      case 'vote':
        return this.moment(e.node, e.t, i, { kind: 'vote', for: e.for, term: e.term });
      case 'ack':
        return this.moment(e.node, e.t, i, { kind: 'ack', to: e.to, index: e.index, term: e.term });
      case 'era-change':
        return this.moment(e.node, e.t, i, { kind: 'era-change', term: e.term });
      case 'leader':
        return this.moment(e.node, e.t, i, { kind: 'leader', term: e.term });
      case 'commit':
        return this.moment(e.node, e.t, i, { kind: 'commit', index: e.index });
      case 'apply':
        return this.moment(e.node, e.t, i, { kind: 'apply', index: e.index, cmd: e.cmd });
      case 'persist':
        return this.moment(e.node, e.t, i, { kind: 'persist' });
      case 'invoke': {
        const client = this.clientStepOf(e.client, e.t, i);
        client.invoke = e;
        client.last = i;
        this.invoked.set(e.client, e);
        return;
      }
      case 'complete': {
        const client = this.clientStepOf(e.client, e.t, i);
        client.complete = e;
        client.last = i;
        return;
      }
      case 'fault':
        this.closeAll();
        if (e.action === 'crash') for (const node of e.nodes) this.numbers.set(node, null);
        this.push({ t: e.t, node: e.nodes.length === 1 ? (e.nodes[0] as string) : null, kind: 'fault', text: describeFault(e), routine: false, first: i, last: i, messages: [] });
        return;
      case 'phase':
        this.closeAll();
        this.push({
          t: e.t,
          node: null,
          kind: 'phase',
          text: e.phase === 'settle' ? 'settle phase: faults stop, partitions heal, crashed and paused nodes come back, clients finish' : 'end of the run',
          routine: false,
          first: i,
          last: i,
          messages: [],
        });
        return;
      case 'violation':
        this.closeAll();
        this.push({ t: e.t, node: e.node, kind: 'violation', text: `VIOLATION of ${e.name}${e.node === null ? '' : ` on ${e.node}`}: ${e.detail}`, routine: false, first: i, last: i, messages: [] });
        return;
      default:
        return assertNeverEvent(e);
    }
  }

  private moment(node: NodeId, t: number, i: number, moment: Moment): void {
    const step = this.stepOf(node, t, i);
    step.moments.push(moment);
    step.last = i;
  }

  /** The open step of `node` at `t`, or a new one (a node's start has no event of its own). */
  private stepOf(node: NodeId, t: number, i: number): OpenStep {
    if (this.step !== null && this.step.node === node && this.step.t === t) return this.step;
    this.closeAll();
    return this.open(node, t, i, { kind: 'start' });
  }

  private clientStepOf(client: ClientId, t: number, i: number): OpenClientStep {
    if (this.clientStep !== null && this.clientStep.client === client && this.clientStep.t === t) return this.clientStep;
    this.closeAll();
    this.clientStep = { client, t, first: i, last: i, invoke: null, complete: null, replyFrom: null, sentTo: [] };
    return this.clientStep;
  }

  private open(node: NodeId, t: number, i: number, trigger: StepTrigger<unknown>): OpenStep {
    const before = trigger.kind === 'start' ? null : (this.numbers.get(node) ?? null);
    this.step = { node, t, first: i, last: i, trigger, sends: [], replies: [], moments: [], notes: [], before, drops: 0, duplicates: 0 };
    return this.step;
  }

  private closeAll(): void {
    if (this.step !== null) {
      const open = this.step;
      this.step = null;
      this.closeStep(open);
    }
    if (this.clientStep !== null) {
      const open = this.clientStep;
      this.clientStep = null;
      this.closeClient(open);
    }
  }

  private closeStep(open: OpenStep): void {
    const step: AnyStep = {
      node: open.node,
      t: open.t,
      trigger: open.trigger,
      sends: open.sends,
      replies: open.replies,
      moments: open.moments,
      notes: open.notes,
      before: open.before,
      after: this.numbers.get(open.node) ?? null,
    };
    const repeatedAck = this.acksRepeat(step);
    const routine = this.narrator?.routine?.(step) ?? isRoutine(step, repeatedAck);
    const text = this.narrator?.step(step) ?? narrateGeneric(step, this.wording, repeatedAck);
    const messages = step.sends.map((s) => this.wording.messageKind(s.msg));
    const extra = open.drops > 0 ? ` (${open.drops} of its messages lost)` : '';
    this.push({ t: step.t, node: step.node, kind: stepKind(step), text: text + extra, routine, first: open.first, last: open.last, messages });
  }

  /** True when every ack of the step repeats the node's previous ack (nothing new acknowledged). */
  private acksRepeat(step: AnyStep): boolean {
    let repeated = true;
    for (const m of step.moments) {
      if (m.kind !== 'ack') continue;
      const key = `${m.to}/${m.index}/${m.term}`;
      if (this.lastAck.get(step.node) !== key) repeated = false;
      this.lastAck.set(step.node, key);
    }
    return repeated;
  }

  private closeClient(open: OpenClientStep): void {
    const { client } = open;
    if (open.complete !== null) {
      const c = open.complete;
      const invoked = this.invoked.get(client);
      const latency = invoked === undefined ? '' : ` after ${formatDuration(c.t - invoked.t)}`;
      const by = open.replyFrom === null ? '' : `, answered by ${open.replyFrom}`;
      const outcome = c.type === 'ok' ? `ok${c.f === 'read' ? ` → ${JSON.stringify(c.value)}` : ''}` : c.type === 'fail' ? 'fail (certainly not done)' : 'info (outcome unknown)';
      this.push({ t: open.t, node: client, kind: 'client', text: `${client}'s ${describeOp(c.f, c.key, c.value)} returned ${outcome}${by}${latency}`, routine: false, first: open.first, last: open.last, messages: [] });
      this.invoked.delete(client);
      if (open.invoke === null) return;
    }
    if (open.invoke !== null) {
      const inv = open.invoke;
      const to = open.sentTo.length === 0 ? '' : ` and sent it to ${list(open.sentTo)}`;
      this.push({ t: open.t, node: client, kind: 'client', text: `${client} invoked ${describeOp(inv.f, inv.key, inv.value)}${to}`, routine: false, first: open.first, last: open.last, messages: [] });
      return;
    }
    if (open.complete !== null) return;
    const text =
      open.replyFrom !== null
        ? `${client} heard from ${open.replyFrom}${open.sentTo.length > 0 ? ` and asked ${list(open.sentTo)} instead` : ''}`
        : `${client} retried at ${list(open.sentTo)}`;
    this.push({ t: open.t, node: client, kind: 'client', text, routine: true, first: open.first, last: open.last, messages: [] });
  }

  private push(line: StoryLine): void {
    this.lines.push(line);
  }
}

const ZERO: NarrationNumbers = { role: '', term: 0, leader: null, commitIndex: 0, appliedIndex: 0, logLength: 0 };

function requestTrigger(client: ClientId, msg: unknown): StepTrigger<unknown> {
  const request = msg as { reqId: number; op: KvOp };
  return { kind: 'request', client, reqId: request.reqId, op: request.op };
}

function assertNeverEvent(e: never): void {
  throw new Error(`unknown trace event ${JSON.stringify(e)}`);
}

/**
 * The generic rule: a step is routine when it changed none of the node's numbers, reported no
 * moment other than a persist or a repeated ack, answered no client and wrote no note.
 */
export function isRoutine(step: AnyStep, acksRepeat: boolean): boolean {
  if (step.trigger.kind === 'start') return false;
  if (step.replies.some((r) => r.reply.kind === 'result') || step.notes.length > 0) return false;
  if (!sameNumbers(step.before, step.after)) return false;
  for (const m of step.moments) {
    if (m.kind === 'persist') continue;
    if (m.kind === 'ack' && acksRepeat) continue;
    return false;
  }
  return true;
}

function sameNumbers(a: NarrationNumbers | null, b: NarrationNumbers | null): boolean {
  if (a === null || b === null) return a === b;
  return a.role === b.role && a.term === b.term && a.leader === b.leader && a.commitIndex === b.commitIndex && a.appliedIndex === b.appliedIndex && a.logLength === b.logLength;
}

function stepKind(step: AnyStep): LineKind {
  const kinds = new Set(step.moments.map((m) => m.kind));
  if (step.trigger.kind === 'start') return 'start';
  if (kinds.has('leader') || kinds.has('era-change')) return 'election';
  if (kinds.has('vote')) return 'vote';
  if (step.before !== null && step.after !== null && (step.before.role !== step.after.role || step.before.term !== step.after.term)) return 'election';
  if (kinds.has('commit') || kinds.has('apply')) return 'commit';
  if (kinds.has('ack') || (step.before !== null && step.after !== null && step.before.logLength !== step.after.logLength)) return 'replication';
  if (step.trigger.kind === 'request' || step.replies.length > 0) return 'client';
  return 'message';
}

/** Any protocol's step in one sentence, from its trigger, moments, numbers, replies and sends. */
export function narrateGeneric(step: AnyStep, wording: Wording, acksRepeat = false): string {
  const { node } = step;
  const parts: string[] = [];
  const before = step.before;
  const after = step.after;
  let roleTold = false;
  if (after !== null && (before === null || before.role !== after.role || before.term !== after.term)) {
    parts.push(`it is ${before === null ? '' : 'now '}${after.role} in ${wording.era} ${after.term}${after.leader !== null && after.leader !== node ? ` (leader ${after.leader})` : ''}`);
    roleTold = true;
  }
  for (const m of step.moments) {
    switch (m.kind) {
      case 'era-change':
        parts.push(`it began moving to ${wording.era} ${m.term}`);
        break;
      case 'vote':
        parts.push(`it voted for ${m.for} in ${wording.era} ${m.term}`);
        break;
      case 'leader':
        if (!roleTold) parts.push(`it now leads ${wording.era} ${m.term}`);
        break;
      case 'ack':
        if (!acksRepeat) parts.push(`it acknowledged entries up to ${m.index} (${wording.era} ${m.term}) to ${m.to}`);
        break;
      case 'apply':
      case 'commit':
      case 'persist':
        break;
      default:
        assertNeverMoment(m);
    }
  }
  const applied = step.moments.filter((m): m is Extract<Moment, { kind: 'apply' }> => m.kind === 'apply');
  const commit = step.moments.filter((m) => m.kind === 'commit').at(-1);
  if (before !== null && after !== null && after.logLength !== before.logLength) {
    parts.push(after.logLength > before.logLength ? `its log now ends at ${after.logLength}` : `its log was cut back to ${after.logLength}`);
  }
  if (commit !== undefined && commit.kind === 'commit') parts.push(`it knows entries up to ${commit.index} are committed`);
  if (applied.length === 1) {
    const a = applied[0] as Extract<Moment, { kind: 'apply' }>;
    parts.push(`applied ${describeCmd(a.cmd)} at ${a.index}`);
  } else if (applied.length > 1) {
    parts.push(`applied ${applied.length} commands (${(applied[0] as { index: number }).index}..${(applied.at(-1) as { index: number }).index})`);
  }
  for (const r of step.replies) parts.push(describeReply(r.client, r.reply));
  const sent = groupSends(step.sends, wording);
  if (sent !== '') parts.push(`sent ${sent}`);
  for (const note of step.notes) parts.push(`noted "${note}"`);
  const head = describeTrigger(step, wording);
  return parts.length === 0 ? `${head}; nothing changed` : `${head}; ${parts.join(', ')}`;
}

function assertNeverMoment(m: never): void {
  throw new Error(`unknown moment ${JSON.stringify(m)}`);
}

export function describeTrigger(step: AnyStep, wording: Wording): string {
  const { node, trigger } = step;
  switch (trigger.kind) {
    case 'start':
      return `${node} started`;
    case 'timer':
      return `${node}'s ${trigger.name} timer fired`;
    case 'message':
      return `${node} got ${wording.messageKind(trigger.msg)} from ${trigger.from}`;
    case 'request':
      return `${node} got ${trigger.client}'s ${describeKvOp(trigger.op)}`;
    default:
      throw new Error('unknown trigger');
  }
}

/** "AppendEntries to n1, n3 and RequestVote to n2". */
export function groupSends(sends: readonly { readonly to: NodeId; readonly msg: unknown }[], wording: Wording): string {
  const byKind = new Map<string, NodeId[]>();
  for (const s of sends) {
    const kind = wording.messageKind(s.msg);
    const list = byKind.get(kind);
    if (list === undefined) byKind.set(kind, [s.to]);
    else list.push(s.to);
  }
  return [...byKind]
    .map(([kind, to]) => {
      const distinct = to.filter((n, i) => to.indexOf(n) === i);
      return `${kind} to ${list(distinct)}${distinct.length < to.length ? ` (${to.length} messages)` : ''}`;
    })
    .join(' and ');
}

export function describeReply(client: ClientId, reply: ClientReply): string {
  if (reply.kind === 'redirect') return reply.leader === null ? `told ${client} it cannot serve it` : `told ${client} to ask ${reply.leader}`;
  const r = reply.result;
  return r.type === 'ok' ? `answered ${client}: ok${r.value === undefined || r.value === null ? '' : ` ${JSON.stringify(r.value)}`}` : `answered ${client}: ${r.type}`;
}

export function describeKvOp(op: KvOp): string {
  switch (op.f) {
    case 'read':
      return `read ${op.key}`;
    case 'write':
      return `write ${op.key}=${JSON.stringify(op.value)}`;
    case 'cas':
      return `cas ${op.key} ${JSON.stringify(op.expected)}→${JSON.stringify(op.value)}`;
    case 'append':
      return `append ${op.key}+=${JSON.stringify(op.value)}`;
    default:
      return 'operation';
  }
}

export function describeCmd(cmd: { readonly client: string; readonly reqId: number; readonly op: KvOp }): string {
  return `${cmd.client}#${cmd.reqId} ${describeKvOp(cmd.op)}`;
}

function describeOp(f: string, key: string, value: unknown): string {
  if (f === 'read') return `read ${key}`;
  if (f === 'cas' && Array.isArray(value)) return `cas ${key} ${JSON.stringify(value[0])}→${JSON.stringify(value[1])}`;
  return `${f} ${key}=${JSON.stringify(value)}`;
}

export function describeFault(e: FaultEvent): string {
  const by = e.source === 'script' ? '' : ` (${e.source})`;
  if (e.skipped !== undefined) return `fault ${e.action} skipped: ${e.skipped}${by}`;
  switch (e.action) {
    case 'crash':
      return `${list(e.nodes)} crashed${e.amnesia === true ? ' and lost its disk' : ''}${by}`;
    case 'restart':
      return `${list(e.nodes)} restarted from its durable state${by}`;
    case 'pause':
      return `${list(e.nodes)} paused${e.forUs === undefined ? '' : ` for ${formatDuration(e.forUs)}`}${by}`;
    case 'resume':
      return `${list(e.nodes)} resumed and handles everything that queued up${by}`;
    case 'clock':
      return `${list(e.nodes)}'s clock jumped ${(e.jumpUs ?? 0) >= 0 ? '+' : '−'}${formatDuration(Math.abs(e.jumpUs ?? 0))}${by}`;
    case 'partition':
      return `network partitioned into ${(e.groups ?? []).map((g) => `{${g.join(', ')}}`).join(' | ')}${by}`;
    case 'cut':
      return `links cut from ${list(e.nodes)} to ${list(e.to ?? [])}${by}`;
    case 'heal':
      return `network healed${by}`;
    default:
      return `fault ${e.action} on ${list(e.nodes)}${by}`;
  }
}

function dropReason(reason: string): string {
  return reason === 'partition' ? 'partition' : reason === 'crashed' ? 'its destination is down' : 'lost';
}

export function list(items: readonly string[]): string {
  return items.join(', ');
}

/** "12.3ms", "1.250s", "850µs". */
export function formatDuration(us: number): string {
  if (us >= 1_000_000) return `${(us / 1_000_000).toFixed(3)}s`;
  if (us >= 1000) return `${(us / 1000).toFixed(1)}ms`;
  return `${Math.round(us)}µs`;
}

/** Virtual time as "1234.567ms". */
export function formatTime(us: number): string {
  return `${(us / 1000).toFixed(3)}ms`;
}

/**
 * Collapse runs of routine lines into one summary line each ("12 routine steps: AppendEntries ×6,
 * …"); a run of one stays as it is.
 */
export function collapseRoutine(lines: readonly StoryLine[]): StoryLine[] {
  const out: StoryLine[] = [];
  let run: StoryLine[] = [];
  const flush = (): void => {
    if (run.length === 1) out.push(run[0] as StoryLine);
    else if (run.length > 1) out.push(summarise(run));
    run = [];
  };
  for (const line of lines) {
    if (line.routine) run.push(line);
    else {
      flush();
      out.push(line);
    }
  }
  flush();
  return out;
}

function summarise(run: readonly StoryLine[]): StoryLine {
  const first = run[0] as StoryLine;
  const last = run[run.length - 1] as StoryLine;
  const counts = new Map<string, number>();
  let drops = 0;
  let client = 0;
  for (const line of run) {
    for (const m of line.messages) counts.set(m, (counts.get(m) ?? 0) + 1);
    if (line.kind === 'drop') drops++;
    if (line.kind === 'client') client++;
  }
  const parts = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([m, n]) => `${m} ×${n}`);
  if (drops > 0) parts.push(`${drops} dropped`);
  if (client > 0) parts.push(`${client} client retries/redirects`);
  const span = first.t === last.t ? '' : ` until ${formatTime(last.t)}`;
  const nodes = new Set(run.map((line) => line.node));
  return {
    t: first.t,
    node: nodes.size === 1 ? first.node : null,
    kind: 'summary',
    text: `· ${run.length} routine steps${parts.length > 0 ? `: ${parts.join(', ')}` : ''}${span}`,
    routine: true,
    first: first.first,
    last: last.last,
    messages: [],
  };
}

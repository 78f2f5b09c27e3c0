/**
 * The canonical trace: one plain JSON object per line, each with `t` (virtual µs) and `kind` first,
 * then kind-specific fields in a fixed order (see docs/engine.md for the vocabulary). Its SHA-256
 * over JSON Lines is the run's fingerprint (`traceHash`), computed incrementally in batches so a
 * long run never holds the whole text.
 *
 * The same batches can be streamed to a writer (`run --trace F` writes them to the file as the run
 * goes), so writing a trace costs a buffer of FLUSH_CHARS, not the whole trace: the bytes written
 * are exactly the bytes hashed. Keeping event objects in memory (`collect`) is for tests and for
 * the few kinds a report draws (`collectKinds`).
 *
 * When neither the hash, the text nor the events are wanted, the world does not even build the
 * objects (`enabled` is false), which keeps sweeps fast.
 */
import { createHash, type Hash } from 'node:crypto';
import type { ClientId, Moment, NodeId, NodeNumbers } from '../../protocols/api.js';
import type { HistoryF, HistoryValue } from '../history/types.js';

/**
 * Every kind of trace event, as a readonly discriminated union on `kind`. The field order in each
 * member is the order written to the JSON Lines text (and so part of `traceHash`).
 */
export type TraceEvent =
  | SendEvent
  | { readonly t: number; readonly kind: 'duplicate'; readonly id: number; readonly from: string; readonly to: string }
  | { readonly t: number; readonly kind: 'deliver'; readonly id: number; readonly from: string; readonly to: string }
  | { readonly t: number; readonly kind: 'drop'; readonly id: number; readonly from: string; readonly to: string; readonly reason: DropReason }
  | { readonly t: number; readonly kind: 'timer'; readonly node: NodeId; readonly name: string }
  | RoleEvent
  | { readonly t: number; readonly kind: 'note'; readonly node: NodeId; readonly text: string }
  | FaultEvent
  | InvokeEvent
  | CompleteEvent
  | { readonly t: number; readonly kind: 'phase'; readonly phase: 'settle' | 'end' }
  | { readonly t: number; readonly kind: 'violation'; readonly name: string; readonly node: NodeId | null; readonly detail: string }
  | MomentEvent
  | StateEvent
  | ProgressEvent;

export type TraceKind = TraceEvent['kind'];
/** The trace event of one kind (`TraceEventOf<'deliver'>`). */
export type TraceEventOf<K extends TraceKind> = Extract<TraceEvent, { readonly kind: K }>;
export type DropReason = 'loss' | 'partition' | 'crashed';

/** `msg` is the protocol message (node→node), `{reqId, op}` (client→node) or `{reqId, reply}` (node→client). */
export interface SendEvent {
  readonly t: number;
  readonly kind: 'send';
  readonly id: number;
  readonly from: string;
  readonly to: string;
  readonly msg: unknown;
}

/** After a node step, when `inspect()`'s role, term or leader changed (and at every start). */
export interface RoleEvent {
  readonly t: number;
  readonly kind: 'role';
  readonly node: NodeId;
  readonly role: string;
  readonly term: number;
  readonly leader: NodeId | null;
}

export type FaultAction = 'crash' | 'restart' | 'pause' | 'resume' | 'clock' | 'partition' | 'cut' | 'heal';

/** A fault; which optional fields appear depends on `action` (docs/engine.md). */
export interface FaultEvent {
  readonly t: number;
  readonly kind: 'fault';
  readonly action: FaultAction | (string & {});
  readonly source: 'script' | 'nemesis' | 'settle' | (string & {});
  readonly nodes: readonly NodeId[];
  readonly amnesia?: boolean;
  readonly forUs?: number;
  readonly jumpUs?: number;
  readonly groups?: readonly (readonly NodeId[])[];
  readonly to?: readonly NodeId[];
  readonly skipped?: string;
}

export interface InvokeEvent {
  readonly t: number;
  readonly kind: 'invoke';
  readonly client: ClientId;
  readonly process: number;
  readonly reqId: number;
  readonly f: HistoryF;
  readonly key: string;
  readonly value: HistoryValue;
}

export interface CompleteEvent {
  readonly t: number;
  readonly kind: 'complete';
  readonly client: ClientId;
  readonly process: number;
  readonly reqId: number;
  readonly type: 'ok' | 'fail' | 'info';
  readonly f: HistoryF;
  readonly key: string;
  readonly value: HistoryValue;
}

/**
 * A protocol moment (protocols/api.ts), written where it happened: `vote` (`for`, `term`), `ack`
 * (`to`, `index`, `term`), `era-change` (`term`), `leader` (`term`), `commit` (`index`), `apply`
 * (`index`, `cmd`), `persist`.
 */
export type MomentEvent = MomentOf<Moment>;
type MomentOf<M extends Moment> = M extends Moment ? { readonly t: number; readonly kind: M['kind']; readonly node: NodeId } & Omit<M, 'kind'> : never;

/** The numbers every node view has, as a snapshot or a progress event carries them. */
export type { NodeNumbers };

/**
 * A node-state snapshot: `inspect()`'s common fields, the protocol's own scalar fields (`view`;
 * arrays and objects are summarised as their length), and a short log summary (`log`: the last
 * few applied commands). Written at every start, at every role change and every
 * `SNAPSHOT_INTERVAL_US` of virtual time for every live node.
 */
export interface StateEvent extends NodeNumbers {
  readonly t: number;
  readonly kind: 'state';
  readonly node: NodeId;
  readonly view: Readonly<Record<string, string | number | boolean | null>>;
  readonly log: readonly string[];
}

/** After a node step that changed its commit index, applied index or log length (and no snapshot was written). */
export interface ProgressEvent {
  readonly t: number;
  readonly kind: 'progress';
  readonly node: NodeId;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly logLength: number;
}

/** Virtual time between two periodic node-state snapshots. */
export const SNAPSHOT_INTERVAL_US = 250_000;

/** The events of one kind, typed (`eventsOf(trace, 'deliver')`). */
export function eventsOf<K extends TraceKind>(trace: readonly TraceEvent[], kind: K): TraceEventOf<K>[] {
  return trace.filter((e): e is TraceEventOf<K> => e.kind === kind);
}

export interface TraceSinkOptions {
  /** Compute the SHA-256 of the JSON Lines text. */
  readonly hash: boolean;
  /** Keep the event objects in memory (all of them, or only `collectKinds`). */
  readonly collect: boolean;
  /** When collecting, keep only events of these kinds (absent: every event). */
  readonly collectKinds?: readonly string[];
  /** Told each batch of JSON Lines text in order (each ends with a newline); together: the whole trace. */
  readonly write?: (text: string) => void;
}

const FLUSH_CHARS = 1 << 16;

export class TraceSink {
  readonly enabled: boolean;
  private readonly hash: Hash | null;
  private readonly kept: TraceEvent[] | null;
  private readonly keptKinds: ReadonlySet<string> | null;
  private readonly write: ((text: string) => void) | null;
  /** Whether JSON text is produced at all (for the hash or the writer). */
  private readonly text: boolean;
  /** JSON text of messages already written: a broadcast is serialised once, not once per peer. */
  private readonly messageText = new WeakMap<object, string>();
  private pending: string[] = [];
  private pendingChars = 0;
  private count = 0;

  constructor(options: TraceSinkOptions) {
    this.hash = options.hash ? createHash('sha256') : null;
    this.kept = options.collect ? [] : null;
    this.keptKinds = options.collect && options.collectKinds !== undefined ? new Set(options.collectKinds) : null;
    this.write = options.write ?? null;
    this.text = this.hash !== null || this.write !== null;
    this.enabled = this.text || options.collect;
  }

  /** Record one event; the caller builds it with `t` and `kind` first and a fixed field order. */
  emit(event: TraceEvent): void {
    this.count++;
    if (this.kept !== null && (this.keptKinds === null || this.keptKinds.has(event.kind))) this.kept.push(event);
    if (this.text) this.line(JSON.stringify(event));
  }

  /**
   * A `send` event, `{t, kind:'send', id, from, to, msg}`. Same text as `emit` would write, but the
   * message's JSON is remembered (messages are frozen, so it cannot go stale).
   */
  emitSend(t: number, id: number, from: string, to: string, msg: unknown): void {
    this.count++;
    if (this.kept !== null && (this.keptKinds === null || this.keptKinds.has('send'))) this.kept.push({ t, kind: 'send', id, from, to, msg });
    if (!this.text) return;
    let text: string | undefined;
    if (typeof msg === 'object' && msg !== null) {
      text = this.messageText.get(msg);
      if (text === undefined) {
        text = JSON.stringify(msg);
        this.messageText.set(msg, text);
      }
    } else {
      text = JSON.stringify(msg);
    }
    const head = `{"t":${t},"kind":"send","id":${id},"from":${JSON.stringify(from)},"to":${JSON.stringify(to)}`;
    this.line(text === undefined ? head + '}' : `${head},"msg":${text}}`);
  }

  get length(): number {
    return this.count;
  }

  events(): readonly TraceEvent[] | null {
    return this.kept;
  }

  /** Pass everything still buffered on (to the hash and the writer); the run calls it at its end. */
  finish(): void {
    this.flush();
  }

  /** The hex SHA-256 of the JSON Lines text ('' when hashing is off). */
  digest(): string {
    this.flush();
    if (this.hash === null) return '';
    return this.hash.digest('hex');
  }

  private line(text: string): void {
    this.pending.push(text);
    this.pendingChars += text.length + 1;
    if (this.pendingChars >= FLUSH_CHARS) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const chunk = this.pending.join('\n') + '\n';
    this.pending = [];
    this.pendingChars = 0;
    if (this.hash !== null) this.hash.update(chunk);
    if (this.write !== null) this.write(chunk);
  }
}

/** The trace as JSON Lines text (one event per line, a final newline). */
export function traceToJsonLines(trace: readonly TraceEvent[]): string {
  let out = '';
  for (const event of trace) out += JSON.stringify(event) + '\n';
  return out;
}

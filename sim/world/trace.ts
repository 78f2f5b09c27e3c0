/**
 * The canonical trace: one plain JSON object per line, each with `t` (virtual µs) and `kind` first,
 * then kind-specific fields in a fixed order (see docs/engine.md for the vocabulary). Its SHA-256
 * over JSON Lines is the run's fingerprint (`traceHash`), computed incrementally in batches so a
 * long run never holds the whole text.
 *
 * When neither the hash nor the events are wanted, the world does not even build the objects
 * (`enabled` is false), which keeps sweeps fast.
 */
import { createHash, type Hash } from 'node:crypto';

export interface TraceEvent {
  readonly t: number;
  readonly kind: string;
  readonly [field: string]: unknown;
}

const FLUSH_CHARS = 1 << 16;

export class TraceSink {
  readonly enabled: boolean;
  private readonly hash: Hash | null;
  private readonly kept: TraceEvent[] | null;
  /** JSON text of messages already written: a broadcast is serialised once, not once per peer. */
  private readonly messageText = new WeakMap<object, string>();
  private pending: string[] = [];
  private pendingChars = 0;
  private count = 0;

  constructor(options: { hash: boolean; collect: boolean }) {
    this.hash = options.hash ? createHash('sha256') : null;
    this.kept = options.collect ? [] : null;
    this.enabled = options.hash || options.collect;
  }

  /** Record one event; the caller builds it with `t` and `kind` first and a fixed field order. */
  emit(event: TraceEvent): void {
    this.count++;
    if (this.kept !== null) this.kept.push(event);
    if (this.hash !== null) {
      const line = JSON.stringify(event);
      this.pending.push(line);
      this.pendingChars += line.length + 1;
      if (this.pendingChars >= FLUSH_CHARS) this.flush();
    }
  }

  /**
   * A `send` event, `{t, kind:'send', id, from, to, msg}`. Same text as `emit` would write, but the
   * message's JSON is remembered (messages are frozen, so it cannot go stale).
   */
  emitSend(t: number, id: number, from: string, to: string, msg: unknown): void {
    this.count++;
    if (this.kept !== null) this.kept.push({ t, kind: 'send', id, from, to, msg });
    if (this.hash === null) return;
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
    const line = text === undefined ? head + '}' : `${head},"msg":${text}}`;
    this.pending.push(line);
    this.pendingChars += line.length + 1;
    if (this.pendingChars >= FLUSH_CHARS) this.flush();
  }

  get length(): number {
    return this.count;
  }

  events(): readonly TraceEvent[] | null {
    return this.kept;
  }

  /** The hex SHA-256 of the JSON Lines text ('' when hashing is off). */
  digest(): string {
    if (this.hash === null) return '';
    this.flush();
    return this.hash.digest('hex');
  }

  private flush(): void {
    if (this.hash === null || this.pending.length === 0) return;
    this.hash.update(this.pending.join('\n') + '\n');
    this.pending = [];
    this.pendingChars = 0;
  }
}

/** The trace as JSON Lines text (one event per line, a final newline). */
export function traceToJsonLines(trace: readonly TraceEvent[]): string {
  let out = '';
  for (const event of trace) out += JSON.stringify(event) + '\n';
  return out;
}

/**
 * The scheduler's queue: a binary min-heap ordered by (virtual time in µs, sequence number).
 *
 * Events are plain records with a numeric `kind` (no closures), so a run allocates one small object
 * per event and the dispatch loop is a single switch. The sequence number is assigned at push, so
 * events at the same virtual time run in the order they were scheduled — the tie-break xstate's
 * SimulatedClock lacks.
 */

/** What an event does; the world's dispatch loop switches on it. */
export const EventKind = {
  /** A node-to-node message arrives. */
  Deliver: 0,
  /** A client request arrives at a node. */
  Request: 1,
  /** A node's reply arrives at a client. */
  Reply: 2,
  /** A node timer fires. */
  NodeTimer: 3,
  /** A client timer fires (think time, retry, op timeout). */
  ClientTimer: 4,
  /** A scripted fault fires. */
  Fault: 5,
  /** The nemesis starts or ends a fault. */
  Nemesis: 6,
  /** A scheduled end of a fault: restart after a crash, resume after a pause. */
  FaultEnd: 7,
  /** Phase change: faults stop (safety → liveness), or the run ends. */
  Phase: 8,
  /** An event-triggered fault acts (queued by its moment, at that moment's time). */
  Trigger: 9,
} as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

export class SimEvent {
  /** Virtual time, integer µs. */
  t = 0;
  seq = 0;
  kind: EventKind = EventKind.Deliver;
  /** Index of the node or client the event is addressed to (-1 when none). */
  target = -1;
  /** Index of the sending node or client (-1 when none). */
  source = -1;
  /** Sender (node or client id) for messages; timer name for timers; '' otherwise. */
  from = '';
  name = '';
  /** The message, request op or reply. */
  payload: unknown = null;
  /** Kind-specific integers: message id, timer generation, incarnation, request id, ... */
  n1 = 0;
  n2 = 0;
  /** Set while the event waits in a paused node's parked list (it must not be recycled). */
  parked = false;
  /** Set when its handler put it back in the queue (a re-armed timer): the loop must not recycle it. */
  requeued = false;

  constructor(t: number, seq: number, kind: EventKind, target: number) {
    this.reset(t, seq, kind, target);
  }

  /** Every field as a new event has it: for a new record and for one reused from the free list. */
  reset(t: number, seq: number, kind: EventKind, target: number): void {
    this.t = t;
    this.seq = seq;
    this.kind = kind;
    this.target = target;
    this.source = -1;
    this.from = '';
    this.name = '';
    this.payload = null;
    this.n1 = 0;
    this.n2 = 0;
    this.parked = false;
    this.requeued = false;
  }
}

/**
 * The heap keeps its keys apart from the records: times and sequence numbers in typed arrays (the
 * comparisons of a sift read contiguous numbers, not one object each), records in a parallel array.
 */
export class EventQueue {
  private times = new Float64Array(1024);
  private seqs = new Float64Array(1024);
  private events: (SimEvent | undefined)[] = [];
  private count = 0;
  private nextSeq = 0;
  /** Handled events, reused by `push` (most events live a few virtual ms: less garbage). */
  private readonly free: SimEvent[] = [];

  get size(): number {
    return this.count;
  }

  /** Create and enqueue an event; the caller fills in the fields it needs before the next pop. */
  push(t: number, kind: EventKind, target: number): SimEvent {
    return this.pushWithSeq(t, this.nextSeq++, kind, target);
  }

  /**
   * The next sequence number, taken now for an event that may be enqueued later (`pushWithSeq`,
   * `requeue`): the event then runs exactly where it would have had it been pushed now.
   */
  takeSeq(): number {
    return this.nextSeq++;
  }

  /** `push` with a sequence number from `takeSeq`. */
  pushWithSeq(t: number, seq: number, kind: EventKind, target: number): SimEvent {
    if (!Number.isInteger(t) || t < 0) throw new Error(`event time must be a non-negative integer, got ${t}`);
    const reused = this.free.pop();
    let ev: SimEvent;
    if (reused !== undefined) {
      ev = reused;
      ev.reset(t, seq, kind, target);
    } else {
      ev = new SimEvent(t, seq, kind, target);
    }
    this.insert(ev);
    return ev;
  }

  /** Hand back a popped event nothing refers to any more (the world calls it after dispatch). */
  release(ev: SimEvent): void {
    ev.payload = null;
    if (this.free.length < 4096) this.free.push(ev);
  }

  /** Put an already-made event back (it gets a new sequence number and time). */
  repush(ev: SimEvent, t: number): void {
    ev.t = t;
    ev.seq = this.nextSeq++;
    this.insert(ev);
  }

  /**
   * Put the event being handled back at a later (t, seq) taken with `takeSeq`; the loop sees
   * `requeued` and keeps it out of the free list.
   */
  requeue(ev: SimEvent, t: number, seq: number): void {
    ev.t = t;
    ev.seq = seq;
    ev.requeued = true;
    this.insert(ev);
  }

  peek(): SimEvent | undefined {
    return this.count > 0 ? this.events[0] : undefined;
  }

  pop(): SimEvent | undefined {
    const n = this.count;
    if (n === 0) return undefined;
    const events = this.events;
    const top = events[0];
    const last = n - 1;
    this.count = last;
    if (last > 0) this.siftDown(this.times[last] as number, this.seqs[last] as number, events[last] as SimEvent, last);
    events[last] = undefined;
    return top;
  }

  private insert(ev: SimEvent): void {
    if (this.count === this.times.length) this.grow();
    const times = this.times;
    const seqs = this.seqs;
    const events = this.events;
    const t = ev.t;
    const seq = ev.seq;
    let i = this.count++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent] as number;
      if (pt < t || (pt === t && (seqs[parent] as number) < seq)) break;
      times[i] = pt;
      seqs[i] = seqs[parent] as number;
      events[i] = events[parent];
      i = parent;
    }
    times[i] = t;
    seqs[i] = seq;
    events[i] = ev;
  }

  /** Place (t, seq, ev) from the root down in a heap of `n` entries. */
  private siftDown(t: number, seq: number, ev: SimEvent, n: number): void {
    const times = this.times;
    const seqs = this.seqs;
    const events = this.events;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      let c = l;
      let ct = times[l] as number;
      let cs = seqs[l] as number;
      const r = l + 1;
      if (r < n) {
        const rt = times[r] as number;
        const rs = seqs[r] as number;
        if (rt < ct || (rt === ct && rs < cs)) {
          c = r;
          ct = rt;
          cs = rs;
        }
      }
      if (t < ct || (t === ct && seq < cs)) break;
      times[i] = ct;
      seqs[i] = cs;
      events[i] = events[c];
      i = c;
    }
    times[i] = t;
    seqs[i] = seq;
    events[i] = ev;
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    times.set(this.times);
    this.times = times;
    const seqs = new Float64Array(this.seqs.length * 2);
    seqs.set(this.seqs);
    this.seqs = seqs;
  }
}

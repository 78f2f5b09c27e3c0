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
} as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

export class SimEvent {
  /** Virtual time, integer µs. */
  t: number;
  seq: number;
  kind: EventKind;
  /** Index of the node or client the event is addressed to (-1 when none). */
  target: number;
  /** Index of the sending node or client (-1 when none). */
  source: number;
  /** Sender (node or client id) for messages; timer name for timers; '' otherwise. */
  from: string;
  name: string;
  /** The message, request op or reply. */
  payload: unknown;
  /** Kind-specific integers: message id, timer generation, incarnation, request id, ... */
  n1: number;
  n2: number;

  constructor(t: number, seq: number, kind: EventKind, target: number) {
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
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.t < b.t || (a.t === b.t && a.seq < b.seq);
}

export class EventQueue {
  private readonly heap: SimEvent[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Create and enqueue an event; the caller fills in the fields it needs before the next pop. */
  push(t: number, kind: EventKind, target: number): SimEvent {
    if (!Number.isInteger(t) || t < 0) throw new Error(`event time must be a non-negative integer, got ${t}`);
    const ev = new SimEvent(t, this.nextSeq++, kind, target);
    this.insert(ev);
    return ev;
  }

  /** Put an already-made event back (it gets a new sequence number and time). */
  repush(ev: SimEvent, t: number): void {
    ev.t = t;
    ev.seq = this.nextSeq++;
    this.insert(ev);
  }

  peek(): SimEvent | undefined {
    return this.heap[0];
  }

  pop(): SimEvent | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop() as SimEvent;
    if (heap.length > 0) {
      heap[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  private insert(ev: SimEvent): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(ev);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as SimEvent;
      if (!before(ev, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = ev;
  }

  private siftDown(start: number): void {
    const heap = this.heap;
    const n = heap.length;
    const ev = heap[start] as SimEvent;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && before(heap[r] as SimEvent, heap[l] as SimEvent)) c = r;
      const child = heap[c] as SimEvent;
      if (!before(child, ev)) break;
      heap[i] = child;
      i = c;
    }
    heap[i] = ev;
  }
}

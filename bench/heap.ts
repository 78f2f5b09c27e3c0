/**
 * The physical limit: the simulator's own event queue driven by a bare loop that does nothing
 * but pop an event, switch on its kind and schedule the next one (same record shape, same heap,
 * no protocol, no network, no checks). Its event rate is the ceiling any protocol's run could
 * reach on this machine; a protocol row's rate divided by it shows how much of the run is the
 * engine's bookkeeping and how much is everything else.
 */
import { performance } from 'node:perf_hooks';
import { EventKind, EventQueue } from '../sim/world/event-queue.js';

export interface HeapBenchRow {
  readonly bench: 'heap';
  /** Events kept waiting in the queue throughout (about what a five-node nemesis run holds). */
  readonly queued: number;
  readonly events: number;
  readonly wallMs: number;
  readonly eventsPerSec: number;
}

/** Events waiting at once in a five-node raft-nemesis run, give or take: a few timers and messages in flight per node and client. */
export const BARE_HEAP_QUEUED = 64;

export function benchBareHeap(budgetMs = 2_000, queued = BARE_HEAP_QUEUED): HeapBenchRow {
  const queue = new EventQueue();
  // A fixed linear congruential sequence for delays: the bench must not depend on a seed library's speed.
  let state = 12345;
  const delay = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return 1 + (state % 15_000);
  };
  for (let i = 0; i < queued; i++) queue.push(delay(), (i % 5) as EventKind, i % 5);
  let events = 0;
  let sink = 0;
  const started = performance.now();
  let wallMs = 0;
  while (wallMs < budgetMs) {
    for (let i = 0; i < 100_000; i++) {
      const ev = queue.pop() as NonNullable<ReturnType<EventQueue['pop']>>;
      switch (ev.kind) {
        case EventKind.Deliver:
        case EventKind.Request:
        case EventKind.Reply:
          sink += ev.target;
          break;
        default:
          sink -= ev.target;
      }
      const next = queue.push(ev.t + delay(), ev.kind, ev.target);
      next.n1 = events;
      queue.release(ev);
      events++;
    }
    wallMs = performance.now() - started;
  }
  if (sink === Number.MIN_SAFE_INTEGER) process.stdout.write(''); // keep the loop's work observable
  return { bench: 'heap', queued, events, wallMs: Math.round(wallMs * 10) / 10, eventsPerSec: Math.round((events / wallMs) * 1000) };
}

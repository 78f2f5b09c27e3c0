/**
 * A deliberately naive linearizability checker for cross-checking the real one: it shares no code
 * with sim/check, keeps a whole Map of keys as its state (no P-compositionality), and tries every
 * order of every subset of the info operations.
 */
import type { HistoryEvent, HistoryValue } from '../../sim/history/index.js';

type Scalar = number | string | null;

interface BruteOp {
  readonly f: HistoryEvent['f'];
  readonly key: string | null;
  readonly arg: HistoryValue;
  readonly output: HistoryValue;
  readonly invoke: number;
  /** Index of the ok completion; Infinity for info and never-completed ops. */
  readonly complete: number;
  readonly optional: boolean;
}

export function bruteForceLinearizable(events: readonly HistoryEvent[], init: Scalar): boolean {
  const ops = collect(events);
  const state = new Map<string | null, Scalar>();
  const done = new Array<boolean>(ops.length).fill(false);
  return search(ops, done, state, init);
}

function collect(events: readonly HistoryEvent[]): BruteOp[] {
  const open = new Map<number, { event: HistoryEvent; index: number }>();
  const ops: BruteOp[] = [];
  const finish = (invoke: { event: HistoryEvent; index: number }, complete: number, output: HistoryValue, optional: boolean): void => {
    ops.push({ f: invoke.event.f, key: invoke.event.key, arg: invoke.event.value, output, invoke: invoke.index, complete, optional });
  };
  events.forEach((event, index) => {
    if (event.type === 'invoke') {
      open.set(event.process, { event, index });
      return;
    }
    const invoke = open.get(event.process);
    if (invoke === undefined) throw new Error('dangling completion');
    open.delete(event.process);
    if (event.type === 'ok') finish(invoke, index, event.value, false);
    if (event.type === 'info') finish(invoke, Infinity, null, true);
  });
  for (const invoke of open.values()) finish(invoke, Infinity, null, true);
  return ops;
}

function search(ops: readonly BruteOp[], done: boolean[], state: Map<string | null, Scalar>, init: Scalar): boolean {
  if (ops.every((op, i) => done[i] || op.optional)) return true;
  for (let i = 0; i < ops.length; i++) {
    if (done[i]) continue;
    const op = ops[i] as BruteOp;
    // op may go next only if no other pending op completed before op was invoked.
    const blocked = ops.some((other, k) => !done[k] && k !== i && other.complete < op.invoke);
    if (blocked) continue;
    const before = state.has(op.key) ? (state.get(op.key) as Scalar) : init;
    const after = apply(op, before);
    if (after === undefined) continue;
    done[i] = true;
    state.set(op.key, after);
    const ok = search(ops, done, state, init);
    done[i] = false;
    state.set(op.key, before);
    if (ok) return true;
  }
  return false;
}

/** The next value, or undefined when the op cannot take effect here. */
function apply(op: BruteOp, current: Scalar): Scalar | undefined {
  switch (op.f) {
    case 'read':
      return op.output === current ? current : undefined;
    case 'write':
      return op.arg as Scalar;
    case 'cas': {
      const [expected, next] = op.arg as readonly [Scalar, Scalar];
      if (expected === current) return next;
      return op.optional ? current : undefined; // an info cas that found another value changed nothing
    }
    case 'append':
      return (current === null ? '' : String(current)) + String(op.arg);
  }
}

/**
 * Small random histories for property tests: processes run operations against a real register
 * map, each taking effect at a random moment inside its interval (so most histories are
 * linearizable), then some results are corrupted, some completions turned into info or fail, and
 * some invokes left open (so many are not).
 */
import type { HistoryEvent, HistoryF, HistoryValue } from '../../sim/history/index.js';
import type { Random } from '../../sim/random.js';

type Scalar = number | string | null;

export interface HistoryShape {
  readonly processes: number;
  readonly ops: number;
  readonly keys: readonly (string | null)[];
  readonly functions: readonly HistoryF[];
  readonly init: Scalar;
  /** Probability that a completion is `info` (default 0.15). */
  readonly infoChance?: number;
  /**
   * Every write writes a new value (10, 11, …) and a lying read returns an earlier written value,
   * the initial one or one never written: the histories the zones checker takes.
   */
  readonly uniqueWrites?: boolean;
}

interface Running {
  readonly f: HistoryF;
  readonly key: string | null;
  readonly value: HistoryValue;
  effect: 'pending' | 'applied' | 'failed';
  result: HistoryValue;
}

const VALUES: readonly Scalar[] = [0, 1, 2];
const PIECES: readonly string[] = ['a', 'b'];

export function randomHistory(random: Random, shape: HistoryShape): HistoryEvent[] {
  const store = new Map<string | null, Scalar>();
  const running = new Map<number, Running>();
  const events: HistoryEvent[] = [];
  let started = 0;
  let time = 0;
  const written: Scalar[] = [shape.init, 99];
  const read = (key: string | null): Scalar => (store.has(key) ? (store.get(key) as Scalar) : shape.init);
  for (let tick = 0; tick < shape.ops * 6 && (started < shape.ops || running.size > 0); tick++) {
    const process = random.int(shape.processes);
    const op = running.get(process);
    if (op === undefined) {
      if (started >= shape.ops) continue;
      started++;
      const next = invoke(random, shape);
      if (shape.uniqueWrites === true && next.f === 'write') {
        const value = 10 + written.length;
        written.push(value);
        running.set(process, { ...next, value });
        events.push({ process, type: 'invoke', f: next.f, key: next.key, value, time: time++ });
        continue;
      }
      running.set(process, next);
      events.push({ process, type: 'invoke', f: next.f, key: next.key, value: next.value, time: time++ });
    } else if (op.effect === 'pending' && random.chance(0.6)) {
      takeEffect(op, read(op.key), store);
    } else {
      running.delete(process);
      const lies = shape.uniqueWrites === true ? written : [...VALUES, 'a', null];
      events.push(complete(random, process, op, read(op.key), store, time++, shape.infoChance ?? 0.15, lies));
    }
  }
  return events;
}

function invoke(random: Random, shape: HistoryShape): Running {
  const f = random.pick(shape.functions);
  const key = random.pick(shape.keys);
  const value: HistoryValue =
    f === 'read' ? null : f === 'cas' ? [random.pick(VALUES), random.pick(VALUES)] : f === 'append' ? random.pick(PIECES) : random.pick(VALUES);
  return { f, key, value, effect: 'pending', result: null };
}

function takeEffect(op: Running, current: Scalar, store: Map<string | null, Scalar>): void {
  switch (op.f) {
    case 'read':
      op.result = current;
      break;
    case 'write':
      store.set(op.key, op.value as Scalar);
      break;
    case 'cas': {
      const [expected, next] = op.value as readonly [Scalar, Scalar];
      if (expected !== current) {
        op.effect = 'failed';
        return;
      }
      store.set(op.key, next);
      break;
    }
    case 'append':
      store.set(op.key, (current === null ? '' : String(current)) + String(op.value));
      break;
  }
  op.effect = 'applied';
}

function complete(
  random: Random,
  process: number,
  op: Running,
  current: Scalar,
  store: Map<string | null, Scalar>,
  time: number,
  infoChance: number,
  lies: readonly Scalar[],
): HistoryEvent {
  const base = { process, f: op.f, key: op.key, time };
  // Unknown outcome: it may or may not have taken effect (and may still, later).
  if (random.chance(infoChance)) {
    if (op.effect === 'pending' && random.chance(0.5)) takeEffect(op, current, store);
    return { ...base, type: 'info', value: op.value };
  }
  if (op.effect === 'pending') takeEffect(op, current, store);
  if (op.effect === 'failed') return { ...base, type: 'fail', value: op.value };
  // A lying server: a result that is wrong, or a "fail" for something that happened.
  if (op.f === 'read' && random.chance(0.12)) return { ...base, type: 'ok', value: random.pick(lies) };
  if (op.f !== 'read' && random.chance(0.06)) return { ...base, type: 'fail', value: op.value };
  return { ...base, type: 'ok', value: op.f === 'read' ? op.result : op.value };
}

/**
 * The checker benchmark: every Porcupine history in ../shared/peers/porcupine next to Porcupine's
 * own times (BASELINE.json: median of 5 runs of CheckEvents, parsing excluded), then a generated
 * 200,000-operation, 1,000-key history (check time and peak memory), then single-key register
 * families (`check-register` rows): 10/20/50/100 processes × 1k/10k/100k operations × 0/5/20%
 * info, linearizable and not, generated from a seed (nothing big is committed). Target: every
 * one decided, 100 processes × 100,000 operations with 20% info in under 5 s and 1 GB.
 *
 * Prints one JSON object per line, then a table for people. Run standalone with
 * `node dist/bench/check.js`, or through `npm run bench` (bench/main.ts calls `benchChecker`).
 * Targets are reported, never asserted: speed is not a test.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkHistory, type CheckOptions, type Model, type Value } from '../sim/check/index.js';
import { parseHistory, readHistoryFile, toJsonLines, type HistoryEvent, type HistoryF, type HistoryValue } from '../sim/history/index.js';
import { stream, type Random } from '../sim/random.js';
import { wallNowMs } from '../sim/wallclock.js';

/** Porcupine's total over the 108 histories (BASELINE.json), the acceptance bound. */
const TARGET_TOTAL_MS = 776;
const TARGET_BIG_MS = 5000;
/** Runs per file for the median (Porcupine's baseline is a median of 5). */
const RUNS = 5;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function peersDir(): string {
  return process.env['CONSENSIM_PEERS_DIR'] ?? resolve(ROOT, '..', 'shared', 'peers');
}

function emit(row: object): void {
  process.stdout.write(JSON.stringify(row) + '\n');
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function timeCheck(events: readonly HistoryEvent[], options: CheckOptions): { ms: number; linearizable: true | false | 'unknown' } {
  const start = wallNowMs();
  const result = checkHistory(events, options);
  return { ms: wallNowMs() - start, linearizable: result.linearizable };
}

interface FileRow {
  readonly file: string;
  readonly ops: number;
  readonly linearizable: true | false | 'unknown';
  readonly expected: boolean;
  /** The first (cold) run, as `consensim check --json` reports it. */
  readonly firstMs: number;
  /** Median of RUNS runs, the statistic of Porcupine's baseline. */
  readonly ms: number;
  readonly porcupineMs: number;
  readonly ratio: number;
}

function benchPorcupine(dir: string): FileRow[] {
  const expected = JSON.parse(readFileSync(join(dir, 'EXPECTED.json'), 'utf8')) as Record<string, { linearizable: boolean; ops: number; model: Model; init: Value }>;
  const baseline = JSON.parse(readFileSync(join(dir, 'BASELINE.json'), 'utf8')) as { files: Record<string, { ms: number }> };
  const rows: FileRow[] = [];
  for (const file of Object.keys(expected).sort()) {
    const spec = expected[file]!;
    const events = readHistoryFile(join(dir, file));
    const options: CheckOptions = { model: spec.model, init: spec.init };
    const first = timeCheck(events, options);
    const times = [first.ms];
    for (let run = 1; run < RUNS; run++) times.push(timeCheck(events, options).ms);
    times.sort((a, b) => a - b);
    const ms = times[Math.floor(RUNS / 2)]!;
    const porcupineMs = baseline.files[file]?.ms ?? NaN;
    const row: FileRow = {
      file,
      ops: spec.ops,
      linearizable: first.linearizable,
      expected: spec.linearizable,
      firstMs: round(first.ms),
      ms: round(ms),
      porcupineMs,
      ratio: round(ms / porcupineMs),
    };
    emit({ bench: 'check', ...row });
    rows.push(row);
  }
  return rows;
}

/**
 * A linearizable kv history: `clients` processes run read/write/cas/append on `keys` keys of a
 * real map, each op taking effect at a random moment inside its interval; `infoChance` end in info
 * (and then took effect or not), failed cas are recorded as fail.
 */
export function generateKvHistory(random: Random, operations: number, keys: number, clients: number, infoChance = 0.01): HistoryEvent[] {
  const store = new Map<string, Value>();
  type Running = { f: HistoryF; key: string; value: HistoryValue; applied: boolean; failed: boolean; result: Value };
  const running = new Map<number, Running>();
  const events: HistoryEvent[] = [];
  let started = 0;
  let time = 0;
  const apply = (op: Running): void => {
    const current = store.get(op.key) ?? null;
    op.applied = true;
    if (op.f === 'read') op.result = current;
    else if (op.f === 'write') store.set(op.key, op.value as Value);
    else if (op.f === 'append') store.set(op.key, (current === null ? '' : String(current)) + String(op.value));
    else if ((op.value as readonly Value[])[0] === current) store.set(op.key, (op.value as readonly Value[])[1] ?? null);
    else op.failed = true;
  };
  while (started < operations || running.size > 0) {
    const process = random.int(clients);
    const op = running.get(process);
    if (op === undefined) {
      if (started >= operations) continue;
      started++;
      const roll = random.next();
      const f: HistoryF = roll < 0.5 ? 'read' : roll < 0.8 ? 'write' : roll < 0.9 ? 'cas' : 'append';
      const value: HistoryValue = f === 'read' ? null : f === 'cas' ? [random.int(4), random.int(4)] : f === 'append' ? `${process % 10}` : random.int(4);
      const next: Running = { f, key: `k${random.int(keys)}`, value, applied: false, failed: false, result: null };
      running.set(process, next);
      events.push({ process, type: 'invoke', f, key: next.key, value, time: time++ });
    } else if (!op.applied && random.chance(0.5)) {
      apply(op);
    } else {
      running.delete(process);
      const base = { process, f: op.f, key: op.key, time: time++ };
      if (random.chance(infoChance)) {
        if (!op.applied && random.chance(0.5)) apply(op);
        events.push({ ...base, type: 'info', value: op.value });
        continue;
      }
      if (!op.applied) apply(op);
      events.push({ ...base, type: op.failed ? 'fail' : 'ok', value: op.f === 'read' ? op.result : op.value });
    }
  }
  return events;
}

function benchBig(): void {
  const operations = 200_000;
  const keys = 1_000;
  const events = generateKvHistory(stream(1, 'bench:check'), operations, keys, 100);
  const text = toJsonLines(events);
  const parseStart = wallNowMs();
  const parsed = parseHistory(text, 'generated.jsonl');
  const parseMs = wallNowMs() - parseStart;
  const before = process.memoryUsage();
  const { ms, linearizable } = timeCheck(parsed, { model: 'kv', init: null });
  const after = process.memoryUsage();
  emit({
    bench: 'check-generated',
    ops: operations,
    keys,
    events: events.length,
    linearizable,
    ms: round(ms),
    targetMs: TARGET_BIG_MS,
    parseMs: round(parseMs),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    heapUsedMB: Math.round(after.heapUsed / 2 ** 20),
    heapGrowthMB: Math.round((after.heapUsed - before.heapUsed) / 2 ** 20),
  });
}

/** One register family's shape. */
interface RegisterFamily {
  readonly processes: number;
  readonly operations: number;
  readonly infoPercent: number;
  readonly linearizable: boolean;
}

/**
 * A single-register history, as a Jepsen register test makes it: `processes` clients each run
 * reads and writes of unique values (half each), every op taking effect at a random moment
 * inside its interval; `infoPercent`% of completions are info (the op took effect or not, at
 * random). With `linearizable` false, one late read is made stale: it returns the value of a
 * write w1 although a write w2 invoked after w1 completed had completed before the read began,
 * a violation in every linearization.
 */
export function generateRegisterHistory(random: Random, family: RegisterFamily): HistoryEvent[] {
  type Running = { f: HistoryF; value: HistoryValue; applied: boolean; result: HistoryValue; eventIndex: number };
  const running = new Map<number, Running>();
  const events: HistoryEvent[] = [];
  let current: HistoryValue = null;
  let nextValue = 1;
  let started = 0;
  const info = family.infoPercent / 100;
  while (started < family.operations || running.size > 0) {
    const process = random.int(family.processes);
    const op = running.get(process);
    if (op === undefined) {
      if (started >= family.operations) continue;
      started++;
      const f: HistoryF = random.chance(0.5) ? 'read' : 'write';
      const value = f === 'write' ? nextValue++ : null;
      running.set(process, { f, value, applied: false, result: null, eventIndex: events.length });
      events.push({ process, type: 'invoke', f, key: null, value, time: events.length });
    } else if (!op.applied && random.chance(0.5)) {
      op.applied = true;
      if (op.f === 'read') op.result = current;
      else current = op.value;
    } else {
      running.delete(process);
      if (random.chance(info)) {
        if (!op.applied && op.f === 'write' && random.chance(0.5)) current = op.value;
        events.push({ process, type: 'info', f: op.f, key: null, value: op.value, time: events.length });
        continue;
      }
      if (!op.applied) {
        if (op.f === 'read') op.result = current;
        else current = op.value;
      }
      events.push({ process, type: 'ok', f: op.f, key: null, value: op.f === 'read' ? op.result : op.value, time: events.length });
    }
  }
  return family.linearizable ? events : staleRead(events);
}

/** Makes one read in the last quarter return a value overwritten, in real time, before it began. */
export function staleRead(events: HistoryEvent[]): HistoryEvent[] {
  const invokedAt = new Map<number, number>();
  const okWrites: { value: HistoryValue; invoke: number; complete: number }[] = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as HistoryEvent;
    if (e.type === 'invoke') invokedAt.set(e.process, i);
    else if (e.type === 'ok' && e.f === 'write') okWrites.push({ value: e.value, invoke: invokedAt.get(e.process) as number, complete: i });
  }
  invokedAt.clear();
  for (let i = Math.floor((events.length * 3) / 4); i < events.length; i++) {
    const e = events[i] as HistoryEvent;
    if (e.type === 'invoke') invokedAt.set(e.process, i);
    if (e.type !== 'ok' || e.f !== 'read') continue;
    const readInvoke = invokedAt.get(e.process);
    if (readInvoke === undefined) continue;
    // w2: the last ok write completed before the read began; w1: one completed before w2 began.
    const w2 = okWrites.filter((w) => w.complete < readInvoke).at(-1);
    const w1 = w2 === undefined ? undefined : okWrites.filter((w) => w.complete < w2.invoke).at(-1);
    if (w1 === undefined) continue;
    const out = events.slice();
    out[i] = { ...e, value: w1.value };
    return out;
  }
  throw new Error('no read to make stale');
}

interface RegisterRow {
  readonly bench: 'check-register';
  readonly processes: number;
  readonly ops: number;
  readonly infoPercent: number;
  readonly expected: boolean;
  readonly linearizable: true | false | 'unknown';
  readonly strategy: string;
  readonly ms: number;
  readonly rssMB: number;
  readonly peakRssMB: number;
  readonly targetMs?: number;
  readonly targetRssMB?: number;
}

function benchRegisterFamilies(): RegisterRow[] {
  const families: RegisterFamily[] = [];
  // The target rows first, so the process's peak RSS at that point is theirs (and smaller rows').
  for (const linearizable of [true, false]) families.push({ processes: 100, operations: 100_000, infoPercent: 20, linearizable });
  for (const processes of [10, 20, 50, 100]) {
    for (const operations of [1_000, 10_000, 100_000]) {
      for (const infoPercent of [0, 5, 20]) {
        for (const linearizable of [true, false]) {
          if (processes === 100 && operations === 100_000 && infoPercent === 20) continue;
          families.push({ processes, operations, infoPercent, linearizable });
        }
      }
    }
  }
  const rows: RegisterRow[] = [];
  for (const family of families) {
    const seed = family.processes * 1_000_003 + family.operations + family.infoPercent;
    const events = generateRegisterHistory(stream(seed, `bench:register:${family.linearizable}`), family);
    const start = wallNowMs();
    const result = checkHistory(events, { model: 'register', init: null, timeoutMs: 60_000 });
    const ms = wallNowMs() - start;
    const target = family.processes === 100 && family.operations === 100_000 && family.infoPercent === 20;
    const row: RegisterRow = {
      bench: 'check-register',
      processes: family.processes,
      ops: family.operations,
      infoPercent: family.infoPercent,
      expected: family.linearizable,
      linearizable: result.linearizable,
      strategy: result.strategies.zones.length > 0 ? 'zones' : result.strategies.wgl.length > 0 ? 'wgl' : 'none',
      ms: round(ms),
      rssMB: Math.round(process.memoryUsage().rss / 2 ** 20),
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      ...(target ? { targetMs: TARGET_BIG_MS, targetRssMB: 1024 } : {}),
    };
    emit(row);
    rows.push(row);
  }
  return rows;
}

/**
 * A single-key cas-register history (what the zones cannot take): `processes` clients run reads
 * (40%), writes (30%) and cas (30%) of unique new values, a cas expecting the value its client
 * last saw; `infoPercent`% of completions are info. Linearizable by construction.
 */
export function generateCasHistory(random: Random, processes: number, operations: number, infoPercent: number): HistoryEvent[] {
  type Running = { f: HistoryF; value: HistoryValue; applied: boolean; failed: boolean; result: HistoryValue };
  const running = new Map<number, Running>();
  const seen = new Map<number, HistoryValue>();
  const events: HistoryEvent[] = [];
  let current: HistoryValue = null;
  let nextValue = 1;
  let started = 0;
  const apply = (op: Running): void => {
    op.applied = true;
    if (op.f === 'read') op.result = current;
    else if (op.f === 'write') current = op.value;
    else if ((op.value as readonly HistoryValue[])[0] === current) current = (op.value as readonly HistoryValue[])[1] as HistoryValue;
    else op.failed = true;
  };
  while (started < operations || running.size > 0) {
    const process = random.int(processes);
    const op = running.get(process);
    if (op === undefined) {
      if (started >= operations) continue;
      started++;
      const roll = random.next();
      const f: HistoryF = roll < 0.4 ? 'read' : roll < 0.7 ? 'write' : 'cas';
      const value: HistoryValue = f === 'read' ? null : f === 'write' ? nextValue++ : [seen.get(process) ?? null, nextValue++];
      running.set(process, { f, value, applied: false, failed: false, result: null });
      events.push({ process, type: 'invoke', f, key: null, value, time: events.length });
    } else if (!op.applied && random.chance(0.5)) {
      apply(op);
    } else {
      running.delete(process);
      if (random.chance(infoPercent / 100)) {
        if (!op.applied && random.chance(0.5)) apply(op);
        events.push({ process, type: 'info', f: op.f, key: null, value: op.value, time: events.length });
        continue;
      }
      if (!op.applied) apply(op);
      if (op.f === 'read') seen.set(process, op.result);
      events.push({ process, type: op.failed ? 'fail' : 'ok', f: op.f, key: null, value: op.f === 'read' ? op.result : op.value, time: events.length });
    }
  }
  return events;
}

interface CasRow {
  readonly bench: 'check-cas';
  readonly processes: number;
  readonly ops: number;
  readonly infoPercent: number;
  readonly expected: boolean;
  readonly linearizable: true | false | 'unknown';
  readonly ms: number;
  readonly timeoutMs: number;
}

/**
 * Where the general search gives up: single-key cas-register histories (5% info), linearizable
 * and with one stale read, 5 s budget each.
 */
function benchCasFamilies(): CasRow[] {
  const rows: CasRow[] = [];
  const timeoutMs = 5_000;
  const infoPercent = 5;
  for (const processes of [10, 20, 50, 100]) {
    for (const operations of [1_000, 10_000]) {
      for (const expected of [true, false]) {
        const events = generateCasHistory(stream(processes * 7919 + operations + infoPercent, 'bench:cas'), processes, operations, infoPercent);
        const history = expected ? events : staleRead(events);
        const start = wallNowMs();
        const result = checkHistory(history, { model: 'cas-register', init: null, timeoutMs });
        const row: CasRow = { bench: 'check-cas', processes, ops: operations, infoPercent, expected, linearizable: result.linearizable, ms: round(wallNowMs() - start), timeoutMs };
        emit(row);
        rows.push(row);
      }
    }
  }
  return rows;
}

function table(rows: readonly FileRow[]): string[] {
  const slow = [...rows].sort((a, b) => b.porcupineMs - a.porcupineMs).slice(0, 10);
  const lines = ['file                    ops  consensim ms (first)  porcupine ms   ratio'];
  for (const r of slow) {
    lines.push(`${r.file.padEnd(20)} ${String(r.ops).padStart(6)} ${r.ms.toFixed(2).padStart(10)} (${r.firstMs.toFixed(2).padStart(7)}) ${r.porcupineMs.toFixed(2).padStart(12)} ${r.ratio.toFixed(2).padStart(7)}`);
  }
  return lines;
}

export async function benchChecker(): Promise<void> {
  const dir = join(peersDir(), 'porcupine');
  if (!existsSync(join(dir, 'EXPECTED.json'))) {
    process.stdout.write(`checker bench: ${dir} not found, Porcupine comparison skipped\n`);
  } else {
    const rows = benchPorcupine(dir);
    const sum = (pick: (r: FileRow) => number): number => rows.reduce((total, r) => total + pick(r), 0);
    const total = {
      bench: 'check-total',
      files: rows.length,
      ms: round(sum((r) => r.ms)),
      firstMs: round(sum((r) => r.firstMs)),
      porcupineMs: round(sum((r) => r.porcupineMs)),
      ratio: round(sum((r) => r.ms) / sum((r) => r.porcupineMs)),
      targetMs: TARGET_TOTAL_MS,
      wrongVerdicts: rows.filter((r) => r.linearizable !== r.expected).map((r) => r.file),
    };
    emit(total);
    process.stdout.write('\n' + table(rows).join('\n') + '\n');
    process.stdout.write(`total over ${total.files} files: ${total.ms} ms median (${total.firstMs} ms first runs) vs Porcupine ${total.porcupineMs} ms; target ≤ ${TARGET_TOTAL_MS} ms\n\n`);
  }
  benchBig();
  const registers = benchRegisterFamilies();
  const undecided = registers.filter((r) => r.linearizable === 'unknown').length;
  const wrong = registers.filter((r) => r.linearizable !== 'unknown' && r.linearizable !== r.expected).length;
  const slowest = registers.reduce((a, b) => (b.ms > a.ms ? b : a));
  emit({ bench: 'check-register-total', families: registers.length, undecided, wrongVerdicts: wrong, slowestMs: slowest.ms, maxPeakRssMB: Math.max(...registers.map((r) => r.peakRssMB)) });
  const cas = benchCasFamilies();
  const gaveUp = cas.filter((r) => r.linearizable === 'unknown').map((r) => `${r.processes} processes × ${r.ops} ops ${r.expected ? 'linearizable' : 'with a stale read'}`);
  process.stdout.write(`cas-register (general search, 5 s budget each): ${gaveUp.length} of ${cas.length} unknown${gaveUp.length > 0 ? ': ' + gaveUp.join(', ') : ''}\n`);
  process.stdout.write(`register families: ${registers.length} rows, ${undecided} unknown, ${wrong} wrong; slowest ${slowest.ms} ms (${slowest.processes} processes × ${slowest.ops} ops, ${slowest.infoPercent}% info)\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchChecker();
}

/**
 * The checker benchmark: every Porcupine history in ../shared/peers/porcupine next to Porcupine's
 * own times (BASELINE.json: median of 5 runs of CheckEvents, parsing excluded), then a generated
 * 200,000-operation, 1,000-key history (check time and peak memory).
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
  return process.env['CONSENSIM_PEERS'] ?? resolve(ROOT, '..', 'shared', 'peers');
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
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchChecker();
}

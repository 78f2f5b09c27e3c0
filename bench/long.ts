/**
 * Long runs: one seed of raft-nemesis and of quorum-nemesis at 60 s and at 3,600 s of virtual
 * time, each in its own process so its peak RSS is its own, then per scenario the ratio of the two
 * rates and of the two peaks. It shows whether memory and speed stay flat as `duration` grows: the
 * simulator's own structures are bounded (see "Long runs" in docs/engine.md); what still grows is
 * the protocol's (raft's uncompacted log, replayed whole at each restart).
 *
 * The child runs the run exactly as `consensim run` does (trace hashed, every check on, the
 * history checked as it goes rather than kept) and prints one JSON object; the parent prints the
 * table.
 *
 *   node dist/bench/long.js <scenario.yaml> <virtual seconds>    (the child)
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { PROTOCOLS } from '../protocols/registry.js';
import { loadScenario, runScenario, type RetainedSizes } from '../sim/index.js';

/** The durations the row measures (virtual seconds of workload; the scenario's settle comes on top). */
export const LONG_RUN_SECONDS = [60, 3_600] as const;
export const LONG_RUN_SCENARIO = 'scenarios/raft-nemesis.yaml';
/** Every scenario the long-run rows measure: raft (a log, not compacted yet) and the quorum register (no log). */
export const LONG_RUN_SCENARIOS = [LONG_RUN_SCENARIO, 'scenarios/quorum-nemesis.yaml'] as const;

export interface LongRunRow {
  readonly bench: 'long-run';
  readonly scenario: string;
  readonly seed: number;
  /** `duration` of the run; the whole run is this plus the scenario's settle. */
  readonly durationSeconds: number;
  readonly virtualSeconds: number;
  readonly events: number;
  /** Client operations (ok + fail + info). */
  readonly ops: number;
  readonly wallMs: number;
  readonly simToWall: number;
  readonly cpuMs: number;
  readonly simToCpu: number;
  /** Peak resident set of the process that ran it, MB. */
  readonly maxRssMb: number;
  /** V8 heap in use at the end (before the process exits), MB. */
  readonly heapUsedMb: number;
  /** What the simulator held at the end, in entries (see RetainedSizes): flat in `duration`. */
  readonly retained: RetainedSizes | null;
  readonly ok: boolean;
}

/** One scenario's long run against its short one: 1 means flat; a rate ratio below 1 means slower per virtual second. */
export interface LongRunRatioRow {
  readonly bench: 'long-run-ratio';
  readonly scenario: string;
  readonly shortSeconds: number;
  readonly longSeconds: number;
  /** sim:cpu of the long run over the short run's (CPU time: fairer than wall time on a shared machine). */
  readonly cpuRateRatio: number;
  /** sim:wall of the long run over the short run's. */
  readonly wallRateRatio: number;
  /** Peak RSS of the long run over the short run's. */
  readonly rssRatio: number;
}

export function longRunRatio(short: LongRunRow, long: LongRunRow): LongRunRatioRow {
  const round = (x: number): number => Math.round(x * 100) / 100;
  return {
    bench: 'long-run-ratio',
    scenario: long.scenario,
    shortSeconds: short.durationSeconds,
    longSeconds: long.durationSeconds,
    cpuRateRatio: round(long.virtualSeconds / long.cpuMs / (short.virtualSeconds / short.cpuMs)),
    wallRateRatio: round(long.virtualSeconds / long.wallMs / (short.virtualSeconds / short.wallMs)),
    rssRatio: round(long.maxRssMb / short.maxRssMb),
  };
}

function child(file: string, seconds: number): void {
  const loaded = loadScenario(file, PROTOCOLS);
  const scenario = { ...loaded, durationUs: seconds * 1_000_000 };
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const { result, retained } = runScenario(scenario, { hashTrace: true, keepHistory: false, protocols: PROTOCOLS });
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const virtualMs = result.stats.virtualMs;
  const row: LongRunRow = {
    bench: 'long-run',
    scenario: loaded.name,
    seed: result.seed,
    durationSeconds: seconds,
    virtualSeconds: virtualMs / 1000,
    events: result.stats.events,
    ops: result.stats.ops.ok + result.stats.ops.fail + result.stats.ops.info,
    wallMs: Math.round(wallMs),
    simToWall: Math.round(virtualMs / wallMs),
    cpuMs: Math.round(cpuMs),
    simToCpu: Math.round(virtualMs / cpuMs),
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    heapUsedMb: Math.round(process.memoryUsage().heapUsed / 1e6),
    retained: retained ?? null,
    ok: result.ok,
  };
  process.stdout.write(JSON.stringify(row) + '\n');
}

/** Run one long-run measurement in a fresh process. */
export function benchLongRun(seconds: number, file = LONG_RUN_SCENARIO): LongRunRow {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, [self, file, String(seconds)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  if (r.status !== 0 || !line.startsWith('{')) throw new Error(`long-run bench at ${seconds}s failed: ${r.stderr.trim() || `exit ${String(r.status)}`}`);
  return JSON.parse(line) as LongRunRow;
}

export function longRunTable(rows: readonly LongRunRow[], ratios: readonly LongRunRatioRow[] = []): string[] {
  const header = ['scenario', 'duration', 'events', 'ops', 'wall ms', 'sim:wall', 'sim:cpu', 'max RSS MB', 'heap MB'];
  const cells = rows.map((r) => [
    r.scenario,
    `${r.durationSeconds.toLocaleString('en-US')} s`,
    r.events.toLocaleString('en-US'),
    r.ops.toLocaleString('en-US'),
    r.wallMs.toLocaleString('en-US'),
    `${r.simToWall.toLocaleString('en-US')}×`,
    `${r.simToCpu.toLocaleString('en-US')}×`,
    String(r.maxRssMb),
    String(r.heapUsedMb),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]): string => c.map((v, i) => (i === 0 ? v.padEnd(widths[i] ?? 0) : v.padStart(widths[i] ?? 0))).join('  ');
  const ratioLines = ratios.map(
    (r) => `${r.scenario}: ${r.longSeconds.toLocaleString('en-US')} s against ${r.shortSeconds} s: rate ×${r.cpuRateRatio} (cpu), ×${r.wallRateRatio} (wall); peak RSS ×${r.rssRatio}`,
  );
  return ['long runs, one seed each in its own process, run as `consensim run` does (trace hashed, all checks)', line(header), ...cells.map(line), ...ratioLines];
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, seconds] = process.argv.slice(2);
  const value = Number(seconds);
  if (file === undefined || !(Number.isSafeInteger(value) && value > 0)) {
    process.stderr.write('usage: node dist/bench/long.js <scenario.yaml> <virtual seconds>\n');
    process.exit(2);
  }
  child(file, value);
}

/**
 * `npm run bench -- --only explore`: for every named bug variant, how many runs it takes to find
 * it and how long, (a) sweeping the protocol's bundled `<protocol>-nemesis` scenario with the bug
 * on (fail-fast), (b) `explore --mode swarm`, (c) `explore --mode guided`, each with a budget of
 * `--explore-runs` (default 2000) runs (the sweep: `--sweep-seeds`, default the same); plus shrink's
 * before → after on swarm's first failure (guided's when swarm found none). `--bug a,b` keeps only
 * the bugs whose names contain one of the parts.
 * One JSON object per bug, then a table. Targets (median ≤ 200 runs, guided no worse than swarm)
 * are reported, never asserted.
 */
import { PROTOCOLS, PROTOCOLS_MODULE } from '../protocols/registry.js';
import { protocolSet } from '../sim/protocol-modules.js';
import { explore } from '../sim/explore/explore.js';
import { shrinkScenario, type ScenarioSize } from '../sim/shrink/shrink.js';
import { sweep } from '../sim/sweep.js';
import { wallNowMs } from '../sim/wallclock.js';
import { nemesisScenarios } from './sim.js';

/** The bundled protocols, with the module worker threads import. */
const BUNDLED = protocolSet(PROTOCOLS, [PROTOCOLS_MODULE]);

export interface ExploreBenchRow {
  readonly bench: 'explore';
  readonly bug: string;
  readonly protocol: string;
  readonly budget: number;
  /** Seeds the nemesis sweep may try (`--sweep-seeds`, default the same budget). */
  readonly sweepBudget: number;
  /** Runs (or seeds) up to and including the first failure; null when none within the budget. */
  readonly sweepRuns: number | null;
  readonly sweepMs: number;
  readonly swarmRuns: number | null;
  readonly swarmMs: number;
  readonly swarmKind: string | null;
  readonly guidedRuns: number | null;
  readonly guidedMs: number;
  readonly shrinkBefore: ScenarioSize | null;
  readonly shrinkAfter: ScenarioSize | null;
  readonly shrinkMs: number;
}

export async function benchExplore(budget: number, workers: number, only?: string, sweepSeeds = budget): Promise<ExploreBenchRow[]> {
  const rows: ExploreBenchRow[] = [];
  const nemesis = nemesisScenarios();
  for (const protocol of PROTOCOLS) {
    for (const bug of protocol.bugs) {
      if (only !== undefined && !only.split(',').some((part) => bug.name.includes(part))) continue;
      const file = nemesis.find((n) => n.protocol === protocol.name)?.file;
      let sweepRuns: number | null = null;
      let sweepMs = 0;
      if (file !== undefined) {
        const t = wallNowMs();
        const { result } = await sweep(file, { from: 1, to: sweepSeeds, extraBugs: [bug.name], failFast: true, workers, protocols: BUNDLED });
        sweepMs = Math.round(wallNowMs() - t);
        sweepRuns = result.failed.length > 0 ? result.seeds.count : null;
      }
      const swarm = await explore({ protocol: protocol.name, bugs: [bug.name], mode: 'swarm', runs: budget, workers, outDir: null }, BUNDLED);
      const guided = await explore({ protocol: protocol.name, bugs: [bug.name], mode: 'guided', runs: budget, workers, outDir: null }, BUNDLED);
      const failing = swarm.failingScenarios[0] ?? guided.failingScenarios[0];
      let shrinkBefore: ScenarioSize | null = null;
      let shrinkAfter: ScenarioSize | null = null;
      let shrinkMs = 0;
      if (failing !== undefined) {
        const t = wallNowMs();
        const shrunk = shrinkScenario(failing, PROTOCOLS);
        shrinkMs = Math.round(wallNowMs() - t);
        shrinkBefore = shrunk.before;
        shrinkAfter = shrunk.after;
      }
      const row: ExploreBenchRow = {
        bench: 'explore',
        bug: bug.name,
        protocol: protocol.name,
        budget,
        sweepBudget: sweepSeeds,
        sweepRuns,
        sweepMs,
        swarmRuns: swarm.result.failures[0]?.run ?? null,
        swarmMs: swarm.result.wallMs,
        swarmKind: swarm.result.failures[0]?.kind ?? null,
        guidedRuns: guided.result.failures[0]?.run ?? null,
        guidedMs: guided.result.wallMs,
        shrinkBefore,
        shrinkAfter,
        shrinkMs,
      };
      process.stdout.write(JSON.stringify(row) + '\n');
      rows.push(row);
    }
  }
  process.stdout.write('\n' + exploreTable(rows).join('\n') + '\n\n');
  return rows;
}

function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function exploreTable(rows: readonly ExploreBenchRow[]): string[] {
  const runs = (n: number | null, budget: number): string => (n === null ? `>${budget}` : String(n));
  const secs = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;
  const size = (s: ScenarioSize | null): string => (s === null ? '-' : `${s.faults}f/${s.clients}c/${s.nodes}n/${s.durationMs / 1000}s`);
  const lines = [
    `${'bug'.padEnd(36)} ${'nemesis sweep'.padStart(16)} ${'swarm'.padStart(16)} ${'guided'.padStart(16)}  shrink (faults/clients/nodes/duration)`,
  ];
  for (const r of rows) {
    lines.push(
      `${r.bug.padEnd(36)} ${`${runs(r.sweepRuns, r.sweepBudget)} ${secs(r.sweepMs)}`.padStart(16)} ${`${runs(r.swarmRuns, r.budget)} ${secs(r.swarmMs)}`.padStart(16)} ${`${runs(r.guidedRuns, r.budget)} ${secs(r.guidedMs)}`.padStart(16)}  ${size(r.shrinkBefore)} → ${size(r.shrinkAfter)}`,
    );
  }
  const found = (k: 'sweepRuns' | 'swarmRuns' | 'guidedRuns'): string => {
    const xs = rows.map((r) => r[k]);
    const hit = xs.filter((x): x is number => x !== null);
    // Misses count as the budget for the median: an honest lower bound, not a hidden row.
    const cap = k === 'sweepRuns' ? (rows[0]?.sweepBudget ?? 0) : (rows[0]?.budget ?? 0);
    const med = median(xs.map((x) => x ?? cap));
    return `${hit.length}/${rows.length} found, median ${med === null ? '-' : med}${hit.length < rows.length ? ' (misses counted at the budget)' : ''}`;
  };
  lines.push('', `nemesis sweep: ${found('sweepRuns')}`, `swarm:         ${found('swarmRuns')}`, `guided:        ${found('guidedRuns')}`);
  const small = rows.filter((r) => r.shrinkAfter !== null && r.shrinkAfter.faults <= 5).length;
  const shrunk = rows.filter((r) => r.shrinkAfter !== null).length;
  lines.push(`shrink: ${small}/${rows.length} bugs end with ≤ 5 faults (${shrunk} had a failure to shrink)`);
  return lines;
}

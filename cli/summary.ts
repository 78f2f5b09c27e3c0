/**
 * The human-readable run summary: a seed banner first, the checks, the stats, and on failure the
 * exact reproduce command last (TigerBeetle's VOPR habit: seed first, "reproduce with" last).
 */
import type { Counterexample, LatencyStats, OpSummary, RunResult, Scenario, SkippedFault } from '../sim/index.js';
import { count, virtualTime } from './format.js';
import { chalk } from './output.js';

export function banner(scenario: Scenario, seed: number): string {
  const parts = [`seed ${seed}`, scenario.name, scenario.protocol, `${scenario.nodes} nodes`];
  if (scenario.bugs.length > 0) parts.push(`bugs: ${scenario.bugs.join(', ')}`);
  return chalk.bold(parts.join(' · '));
}

function verdict(value: boolean | 'unknown' | null): string {
  if (value === null) return chalk.dim('not checked');
  if (value === 'unknown') return chalk.yellow('unknown (checker budget ran out)');
  return value ? chalk.green('ok') : chalk.red('FAILED');
}

/** Every line after the banner. `expectFail`: the scenario says `expect: fail` (a failure is its lesson). */
export function summaryLines(result: RunResult, counterexample: string | null = null, written: readonly string[] = [], expectFail = false): string[] {
  const { checks, stats } = result;
  const lines: string[] = [];
  lines.push(`  linearizable  ${verdict(checks.linearizable)}`);
  if (checks.invariantsChecked === false) lines.push(`  invariants    ${verdict(null)}`);
  else if (checks.invariants.length === 0) lines.push(`  invariants    ${chalk.green('ok')}`);
  for (const v of checks.invariants) {
    lines.push(`  invariants    ${chalk.red('VIOLATED')} ${v.name} at ${virtualTime(v.time / 1000)}${v.node === null ? '' : ` on ${v.node}`}: ${v.detail}`);
  }
  lines.push(`  liveness      ${verdict(checks.liveness)}`);
  const m = stats.messages;
  const ratio = stats.wallMs > 0 ? ` (${count(Math.round(stats.virtualMs / stats.wallMs))}× real time)` : '';
  // "events run": what the scheduler handled; the trace file has more lines (sends, drops, notes).
  lines.push(chalk.dim(`  ${count(stats.events)} events run · messages ${count(m.sent)} sent, ${count(m.delivered)} delivered, ${count(m.dropped)} dropped, ${count(m.duplicated)} duplicated`));
  lines.push(chalk.dim(`  ops ${count(stats.ops.ok)} ok, ${failText(stats.ops)}, ${count(stats.ops.info)} info · ${virtualTime(stats.virtualMs)} virtual in ${count(Math.round(stats.wallMs))}ms${ratio}`));
  const latency = latencyLine(stats.latency);
  if (latency !== null) lines.push(chalk.dim(latency));
  if (result.traceHash !== '') lines.push(chalk.dim(`  traceHash ${result.traceHash}`));
  for (const note of written) lines.push(chalk.dim(`  wrote ${note}`));
  if (result.ok) {
    lines.push(chalk.green('PASS') + (expectFail ? chalk.yellow(" (this scenario expects a failure, its lesson; this seed did not show it)") : ''));
  } else {
    lines.push(chalk.red(`FAIL: ${result.reason ?? 'a check failed'}`));
    // The exit status stays 1: the run did fail a check; that failure is what the scenario teaches.
    if (expectFail) lines.push(chalk.cyan("expected failure (this scenario's lesson; the exit status is 1 as for any failed check)"));
    if (counterexample !== null) lines.push(counterexample);
    lines.push(`reproduce: ${result.repro}`);
  }
  return lines;
}

/** `  latency read p50 4.1ms p99 11.9ms (212 ok) · write ...`: only the kinds that completed ok. */
export function latencyLine(latency: LatencyStats | undefined): string | null {
  if (latency === undefined) return null;
  const parts: string[] = [];
  for (const kind of ['read', 'write', 'cas'] as const) {
    const f = latency[kind];
    if (f.count > 0 && f.p50 !== null && f.p99 !== null) parts.push(`${kind} p50 ${f.p50}ms p99 ${f.p99}ms (${count(f.count)} ok)`);
  }
  return parts.length === 0 ? null : `  latency ${parts.join(' · ')}`;
}

/** "7 fail (all cas mismatches)": a cas whose expected value differed is an answer, not an error. */
function failText(ops: RunResult['stats']['ops']): string {
  const base = `${count(ops.fail)} fail`;
  const cas = ops.casMismatch ?? 0;
  if (cas === 0) return base;
  if (cas === ops.fail) return `${base} (${cas === 1 ? 'a cas mismatch' : 'all cas mismatches'}: expected value differed, not errors)`;
  return `${base} (${count(cas)} cas mismatch${cas === 1 ? '' : 'es'}: expected value differed, not errors)`;
}

/** One line per scripted fault that did nothing: "fault at 10ms (line 12) skipped: crash leader: no leader yet ...". */
export function skippedFaultLines(skipped: readonly SkippedFault[] | undefined): string[] {
  return (skipped ?? []).map((s) => `fault at ${virtualTime(s.time / 1000)}${s.line > 0 ? ` (line ${s.line})` : ''} skipped: ${s.reason}`);
}

/** A linearizability counterexample as text: the end of the longest linearization, then what could not follow. */
export function counterexampleText(c: Counterexample): string {
  const op = (o: OpSummary): string => {
    const out = o.output === undefined ? '' : ` → ${JSON.stringify(o.output)}`;
    const end = o.completeTime === null ? 'never completed' : `${(o.completeTime / 1000).toFixed(3)}ms`;
    return `  process ${o.process} ${o.f} ${JSON.stringify(o.value)}${out} (${o.type}) [${(o.invokeTime / 1000).toFixed(3)}ms .. ${end}]`;
  };
  const shown = c.prefix.slice(-COUNTEREXAMPLE_PREFIX);
  const lines = [`key ${c.key ?? '(register)'}: the longest linearizable order has ${c.prefix.length} operations${shown.length < c.prefix.length ? `; its last ${shown.length}` : ''}:`];
  lines.push(...shown.map(op), 'and none of these can come next:', ...c.unplaced.map(op));
  return lines.join('\n');
}

const COUNTEREXAMPLE_PREFIX = 12;

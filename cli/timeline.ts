/**
 * A counterexample as people read it: a timeline with one row per process, each operation a bar
 * from its invoke to its completion, the operations that could not be placed highlighted, then
 * the end of the longest linearization and the culprits as a list.
 */
import { replayPrefix, toJsonText, type Counterexample, type HistoryValue, type OpSummary, type Value } from '../sim/index.js';
import { chalk } from './output.js';

/** How many operations of the prefix are shown before the culprits. */
const CONTEXT_OPS = 8;

export function renderCounterexample(counterexample: Counterexample, init: Value): string[] {
  const { prefix, unplaced } = counterexample;
  const tail = prefix.slice(Math.max(0, prefix.length - CONTEXT_OPS));
  const start = prefix.length - tail.length;
  const lines: string[] = [];
  lines.push(`  key ${JSON.stringify(counterexample.key)}: ${prefix.length} operation${prefix.length === 1 ? '' : 's'} linearized, then ${unplaced.length === 1 ? 'this one could not' : `none of these ${unplaced.length} could`} go next:`);
  lines.push('');
  lines.push(...timeline(tail, start, unplaced).map((l) => '  ' + l));
  lines.push('');
  if (tail.length > 0) {
    lines.push(`  end of the longest linearization${start > 0 ? ` (last ${tail.length} of ${prefix.length})` : ''}:`);
    tail.forEach((op, i) => lines.push(`    ${chalk.green(`#${start + i + 1}`.padStart(5))}  ${describeOp(op)}`));
  }
  lines.push(`  state after it: ${formatValue(replayPrefix(prefix, init))}`);
  if (counterexample.reason !== undefined) lines.push(`  why: ${counterexample.reason}`);
  lines.push('  could not be placed:');
  for (const op of unplaced) {
    lines.push(`    ${chalk.red.bold('    ✗')}  ${describeOp(op)}`);
    const origin = op.f === 'read' && op.output !== undefined ? whoWrote(prefix, op.output) : null;
    if (origin !== null) lines.push(`           ${chalk.dim(origin)}`);
  }
  return lines;
}

/** Where a value read by a culprit came from in the prefix, and what replaced it. */
function whoWrote(prefix: readonly OpSummary[], value: HistoryValue): string | null {
  const writes = (op: OpSummary): HistoryValue | undefined =>
    op.f === 'write' ? op.value : op.f === 'cas' && Array.isArray(op.value) ? (op.value[1] as HistoryValue) : undefined;
  for (let i = prefix.length - 1; i >= 0; i--) {
    const op = prefix[i] as OpSummary;
    if (writes(op) !== value) continue;
    const after = prefix.findIndex((later, k) => k > i && (writes(later) !== undefined || later.f === 'append'));
    const replaced = after < 0 ? '' : `, replaced by #${after + 1} (process ${(prefix[after] as OpSummary).process}: ${label(prefix[after] as OpSummary)})`;
    return `${formatValue(value)} was written by #${i + 1} (process ${op.process}: ${label(op)})${replaced}`;
  }
  return null;
}

function describeOp(op: OpSummary): string {
  const end = op.completeTime === null ? 'never completed' : `${op.type === 'info' ? 'info' : 'ok'} at ${op.completeTime}`;
  return `process ${op.process}: ${label(op)}   (invoked at ${op.invokeTime}, ${end})`;
}

function label(op: OpSummary): string {
  switch (op.f) {
    case 'read':
      return op.output === undefined ? 'read → ?' : `read → ${formatValue(op.output)}`;
    case 'cas': {
      const pair = Array.isArray(op.value) ? op.value : [null, null];
      return `cas ${formatValue(pair[0] as HistoryValue)}→${formatValue(pair[1] as HistoryValue)}`;
    }
    default:
      return `${op.f} ${formatValue(op.value)}`;
  }
}

function formatValue(value: HistoryValue, max = 60): string {
  const text = toJsonText(value);
  const half = Math.floor((max - 1) / 2);
  return text.length > max ? text.slice(0, half) + '…' + text.slice(-half) : text;
}

interface Bar {
  readonly op: OpSummary;
  readonly culprit: boolean;
  readonly order: number;
}

/**
 * One row per process. Columns follow the order of the shown events, not their distances, and
 * each gap is just wide enough for the labels of the bars that end there.
 */
function timeline(tail: readonly OpSummary[], start: number, unplaced: readonly OpSummary[]): string[] {
  const bars: Bar[] = [
    ...tail.map((op, i) => ({ op, culprit: false, order: start + i + 1 })),
    ...unplaced.map((op) => ({ op, culprit: true, order: 0 })),
  ];
  const times = new Set<number>();
  for (const { op } of bars) {
    times.add(op.invokeTime);
    if (op.completeTime !== null) times.add(op.completeTime);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const column = new Map<number, number>();
  let x = 0;
  for (const t of sorted) {
    for (const bar of bars) {
      if (bar.op.completeTime === t) x = Math.max(x, (column.get(bar.op.invokeTime) ?? 0) + barText(bar).length + 2);
    }
    column.set(t, x);
    x += 2;
  }
  const end = x + 2;
  const processes = [...new Set(bars.map((b) => b.op.process))].sort((a, b) => a - b);
  const labelWidth = Math.max(...processes.map((p) => `p${p}`.length));
  const rows: string[] = [];
  for (const process of processes) {
    const mine = bars.filter((b) => b.op.process === process).sort((a, b) => a.op.invokeTime - b.op.invokeTime);
    let row = '';
    let at = 0;
    for (const bar of mine) {
      const from = Math.max(at, column.get(bar.op.invokeTime) ?? 0);
      const to = bar.op.completeTime === null ? Math.max(end, from + barText(bar).length + 2) : Math.max(from + 2, column.get(bar.op.completeTime) ?? end);
      row += ' '.repeat(from - at) + paint(bar, drawBar(bar, to - from + 1));
      at = to + 1;
    }
    rows.push(`${chalk.dim(`p${process}`.padStart(labelWidth))} ${row}`);
  }
  return rows;
}

function barText(bar: Bar): string {
  const text = (bar.culprit ? '✗ ' : `#${bar.order} `) + label(bar.op);
  return text.length > 22 ? text.slice(0, 21) + '…' : text;
}

function drawBar(bar: Bar, width: number): string {
  const open = bar.op.completeTime === null;
  const text = barText(bar);
  const inner = Math.max(0, width - 2);
  const body = text.length > inner ? text.slice(0, Math.max(0, inner - 1)) + '…' : text + '─'.repeat(inner - text.length);
  return '[' + body.slice(0, inner) + (open ? '…' : bar.op.type === 'info' ? '?' : ']');
}

function paint(bar: Bar, text: string): string {
  return bar.culprit ? chalk.red.bold(text) : bar.op.type === 'info' ? chalk.yellow(text) : chalk.green(text);
}

/**
 * `consensim explain FILE [--seed N] [--from T] [--to T] [--at T] [--node n1,..] [--kinds K,..]
 * [--step] [--json]`: the narrated story of one run, for a lecture or a bug hunt. Every line has
 * the virtual time, the node (one colour per node) and one plain sentence; heartbeats and repeated
 * acknowledgements are summarised. `--at T` prints every node's state at T instead. On a failing
 * run the story starts a little before the failure and says who broke what. `--step` waits for
 * Enter between lines. Exit status: 0 the run passed, 1 it failed, 2 bad input.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { createInterface } from 'node:readline';
import type { NodeId } from '../protocols/api.js';
import {
  explainRun,
  failureWindow,
  formatTime,
  inputError,
  LINE_KINDS,
  parseDuration,
  prepareJob,
  selectLines,
  type Explanation,
  type LineKind,
  type NodeState,
  type StoryLine,
} from '../sim/index.js';
import { bundledProtocols } from './protocols.js';
import { collect, parseSeed } from './args.js';
import { chalk, printLine, setExitCode } from './output.js';

interface ExplainFlags {
  seed?: number;
  protocol?: string;
  bug: string[];
  from?: number;
  to?: number;
  at?: number;
  node?: string[];
  kinds?: LineKind[];
  step?: boolean;
  json?: boolean;
}

export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description("tell one run's story step by step, or every node's state at one time")
    .showHelpAfterError(false)
    .argument('<file>', 'scenario file (YAML or JSON)')
    .option('--seed <n>', "seed (default: the scenario's seed)", parseSeed)
    .option('--protocol <name>', 'run the scenario with another protocol')
    .option('--bug <name>', 'switch on a bug variant (repeatable)', collect, [])
    .option('--from <time>', 'start of the window (virtual time, e.g. 150ms, 1.2s)', parseTime)
    .option('--to <time>', 'end of the window (virtual time)', parseTime)
    .option('--at <time>', "print every node's state at this virtual time", parseTime)
    .option('--node <ids>', 'only lines about these nodes (n1,n3)', parseNodes)
    .option('--kinds <kinds>', `only lines of these kinds (${LINE_KINDS.join(', ')})`, parseKinds)
    .option('--step', 'wait for Enter between lines (for a live lecture)')
    .option('--json', 'print one JSON object per line: {t, node, kind, text}')
    .action((file: string, flags: ExplainFlags) => explainCommand(file, flags));
}

function parseTime(value: string): number {
  const micros = parseDuration(value);
  if (micros === null || micros < 0) throw new InvalidArgumentError(`expected a virtual time with a unit (e.g. 150ms, 1.2s, 800us), found "${value}".`);
  return micros;
}

function parseNodes(value: string): string[] {
  const ids = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const id of ids) if (!/^[nc][1-9][0-9]*$/.test(id)) throw new InvalidArgumentError(`expected node ids like n1,n3 (or clients c1), found "${id}".`);
  return ids;
}

function parseKinds(value: string): LineKind[] {
  const kinds = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const kind of kinds) {
    if (!(LINE_KINDS as readonly string[]).includes(kind)) throw new InvalidArgumentError(`expected kinds among ${LINE_KINDS.join(', ')}, found "${kind}".`);
  }
  return kinds as LineKind[];
}

async function explainCommand(file: string, flags: ExplainFlags): Promise<void> {
  const { job, protocols } = await prepareJob(file, { ...(flags.protocol === undefined ? {} : { protocol: flags.protocol }), extraBugs: flags.bug, protocols: bundledProtocols() });
  const explanation = explainRun(job.scenario, {
    ...(flags.seed === undefined ? {} : { seed: flags.seed }),
    extraBugs: job.extraBugs,
    reproArgs: job.reproArgs,
    protocols,
  });
  for (const id of flags.node ?? []) {
    if (id.startsWith('n') && !explanation.nodes.includes(id as NodeId)) {
      throw inputError('', 0, 0, '--node', `no node ${id} in a cluster of ${explanation.nodes.length}`);
    }
  }
  const { result } = explanation.outcome;
  setExitCode(result.ok ? 0 : 1);
  if (flags.at !== undefined) return printStates(explanation, flags.at, flags.json === true);
  const failure = explanation.failure;
  const fromUs = flags.from ?? (failure === null ? 0 : failureWindow(failure).fromUs);
  const lines = selectLines(explanation.lines, {
    fromUs,
    ...(flags.to === undefined ? {} : { toUs: flags.to }),
    ...(flags.node === undefined ? {} : { nodes: flags.node }),
    ...(flags.kinds === undefined ? {} : { kinds: flags.kinds }),
  });
  if (flags.json === true) {
    for (const line of lines) printLine(JSON.stringify({ t: line.t, node: line.node, kind: line.kind, text: line.text }));
    return;
  }
  const colour = nodeColours(explanation);
  printLine(`seed ${result.seed} · ${result.scenario} · ${result.protocol} · ${explanation.nodes.length} nodes${explanation.scenario.bugs.length > 0 ? ` · bugs: ${explanation.scenario.bugs.join(', ')}` : ''}`);
  if (failure !== null) {
    printLine(chalk.red(`FAILED: ${failure.text}`));
    if (flags.from === undefined) printLine(chalk.dim(`(the story starts ${formatTime(fromUs)}, a little before; --from 0s for the whole run)`));
  }
  const step = flags.step === true ? stepper() : null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as StoryLine;
    printLine(formatLine(line, colour, failure?.node ?? null));
    if (step !== null && i < lines.length - 1) {
      const more = await step.next();
      if (!more) break;
    }
  }
  step?.close();
  printLine(chalk.dim(`reproduce: ${result.repro}`));
}

/** Waits for Enter on stdin; false once stdin has ended (then the story stops there). */
function stepper(): { next(): Promise<boolean>; close(): void } {
  const rl = createInterface({ input: process.stdin, terminal: false });
  const waiting: ((more: boolean) => void)[] = [];
  const buffered: boolean[] = [];
  rl.on('line', () => {
    const resolve = waiting.shift();
    if (resolve !== undefined) resolve(true);
    else buffered.push(true);
  });
  rl.on('close', () => {
    for (const resolve of waiting.splice(0)) resolve(false);
    buffered.push(false);
  });
  return {
    next(): Promise<boolean> {
      process.stdout.write(chalk.dim('  [Enter] ') + (process.stdout.isTTY ? '\r' : '\n'));
      const ready = buffered.shift();
      if (ready !== undefined) {
        if (!ready) buffered.unshift(false);
        return Promise.resolve(ready);
      }
      return new Promise((resolve) => waiting.push(resolve));
    },
    close(): void {
      rl.close();
    },
  };
}

const PALETTE = [chalk.cyan, chalk.magenta, chalk.yellow, chalk.green, chalk.blue, chalk.redBright, chalk.cyanBright, chalk.magentaBright, chalk.yellowBright];

function nodeColours(explanation: Explanation): (id: string | null) => string {
  return (id) => {
    if (id === null) return ''.padEnd(4);
    const index = Number(id.slice(1)) - 1;
    const paint = id.startsWith('n') ? (PALETTE[index % PALETTE.length] ?? chalk.white) : chalk.gray;
    return paint(id.padEnd(4));
  };
}

function formatLine(line: StoryLine, colour: (id: string | null) => string, culprit: string | null): string {
  const time = formatTime(line.t).padStart(12);
  const text =
    line.kind === 'violation' ? chalk.red.bold(line.text)
    : line.kind === 'fault' ? chalk.red(line.text)
    : line.kind === 'summary' || line.routine ? chalk.dim(line.text)
    : line.kind === 'election' || line.kind === 'vote' ? chalk.bold(line.text)
    : line.text;
  const mark = culprit !== null && line.node === culprit && line.kind !== 'summary' ? chalk.red('!') : ' ';
  return `${time} ${mark}${colour(line.node)} ${text}`;
}

function printStates(explanation: Explanation, atUs: number, json: boolean): void {
  const states = explanation.states.at(atUs);
  if (json) {
    for (const s of states) printLine(JSON.stringify({ t: atUs, node: s.node, kind: 'state', text: describeState(s, explanation.era), state: s }));
    return;
  }
  const colour = nodeColours(explanation);
  const { result } = explanation.outcome;
  printLine(`seed ${result.seed} · ${result.scenario} · ${result.protocol} · every node at ${formatTime(atUs)}`);
  const header = ['node', 'state', 'role', explanation.era, 'leader', 'log', 'commit', 'applied'];
  const rows = states.map((s) => [s.node, s.live, s.live === 'down' ? '—' : s.role, String(s.term), s.leader ?? '—', String(s.logLength), String(s.commitIndex), String(s.appliedIndex)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  printLine('  ' + header.map((h, i) => h.padEnd(widths[i] as number)).join('  '));
  rows.forEach((row, r) => {
    const cells = row.map((c, i) => c.padEnd(widths[i] as number));
    // The node's colour codes take no width on screen: pad the plain id, then paint it.
    cells[0] = paintId((states[r] as NodeState).node, colour, widths[0] as number);
    printLine('  ' + cells.join('  '));
  });
  for (const s of states) {
    if (s.live === 'down') continue;
    const extras = Object.entries(s.view).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');
    const log = s.log.length === 0 ? 'nothing applied yet' : `last applied: ${s.log.join('; ')}`;
    printLine(chalk.dim(`  ${s.node} at ${formatTime(s.snapshotUs)}: ${extras}${extras === '' ? '' : ' · '}${log}`));
  }
}

function paintId(id: string, colour: (id: string | null) => string, width: number): string {
  const painted = colour(id);
  return width > 4 ? painted + ' '.repeat(width - 4) : painted;
}

export function describeState(s: NodeState, era: string): string {
  if (s.live === 'down') return `${s.node} is down`;
  const paused = s.live === 'paused' ? ' (paused)' : '';
  return `${s.node} is ${s.role}${paused} in ${era} ${s.term}, leader ${s.leader ?? 'unknown'}, log ${s.logLength}, commit ${s.commitIndex}, applied ${s.appliedIndex}`;
}

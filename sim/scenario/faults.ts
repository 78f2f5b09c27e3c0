/**
 * Scripted fault entries: `{ at: 5s, <action>: ..., <action's own keys> }`, one action per entry.
 * The vocabulary is the same one the world and the trace use (`FaultAction` in types.ts).
 */
import type { Fields } from './fields.js';
import { formatDuration } from './fields.js';
import type { LNode, MapEntry } from './located.js';
import type { FaultAction, NodeSelector, ScriptedFault } from './types.js';

/** Each action with the keys it accepts besides `at` and itself. */
const ACTION_KEYS = {
  partition: [],
  heal: [],
  crash: ['restart', 'amnesia'],
  restart: [],
  pause: ['for'],
  clock: ['jump'],
  cut: [],
} as const;
type ActionName = keyof typeof ACTION_KEYS;
const ACTIONS = Object.keys(ACTION_KEYS) as ActionName[];
const ALL_KEYS = ['at', ...ACTIONS, 'amnesia', 'for', 'jump'];
/** In a partition, `all` would put every node in one group: meaningless. */
const PARTITION_WORDS = ['leader', 'random', 'minority', 'majority', 'rest'];

export function readFault(f: Fields, node: LNode, field: string, nodes: number, durationUs: number): ScriptedFault {
  const m = f.map(node, field, ALL_KEYS);
  const action = actionOf(f, node, m, field);
  for (const [key, entry] of m) {
    if (key !== 'at' && key !== action && !(ACTION_KEYS[action] as readonly string[]).includes(key)) {
      throw f.where.error(entry.keyPos, `${field}.${key}`, `not allowed with ${action}; a ${action} fault takes ${['at', action, ...ACTION_KEYS[action]].join(', ')}`);
    }
  }
  const at = m.get('at');
  if (at === undefined) throw f.where.error(node.pos, `${field}.at`, 'missing; expected the virtual time the fault happens, e.g. at: 5s');
  const atUs = f.duration(at.value, `${field}.at`);
  if (atUs > durationUs) {
    throw f.where.error(at.value.pos, `${field}.at`, `expected a time within the scenario's duration (0..${formatDuration(durationUs)}), found ${formatDuration(atUs)}`);
  }
  const ctx: ActionContext = { f, m, field: `${field}.${action}`, base: field, nodes };
  return { atUs, action: READERS[action](ctx), line: node.pos.line };
}

function actionOf(f: Fields, node: LNode, m: Map<string, MapEntry>, field: string): ActionName {
  // `restart` is both an action and crash's delay: with `crash` present it is the delay.
  const present = [...m.keys()].filter((k): k is ActionName => (ACTIONS as string[]).includes(k) && !(k === 'restart' && m.has('crash')));
  if (present.length === 1) return present[0] as ActionName;
  const found = present.length === 0 ? 'none' : present.join(' and ');
  throw f.where.error(node.pos, field, `expected exactly one fault action (${ACTIONS.join(', ')}), found ${found}`);
}

interface ActionContext {
  readonly f: Fields;
  readonly m: Map<string, MapEntry>;
  /** Path of the action's own value, e.g. `faults[2].crash`. */
  readonly field: string;
  /** Path of the fault entry, e.g. `faults[2]`. */
  readonly base: string;
  readonly nodes: number;
}

function value(ctx: ActionContext, key: string): LNode {
  return (ctx.m.get(key) as MapEntry).value;
}

function target(ctx: ActionContext, key: string): NodeSelector {
  return ctx.f.selector(value(ctx, key), ctx.field, ctx.nodes);
}

const READERS: Record<ActionName, (ctx: ActionContext) => FaultAction> = {
  partition: readPartition,
  heal: (ctx) => ({ kind: 'heal', target: target(ctx, 'heal') }),
  crash: (ctx) => {
    const restart = ctx.m.get('restart');
    const amnesia = ctx.m.get('amnesia');
    return {
      kind: 'crash',
      target: target(ctx, 'crash'),
      restartUs: restart === undefined ? null : ctx.f.duration(restart.value, `${ctx.base}.restart`, { min: 1 }),
      amnesia: amnesia === undefined ? false : ctx.f.boolean(amnesia.value, `${ctx.base}.amnesia`),
    };
  },
  restart: (ctx) => ({ kind: 'restart', target: target(ctx, 'restart') }),
  pause: (ctx) => {
    const forEntry = ctx.m.get('for');
    if (forEntry === undefined) throw ctx.f.where.error(value(ctx, 'pause').pos, `${ctx.base}.for`, 'missing; a pause needs for: <duration>, e.g. for: 1s');
    return { kind: 'pause', target: target(ctx, 'pause'), forUs: ctx.f.duration(forEntry.value, `${ctx.base}.for`, { min: 1 }) };
  },
  clock: (ctx) => {
    const jump = ctx.m.get('jump');
    if (jump === undefined) throw ctx.f.where.error(value(ctx, 'clock').pos, `${ctx.base}.jump`, 'missing; a clock fault needs jump: <duration>, e.g. jump: -200ms');
    return { kind: 'clock', target: target(ctx, 'clock'), jumpUs: ctx.f.duration(jump.value, `${ctx.base}.jump`, { allowNegative: true }) };
  },
  cut: readCut,
};

/**
 * `[[sel, ...], [sel, ...] | rest, ...]`: at least two groups, `rest` at most once.
 *
 * A flat list of single nodes without `rest` (`[n1, n2]`) is refused: it reads like "cut n1 and n2
 * off" but means two one-node groups while every other node keeps talking to both. The writer must
 * say which: `[[n1], [n2]]` or `[[n1, n2], rest]`. A `rest` that the other groups leave empty
 * (they name every node) is refused too: the partition would not be the one written.
 */
function readPartition(ctx: ActionContext): FaultAction {
  const { f, field } = ctx;
  const node = value(ctx, 'partition');
  const items = f.list(node, field, 'a list of at least two groups, e.g. [[leader], rest]');
  if (items.length < 2) f.fail(node, field, 'a list of at least two groups, e.g. [[leader], rest]');
  refuseFlatGroups(ctx, node, items);
  const named: string[] = [];
  let rests = 0;
  const groups = items.map((item, g) => {
    const groupField = `${field}[${g}]`;
    const members = item.t === 'seq' ? item.items : [item];
    if (members.length === 0) f.fail(item, groupField, 'a non-empty group of nodes');
    return members.map((member, i) => {
      const memberField = item.t === 'seq' ? `${groupField}[${i}]` : groupField;
      const selector = f.selector(member, memberField, ctx.nodes, PARTITION_WORDS);
      if (selector.kind === 'rest') rests++;
      if (selector.kind === 'node') {
        if (named.includes(selector.node)) throw f.where.error(member.pos, memberField, `node ${selector.node} is named in two groups`);
        named.push(selector.node);
      }
      if (rests > 1) throw f.where.error(member.pos, memberField, 'rest may appear only once in a partition');
      return selector;
    });
  });
  refuseEmptyRest(ctx, node, groups);
  return { kind: 'partition', groups };
}

function refuseFlatGroups(ctx: ActionContext, node: LNode, items: readonly LNode[]): void {
  if (items.some((item) => item.t !== 'scalar' || item.value === 'rest')) return;
  const names = items.map((item) => String((item as { value: unknown }).value));
  const written = `[${names.join(', ')}]`;
  throw ctx.f.where.error(
    node.pos,
    ctx.field,
    `expected a list of groups, found ${written}, which would make each node its own group while the nodes not named keep talking to all of them; write [[${names.join('], [')}]] for exactly that, or [[${names.join(', ')}], rest] to cut them off from the rest`,
  );
}

/** `rest` is empty when the other groups are plain nodes that name every node. */
function refuseEmptyRest(ctx: ActionContext, node: LNode, groups: readonly (readonly NodeSelector[])[]): void {
  const others = groups.filter((g) => !g.some((s) => s.kind === 'rest')).flat();
  if (others.length === groups.flat().length || others.some((s) => s.kind !== 'node')) return;
  const named = new Set(others.map((s) => (s.kind === 'node' ? s.node : '')));
  if (named.size < ctx.nodes) return;
  throw ctx.f.where.error(node.pos, ctx.field, `rest would be empty: the other groups already name all ${ctx.nodes} nodes; drop rest or leave a node to it`);
}

/** `{ from: sel, to: [sel, ...] }` (a single `to` selector is accepted too). */
function readCut(ctx: ActionContext): FaultAction {
  const { f, field } = ctx;
  const node = value(ctx, 'cut');
  const m = f.map(node, field, ['from', 'to']);
  const from = m.get('from');
  const to = m.get('to');
  if (from === undefined || to === undefined) {
    throw f.where.error(node.pos, `${field}.${from === undefined ? 'from' : 'to'}`, 'missing; a cut needs { from: <node>, to: [<node>, ...] }');
  }
  const targets = to.value.t === 'seq' ? to.value.items : [to.value];
  if (targets.length === 0) f.fail(to.value, `${field}.to`, 'at least one node');
  const source = f.selector(from.value, `${field}.from`, ctx.nodes);
  const dests = targets.map((t, i) => {
    const toField = to.value.t === 'seq' ? `${field}.to[${i}]` : `${field}.to`;
    const dest = f.selector(t, toField, ctx.nodes);
    // A node always reaches itself; `to: all` may include `from` (those links are simply skipped).
    if (source.kind === 'node' && dest.kind === 'node' && dest.node === source.node) {
      throw f.where.error(t.pos, toField, `a cut from ${source.node} to itself cuts nothing (a node always reaches itself); name other nodes`);
    }
    return dest;
  });
  return { kind: 'cut', from: source, to: dests };
}

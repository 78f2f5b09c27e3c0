/**
 * Scripted fault entries: `{ at: 5s, <action>: ..., <action's own keys> }`, one action per entry,
 * as zod schemas: one closed mapping per action (the JSON Schema lists them as alternatives) and a
 * dispatch that picks the action by the key present, so an error speaks of the fault the writer
 * meant. The vocabulary is the same one the world and the trace use (`FaultAction` in types.ts).
 *
 * Rules that read more than one value of an entry live here too, each once: a partition's groups
 * (at least two, no node twice, `rest` once and never empty, no flat list of nodes), a cut's
 * target that is its own source, a fault time beyond the scenario's duration.
 */
import * as z from 'zod';
import { formatDuration } from './fields.js';
import type { FaultAction, NodeSelector } from './types.js';
import {
  closedMap,
  dispatch,
  duration,
  flag,
  selector,
  unknownKeyMessage,
  type DispatchProblem,
  type ValueContext,
} from './values.js';

/** Each action with the keys it accepts besides `at` and itself. */
export const ACTION_KEYS = {
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
const GROUPS = 'a list of at least two groups, e.g. [[leader], rest]';

/** A timed fault as the schema gives it; the loader adds the line it stands on. */
export interface TimedFault {
  readonly atUs: number;
  readonly action: FaultAction;
}

function at(ctx: ValueContext) {
  return duration({ missing: 'missing; expected the virtual time the fault happens, e.g. at: 5s', description: 'virtual time the fault happens' }).transform((atUs, issues) => {
    if (ctx.durationUs !== undefined && atUs > ctx.durationUs) {
      issues.addIssue({
        code: 'custom',
        message: `expected a time within the scenario's duration (0..${formatDuration(ctx.durationUs)}), found ${formatDuration(atUs)}`,
        input: atUs,
      });
      return z.NEVER;
    }
    return atUs;
  });
}

/** The closed mapping of one action: `at`, the action, and its own keys. */
function entry<S extends z.core.$ZodLooseShape>(action: ActionName, shape: S) {
  const takes = ['at', action, ...ACTION_KEYS[action]].join(', ');
  return closedMap(shape, { unknownKey: (key) => `not allowed with ${action}; a ${action} fault takes ${takes}` });
}

export function timedFaultBranches(ctx: ValueContext) {
  const target = selector(ctx);
  return {
    partition: entry('partition', { at: at(ctx), partition: partition(ctx) }).transform((v): TimedFault => ({ atUs: v.at, action: v.partition })),
    heal: entry('heal', { at: at(ctx), heal: target }).transform((v): TimedFault => ({ atUs: v.at, action: { kind: 'heal', target: v.heal } })),
    crash: entry('crash', {
      at: at(ctx),
      crash: target,
      restart: duration({ min: 1, description: 'restart the node this long after the crash' }).optional(),
      amnesia: flag().optional().meta({ description: 'also wipe its durable storage' }),
    }).transform((v): TimedFault => ({ atUs: v.at, action: { kind: 'crash', target: v.crash, restartUs: v.restart ?? null, amnesia: v.amnesia ?? false } })),
    restart: entry('restart', { at: at(ctx), restart: target }).transform((v): TimedFault => ({ atUs: v.at, action: { kind: 'restart', target: v.restart } })),
    pause: entry('pause', { at: at(ctx), pause: target, for: duration({ min: 1, missing: 'missing; a pause needs for: <duration>, e.g. for: 1s' }) }).transform(
      (v): TimedFault => ({ atUs: v.at, action: { kind: 'pause', target: v.pause, forUs: v.for } }),
    ),
    clock: entry('clock', {
      at: at(ctx),
      clock: target,
      jump: duration({ allowNegative: true, missing: 'missing; a clock fault needs jump: <duration>, e.g. jump: -200ms', description: 'clock step, may be negative' }),
    }).transform((v): TimedFault => ({ atUs: v.at, action: { kind: 'clock', target: v.clock, jumpUs: v.jump } })),
    cut: entry('cut', { at: at(ctx), cut: cut(ctx) }).transform((v): TimedFault => ({ atUs: v.at, action: v.cut })),
  };
}

/** Which action an entry is; `restart` is both an action and crash's delay (with `crash` present it is the delay). */
export function chooseTimedAction(input: Readonly<Record<string, unknown>>): { branch: ActionName } | { problem: DispatchProblem } {
  const keys = Object.keys(input);
  const unknown = keys.find((k) => !ALL_KEYS.includes(k));
  if (unknown !== undefined) return { problem: { message: unknownKeyMessage(unknown, ALL_KEYS), unknownKey: unknown } };
  const present = keys.filter((k): k is ActionName => (ACTIONS as string[]).includes(k) && !(k === 'restart' && 'crash' in input));
  if (present.length === 1) return { branch: present[0] as ActionName };
  const found = present.length === 0 ? 'none' : present.join(' and ');
  return { problem: { message: `expected exactly one fault action (${ACTIONS.join(', ')}), found ${found}` } };
}

/** A timed fault entry: the closed mapping of its action. A missing key is reported at the action. */
export function timedFault(ctx: ValueContext) {
  return dispatch(timedFaultBranches(ctx), chooseTimedAction, 'expected a mapping', (branch, key) => (key === 'at' ? undefined : String(branch)));
}

/**
 * `[[sel, ...], [sel, ...] | rest, ...]`: at least two groups, `rest` at most once.
 *
 * A flat list of single nodes without `rest` (`[n1, n2]`) is refused: it reads like "cut n1 and n2
 * off" but means two one-node groups while every other node keeps talking to both. The writer must
 * say which: `[[n1], [n2]]` or `[[n1, n2], rest]`. A `rest` that the other groups leave empty
 * (they name every node) is refused too: the partition would not be the one written.
 */
function partition(ctx: ValueContext) {
  const member = selector(ctx, PARTITION_WORDS);
  const group = z.union([z.array(member).min(1, { error: () => 'expected a non-empty group of nodes' }), member], {
    error: () => `expected a group of nodes (a node ${ctx.nodes === undefined ? 'n1..nN' : `n1..n${ctx.nodes}`}, a selector, or a list of them)`,
  });
  return z
    .array(group, { error: () => `expected ${GROUPS}` })
    .min(2, { error: () => `expected ${GROUPS}` })
    .transform((groups, issues): FaultAction => {
      if (groups.every((g) => !Array.isArray(g) && g.kind !== 'rest')) return fail(issues, flatGroupsMessage(groups as NodeSelector[]), []);
      const named: string[] = [];
      let rests = 0;
      const lists = groups.map((g) => (Array.isArray(g) ? g : [g]));
      for (const [g, members] of lists.entries()) {
        for (const [i, s] of members.entries()) {
          const path = Array.isArray(groups[g]) ? [g, i] : [g];
          if (s.kind === 'node') {
            if (named.includes(s.node)) return fail(issues, `node ${s.node} is named in two groups`, path);
            named.push(s.node);
          }
          if (s.kind === 'rest' && ++rests > 1) return fail(issues, 'rest may appear only once in a partition', path);
        }
      }
      if (restIsEmpty(lists, ctx)) {
        return fail(issues, `rest would be empty: the other groups already name all ${ctx.nodes} nodes; drop rest or leave a node to it`, []);
      }
      return { kind: 'partition', groups: lists };
    })
    .meta({ description: 'groups of nodes that cannot talk to each other; rest: every node not named' });
}

function fail(issues: z.core.$RefinementCtx, message: string, path: readonly (string | number)[]): never {
  issues.addIssue({ code: 'custom', message, path: [...path], input: undefined });
  return z.NEVER;
}

function flatGroupsMessage(groups: readonly NodeSelector[]): string {
  const names = groups.map((s) => (s.kind === 'node' ? s.node : s.kind));
  return `expected a list of groups, found [${names.join(', ')}], which would make each node its own group while the nodes not named keep talking to all of them; write [[${names.join('], [')}]] for exactly that, or [[${names.join(', ')}], rest] to cut them off from the rest`;
}

/** `rest` is empty when the other groups are plain nodes that name every node. */
function restIsEmpty(groups: readonly (readonly NodeSelector[])[], ctx: ValueContext): boolean {
  if (ctx.nodes === undefined) return false;
  const others = groups.filter((g) => !g.some((s) => s.kind === 'rest')).flat();
  if (others.length === groups.flat().length || others.some((s) => s.kind !== 'node')) return false;
  return new Set(others.map((s) => (s.kind === 'node' ? s.node : ''))).size >= ctx.nodes;
}

/** `{ from: sel, to: [sel, ...] }` (a single `to` selector is accepted too). */
function cut(ctx: ValueContext) {
  const missing = 'missing; a cut needs { from: <node>, to: [<node>, ...] }';
  const target = selector(ctx, undefined, missing);
  const to = z.union([target, z.array(selector(ctx)).min(1, { error: () => 'expected at least one node' })], {
    error: (iss) => (iss.input === undefined ? missing : `expected a node ${ctx.nodes === undefined ? 'n1..nN' : `n1..n${ctx.nodes}`}, a selector, or a list of them`),
  });
  return closedMap({ from: target, to }, { missing: 'missing; a cut needs { from: <node>, to: [<node>, ...] }' })
    .transform((v, issues): FaultAction => {
      const dests = Array.isArray(v.to) ? v.to : [v.to];
      for (const [i, dest] of dests.entries()) {
        // A node always reaches itself; `to: all` may include `from` (those links are simply skipped).
        if (v.from.kind === 'node' && dest.kind === 'node' && dest.node === v.from.node) {
          return fail(issues, `a cut from ${v.from.node} to itself cuts nothing (a node always reaches itself); name other nodes`, Array.isArray(v.to) ? ['to', i] : ['to']);
        }
      }
      return { kind: 'cut', from: v.from, to: dests };
    })
    .meta({ description: 'one-way link failure: messages from `from` to each of `to` are dropped' });
}

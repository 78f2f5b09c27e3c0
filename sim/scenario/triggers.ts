/**
 * Event-triggered fault entries: `{ when: { moment, node?, nth?, chance?, times? }, <action>: <target>, ... }`.
 *
 * The condition names a protocol moment (vote, ack, era-change, leader, commit, apply, persist);
 * the action is one of crash (with optional restart and amnesia), pause, isolate or cut, each with
 * the keys it needs. Targets are `self` (the node whose moment it was), `peer` (whom it voted for
 * or acknowledged: vote and ack moments only) or an ordinary node selector.
 */
import { MOMENT_KINDS, type MomentKind } from '../../protocols/api.js';
import type { Fields } from './fields.js';
import type { LNode, MapEntry } from './located.js';
import type { TriggerAction, TriggerCondition, TriggeredFault, TriggerTarget } from './types.js';

const ACTION_KEYS = {
  crash: ['restart', 'amnesia'],
  pause: ['for'],
  isolate: ['for'],
  cut: ['for'],
} as const;
type TriggerActionName = keyof typeof ACTION_KEYS;
const ACTIONS = Object.keys(ACTION_KEYS) as TriggerActionName[];
const ALL_KEYS = ['when', ...ACTIONS, 'restart', 'amnesia', 'for'];
const CONDITION_KEYS = ['moment', 'node', 'nth', 'chance', 'times'];
/** Moments that name a second node (`vote.for`, `ack.to`), so `peer` means something. */
const MOMENTS_WITH_PEER: readonly MomentKind[] = ['vote', 'ack'];
/** Bounded everything: a rule fires at most this often, and counts this far. */
export const MAX_TRIGGER_TIMES = 1000;
const MAX_NTH = 1_000_000;

/** True when a `faults` entry is event-triggered (has a `when` key). */
export function isTriggerEntry(node: LNode): boolean {
  return node.t === 'map' && node.entries.some((e) => e.key === 'when');
}

export function readTrigger(f: Fields, node: LNode, field: string, nodes: number, index: number): TriggeredFault {
  const m = f.map(node, field, ALL_KEYS);
  const present = [...m.keys()].filter((k): k is TriggerActionName => (ACTIONS as string[]).includes(k));
  if (present.length !== 1) {
    const found = present.length === 0 ? 'none' : present.join(' and ');
    throw f.where.error(node.pos, field, `expected exactly one action for an event-triggered fault (${ACTIONS.join(', ')}), found ${found}`);
  }
  const action = present[0] as TriggerActionName;
  for (const [key, entry] of m) {
    if (key !== 'when' && key !== action && !(ACTION_KEYS[action] as readonly string[]).includes(key)) {
      throw f.where.error(entry.keyPos, `${field}.${key}`, `not allowed with ${action}; an event-triggered ${action} takes when, ${[action, ...ACTION_KEYS[action]].join(', ')}`);
    }
  }
  const when = readCondition(f, (m.get('when') as MapEntry).value, `${field}.when`, nodes);
  const ctx: Ctx = { f, m, field, nodes, moment: when.moment };
  return { when, action: readAction(ctx, action), index, line: node.pos.line };
}

function readCondition(f: Fields, node: LNode, field: string, nodes: number): TriggerCondition {
  const m = f.map(node, field, CONDITION_KEYS);
  const momentEntry = m.get('moment');
  if (momentEntry === undefined) throw f.where.error(node.pos, `${field}.moment`, `missing; expected one of ${MOMENT_KINDS.join(', ')}`);
  const moment = f.choice(momentEntry.value, `${field}.moment`, MOMENT_KINDS);
  const nodeEntry = m.get('node');
  let who: TriggerCondition['node'] = 'any';
  if (nodeEntry !== undefined) {
    const v = nodeEntry.value;
    who = v.t === 'scalar' && v.value === 'any' ? 'any' : f.nodeId(v, `${field}.node`, nodes);
  }
  const get = <T>(key: string, fallback: T, read: (n: LNode) => T): T => {
    const entry = m.get(key);
    return entry === undefined ? fallback : read(entry.value);
  };
  return {
    moment,
    node: who,
    nth: get('nth', 1, (n) => f.integer(n, `${field}.nth`, 1, MAX_NTH)),
    chance: get('chance', 1, (n) => f.probability(n, `${field}.chance`)),
    times: get('times', 1, (n) => f.integer(n, `${field}.times`, 1, MAX_TRIGGER_TIMES)),
  };
}

interface Ctx {
  readonly f: Fields;
  readonly m: Map<string, MapEntry>;
  readonly field: string;
  readonly nodes: number;
  readonly moment: MomentKind;
}

function target(ctx: Ctx, node: LNode, field: string): TriggerTarget {
  if (node.t === 'scalar' && node.value === 'self') return { kind: 'self' };
  if (node.t === 'scalar' && node.value === 'peer') {
    if (!MOMENTS_WITH_PEER.includes(ctx.moment)) {
      throw ctx.f.where.error(node.pos, field, `peer names whom a vote or ack went to; a ${ctx.moment} moment has no peer (use self or a node)`);
    }
    return { kind: 'peer' };
  }
  if (node.t !== 'scalar' || typeof node.value !== 'string') ctx.f.fail(node, field, `self, peer, a node n1..n${ctx.nodes} or a selector`);
  return { kind: 'selector', selector: ctx.f.selector(node, field, ctx.nodes) };
}

function forUs(ctx: Ctx, action: string): number {
  const entry = ctx.m.get('for');
  const at = (ctx.m.get(action) as MapEntry).value;
  if (entry === undefined) throw ctx.f.where.error(at.pos, `${ctx.field}.for`, `missing; an event-triggered ${action} needs for: <duration>, e.g. for: 200ms`);
  return ctx.f.duration(entry.value, `${ctx.field}.for`, { min: 1 });
}

function readAction(ctx: Ctx, action: TriggerActionName): TriggerAction {
  const { f, m, field } = ctx;
  const value = (m.get(action) as MapEntry).value;
  switch (action) {
    case 'crash': {
      const restart = m.get('restart');
      const amnesia = m.get('amnesia');
      return {
        kind: 'crash',
        target: target(ctx, value, `${field}.crash`),
        restartUs: restart === undefined ? null : f.duration(restart.value, `${field}.restart`, { min: 1 }),
        amnesia: amnesia === undefined ? false : f.boolean(amnesia.value, `${field}.amnesia`),
      };
    }
    case 'pause':
      return { kind: 'pause', target: target(ctx, value, `${field}.pause`), forUs: forUs(ctx, 'pause') };
    case 'isolate':
      return { kind: 'isolate', target: target(ctx, value, `${field}.isolate`), forUs: forUs(ctx, 'isolate') };
    case 'cut': {
      const cut = f.map(value, `${field}.cut`, ['from', 'to']);
      const from = cut.get('from');
      const to = cut.get('to');
      if (from === undefined || to === undefined) {
        throw f.where.error(value.pos, `${field}.cut.${from === undefined ? 'from' : 'to'}`, 'missing; an event-triggered cut needs { from: <target>, to: <target> }, e.g. { from: self, to: peer }');
      }
      return {
        kind: 'cut',
        from: target(ctx, from.value, `${field}.cut.from`),
        to: target(ctx, to.value, `${field}.cut.to`),
        forUs: forUs(ctx, 'cut'),
      };
    }
  }
}

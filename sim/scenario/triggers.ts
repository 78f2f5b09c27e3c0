/**
 * Event-triggered fault entries: `{ when: { moment, node?, nth?, chance?, times? }, <action>: <target>, ... }`,
 * as zod schemas (one closed mapping per action, chosen by the key present).
 *
 * The condition names a protocol moment (vote, ack, era-change, leader, commit, apply, persist);
 * the action is one of crash (with optional restart and amnesia), pause, isolate or cut, each with
 * the keys it needs. Targets are `self` (the node whose moment it was), `peer` (whom it voted for
 * or acknowledged: vote and ack moments only) or an ordinary node selector.
 */
import * as z from 'zod';
import { MOMENT_KINDS, type MomentKind } from '../../protocols/api.js';
import type { TriggerAction, TriggerCondition, TriggerTarget } from './types.js';
import {
  choice,
  closedMap,
  dispatch,
  duration,
  flag,
  integer,
  probability,
  selector,
  SELECTOR_WORDS,
  unknownKeyMessage,
  type DispatchProblem,
  type ValueContext,
} from './values.js';

const ACTION_KEYS = {
  crash: ['restart', 'amnesia'],
  pause: ['for'],
  isolate: ['for'],
  cut: ['for'],
} as const;
type TriggerActionName = keyof typeof ACTION_KEYS;
const ACTIONS = Object.keys(ACTION_KEYS) as TriggerActionName[];
const ALL_KEYS = ['when', ...ACTIONS, 'restart', 'amnesia', 'for'];
/** Moments that name a second node (`vote.for`, `ack.to`), so `peer` means something. */
const MOMENTS_WITH_PEER: readonly MomentKind[] = ['vote', 'ack'];
/** Bounded everything: a rule fires at most this often, and counts this far. */
export const MAX_TRIGGER_TIMES = 1000;
const MAX_NTH = 1_000_000;

/** An event-triggered fault as the schema gives it; the loader adds its index and line. */
export interface Trigger {
  readonly when: TriggerCondition;
  readonly action: TriggerAction;
}

/** True when a `faults` entry is event-triggered (has a `when` key). */
export function isTriggerEntry(input: unknown): boolean {
  return typeof input === 'object' && input !== null && !Array.isArray(input) && 'when' in input;
}

function condition(ctx: ValueContext) {
  const moments = MOMENT_KINDS as unknown as readonly [MomentKind, ...MomentKind[]];
  return closedMap({
    moment: choice(moments, `missing; expected one of ${MOMENT_KINDS.join(', ')}`).meta({ description: 'the protocol moment that fires the rule' }),
    node: selector(ctx, ['any']).transform((s) => (s.kind === 'node' ? s.node : 'any')).optional().meta({ description: "whose moments count (default: any node's)" }),
    nth: integer(1, MAX_NTH).optional().meta({ description: 'fire from the nth matching moment on (default 1)' }),
    chance: probability().optional().meta({ description: 'probability of firing at each matching moment (default 1)' }),
    times: integer(1, MAX_TRIGGER_TIMES).optional().meta({ description: 'fire at most this many times (default 1)' }),
  }).transform((v): TriggerCondition => ({ moment: v.moment, node: v.node ?? 'any', nth: v.nth ?? 1, chance: v.chance ?? 1, times: v.times ?? 1 }));
}

/** `self`, `peer` or a selector; whether `peer` fits the moment is checked with the whole entry. */
function target(ctx: ValueContext, missing?: string) {
  const words = ['self', 'peer', ...SELECTOR_WORDS];
  return selector(ctx, words, missing).transform((s): TriggerTarget => {
    const kind = s.kind as string;
    if (kind === 'self') return { kind: 'self' };
    if (kind === 'peer') return { kind: 'peer' };
    return { kind: 'selector', selector: s };
  });
}

function forUs(action: TriggerActionName) {
  return duration({ min: 1, missing: `missing; an event-triggered ${action} needs for: <duration>, e.g. for: 200ms`, description: 'how long the fault lasts' });
}

function entry<S extends z.core.$ZodLooseShape>(action: TriggerActionName, shape: S) {
  const takes = ['when', action, ...ACTION_KEYS[action]].join(', ');
  return closedMap(shape, { unknownKey: (key) => `not allowed with ${action}; an event-triggered ${action} takes ${takes}` });
}

export function triggerBranches(ctx: ValueContext) {
  const when = condition(ctx);
  const to = target(ctx);
  const cutMissing = 'missing; an event-triggered cut needs { from: <target>, to: <target> }, e.g. { from: self, to: peer }';
  return {
    crash: entry('crash', {
      when,
      crash: to,
      restart: duration({ min: 1, description: 'restart the node this long after the crash' }).optional(),
      amnesia: flag().optional(),
    }).transform((v, issues): Trigger => peerFits({ when: v.when, action: { kind: 'crash', target: v.crash, restartUs: v.restart ?? null, amnesia: v.amnesia ?? false } }, issues)),
    pause: entry('pause', { when, pause: to, for: forUs('pause') }).transform((v, issues): Trigger => peerFits({ when: v.when, action: { kind: 'pause', target: v.pause, forUs: v.for } }, issues)),
    isolate: entry('isolate', { when, isolate: to, for: forUs('isolate') }).transform((v, issues): Trigger => peerFits({ when: v.when, action: { kind: 'isolate', target: v.isolate, forUs: v.for } }, issues)),
    cut: entry('cut', {
      when,
      cut: closedMap({ from: target(ctx, cutMissing), to: target(ctx, cutMissing) }),
      for: forUs('cut'),
    }).transform((v, issues): Trigger => {
      return peerFits({ when: v.when, action: { kind: 'cut', from: v.cut.from, to: v.cut.to, forUs: v.for } }, issues);
    }),
  };
}

/** `peer` names whom a vote or ack went to; other moments have none. */
function peerFits(trigger: Trigger, issues: z.core.$RefinementCtx): Trigger {
  const { when, action } = trigger;
  if (MOMENTS_WITH_PEER.includes(when.moment)) return trigger;
  const targets: [string[], TriggerTarget][] = action.kind === 'cut' ? [[['cut', 'from'], action.from], [['cut', 'to'], action.to]] : [[[action.kind], action.target]];
  for (const [path, t] of targets) {
    if (t.kind === 'peer') {
      issues.addIssue({ code: 'custom', message: `peer names whom a vote or ack went to; a ${when.moment} moment has no peer (use self or a node)`, path, input: 'peer' });
      return z.NEVER;
    }
  }
  return trigger;
}

function chooseTriggerAction(input: Readonly<Record<string, unknown>>): { branch: TriggerActionName } | { problem: DispatchProblem } {
  const keys = Object.keys(input);
  const unknown = keys.find((k) => !ALL_KEYS.includes(k));
  if (unknown !== undefined) return { problem: { message: unknownKeyMessage(unknown, ALL_KEYS), unknownKey: unknown } };
  const present = keys.filter((k): k is TriggerActionName => (ACTIONS as string[]).includes(k));
  if (present.length === 1) return { branch: present[0] as TriggerActionName };
  const found = present.length === 0 ? 'none' : present.join(' and ');
  return { problem: { message: `expected exactly one action for an event-triggered fault (${ACTIONS.join(', ')}), found ${found}` } };
}

/** An event-triggered entry: the closed mapping of its action. A missing `for` is reported at the action. */
export function triggeredFault(ctx: ValueContext) {
  return dispatch(triggerBranches(ctx), chooseTriggerAction, 'expected a mapping', (branch) => String(branch));
}

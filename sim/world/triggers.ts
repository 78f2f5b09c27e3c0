/**
 * Event-triggered faults (the `when:` entries of a scenario's `faults`): a moment listener counts
 * each rule's matching moments and, when a rule fires, asks the world to act at the current virtual
 * time. The listener runs inside the node's step and must not change the world there, so firing
 * only queues an event; the node's step completes first (`World.fireTrigger` does the rest).
 *
 * Each rule draws its `chance` from its own stream (`trigger:<index>`), so adding a rule changes no
 * other draw of the run, and a scenario without rules installs no listener at all.
 */
import type { Moment, NodeId } from '../../protocols/api.js';
import { stream, type Random } from '../random.js';
import type { TriggeredFault, TriggerTarget } from '../scenario/types.js';

/** One firing, as the world needs it: which rule, whose moment, and the peer it named (-1: none). */
export interface TriggerFiring {
  readonly rule: number;
  readonly node: number;
  readonly peer: number;
  /** This was the node's nth moment of this kind (for pinning the firing to it exactly). */
  readonly occurrence?: number;
}

export class TriggerRules {
  private readonly rules: readonly TriggeredFault[];
  private readonly seen: number[];
  private readonly fired: number[];
  private readonly randoms: (Random | null)[];
  private readonly seed: number;
  /** Moments seen per `node:kind` (only kinds some rule watches). */
  private readonly perNode = new Map<string, number>();

  constructor(rules: readonly TriggeredFault[], seed: number) {
    this.rules = rules;
    this.seed = seed;
    this.seen = rules.map(() => 0);
    this.fired = rules.map(() => 0);
    this.randoms = rules.map(() => null);
  }

  /** The firings `moment` of `node` causes (usually none). */
  onMoment(node: NodeId, moment: Moment, nodeIndex: (id: NodeId) => number): TriggerFiring[] {
    let out: TriggerFiring[] | null = null;
    let occurrence = -1;
    for (let i = 0; i < this.rules.length; i++) {
      const rule = this.rules[i] as TriggeredFault;
      const when = rule.when;
      if (when.moment !== moment.kind) continue;
      if (occurrence < 0) {
        const key = `${node}:${moment.kind}`;
        occurrence = (this.perNode.get(key) ?? 0) + 1;
        this.perNode.set(key, occurrence);
      }
      if (when.node !== 'any' && when.node !== node) continue;
      if ((this.fired[i] as number) >= when.times) continue;
      const seen = (this.seen[i] as number) + 1;
      this.seen[i] = seen;
      if (seen < when.nth) continue;
      if (when.chance < 1 && !this.random(i, rule).chance(when.chance)) continue;
      this.fired[i] = (this.fired[i] as number) + 1;
      const peer = moment.kind === 'vote' ? nodeIndex(moment.for) : moment.kind === 'ack' ? nodeIndex(moment.to) : -1;
      (out ??= []).push({ rule: i, node: nodeIndex(node), peer, occurrence });
    }
    return out ?? NONE;
  }

  rule(i: number): TriggeredFault {
    const rule = this.rules[i];
    if (rule === undefined) throw new Error(`no trigger rule ${i}`);
    return rule;
  }

  private random(i: number, rule: TriggeredFault): Random {
    let r = this.randoms[i] ?? null;
    if (r === null) {
      r = stream(this.seed, `trigger:${rule.index}`);
      this.randoms[i] = r;
    }
    return r;
  }
}

const NONE: TriggerFiring[] = [];

/** The node indices a trigger target names for one firing, before selectors (null: a selector to resolve). */
export function triggerNodes(target: TriggerTarget, firing: TriggerFiring): number[] | null {
  switch (target.kind) {
    case 'self':
      return [firing.node];
    case 'peer':
      return firing.peer >= 0 ? [firing.peer] : [];
    case 'selector':
      return null;
  }
}

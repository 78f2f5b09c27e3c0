/**
 * Faults as data (STYLE.md: "the same fault vocabulary in YAML, in code and in the trace"): a
 * scripted `FaultAction` applied to the world, and the small surface the world offers to faults
 * and to the nemesis. Selectors resolve when the fault fires (`selectors.ts`).
 */
import type { NodeId } from '../../protocols/api.js';
import type { FaultAction, NodeSelector } from '../scenario/types.js';
import type { Host } from './host.js';
import type { Network } from './network.js';
import { range, resolvePartition, resolveSelector, resolveSelectors, type SelectorContext } from './selectors.js';

/** Where a fault comes from, as the trace says it; `faults[3]` is the event-triggered rule at that place. */
export type FaultSource = 'script' | 'nemesis' | 'settle' | `faults[${number}]`;

/** What faults may do to the world. */
export interface FaultTarget {
  readonly hosts: readonly Host[];
  readonly network: Network;
  readonly selectors: SelectorContext;
  crash(host: Host, amnesia: boolean, source: FaultSource): boolean;
  restart(host: Host, source: FaultSource): boolean;
  pause(host: Host, forUs: number, source: FaultSource): boolean;
  resume(host: Host, source: FaultSource): boolean;
  jumpClock(host: Host, jumpUs: number, source: FaultSource): void;
  /** Restart `host` after `afterUs`, unless it restarted (or crashed again) meanwhile. */
  scheduleRestart(host: Host, afterUs: number, source?: FaultSource): void;
  /** A `fault` trace event: `{t, kind:'fault', action, source, nodes, ...extra}`. */
  traceFault(action: string, source: FaultSource, nodes: readonly NodeId[], extra: Readonly<Record<string, unknown>>): void;
  /**
   * A fault that did nothing (its selector named nobody, or the node was already in that state):
   * traced as a `fault` event with `skipped: skip.trace`, and kept for the run's result so the
   * user hears of it; `skip.reason` says it in words ("no leader yet").
   */
  skipFault(action: string, source: FaultSource, nodes: readonly NodeId[], skip: FaultSkip): void;
}

/** Why a fault did nothing: `trace` goes into the trace event, `reason` to the user. */
export interface FaultSkip {
  readonly trace: string;
  readonly reason: string;
  /** Extra trace fields that stand before `skipped` (a partition's groups). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export function nodeIds(target: FaultTarget, indices: readonly number[]): NodeId[] {
  return indices.map((i) => (target.hosts[i] as Host).id);
}

/** Apply one scripted fault. */
export function applyFault(target: FaultTarget, action: FaultAction, source: FaultSource): void {
  const ctx = target.selectors;
  switch (action.kind) {
    case 'partition': {
      const groups = resolvePartition(action.groups, ctx);
      target.network.partition(groups);
      const nodes = nodeIds(target, groups.flat());
      const extra = { groups: groups.map((g) => nodeIds(target, g)) };
      if (groups.length >= 2) target.traceFault('partition', source, nodes, extra);
      else target.skipFault('partition', source, nodes, { trace: 'fewer than two groups', reason: `partition ${describeGroups(action.groups)} left fewer than two non-empty groups${emptyLeader(action.groups, ctx)}`, extra });
      return;
    }
    case 'heal':
      healLinks(target, action.target, source);
      return;
    case 'cut': {
      const from = resolveSelector(action.from, ctx);
      const to = resolveSelectors(action.to, ctx);
      for (const f of from) target.network.cut(f, to);
      const extra = { to: nodeIds(target, to) };
      if (from.some((f) => to.some((t) => t !== f))) target.traceFault('cut', source, nodeIds(target, from), extra);
      else target.skipFault('cut', source, nodeIds(target, from), { trace: 'no link to cut', reason: `cut from ${selectorName(action.from)}${from.length === 0 ? noMatch(action.from) : ': it names no link between two different nodes'}`, extra });
      return;
    }
    case 'crash':
      for (const host of select(target, action.target, 'crash', source)) {
        if (target.crash(host, action.amnesia, source)) {
          if (action.restartUs !== null) target.scheduleRestart(host, action.restartUs);
        } else {
          target.skipFault('crash', source, [host.id], { trace: `${host.id} is already down`, reason: `crash ${host.id}: it is already down` });
        }
      }
      return;
    case 'restart':
      for (const host of select(target, action.target, 'restart', source)) {
        if (!target.restart(host, source)) target.skipFault('restart', source, [host.id], { trace: `${host.id} is not down`, reason: `restart ${host.id}: it is ${host.state}, not down` });
      }
      return;
    case 'pause':
      for (const host of select(target, action.target, 'pause', source)) {
        if (!target.pause(host, action.forUs, source)) target.skipFault('pause', source, [host.id], { trace: `${host.id} is ${host.state}`, reason: `pause ${host.id}: it is ${host.state === 'down' ? 'down' : 'already paused'}` });
      }
      return;
    case 'clock':
      for (const host of select(target, action.target, 'clock', source)) target.jumpClock(host, action.jumpUs, source);
      return;
  }
}

/** Heal every link (`all`), or every link touching the selected nodes. */
export function healLinks(target: FaultTarget, selector: NodeSelector, source: FaultSource): void {
  if (selector.kind === 'all') {
    target.network.healAll();
    target.traceFault('heal', source, nodeIds(target, range(target.hosts.length)), {});
    return;
  }
  const nodes = resolveSelector(selector, target.selectors);
  for (const i of nodes) target.network.healNode(i);
  if (nodes.length > 0) target.traceFault('heal', source, nodeIds(target, nodes), {});
  else target.skipFault('heal', source, [], { trace: `no node matches ${selector.kind}`, reason: `heal ${selector.kind}${noMatch(selector)}` });
}

/** The hosts a selector names; when it names nobody (no leader yet), the fault is skipped. */
function select(target: FaultTarget, selector: NodeSelector, action: string, source: FaultSource): Host[] {
  const nodes = resolveSelector(selector, target.selectors);
  if (nodes.length === 0) target.skipFault(action, source, [], { trace: `no node matches ${selector.kind}`, reason: `${action} ${selector.kind}${noMatch(selector)}` });
  return nodes.map((i) => target.hosts[i] as Host);
}

/** Why a selector named nobody, in words. */
function noMatch(selector: NodeSelector): string {
  return selector.kind === 'leader' ? ': no leader yet (no live node claimed leadership)' : `: no node matches ${selectorName(selector)}`;
}

function emptyLeader(groups: readonly (readonly NodeSelector[])[], ctx: SelectorContext): string {
  return groups.some((g) => g.some((s) => s.kind === 'leader')) && ctx.leader() < 0 ? ': no leader yet (no live node claimed leadership)' : '';
}

function selectorName(s: NodeSelector): string {
  return s.kind === 'node' ? s.node : s.kind;
}

function describeGroups(groups: readonly (readonly NodeSelector[])[]): string {
  return `[${groups.map((g) => (g.length === 1 && g[0]?.kind === 'rest' ? 'rest' : `[${g.map(selectorName).join(', ')}]`)).join(', ')}]`;
}

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
      target.traceFault('partition', source, nodeIds(target, groups.flat()), { groups: groups.map((g) => nodeIds(target, g)) });
      return;
    }
    case 'heal':
      healLinks(target, action.target, source);
      return;
    case 'cut': {
      const from = resolveSelector(action.from, ctx);
      const to = resolveSelectors(action.to, ctx);
      for (const f of from) target.network.cut(f, to);
      target.traceFault('cut', source, nodeIds(target, from), { to: nodeIds(target, to) });
      return;
    }
    case 'crash':
      for (const host of select(target, action.target, 'crash', source)) {
        if (target.crash(host, action.amnesia, source) && action.restartUs !== null) target.scheduleRestart(host, action.restartUs);
      }
      return;
    case 'restart':
      for (const host of select(target, action.target, 'restart', source)) target.restart(host, source);
      return;
    case 'pause':
      for (const host of select(target, action.target, 'pause', source)) target.pause(host, action.forUs, source);
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
  target.traceFault('heal', source, nodeIds(target, nodes), {});
}

/** The hosts a selector names; when it names nobody (no leader yet), the trace says so. */
function select(target: FaultTarget, selector: NodeSelector, action: string, source: FaultSource): Host[] {
  const nodes = resolveSelector(selector, target.selectors);
  if (nodes.length === 0) target.traceFault(action, source, [], { skipped: `no node matches ${selector.kind}` });
  return nodes.map((i) => target.hosts[i] as Host);
}

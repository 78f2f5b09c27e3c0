/**
 * Resolving node selectors (`n3`, `leader`, `random`, `minority`, `majority`, `rest`, `all`) when a
 * fault fires. Random choices draw from the `faults` stream, in a fixed order, so the same seed
 * picks the same nodes.
 */
import { majority } from '../../protocols/api.js';
import type { Random } from '../random.js';
import type { NodeSelector } from '../scenario/types.js';

export interface SelectorContext {
  /** Number of nodes; node indices are 0..n-1. */
  readonly n: number;
  /** Index of the current leader, or -1 when no live node claims leadership. */
  leader(): number;
  readonly random: Random;
}

/** Size of the minority side of a split: the largest group that is not a majority. */
export function minoritySize(n: number): number {
  return Math.max(1, n - majority(n));
}

/** Pick `count` distinct indices from `pool` (in pool order afterwards, for stable traces). */
function pickSome(pool: readonly number[], count: number, random: Random): number[] {
  const chosen = random.shuffled(pool).slice(0, Math.min(count, pool.length));
  return chosen.sort((a, b) => a - b);
}

/**
 * Nodes named by `selector` among `pool` (all nodes when not given). `rest` outside a partition
 * means every node but the leader.
 */
export function resolveSelector(selector: NodeSelector, ctx: SelectorContext, pool?: readonly number[]): number[] {
  const all = pool ?? range(ctx.n);
  switch (selector.kind) {
    case 'node': {
      const index = Number(selector.node.slice(1)) - 1;
      return all.includes(index) ? [index] : [];
    }
    case 'leader': {
      const leader = ctx.leader();
      return leader >= 0 && all.includes(leader) ? [leader] : [];
    }
    case 'random':
      return all.length === 0 ? [] : [ctx.random.pick(all)];
    case 'minority':
      return pickSome(all, minoritySize(ctx.n), ctx.random);
    case 'majority':
      return pickSome(all, majority(ctx.n), ctx.random);
    case 'rest': {
      const leader = ctx.leader();
      return all.filter((i) => i !== leader);
    }
    case 'all':
      return all.slice();
  }
}

/** Several selectors, united, deduplicated, in index order. */
export function resolveSelectors(selectors: readonly NodeSelector[], ctx: SelectorContext, pool?: readonly number[]): number[] {
  const out = new Set<number>();
  for (const s of selectors) for (const i of resolveSelector(s, ctx, pool)) out.add(i);
  return [...out].sort((a, b) => a - b);
}

/**
 * Partition groups: groups without `rest` take their nodes first, in order, each from the nodes
 * not yet taken; a group containing `rest` then gets everything left. Empty groups are dropped.
 */
export function resolvePartition(groups: readonly (readonly NodeSelector[])[], ctx: SelectorContext): number[][] {
  let pool = range(ctx.n);
  const resolved: number[][] = groups.map(() => []);
  groups.forEach((group, g) => {
    if (group.some((s) => s.kind === 'rest')) return;
    const nodes = resolveSelectors(group, ctx, pool);
    resolved[g] = nodes;
    pool = pool.filter((i) => !nodes.includes(i));
  });
  groups.forEach((group, g) => {
    if (!group.some((s) => s.kind === 'rest')) return;
    resolved[g] = pool;
    pool = [];
  });
  return resolved.filter((nodes) => nodes.length > 0);
}

export function range(n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(i);
  return out;
}

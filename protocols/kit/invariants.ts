/**
 * A protocol's invariants, named once: the table `consensim list` prints, and findings whose names
 * the compiler checks against it (a monitor cannot report an invariant nobody declared).
 */
import type { InvariantDefinition, InvariantFinding, NodeId } from '../api.js';

/** An online invariant violation (what a monitor returns). */
export function finding(name: string, detail: string, nodes: readonly NodeId[]): InvariantFinding {
  return { name, detail, nodes };
}

export interface Invariants<N extends string> {
  /** For the protocol definition's `invariants`. */
  readonly list: readonly InvariantDefinition[];
  readonly names: ReadonlySet<N>;
  /** A finding for one of the declared invariants. */
  finding(name: N, detail: string, nodes: readonly NodeId[]): InvariantFinding;
}

export function defineInvariants<const N extends string>(
  list: readonly { readonly name: N; readonly description: string; readonly source: string }[],
): Invariants<N> {
  const names = new Set<N>();
  for (const inv of list) {
    if (names.has(inv.name)) throw new Error(`invariant ${inv.name} declared twice`);
    names.add(inv.name);
  }
  return { list, names, finding };
}

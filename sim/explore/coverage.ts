/**
 * Coverage for explore (the idea of Mallory, CCS 2023, and of model-guided fuzzing): a small
 * abstract state of the whole cluster, computed from every node's `inspect()` at the protocol's
 * interesting moments, and the set of abstract transitions (state → next state) a run reached.
 *
 * The generic state, for any protocol: the multiset of roles (down nodes counted apart), how many
 * nodes claim to lead, and the bucketed spread of era numbers, commit indexes and log lengths
 * between nodes. A protocol may refine it (`ProtocolDefinition.coverageState`). A run's coverage is
 * a set of 32-bit hashes of transitions; explore unions them and keeps the schedules that add any.
 */
import type { MomentKind, NodeView, ProtocolDefinition } from '../../protocols/api.js';
import type { MomentListener } from '../run.js';

/** Moments at which the state is sampled (apply, persist and ack are too frequent to be worth it). */
const SAMPLED: ReadonlySet<MomentKind> = new Set<MomentKind>(['vote', 'era-change', 'leader', 'commit']);
/** Bounded: a run records at most this many distinct transitions. */
export const MAX_TRANSITIONS_PER_RUN = 4096;

/** 0, 1, 2-3, 4-9, 10+ */
export function bucket(x: number): number {
  if (x <= 0) return 0;
  if (x === 1) return 1;
  if (x < 4) return 2;
  if (x < 10) return 4;
  return 10;
}

export function abstractState(views: readonly (NodeView | null)[], protocol?: ProtocolDefinition<any, any>): string {
  const roles: string[] = [];
  let down = 0;
  let leaders = 0;
  let minTerm = Infinity;
  let maxTerm = -Infinity;
  let minCommit = Infinity;
  let maxCommit = -Infinity;
  let minLog = Infinity;
  let maxLog = -Infinity;
  views.forEach((view, i) => {
    if (view === null) {
      down++;
      return;
    }
    roles.push(view.role);
    if (view.leader === `n${i + 1}`) leaders++;
    minTerm = Math.min(minTerm, view.term);
    maxTerm = Math.max(maxTerm, view.term);
    minCommit = Math.min(minCommit, view.commitIndex);
    maxCommit = Math.max(maxCommit, view.commitIndex);
    minLog = Math.min(minLog, view.logLength);
    maxLog = Math.max(maxLog, view.logLength);
  });
  roles.sort();
  const spread = (lo: number, hi: number): number => (roles.length === 0 ? 0 : bucket(hi - lo));
  const generic = `${roles.join(',')}|d${down}|L${leaders}|t${spread(minTerm, maxTerm)}|c${spread(minCommit, maxCommit)}|l${spread(minLog, maxLog)}`;
  const refined = protocol?.coverageState?.(views);
  return refined === undefined ? generic : `${generic}|${refined}`;
}

/** FNV-1a, 32 bits. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Records one run's transitions; `observer` goes into runScenario's `observe` option. */
export class CoverageRecorder {
  readonly transitions = new Set<number>();
  private previous = 'start';
  private readonly protocol: ProtocolDefinition<any, any> | undefined;

  constructor(protocol?: ProtocolDefinition<any, any>) {
    this.protocol = protocol;
  }

  readonly observer = (look: () => readonly (NodeView | null)[]): MomentListener => {
    return (_node, moment) => {
      if (!SAMPLED.has(moment.kind) || this.transitions.size >= MAX_TRANSITIONS_PER_RUN) return;
      const state = abstractState(look(), this.protocol);
      if (state === this.previous) return;
      this.transitions.add(hash32(`${this.previous}>${state}`));
      this.previous = state;
    };
  };
}

/**
 * Every node's state at any virtual time, rebuilt from the trace alone: a `state` snapshot (at
 * every start, every role change and every snapshot tick) gives everything; `role` and `progress`
 * events after it move the common numbers; `fault` events say when a node is down or paused.
 * The common numbers are exact at every instant; the protocol's own fields (`view`) and the log
 * summary are those of the latest snapshot (at most one snapshot interval old).
 */
import type { NodeId, NodeNumbers } from '../../protocols/api.js';
import type { TraceEvent } from '../world/trace.js';

export type Liveness = 'up' | 'down' | 'paused';

export interface NodeState extends NodeNumbers {
  readonly node: NodeId;
  readonly live: Liveness;
  /** The protocol's own scalar fields at the latest snapshot. */
  readonly view: Readonly<Record<string, string | number | boolean | null>>;
  /** The last commands applied, at the latest snapshot. */
  readonly log: readonly string[];
  /** When the latest snapshot was taken. */
  readonly snapshotUs: number;
}

const INITIAL = (node: NodeId): NodeState => ({
  node,
  live: 'down',
  role: 'down',
  term: 0,
  leader: null,
  commitIndex: 0,
  appliedIndex: 0,
  logLength: 0,
  view: {},
  log: [],
  snapshotUs: 0,
});

/** One node's states over time: `times[i]` is when `states[i]` began (ascending). */
interface NodeHistory {
  readonly times: number[];
  readonly states: NodeState[];
}

export class NodeStates {
  readonly nodes: readonly NodeId[];
  private readonly byNode: Map<NodeId, NodeHistory>;

  constructor(nodes: readonly NodeId[], trace: readonly TraceEvent[]) {
    this.nodes = nodes;
    this.byNode = new Map(nodes.map((n) => [n, { times: [0], states: [INITIAL(n)] }]));
    for (const e of trace) this.observe(e);
  }

  /** Every node's state after everything that happened at or before `t`. */
  at(t: number): NodeState[] {
    return this.nodes.map((node) => this.of(node, t));
  }

  of(node: NodeId, t: number): NodeState {
    const history = this.byNode.get(node);
    if (history === undefined) throw new Error(`no node ${node}`);
    // Last index with times[i] <= t (binary search).
    let lo = 0;
    let hi = history.times.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((history.times[mid] as number) <= t) lo = mid;
      else hi = mid - 1;
    }
    return history.states[lo] as NodeState;
  }

  /** Every change of one node, in time order (for the report). */
  changes(node: NodeId): { readonly times: readonly number[]; readonly states: readonly NodeState[] } {
    const history = this.byNode.get(node);
    if (history === undefined) throw new Error(`no node ${node}`);
    return history;
  }

  private set(node: NodeId, t: number, change: (s: NodeState) => NodeState): void {
    const history = this.byNode.get(node);
    if (history === undefined) return;
    const last = history.states[history.states.length - 1] as NodeState;
    const next = change(last);
    if (history.times[history.times.length - 1] === t) history.states[history.states.length - 1] = next;
    else {
      history.times.push(t);
      history.states.push(next);
    }
  }

  private observe(e: TraceEvent): void {
    switch (e.kind) {
      case 'state':
        this.set(e.node, e.t, (s) => ({
          node: e.node,
          live: s.live === 'paused' ? 'paused' : 'up',
          role: e.role,
          term: e.term,
          leader: e.leader,
          commitIndex: e.commitIndex,
          appliedIndex: e.appliedIndex,
          logLength: e.logLength,
          view: e.view,
          log: e.log,
          snapshotUs: e.t,
        }));
        return;
      case 'role':
        this.set(e.node, e.t, (s) => ({ ...s, live: s.live === 'down' ? 'up' : s.live, role: e.role, term: e.term, leader: e.leader }));
        return;
      case 'progress':
        this.set(e.node, e.t, (s) => ({ ...s, commitIndex: e.commitIndex, appliedIndex: e.appliedIndex, logLength: e.logLength }));
        return;
      case 'fault':
        for (const node of e.nodes) {
          if (e.action === 'crash') this.set(node, e.t, (s) => ({ ...INITIAL(node), term: s.term, snapshotUs: s.snapshotUs }));
          else if (e.action === 'pause') this.set(node, e.t, (s) => (s.live === 'up' ? { ...s, live: 'paused' } : s));
          else if (e.action === 'resume') this.set(node, e.t, (s) => (s.live === 'paused' ? { ...s, live: 'up' } : s));
        }
        return;
      default:
        return;
    }
  }
}

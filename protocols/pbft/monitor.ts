/**
 * PBFT's online invariants, over correct replicas only (a byzantine replica's state means nothing):
 *
 * - prepared-agreement: prepared(m, v, n, i) and prepared(m', v, n, j) imply D(m) = D(m') (§4.2).
 * - committed-agreement: committed-local at one sequence number has one digest, even across views
 *   (§4.5.1); and once it committed in view v, nothing else prepares at n in a later view.
 * - execution-agreement: the request and result executed at each sequence number are the same.
 * - checkpoint-agreement: own checkpoint digests and stable checkpoint digests agree per sequence
 *   number.
 * The applied-prefix invariant is the host's.
 *
 * The monitor reads the journal each replica exposes in `inspect()` after every step. Memory grows
 * with the number of sequence numbers in the run (one small entry each), which the run bounds.
 */
import type { InvariantFinding, InvariantMonitor, MonitorContext, NodeId } from '../api.js';
import type { PbftMessage } from './messages.js';
import type { PbftEvent, PbftView } from './view.js';

interface Seen {
  readonly value: string;
  readonly node: NodeId;
  readonly view: number;
}

export class PbftMonitor implements InvariantMonitor<PbftMessage, PbftView> {
  private readonly ctx: MonitorContext;
  /** `view/seq` → prepared digest. */
  private readonly prepared = new Map<string, Seen>();
  /** seq → committed digest (first view it committed in). */
  private readonly committed = new Map<number, Seen>();
  private readonly executed = new Map<number, Seen>();
  private readonly checkpoints = new Map<number, Seen>();

  constructor(ctx: MonitorContext) {
    this.ctx = ctx;
  }

  afterStep(node: NodeId, view: PbftView): InvariantFinding | null {
    if (!this.ctx.isCorrect(node)) return null;
    for (const event of view.journal) {
      const finding = this.check(node, event);
      if (finding !== null) return finding;
    }
    return null;
  }

  private check(node: NodeId, event: PbftEvent): InvariantFinding | null {
    switch (event.kind) {
      case 'prepared':
        return this.onPrepared(node, event.view, event.seq, event.digest);
      case 'committed':
        return this.onCommitted(node, event.view, event.seq, event.digest, event.via);
      case 'executed':
        return this.agree(this.executed, event.seq, `${event.digest} -> ${event.result}`, node, 0, 'execution-agreement', 'executed');
      case 'checkpoint':
      case 'stable':
      case 'state-transfer':
        return this.agree(this.checkpoints, event.seq, event.digest, node, 0, 'checkpoint-agreement', `checkpoint digest (${event.kind})`);
    }
  }

  private onPrepared(node: NodeId, view: number, seq: number, digest: string): InvariantFinding | null {
    const same = this.agree(this.prepared, `${view}/${seq}`, digest, node, view, 'prepared-agreement', `prepared in view ${view}`);
    if (same !== null) return same;
    const done = this.committed.get(seq);
    if (done !== undefined && done.view < view && done.value !== digest) {
      return finding('committed-agreement', [done.node, node], `seq ${seq} committed ${done.value} at ${done.node} in view ${done.view}, but ${node} prepared ${digest} in view ${view}`);
    }
    return null;
  }

  private onCommitted(node: NodeId, view: number, seq: number, digest: string, via: string): InvariantFinding | null {
    return this.agree(this.committed, seq, digest, node, view, 'committed-agreement', `committed (${via}) in view ${view}`);
  }

  private agree<K>(seen: Map<K, Seen>, key: K, value: string, node: NodeId, view: number, name: string, what: string): InvariantFinding | null {
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, { value, node, view });
      return null;
    }
    if (first.value === value) return null;
    return finding(name, [first.node, node], `at ${String(key)}: ${first.node} has ${first.value} (view ${first.view}), ${node} ${what}: ${value}`);
  }
}

function finding(name: string, nodes: NodeId[], detail: string): InvariantFinding {
  return { name, detail, nodes: nodes.filter((n, i) => nodes.indexOf(n) === i) };
}

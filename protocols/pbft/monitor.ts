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
 * And the local steps the proofs of §4.4 rest on, checked when each is taken:
 * - prepare-once: a correct replica sends PREPARE (a primary: PRE-PREPARE) for at most one digest
 *   per (view, sequence number) (§4.2: a backup accepts a PRE-PREPARE only if it "has not accepted
 *   a pre-prepare message for view v and sequence number n containing a different digest").
 * - new-view-o: the NEW-VIEW a correct replica enters a view with has exactly the O that its V
 *   implies (§4.4: min-s, max-s, the highest-view certificate per number, null requests in gaps),
 *   recomputed here with the monitor's own code.
 * - prepared-kept: every request a correct replica prepared above its stable checkpoint is in the
 *   P set of every VIEW-CHANGE it sends later, with a certificate of that view or a later one, even
 *   after a crash (the replica persists its certificates; only an amnesia crash, which counts the
 *   replica against f, forgets them).
 *
 * The monitor reads the journal each replica exposes in `inspect()` after every step.
 *
 * Bounded memory. A replica's own records (the votes it sent, what it prepared) are needed only
 * above its stable checkpoint h: it votes and prepares only inside (h, h + 2k], and h never moves
 * down (it is durable; an amnesia crash drops these records anyway). They are pruned as h moves.
 * The cross-replica records (prepared, committed, executed, checkpoint digests per number) keep
 * the RETAINED_WINDOWS windows of 2k below the highest number any correct replica reached: a
 * correct replica acts on a number only inside its window or, catching up, within two windows of
 * what it executed, and its correct peers keep nothing older than their own window to send it; a
 * replica further behind moves by state transfer to a stable checkpoint, above which everything
 * it does is compared again. (Byzantine peers could hand it valid commit certificates older than
 * that: 2f+1 signed COMMITs, so f+1 correct replicas committed the same digest, which was compared
 * when they did; what it executes is still checked by the host's applied-prefix ledger.)
 */
import type { InvariantFinding, InvariantMonitor, MonitorContext, NodeId } from '../api.js';
import { defineInvariants, readOptions } from '../kit/index.js';
import { NULL_DIGEST, type NewViewBody, type PbftMessage, type Signed, type ViewChangeBody } from './messages.js';
import { OPTIONS } from './options.js';
import type { PbftEvent, PbftView } from './view.js';

/** Windows (of 2k numbers each) of cross-replica records kept below the highest number reached. */
const RETAINED_WINDOWS = 64;

/** What this monitor checks, for `consensim list` and docs/pbft.md. */
const INVARIANTS = defineInvariants([
  { name: 'prepared-agreement', description: 'Correct replicas prepared at one (view, number) prepared one digest.', source: 'Castro & Liskov 1999 §4.2' },
  { name: 'committed-agreement', description: 'One digest commits at each number, across views; nothing else prepares there later.', source: 'Castro & Liskov 1999 §4.2, §4.4' },
  { name: 'execution-agreement', description: 'The same request and result execute at each number on every correct replica.', source: 'Castro & Liskov 1999 §4' },
  { name: 'checkpoint-agreement', description: 'Checkpoint and stable checkpoint digests agree per number.', source: 'Castro & Liskov 1999 §4.3' },
  { name: 'prepare-once', description: 'A correct replica sends PREPARE (a primary PRE-PREPARE) for one digest per (view, number).', source: 'Castro & Liskov 1999 §4.2' },
  { name: 'new-view-o', description: 'The NEW-VIEW a correct replica enters a view with has exactly the O its V implies (recomputed by the monitor).', source: 'Castro & Liskov 1999 §4.4' },
  {
    name: 'prepared-kept',
    description: 'Every request a correct replica prepared above its stable checkpoint is in the P set of its later VIEW-CHANGEs, plain crashes included.',
    source: 'Castro & Liskov 1999 §4.4 (P); certificates persisted here',
  },
] as const);
type InvariantName = Parameters<typeof INVARIANTS.finding>[0];
export const PBFT_INVARIANTS = INVARIANTS.list;

interface Seen {
  /** The sequence number the record is about (what pruning goes by). */
  readonly seq: number;
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
  /** Correct replica → seq → the view and digest it last sent a PREPARE (or PRE-PREPARE) for. */
  private readonly votes = new Map<NodeId, Map<number, { view: number; digest: string }>>();
  /** Correct replica → seq → the latest view it prepared that number in (outlives plain crashes). */
  private readonly preparedBy = new Map<NodeId, Map<number, number>>();
  /** Correct replica → the NEW-VIEW it last entered a view with. */
  private readonly enteredWith = new Map<NodeId, Signed<NewViewBody>>();
  /** NEW-VIEWs already recomputed: null when O matches V, else what is wrong. */
  private readonly newViews = new WeakMap<object, string | null>();
  /** VIEW-CHANGEs already checked (one object is multicast to every peer). */
  private readonly viewChanges = new WeakSet<object>();
  /** Correct replica → the stable checkpoint its own records were last pruned at. */
  private readonly prunedAt = new Map<NodeId, number>();
  /** Cross-replica records cover numbers above this. */
  private floor = 0;
  /** The highest number any record is about. */
  private front = 0;
  /** How many numbers of cross-replica records are kept (RETAINED_WINDOWS windows). */
  private readonly retained: number;

  constructor(ctx: MonitorContext) {
    this.ctx = ctx;
    this.retained = RETAINED_WINDOWS * 2 * readOptions(OPTIONS, ctx.options).checkpointInterval;
  }

  /** Records held now (bounded by the window and the cluster, whatever the run's length). */
  sizes(): { readonly perNumber: number; readonly perReplica: number } {
    let perReplica = 0;
    for (const bySeq of this.votes.values()) perReplica += bySeq.size;
    for (const bySeq of this.preparedBy.values()) perReplica += bySeq.size;
    return { perNumber: this.prepared.size + this.committed.size + this.executed.size + this.checkpoints.size, perReplica };
  }

  afterStep(node: NodeId, view: PbftView): InvariantFinding | null {
    if (!this.ctx.isCorrect(node)) return null;
    for (const event of view.journal) {
      if (event.kind === 'prepared') this.recordPrepared(node, event.seq, event.view);
      const finding = this.check(node, event);
      if (finding !== null) return finding;
    }
    this.prune(node, view.lowWaterMark);
    return view.newView === null || this.enteredWith.get(node) === view.newView ? null : this.checkNewView(node, view.newView);
  }

  onSend(from: NodeId, _to: NodeId, msg: PbftMessage): InvariantFinding | null {
    switch (msg.type) {
      case 'prepare':
        return msg.replica === from ? this.checkVote(from, msg.view, msg.seq, msg.digest, 'PREPARE') : null;
      case 'pre-prepare':
        // Its own proposal only: a replica may pass on a PRE-PREPARE its primary signed.
        return msg.sig.signer === from ? this.checkVote(from, msg.view, msg.seq, msg.digest, 'PRE-PREPARE') : null;
      case 'view-change':
        return msg.replica === from ? this.checkViewChange(from, msg) : null;
      default:
        return null;
    }
  }

  onCrash(node: NodeId, amnesia: boolean): void {
    // Without its disk a replica may contradict what it signed: it counts against f, as PBFT says.
    if (amnesia) {
      this.preparedBy.delete(node);
      this.votes.delete(node);
      this.prunedAt.delete(node);
    }
  }

  // ---- bounded memory ------------------------------------------------------------------------------

  private prune(node: NodeId, lowWaterMark: number): void {
    if ((this.prunedAt.get(node) ?? 0) < lowWaterMark) {
      this.prunedAt.set(node, lowWaterMark);
      for (const bySeq of [this.votes.get(node), this.preparedBy.get(node)]) {
        if (bySeq !== undefined) for (const seq of [...bySeq.keys()]) if (seq <= lowWaterMark) bySeq.delete(seq);
      }
    }
    // In steps of a window, so each record is looked at a bounded number of times.
    const floor = this.front - this.retained;
    if (floor < this.floor + this.retained / RETAINED_WINDOWS) return;
    this.floor = floor;
    for (const seen of [this.prepared, this.committed, this.executed, this.checkpoints] as Map<unknown, Seen>[]) {
      for (const [key, record] of [...seen]) if (record.seq <= floor) seen.delete(key);
    }
  }

  // ---- the proof's local steps -------------------------------------------------------------------

  private checkVote(node: NodeId, view: number, seq: number, digest: string, what: string): InvariantFinding | null {
    if (!this.ctx.isCorrect(node)) return null;
    let bySeq = this.votes.get(node);
    if (bySeq === undefined) {
      bySeq = new Map();
      this.votes.set(node, bySeq);
    }
    const earlier = bySeq.get(seq);
    if (earlier === undefined || earlier.view < view) {
      bySeq.set(seq, { view, digest });
      return null;
    }
    if (earlier.view > view || earlier.digest === digest) return null;
    return finding('prepare-once', [node], `${node} sent ${what} for ${earlier.digest} and then for ${digest} at view ${view}, sequence number ${seq}`);
  }

  private recordPrepared(node: NodeId, seq: number, view: number): void {
    let bySeq = this.preparedBy.get(node);
    if (bySeq === undefined) {
      bySeq = new Map();
      this.preparedBy.set(node, bySeq);
    }
    if ((bySeq.get(seq) ?? -1) < view) bySeq.set(seq, view);
  }

  /** P must carry, for every number prepared above the stable checkpoint, a certificate at least as recent. */
  private checkViewChange(node: NodeId, vc: Signed<ViewChangeBody>): InvariantFinding | null {
    if (!this.ctx.isCorrect(node) || this.viewChanges.has(vc)) return null;
    this.viewChanges.add(vc);
    const bySeq = this.preparedBy.get(node);
    if (bySeq === undefined) return null;
    const carried = new Map<number, number>();
    for (const cert of vc.prepared) carried.set(cert.prePrepare.seq, cert.prePrepare.view);
    for (const [seq, view] of bySeq) {
      if (seq <= vc.stableSeq) {
        bySeq.delete(seq);
        continue;
      }
      if (view >= vc.view || (carried.get(seq) ?? -1) >= view) continue;
      return finding(
        'prepared-kept',
        [node],
        `${node} prepared sequence number ${seq} in view ${view}, but its VIEW-CHANGE for view ${vc.view} (stable checkpoint ${vc.stableSeq}) ` +
          `carries ${carried.has(seq) ? `only a certificate of view ${carried.get(seq)}` : 'no certificate'} for it`,
      );
    }
    return null;
  }

  private checkNewView(node: NodeId, nv: Signed<NewViewBody>): InvariantFinding | null {
    this.enteredWith.set(node, nv);
    let wrong = this.newViews.get(nv);
    if (wrong === undefined) {
      wrong = recomputeO(nv);
      this.newViews.set(nv, wrong);
    }
    if (wrong === null) return null;
    return finding('new-view-o', [node], `${node} entered view ${nv.view} with a NEW-VIEW whose O is not what its V implies: ${wrong}`);
  }

  private check(node: NodeId, event: PbftEvent): InvariantFinding | null {
    switch (event.kind) {
      case 'prepared':
        return this.onPrepared(node, event.view, event.seq, event.digest);
      case 'committed':
        return this.onCommitted(node, event.view, event.seq, event.digest, event.via);
      case 'executed':
        return this.agree(this.executed, event.seq, event.seq, `${event.digest} -> ${event.result}`, node, 0, 'execution-agreement', 'executed');
      case 'checkpoint':
      case 'stable':
      case 'state-transfer':
        return this.agree(this.checkpoints, event.seq, event.seq, event.digest, node, 0, 'checkpoint-agreement', `checkpoint digest (${event.kind})`);
    }
  }

  private onPrepared(node: NodeId, view: number, seq: number, digest: string): InvariantFinding | null {
    const same = this.agree(this.prepared, `${view}/${seq}`, seq, digest, node, view, 'prepared-agreement', `prepared in view ${view}`);
    if (same !== null) return same;
    const done = this.committed.get(seq);
    if (done !== undefined && done.view < view && done.value !== digest) {
      return finding('committed-agreement', [done.node, node], `seq ${seq} committed ${done.value} at ${done.node} in view ${done.view}, but ${node} prepared ${digest} in view ${view}`);
    }
    return null;
  }

  private onCommitted(node: NodeId, view: number, seq: number, digest: string, via: string): InvariantFinding | null {
    return this.agree(this.committed, seq, seq, digest, node, view, 'committed-agreement', `committed (${via}) in view ${view}`);
  }

  private agree<K>(seen: Map<K, Seen>, key: K, seq: number, value: string, node: NodeId, view: number, name: InvariantName, what: string): InvariantFinding | null {
    const first = seen.get(key);
    if (first === undefined) {
      // Below the kept windows there is nothing to compare with (see the top of this file).
      if (seq <= this.floor) return null;
      if (seq > this.front) this.front = seq;
      seen.set(key, { seq, value, node, view });
      return null;
    }
    if (first.value === value) return null;
    return finding(name, [first.node, node], `at ${String(key)}: ${first.node} has ${first.value} (view ${first.view}), ${node} ${what}: ${value}`);
  }
}

/**
 * §4.4, independently of the replicas' code: min-s = the latest stable checkpoint in V, max-s =
 * the highest number in a prepared certificate of V; each n in (min-s, max-s] gets the digest of
 * its highest-view certificate, or the null request. Null when O has exactly that, else why not.
 */
export function recomputeO(nv: NewViewBody): string | null {
  let minS = 0;
  for (const vc of nv.viewChanges) minS = Math.max(minS, vc.stableSeq);
  const best = new Map<number, { view: number; digest: string }>();
  let maxS = minS;
  for (const vc of nv.viewChanges) {
    for (const cert of vc.prepared) {
      const { seq, view, digest } = cert.prePrepare;
      if (seq <= minS) continue;
      if (seq > maxS) maxS = seq;
      const current = best.get(seq);
      if (current === undefined || view > current.view) best.set(seq, { view, digest });
    }
  }
  if (nv.prePrepares.length !== maxS - minS) return `O has ${nv.prePrepares.length} pre-prepares, V implies ${maxS - minS} (numbers ${minS + 1}..${maxS})`;
  for (let i = 0; i < nv.prePrepares.length; i++) {
    const pp = nv.prePrepares[i];
    const seq = minS + 1 + i;
    const expected = best.get(seq)?.digest ?? NULL_DIGEST;
    if (pp === undefined || pp.seq !== seq || pp.digest !== expected) {
      return `at ${seq} O has ${pp === undefined ? 'nothing' : `${pp.digest} (number ${pp.seq})`}, V implies ${expected}`;
    }
  }
  return null;
}

/** A finding naming each replica once. */
function finding(name: InvariantName, nodes: readonly NodeId[], detail: string): InvariantFinding {
  return INVARIANTS.finding(name, detail, nodes.filter((n, i) => nodes.indexOf(n) === i));
}

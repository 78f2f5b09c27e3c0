/**
 * Zab's online invariants (the ones ZooKeeper's TLA+ spec checks, zookeeper-specifications/zab,
 * plus three from PROTOCOL-NOTES), kept cheap: each step looks only at what changed.
 *
 *  - Leadership: at most one server reaches synchronization (a quorum of ACK-E) per epoch.
 *  - PrefixConsistency / Agreement / TotalOrder: the i-th committed (delivered) transaction is the
 *    same zxid on every server that commits an i-th one.
 *  - Primary order: committed zxids strictly increase along the delivered sequence, and each
 *    leader's proposals strictly increase (checked as PROPOSEs are sent).
 *  - acceptedEpoch ≥ currentEpoch on every server.
 *  - No committed transaction is ever removed from a history by TRUNC or SNAP.
 * And two steps the proof of those rests on, checked when they are taken (Junqueira, Reed and
 * Serafini, "Zab: High-performance broadcast for primary-backup systems", DSN 2011, §IV):
 *  - zab.epoch-promise: a follower promises an epoch (a counted ACK-E) at most once and to one
 *    leader, and never an epoch below one it promised before (Phase 1: it accepts NEWEPOCH(e′)
 *    only if e′ > f.p), crashes included. A leader's own epoch counts as its promise.
 *  - zab.initial-history: a leader establishing epoch e holds, in its initial history, every
 *    transaction committed so far in epochs before e, in commit order (what Phase 1 exists to give).
 * The applied-prefix agreement of the machines is checked by the host for every protocol.
 */
import type { InvariantFinding, InvariantMonitor, MonitorContext, NodeId } from '../api.js';
import { defineInvariants } from '../kit/index.js';
import type { ZabMessage } from './messages.js';
import type { ZabView } from './node.js';
import { COUNTER_SPAN, compareZxid, formatZxid, type Txn, zxidNumber } from './zxid.js';

interface NodeProgress {
  /** Commit positions of this incarnation already compared with `delivered`. */
  checked: number;
  truncations: number;
}

/** What this monitor checks, for `consensim list` and docs/zab.md. */
export const INVARIANTS = defineInvariants([
  { name: "zab.leadership", description: "At most one server establishes each epoch (reaches synchronization, or proposes in it).", source: "Junqueira, Reed, Serafini 2011; ZooKeeper TLA+ spec" },
  { name: "zab.prefix-consistency", description: "The i-th committed transaction is the same on every server.", source: "Junqueira, Reed, Serafini 2011 (agreement, total order)" },
  { name: "zab.primary-order", description: "Committed zxids increase along the delivered sequence, and each leader's proposals increase.", source: "Junqueira, Reed, Serafini 2011 (local and global primary order)" },
  { name: "zab.epochs", description: "acceptedEpoch ≥ currentEpoch on every server.", source: "Junqueira, Reed, Serafini 2011 (f.p and f.a)" },
  { name: "zab.committed-truncated", description: "No committed transaction is removed from a history by TRUNC or SNAP.", source: "ZOOKEEPER-4643" },
  { name: "zab.epoch-promise", description: "A follower promises (a counted ACK-E) each epoch at most once, to one leader, and never below an epoch it promised.", source: "Junqueira, Reed, Serafini 2011, Phase 1 (NEWEPOCH(e′) accepted only if e′ > f.p)" },
  { name: "zab.initial-history", description: "A leader establishing an epoch holds every transaction committed so far in its initial history.", source: "Junqueira, Reed, Serafini 2011, Phases 1-2 (initial history)" },
] as const);

export const ZAB_INVARIANTS = INVARIANTS.list;

export class ZabMonitor implements InvariantMonitor<ZabMessage, ZabView> {
  /** zxid number of the i-th transaction anyone committed, and who committed it first. */
  private readonly delivered: number[] = [];
  private readonly deliveredBy: NodeId[] = [];
  /** The epoch the first committer of each position was in when it committed it. */
  private readonly deliveredInEpoch: number[] = [];
  private readonly leaderOfEpoch = new Map<number, NodeId>();
  /** Per epoch, the last zxid counter its leader proposed. */
  private readonly lastProposed = new Map<number, number>();
  private readonly progress = new Map<NodeId, NodeProgress>();
  /** Per server, the highest epoch it promised and to whom (outlives crashes). */
  private readonly promised = new Map<NodeId, { epoch: number; leader: NodeId }>();

  constructor(context: MonitorContext) {
    for (const node of context.nodes) this.progress.set(node, { checked: 0, truncations: 0 });
  }

  onCrash(node: NodeId): void {
    this.progress.set(node, { checked: 0, truncations: 0 });
  }

  afterStep(node: NodeId, view: ZabView): InvariantFinding | null {
    if (view.acceptedEpoch < view.currentEpoch) {
      return INVARIANTS.finding('zab.epochs', `${node} has acceptedEpoch ${view.acceptedEpoch} < currentEpoch ${view.currentEpoch}`, [node]);
    }
    const progress = this.progress.get(node) as NodeProgress;
    return this.checkLeadership(node, view) ?? this.checkTruncation(node, view, progress) ?? this.checkDelivered(node, view, progress);
  }

  onSend(from: NodeId, to: NodeId, msg: ZabMessage): InvariantFinding | null {
    if (msg.type === 'ACK-E') return msg.currentEpoch === -1 ? null : this.promise(from, msg.epoch, to);
    if (msg.type !== 'PROPOSE') return null;
    const { epoch, counter } = msg.txn.zxid;
    const owner = this.leaderOfEpoch.get(epoch);
    if (owner === undefined) this.leaderOfEpoch.set(epoch, from);
    else if (owner !== from) {
      return INVARIANTS.finding('zab.leadership', `${from} proposed ${formatZxid(msg.txn.zxid)} but epoch ${epoch} belongs to ${owner}`, [from]);
    }
    const last = this.lastProposed.get(epoch) ?? 0;
    if (counter < last) {
      return INVARIANTS.finding('zab.primary-order', `${from} proposed ${formatZxid(msg.txn.zxid)} after ${epoch}.${last}`, [from]);
    }
    this.lastProposed.set(epoch, counter);
    return null;
  }

  private checkLeadership(node: NodeId, view: ZabView): InvariantFinding | null {
    if (view.role !== 'leading' || view.epoch === null || view.phase === 'discovery') return null;
    const owner = this.leaderOfEpoch.get(view.epoch);
    if (owner === undefined) {
      this.leaderOfEpoch.set(view.epoch, node);
      return this.promise(node, view.epoch, node) ?? this.checkInitialHistory(node, view);
    }
    if (owner === node) return null;
    return INVARIANTS.finding('zab.leadership', `${node} and ${owner} both established epoch ${view.epoch}`, [node, owner]);
  }

  /** A counted ACK-E (or a leader's own epoch): once per epoch, to one leader, epochs rising. */
  private promise(follower: NodeId, epoch: number, leader: NodeId): InvariantFinding | null {
    const earlier = this.promised.get(follower);
    if (earlier === undefined || epoch > earlier.epoch) {
      this.promised.set(follower, { epoch, leader });
      return null;
    }
    if (epoch === earlier.epoch && leader === earlier.leader) return null;
    const what = epoch === earlier.epoch ? `epoch ${epoch} to ${leader}` : `the lower epoch ${epoch} to ${leader}`;
    return INVARIANTS.finding('zab.epoch-promise', `${follower} promised epoch ${earlier.epoch} to ${earlier.leader}, then ${what}`, [follower, earlier.leader, leader]);
  }

  /**
   * Every transaction committed so far in an earlier epoch is in the new leader's history, at its
   * place. A later epoch's commits are not its business: a stale prospective leader (paused with
   * ACK-Es for its epoch queued) may reach synchronization after a later epoch committed, and it
   * can never get those followers' ACK-LD. "Committed in an earlier epoch" means the commit
   * happened then, not that the transaction was proposed then: a leader of epoch 5 may commit an
   * epoch-1 transaction while synchronizing, which epoch 4 never had to hold.
   */
  private checkInitialHistory(node: NodeId, view: ZabView): InvariantFinding | null {
    const epoch = view.epoch ?? 0;
    const limit = epoch * COUNTER_SPAN;
    for (let i = 0; i < this.delivered.length; i++) {
      // Delivered zxids increase (primary order), so the first of epoch ≥ e ends the check.
      if ((this.delivered[i] as number) >= limit || (this.deliveredInEpoch[i] ?? 0) >= epoch) break;
      const txn = view.history[i];
      if (txn !== undefined && zxidNumber(txn.zxid) === this.delivered[i]) continue;
      return INVARIANTS.finding(
        'zab.initial-history',
        `${node} establishes epoch ${view.epoch ?? '?'} with ${txn === undefined ? 'no transaction' : formatZxid(txn.zxid)} at index ${i}, ` +
          `where ${this.deliveredBy[i] ?? '?'} committed another`,
        [node],
      );
    }
    return null;
  }

  private checkTruncation(node: NodeId, view: ZabView, progress: NodeProgress): InvariantFinding | null {
    if (view.truncations === progress.truncations) return null;
    progress.truncations = view.truncations;
    for (let k = 0; k < view.removed.length; k++) {
      const index = view.truncatedFrom + k;
      const txn = view.removed[k] as Txn;
      if (this.delivered[index] === zxidNumber(txn.zxid)) {
        return INVARIANTS.finding(
          'zab.committed-truncated',
          `${node} removed committed transaction ${formatZxid(txn.zxid)} at index ${index} (committed by ${this.deliveredBy[index]})`,
          [node],
        );
      }
    }
    return null;
  }

  private checkDelivered(node: NodeId, view: ZabView, progress: NodeProgress): InvariantFinding | null {
    if (progress.checked > view.commitIndex) progress.checked = view.commitIndex;
    for (let i = progress.checked; i < view.commitIndex; i++) {
      const txn = view.history[i] as Txn;
      const number = zxidNumber(txn.zxid);
      const known = this.delivered[i];
      if (known === undefined) {
        this.delivered.push(number);
        this.deliveredBy.push(node);
        this.deliveredInEpoch.push(view.term);
      } else if (known !== number) {
        return INVARIANTS.finding(
          'zab.prefix-consistency',
          `${node} committed ${formatZxid(txn.zxid)} at index ${i}, ${this.deliveredBy[i]} committed another transaction there`,
          [node, this.deliveredBy[i] as NodeId],
        );
      }
      const previous = view.history[i - 1];
      if (previous !== undefined && compareZxid(previous.zxid, txn.zxid) >= 0) {
        return INVARIANTS.finding('zab.primary-order', `${node} delivers ${formatZxid(txn.zxid)} after ${formatZxid(previous.zxid)}`, [node]);
      }
    }
    progress.checked = view.commitIndex;
    return null;
  }
}


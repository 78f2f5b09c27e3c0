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
 *
 * Bounded memory: the monitor remembers the committed sequence only over a window of the latest
 * positions (`8 × snapshotEvery + 1024`), and the owner and last proposal of the latest 4096
 * epochs. Every server commits positions close to the top of the sequence: its history below a
 * snapshot is covered by that snapshot (whose last zxid is still compared; equal zxids at one
 * position mean equal prefixes), and a server further behind is sent a snapshot instead of the
 * transactions. A position below the window is not compared again; the host still checks every
 * restored snapshot against the applied sequence by digest.
 */
import type { InvariantFinding, InvariantMonitor, MonitorContext, NodeId } from '../api.js';
import { defineInvariants } from '../kit/index.js';
import { zabConfig } from './config.js';
import type { ZabMessage } from './messages.js';
import type { ZabView } from './node.js';
import { COUNTER_SPAN, compareZxid, formatZxid, type Txn, type Zxid, zxidNumber } from './zxid.js';

/** Epochs whose owner and last proposal the monitor keeps. */
const EPOCH_WINDOW = 4096;

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
  /** Per committed position (a window of the latest), its zxid, who committed it first and in which epoch. */
  private readonly delivered: CommittedWindow;
  private readonly leaderOfEpoch = new Map<number, NodeId>();
  /** Per epoch, the last zxid counter its leader proposed. */
  private readonly lastProposed = new Map<number, number>();
  private highestEpoch = 0;
  private readonly progress = new Map<NodeId, NodeProgress>();
  /** Per server, the highest epoch it promised and to whom (outlives crashes). */
  private readonly promised = new Map<NodeId, { epoch: number; leader: NodeId }>();

  constructor(context: MonitorContext) {
    for (const node of context.nodes) this.progress.set(node, { checked: 0, truncations: 0 });
    this.delivered = new CommittedWindow(8 * zabConfig(context.options).snapshotEvery + 1024);
  }

  onCrash(node: NodeId): void {
    this.progress.set(node, { checked: 0, truncations: 0 });
  }

  /** How much the monitor holds (for the tests that prove it bounded). */
  sizes(): { readonly positions: number; readonly epochs: number } {
    return { positions: this.delivered.size, epochs: Math.max(this.leaderOfEpoch.size, this.lastProposed.size) };
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
    if (owner === undefined) this.setOwner(epoch, from);
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

  /** Record an epoch's owner; forget epochs far below the highest seen (they own nothing any more). */
  private setOwner(epoch: number, node: NodeId): void {
    this.leaderOfEpoch.set(epoch, node);
    if (epoch <= this.highestEpoch) return;
    this.highestEpoch = epoch;
    if (this.leaderOfEpoch.size <= 2 * EPOCH_WINDOW && this.lastProposed.size <= 2 * EPOCH_WINDOW) return;
    const floor = epoch - EPOCH_WINDOW;
    for (const map of [this.leaderOfEpoch, this.lastProposed]) {
      for (const key of [...map.keys()]) if (key < floor) map.delete(key);
    }
  }

  private checkLeadership(node: NodeId, view: ZabView): InvariantFinding | null {
    if (view.role !== 'leading' || view.epoch === null || view.phase === 'discovery') return null;
    const owner = this.leaderOfEpoch.get(view.epoch);
    if (owner === undefined) {
      this.setOwner(view.epoch, node);
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
   * ACK-Es queued) may reach synchronization after a later epoch committed, and it can never get
   * those followers' ACK-LD. "Committed in an earlier epoch" means the commit happened then, not
   * that the transaction was proposed then: a leader of epoch 5 may commit an epoch-1 transaction
   * while synchronizing, which epoch 4 never had to hold. Below the leader's compaction point its
   * snapshot stands for the transactions: the zxid it ends with is compared, and a zxid names its
   * whole prefix.
   */
  private checkInitialHistory(node: NodeId, view: ZabView): InvariantFinding | null {
    const epoch = view.epoch ?? 0;
    const limit = epoch * COUNTER_SPAN;
    const delivered = this.delivered;
    const start = view.compacted.index;
    for (let i = delivered.base; i < delivered.top; i++) {
      const committed = delivered.zxidAt(i) as number;
      // Delivered zxids increase (primary order), so the first of epoch ≥ e ends the check.
      if (committed >= limit || (delivered.epochAt(i) ?? 0) >= epoch) break;
      if (i < start - 1) continue;
      const zxid = zxidAt(view, i);
      if (zxid !== undefined && zxidNumber(zxid) === committed) continue;
      return INVARIANTS.finding(
        'zab.initial-history',
        `${node} establishes epoch ${view.epoch ?? '?'} with ${zxid === undefined ? 'no transaction' : formatZxid(zxid)} at index ${i}, ` +
          `where ${delivered.byAt(i) ?? '?'} committed another`,
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
      if (this.delivered.zxidAt(index) === zxidNumber(txn.zxid)) {
        return INVARIANTS.finding(
          'zab.committed-truncated',
          `${node} removed committed transaction ${formatZxid(txn.zxid)} at index ${index} (committed by ${this.delivered.byAt(index)})`,
          [node],
        );
      }
    }
    return null;
  }

  private checkDelivered(node: NodeId, view: ZabView, progress: NodeProgress): InvariantFinding | null {
    if (progress.checked > view.commitIndex) progress.checked = view.commitIndex;
    const delivered = this.delivered;
    // Below the compaction point a snapshot stands for the transactions (compared when committed).
    for (let i = Math.max(progress.checked, view.compacted.index - 1); i < view.commitIndex; i++) {
      const zxid = zxidAt(view, i);
      if (zxid === undefined) continue;
      const number = zxidNumber(zxid);
      if (i === delivered.top) delivered.push(number, node, view.term);
      else if (i >= delivered.base && i < delivered.top && delivered.zxidAt(i) !== number) {
        return INVARIANTS.finding(
          'zab.prefix-consistency',
          `${node} committed ${formatZxid(zxid)} at index ${i}, ${delivered.byAt(i)} committed another transaction there`,
          [node, delivered.byAt(i) as NodeId],
        );
      }
      const previous = zxidAt(view, i - 1);
      if (i > 0 && previous !== undefined && compareZxid(previous, zxid) >= 0) {
        return INVARIANTS.finding('zab.primary-order', `${node} delivers ${formatZxid(zxid)} after ${formatZxid(previous)}`, [node]);
      }
    }
    progress.checked = view.commitIndex;
    return null;
  }
}

/** The zxid at history index `index` of a view, when the server still knows it (held, or its compaction point). */
function zxidAt(view: ZabView, index: number): Zxid | undefined {
  const start = view.compacted.index;
  if (index >= start) return view.history[index - start]?.zxid;
  return index === start - 1 ? view.compacted.zxid : undefined;
}

/** The committed sequence over a window of its latest positions (absolute indices, base to top). */
class CommittedWindow {
  private readonly window: number;
  /** Absolute index of the first position held. */
  base = 0;
  private zxids: number[] = [];
  private by: NodeId[] = [];
  private epochs: number[] = [];

  constructor(window: number) {
    this.window = window;
  }

  get top(): number {
    return this.base + this.zxids.length;
  }

  get size(): number {
    return this.zxids.length;
  }

  zxidAt(index: number): number | undefined {
    return index < this.base ? undefined : this.zxids[index - this.base];
  }

  byAt(index: number): NodeId | undefined {
    return index < this.base ? undefined : this.by[index - this.base];
  }

  epochAt(index: number): number | undefined {
    return index < this.base ? undefined : this.epochs[index - this.base];
  }

  push(zxid: number, node: NodeId, epoch: number): void {
    this.zxids.push(zxid);
    this.by.push(node);
    this.epochs.push(epoch);
    if (this.zxids.length < 2 * this.window) return;
    // Drop the older half at once (amortised O(1) per position).
    const drop = this.zxids.length - this.window;
    this.zxids = this.zxids.slice(drop);
    this.by = this.by.slice(drop);
    this.epochs = this.epochs.slice(drop);
    this.base += drop;
  }
}

/**
 * VR's online invariants. The host adds the generic applied-prefix agreement.
 *
 * - one-primary-per-view: only primary(v) sends Prepare, Commit or StartView for view v.
 * - committed-op-kept: an op committed at op-number p stays at p forever: every replica's committed
 *   prefix agrees with every other's, and a StartView for view v holds every op that some replica
 *   saw committed in a view before v (what makes view changes correct, §4.2).
 * - recovering-replica-silent: a restarted replica sends no PrepareOk, StartViewChange or
 *   DoViewChange before f + 1 RecoveryResponses carrying its nonce were sent to it (§4.3). The
 *   monitor learns of restarts from `onCrash`, so it also catches a replica that skips recovery
 *   altogether and never reports the 'recovering' role.
 * - prepare-ok-holds-prefix: PrepareOk(v, n) means the sender holds ops 1..n in view v (§4.1).
 */
import { majority, type InvariantFinding, type InvariantMonitor, type MonitorContext, type NodeId } from '../api.js';
import type { InvariantDefinition } from '../api.js';
import { defineInvariants } from '../kit/index.js';
import { vsrOptions } from './options.js';
import { commandKey, type Command } from '../kv.js';
import type { DoViewChange, Log, VsrMessage } from './messages.js';
import type { VsrView } from './replica.js';

interface CheckedPrefix {
  /** The log array last checked (a replica replaces the array when it installs a new log or checkpoints). */
  readonly log: Log;
  upTo: number;
}

/** The op committed at an op-number, and the earliest view any replica saw it committed in. */
interface CommittedOp {
  readonly op: Command;
  view: number;
}

/** Where a log piece starts: the op-number of the checkpoint before it (0 without one). */
function startOf(piece: { readonly checkpoint?: { readonly opNumber: number } }): number {
  return piece.checkpoint?.opNumber ?? 0;
}

export class VsrMonitor implements InvariantMonitor<VsrMessage, VsrView> {
  private readonly nodes: readonly NodeId[];
  private readonly quorum: number;
  /**
   * The op committed at each op-number of a window of the latest `window` ones (replicas normally
   * hold the very same frozen op object, so keys are built only on a mismatch). Replicas forget ops
   * behind their checkpoints, and no replica can commit or carry an op that far behind the newest
   * commit without a checkpoint covering it, so older op-numbers are dropped: the monitor's memory
   * does not grow with the run. `belowWindow` counts checks that fell behind the window anyway.
   */
  private readonly committed = new Map<number, CommittedOp>();
  private readonly window: number;
  /** Highest op-number recorded; op-numbers below `trimmedTo` are gone. */
  private newestCommitted = 0;
  private trimmedTo = 1;
  private belowWindow = 0;
  private readonly checked = new Map<NodeId, CheckedPrefix>();
  /** Restarted replicas that have not been shown f + 1 RecoveryResponses yet. */
  private readonly mustRecover = new Set<NodeId>();
  private readonly recoveryNonce = new Map<NodeId, number>();
  private readonly responders = new Map<NodeId, Set<NodeId>>();
  /** PrepareOks sent during the step being handled (`live`): node → (view, highest op-number). */
  private readonly pendingAcks = new Map<NodeId, { view: number; opNumber: number; live: boolean }>();

  /** Recovering replica → responder → the view of its log-carrying (primary's) RecoveryResponse. */
  private readonly primaryResponses = new Map<NodeId, Map<NodeId, number>>();
  /** Primary → the view it leads, the commit-number it started with, PrepareOks of that view. */
  private readonly leading = new Map<NodeId, { view: number; startCommit: number; checked: number; acks: ReadonlyMap<NodeId, number> }>();
  /** A StartView sent in the step being handled (checked against the sender's gathered DoViewChanges). */
  private pendingStartView: { from: NodeId; view: number; start: number; log: Log } | null = null;
  /** Primary → PrepareOks sent to it for the latest view they name (highest op-number per backup). */
  private readonly acksTo = new Map<NodeId, { view: number; acks: Map<NodeId, number> }>();
  private readonly f: number;

  /** Invariants to skip: tests switch one off to show what a bug does next (never in runs). */
  private readonly disabled: ReadonlySet<string>;

  constructor(ctx: MonitorContext, disabled: ReadonlySet<string> = new Set()) {
    this.nodes = ctx.nodes;
    this.quorum = majority(ctx.nodes.length);
    this.f = this.quorum - 1;
    const options = vsrOptions(ctx.options);
    this.window = 4 * (options.snapshotEvery + options.maxUncommitted);
    this.disabled = disabled;
  }

  afterStep(node: NodeId, view: VsrView): InvariantFinding | null {
    const ackFinding = this.checkAck(node, view) ?? this.checkLogSelection(node, view) ?? this.checkCommitQuorum(node, view);
    if (ackFinding !== null) return ackFinding;
    if (this.mustRecover.has(node) && view.role !== 'recovering' && this.responderCount(node) >= this.quorum) {
      this.mustRecover.delete(node);
      const heard = this.checkRecoveredFromPrimary(node, view);
      if (heard !== null) return heard;
    }
    return this.checkCommittedPrefix(node, view);
  }

  /** §4.3: the log adopted at the end of recovery is the one the primary of that view sent. */
  private checkRecoveredFromPrimary(node: NodeId, view: VsrView): InvariantFinding | null {
    const primary = this.primaryOf(view.view);
    if (primary === undefined || primary === node || this.disabled.has('recovery-hears-primary')) return null;
    if (this.primaryResponses.get(node)?.get(primary) === view.view) return null;
    return INV.finding('recovery-hears-primary', `${node} recovered into view ${view.view} without a RecoveryResponse carrying the log of that view's primary ${primary}`, [node]);
  }

  /** §4.2 step 3, recomputed from the DoViewChanges the new primary holds when it sends StartView. */
  private checkLogSelection(node: NodeId, view: VsrView): InvariantFinding | null {
    const pending = this.pendingStartView;
    if (pending === null || pending.from !== node) return null;
    this.pendingStartView = null;
    if (view.view !== pending.view || view.doViewChanges.size === 0 || this.disabled.has('log-selection')) return null;
    let best: DoViewChange | null = null;
    for (const dvc of view.doViewChanges.values()) {
      if (dvc.view !== pending.view) continue;
      if (best === null || dvc.lastNormalView > best.lastNormalView || (dvc.lastNormalView === best.lastNormalView && dvc.opNumber > best.opNumber)) best = dvc;
    }
    if (best === null || sameLog(startOf(best), best.log, pending.start, pending.log)) return null;
    return INV.finding('log-selection', `${node}'s StartView for view ${pending.view} carries a log of ${pending.log.length} ops, but the DoViewChange with the ` +
        `largest v′ (${best.lastNormalView}) and op-number (${best.opNumber}) among the ${view.doViewChanges.size} it gathered has another`, [node]);
  }

  /** §4.1: commit only what f + 1 replicas hold in this view (beyond what the view started with). */
  private checkCommitQuorum(node: NodeId, view: VsrView): InvariantFinding | null {
    if (view.role !== 'primary') return null;
    let leading = this.leading.get(node);
    if (leading === undefined || leading.view !== view.view) {
      leading = { view: view.view, startCommit: view.commitNumber, checked: view.commitNumber, acks: this.acksFor(node, view.view) };
      this.leading.set(node, leading);
      return null;
    }
    if (view.commitNumber <= leading.checked) return null;
    leading.checked = view.commitNumber;
    let holders = 0;
    for (const ack of leading.acks.values()) if (ack >= view.commitNumber) holders++;
    if (holders >= this.f || this.disabled.has('commit-quorum')) return null;
    return INV.finding('commit-quorum', `${node} committed up to op ${view.commitNumber} in view ${view.view} with PrepareOks for it from only ${holders} backups (f = ${this.f})`, [node]);
  }

  /** The PrepareOks of `view` sent to `primary`: backup → highest op-number (older views forgotten). */
  private acksFor(primary: NodeId, view: number): Map<NodeId, number> {
    let record = this.acksTo.get(primary);
    if (record === undefined || record.view < view) {
      record = { view, acks: new Map() };
      this.acksTo.set(primary, record);
    }
    return record.view === view ? record.acks : new Map();
  }

  onSend(from: NodeId, to: NodeId, msg: VsrMessage): InvariantFinding | null {
    switch (msg.type) {
      case 'Prepare':
      case 'Commit':
        return this.checkPrimary(from, msg.view, msg.type);
      case 'StartView':
        if (this.pendingStartView === null || this.pendingStartView.from !== from || this.pendingStartView.view !== msg.view) {
          this.pendingStartView = { from, view: msg.view, start: startOf(msg), log: msg.log };
        }
        return this.checkPrimary(from, msg.view, msg.type) ?? this.checkStartView(from, msg.view, startOf(msg), msg.log);
      case 'PrepareOk': {
        // One record per node, reused step after step (checkAck marks it consumed).
        const pending = this.pendingAcks.get(from);
        if (pending === undefined) {
          this.pendingAcks.set(from, { view: msg.view, opNumber: msg.opNumber, live: true });
        } else if (!pending.live || pending.view !== msg.view || pending.opNumber < msg.opNumber) {
          pending.view = msg.view;
          pending.opNumber = msg.opNumber;
          pending.live = true;
        }
        this.recordAck(from, to, msg.view, msg.opNumber);
        return this.checkNotRecovering(from, msg.type);
      }
      case 'StartViewChange':
      case 'DoViewChange':
        return this.checkNotRecovering(from, msg.type);
      case 'Recovery':
        if (this.recoveryNonce.get(from) !== msg.nonce) {
          this.recoveryNonce.set(from, msg.nonce);
          this.responders.set(from, new Set());
          this.primaryResponses.delete(from);
        }
        return null;
      case 'RecoveryResponse':
        if (this.recoveryNonce.get(to) === msg.nonce) {
          this.responders.get(to)?.add(from);
          if (msg.log !== null) {
            let byResponder = this.primaryResponses.get(to);
            if (byResponder === undefined) {
              byResponder = new Map();
              this.primaryResponses.set(to, byResponder);
            }
            byResponder.set(from, msg.view);
          }
        }
        return null;
      case 'GetState':
      case 'NewState':
        return null;
    }
  }

  onCrash(node: NodeId): void {
    this.mustRecover.add(node);
    this.checked.delete(node);
    this.pendingAcks.delete(node);
    this.recoveryNonce.delete(node);
    this.responders.delete(node);
    this.primaryResponses.delete(node);
    this.leading.delete(node);
    if (this.pendingStartView?.from === node) this.pendingStartView = null;
  }

  private recordAck(backup: NodeId, primary: NodeId, view: number, opNumber: number): void {
    const acks = this.acksFor(primary, view);
    if ((acks.get(backup) ?? 0) < opNumber) acks.set(backup, opNumber);
  }

  private primaryOf(view: number): NodeId | undefined {
    return this.nodes[view % this.nodes.length];
  }

  private checkPrimary(from: NodeId, view: number, what: string): InvariantFinding | null {
    if (this.primaryOf(view) === from) return null;
    return INV.finding('one-primary-per-view', `${from} sent ${what} for view ${view}, whose primary is ${this.primaryOf(view) ?? '?'}`, [from]);
  }

  private responderCount(node: NodeId): number {
    return this.responders.get(node)?.size ?? 0;
  }

  private checkNotRecovering(from: NodeId, what: string): InvariantFinding | null {
    if (!this.mustRecover.has(from) || this.responderCount(from) >= this.quorum) return null;
    if (this.disabled.has('recovering-replica-silent')) return null;
    return INV.finding('recovering-replica-silent', `${from} restarted and sent ${what} after only ${this.responderCount(from)} of the ${this.quorum} RecoveryResponses it needs`, [from]);
  }

  private checkAck(node: NodeId, view: VsrView): InvariantFinding | null {
    const ack = this.pendingAcks.get(node);
    if (ack === undefined || !ack.live) return null;
    ack.live = false;
    if (ack.view !== view.view || view.opNumber >= ack.opNumber) return null;
    if (this.disabled.has('prepare-ok-holds-prefix')) return null;
    return INV.finding('prepare-ok-holds-prefix', `${node} sent PrepareOk(view ${ack.view}, op ${ack.opNumber}) holding only ops 1..${view.opNumber}`, [node]);
  }

  /** Check the committed op-numbers of `node` not checked yet (all it holds after a new log). */
  private checkCommittedPrefix(node: NodeId, view: VsrView): InvariantFinding | null {
    if (view.role === 'recovering') return null;
    const start = view.checkpoint.opNumber;
    let state = this.checked.get(node);
    if (state === undefined || state.log !== view.log) {
      state = { log: view.log, upTo: start };
      this.checked.set(node, state);
    }
    for (let opNumber = Math.max(state.upTo, start) + 1; opNumber <= view.commitNumber; opNumber++) {
      const finding = this.checkCommittedOp(node, view, opNumber);
      if (finding !== null) return finding;
    }
    state.upTo = Math.max(state.upTo, view.commitNumber);
    this.trimCommitted();
    return null;
  }

  private checkCommittedOp(node: NodeId, view: VsrView, opNumber: number): InvariantFinding | null {
    const op = view.log[opNumber - view.checkpoint.opNumber - 1];
    if (op === undefined) {
      return INV.finding('committed-op-kept', `${node} has commit-number ${view.commitNumber} beyond its log of ${view.opNumber}`, [node]);
    }
    if (opNumber < this.trimmedTo) {
      this.belowWindow++;
      return null;
    }
    const known = this.committed.get(opNumber);
    if (known === undefined) {
      this.committed.set(opNumber, { op, view: view.view });
      this.newestCommitted = Math.max(this.newestCommitted, opNumber);
      return null;
    }
    known.view = Math.min(known.view, view.view);
    if (known.op === op) return null;
    const key = commandKey(op);
    if (commandKey(known.op) === key) return null;
    return INV.finding('committed-op-kept', `op-number ${opNumber} committed as ${commandKey(known.op)}, but ${node} has ${key} committed there in view ${view.view}`, [node]);
  }

  /** Forget committed ops more than `window` op-numbers behind the newest. */
  private trimCommitted(): void {
    const floor = this.newestCommitted - this.window;
    for (; this.trimmedTo < floor; this.trimmedTo++) this.committed.delete(this.trimmedTo);
  }

  /**
   * A StartView for view v must hold every op seen committed in an earlier view, in place (ops
   * behind its checkpoint are in the checkpoint's machine, which the host checks by digest).
   */
  private checkStartView(from: NodeId, view: number, start: number, log: Log): InvariantFinding | null {
    for (const [opNumber, committed] of this.committed) {
      if (committed.view >= view || opNumber <= start) continue;
      const op = log[opNumber - start - 1];
      if (op === committed.op) continue;
      const key = op === undefined ? 'nothing' : commandKey(op);
      if (key === commandKey(committed.op)) continue;
      return INV.finding('committed-op-kept', `${from}'s StartView for view ${view} has ${key} at op-number ${opNumber}, where ${commandKey(committed.op)} was committed in view ${committed.view}`, [from]);
    }
    return null;
  }

  /** How much the monitor holds, for tests that check it does not grow with the run. */
  sizes(): { readonly committedOps: number; readonly checkedNodes: number; readonly acksTo: number; readonly belowWindow: number; readonly window: number } {
    let acks = 0;
    for (const record of this.acksTo.values()) acks += record.acks.size;
    return { committedOps: this.committed.size, checkedNodes: this.checked.size, acksTo: acks, belowWindow: this.belowWindow, window: this.window };
  }
}

/** Same ops at the same op-numbers where both logs hold them, and the same last op-number. */
function sameLog(aStart: number, a: Log, bStart: number, b: Log): boolean {
  if (aStart + a.length !== bStart + b.length) return false;
  const from = Math.max(aStart, bStart);
  for (let opNumber = from + 1; opNumber <= aStart + a.length; opNumber++) {
    const x = a[opNumber - aStart - 1] as Command;
    const y = b[opNumber - bStart - 1] as Command;
    if (x !== y && commandKey(x) !== commandKey(y)) return false;
  }
  return true;
}

/** The invariants this monitor reports (a finding's name is checked against them). */
const INV = defineInvariants([
  { name: "one-primary-per-view", description: "Only primary(v) sends Prepare, Commit or StartView for view v.", source: "VR Revisited §4" },
  { name: "committed-op-kept", description: "An op committed at op-number p stays at p on every replica and in every later StartView.", source: "VR Revisited §4.2, §8" },
  { name: "recovering-replica-silent", description: "A restarted replica sends no PrepareOk, StartViewChange or DoViewChange before f+1 RecoveryResponses with its nonce.", source: "VR Revisited §4.3" },
  { name: "prepare-ok-holds-prefix", description: "PrepareOk(v, n) means the sender holds ops 1..n in view v.", source: "VR Revisited §4.1 step 4" },
  { name: "commit-quorum", description: "A primary's commit-number in view v never exceeds what it and f backups acknowledged in v (beyond what the view started with).", source: "VR Revisited §4.1 step 5" },
  { name: "log-selection", description: "The StartView log is the DoViewChange log with the largest v′, then the largest op-number, among those gathered.", source: "VR Revisited §4.2 step 3" },
  { name: "recovery-hears-primary", description: "A replica that lost its state leaves recovery with the log of the primary of the view it adopts.", source: "VR Revisited §4.3 step 3" },
] as const);

/** What this monitor checks, for `consensim list` and docs/vsr.md. */
export const VSR_INVARIANTS: readonly InvariantDefinition[] = INV.list;

/**
 * The leader's side of log replication (Raft §5.3, §7): what it knows of each follower's log
 * (Figure 2's nextIndex[] and matchIndex[], plus etcd's progress states) and what it sends each
 * one. Kept apart from the node so the flow control is readable on its own:
 *
 * - A follower whose last answer was a success is *replicating*: entries go to it as soon as they
 *   are appended and nextIndex moves on optimistically (at most `LIMITS.maxInFlightEntries`
 *   beyond what it acknowledged), so several requests can be in flight. Any refusal puts it back
 *   to *probing*: one request per answer, nextIndex backing off a conflicting term at a time.
 * - A heartbeat (§5.2) never resends entries in flight: it is an empty AppendEntries anchored at
 *   what the follower acknowledged. A follower that acknowledged nothing for a whole heartbeat
 *   interval with entries in flight is assumed to have lost them and is probed again.
 * - A follower that needs entries the leader compacted gets the snapshot instead (§7), resent by
 *   each heartbeat until it answers.
 */
import type { NodeEnv, NodeId } from '../api.js';
import { assert } from '../kit/index.js';
import { LIMITS, type RaftConfig } from './config.js';
import type { AppendEntries, AppendEntriesReply, InstallSnapshotReply, RaftMessage } from './messages.js';
import type { PersistentState } from './persistent.js';
import { snapshotMessage } from './snapshot.js';

/** What replication needs of the leader around it. */
export interface ReplicationHost {
  readonly env: NodeEnv<RaftMessage>;
  readonly state: PersistentState;
  readonly config: RaftConfig;
  readonly commitIndex: number;
  /** The current ReadIndex heartbeat round, carried by every AppendEntries (thesis §6.4). */
  readonly readSeq: number;
  /** A follower's matchIndex rose: commit what a quorum now stores (§5.4.2). */
  advanceCommit(): void;
}

export class Replication {
  private readonly host: ReplicationHost;
  private readonly nextIndex = new Map<NodeId, number>();
  /** Highest index each follower is known to store (read by the commit rule). */
  readonly matchIndex = new Map<NodeId, number>();
  private readonly replicating = new Set<NodeId>();
  /** Each follower's matchIndex at the previous heartbeat: no progress in between means loss. */
  private readonly matchAtHeartbeat = new Map<NodeId, number>();

  constructor(host: ReplicationHost) {
    this.host = host;
  }

  /** A new leadership (Figure 2: reinitialized after election): everyone probed from `next`. */
  start(peers: readonly NodeId[], next: number): void {
    this.replicating.clear();
    this.matchAtHeartbeat.clear();
    for (const peer of peers) {
      this.nextIndex.set(peer, next);
      this.matchIndex.set(peer, 0);
    }
  }

  /** Leadership lost. */
  clear(): void {
    this.nextIndex.clear();
    this.matchIndex.clear();
    this.replicating.clear();
  }

  /** Heartbeat everyone (§5.2): new entries where nothing is in flight, else just the commit index. */
  broadcast(): void {
    for (const peer of this.host.env.peers) this.heartbeatTo(peer);
  }

  /** Entry `index` was just appended: followers caught up (or pipelined up to here) get it now. */
  appended(index: number): void {
    for (const peer of this.host.env.peers) if (this.nextIndex.get(peer) === index) this.sendAppend(peer);
  }

  /** The heartbeat timer: probe again where entries were lost, then heartbeat everyone. */
  heartbeat(): void {
    for (const peer of this.host.env.peers) {
      const match = this.matchIndex.get(peer) ?? 0;
      const inFlight = this.replicating.has(peer) && (this.nextIndex.get(peer) ?? 0) > match + 1;
      const stalled = inFlight && match === this.matchAtHeartbeat.get(peer);
      this.matchAtHeartbeat.set(peer, match);
      if (stalled) {
        this.replicating.delete(peer);
        this.nextIndex.set(peer, match + 1);
      }
      this.heartbeatTo(peer);
    }
  }

  /**
   * A follower with entries in flight gets an empty AppendEntries anchored at what it has
   * acknowledged: it confirms leadership and the commit index without sending the same entries
   * twice, and a follower that is catching up keeps getting one batch per answer.
   */
  private heartbeatTo(peer: NodeId): void {
    const { state, env } = this.host;
    const match = this.matchIndex.get(peer) ?? 0;
    const next = this.nextIndex.get(peer) ?? state.lastIndex + 1;
    if (!this.replicating.has(peer) || next <= match + 1 || match < state.snapshotIndex) {
      this.sendAppend(peer);
      return;
    }
    env.send(peer, {
      type: 'AppendEntries',
      term: state.currentTerm,
      leader: env.id,
      prevLogIndex: match,
      prevLogTerm: state.termAt(match),
      entries: [],
      leaderCommit: this.host.commitIndex,
      readSeq: this.host.readSeq,
    });
  }

  private sendAppend(peer: NodeId): void {
    const { state, env } = this.host;
    const next = this.nextIndex.get(peer) ?? state.lastIndex + 1;
    if (next <= state.snapshotIndex) {
      // §7: the entries it needs are compacted; send the snapshot (resent until answered).
      this.replicating.delete(peer);
      env.send(peer, snapshotMessage(state, state.currentTerm, env.id, this.host.readSeq));
      return;
    }
    const prevLogIndex = next - 1;
    assert(prevLogIndex >= state.snapshotIndex, 'AppendEntries anchored inside the snapshot');
    const last = Math.min(state.lastIndex, prevLogIndex + this.host.config.maxBatch);
    const msg: AppendEntries = {
      type: 'AppendEntries',
      term: state.currentTerm,
      leader: env.id,
      prevLogIndex,
      prevLogTerm: state.termAt(prevLogIndex),
      entries: last >= next ? state.slice(next, last) : [],
      leaderCommit: this.host.commitIndex,
      readSeq: this.host.readSeq,
    };
    env.send(peer, msg);
    const inFlight = prevLogIndex - (this.matchIndex.get(peer) ?? 0);
    if (last >= next && this.replicating.has(peer) && inFlight < LIMITS.maxInFlightEntries) this.nextIndex.set(peer, last + 1);
  }

  /** §7: the follower holds a committed prefix up to the snapshot; go on from there. */
  onSnapshotReply(from: NodeId, msg: InstallSnapshotReply): void {
    if (msg.lastIncludedIndex <= (this.matchIndex.get(from) ?? 0)) return;
    this.matchIndex.set(from, msg.lastIncludedIndex);
    const next = Math.max(this.nextIndex.get(from) ?? 1, msg.lastIncludedIndex + 1);
    this.nextIndex.set(from, next);
    this.host.advanceCommit();
    if (next <= this.host.state.lastIndex) this.sendAppend(from);
  }

  onAppendReply(from: NodeId, msg: AppendEntriesReply): void {
    if (msg.success) {
      const match = this.matchIndex.get(from) ?? 0;
      if (msg.matchIndex <= match) return; // duplicate or reordered acknowledgement
      this.matchIndex.set(from, msg.matchIndex);
      this.replicating.add(from);
      const next = Math.max(this.nextIndex.get(from) ?? 1, msg.matchIndex + 1);
      this.nextIndex.set(from, next);
      this.host.advanceCommit();
      // A follower still behind gets its next batch as each answer returns.
      if (next <= this.host.state.lastIndex) this.sendAppend(from);
      return;
    }
    // Stale: the follower has since acknowledged more, or we already backed off past this probe.
    if (msg.rejectedPrev <= (this.matchIndex.get(from) ?? 0) || msg.rejectedPrev >= (this.nextIndex.get(from) ?? 1)) return;
    this.replicating.delete(from);
    this.nextIndex.set(from, this.backOff(from, msg));
    this.sendAppend(from);
  }

  /** §5.3's optimisation: skip the follower's whole conflicting term, or to its log's end. */
  private backOff(peer: NodeId, msg: AppendEntriesReply): number {
    let next = msg.conflictIndex;
    if (msg.conflictTerm > 0) {
      const last = this.lastIndexOfTerm(msg.conflictTerm, msg.rejectedPrev);
      if (last > 0) next = last + 1;
    }
    const match = this.matchIndex.get(peer) ?? 0;
    // Always strictly below the rejected probe, never below what the follower acknowledged.
    return Math.max(match + 1, Math.min(next, msg.rejectedPrev));
  }

  /** Last index ≤ `upTo` holding `term` in the leader's log, 0 if it has none. */
  private lastIndexOfTerm(term: number, upTo: number): number {
    const state = this.host.state;
    let index = Math.min(upTo, state.lastIndex);
    // Below the snapshot the terms are gone: the snapshot's last term ends the search.
    while (index > state.snapshotIndex && state.termAt(index) > term) index--;
    return index > 0 && state.termAt(index) === term ? index : 0;
  }
}

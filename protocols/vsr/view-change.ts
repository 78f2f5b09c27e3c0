/**
 * One view change (VR Revisited §4.2), kept apart from replica.ts as recovery.ts keeps one
 * recovery round: the StartViewChange senders counted towards f, whether this replica sent its
 * DoViewChange, the DoViewChange messages the new primary gathers and its choice among them, and
 * the two messages that carry a log into the new view. The replica decides when to send and what
 * to install; this file only counts, chooses and builds.
 */
import type { NodeId } from '../api.js';
import { VoteTally } from '../kit/index.js';
import { checkpointField, type ReplicaLog } from './checkpoint.js';
import type { DoViewChange, StartView } from './messages.js';
import { chooseLog } from './view-rules.js';

export class ViewChangeRound {
  /** DoViewChange messages for the round's view (the new primary's, live: `inspect()` shows it). */
  readonly doViewChanges = new Map<NodeId, DoViewChange>();
  sentDoViewChange = false;
  private readonly quorum: number;
  private readonly startViewChangeFrom: VoteTally;

  constructor(quorum: number) {
    this.quorum = quorum;
    // Step 2 needs f StartViewChange messages from others (quorum − 1). A group of one never
    // changes views (no peer can send one); the tally still needs a bound.
    this.startViewChangeFrom = new VoteTally(Math.max(1, quorum - 1));
  }

  /** Count a StartViewChange; true when this replica should now send its DoViewChange (step 2). */
  countStartViewChange(from: NodeId): boolean {
    this.startViewChangeFrom.add(from);
    return !this.sentDoViewChange && this.startViewChangeFrom.reached;
  }

  /** Keep a DoViewChange; true once f + 1 are in, `self`'s own among them (step 3). */
  record(from: NodeId, msg: DoViewChange, self: NodeId): boolean {
    this.doViewChanges.set(from, msg);
    return this.doViewChanges.size >= this.quorum && this.doViewChanges.has(self);
  }

  /**
   * Step 3: the log of the latest normal view v′ (the longest under the bug), and the largest
   * commit-number gathered, `ownCommit` included, capped at that log's length.
   */
  choose(ownCommit: number, longestLogWins: boolean): { readonly chosen: DoViewChange; readonly commitNumber: number } {
    const all = [...this.doViewChanges.values()];
    const chosen = chooseLog(all, longestLogWins);
    const maxCommit = Math.max(ownCommit, ...all.map((m) => m.commitNumber));
    return { chosen, commitNumber: Math.min(maxCommit, chosen.opNumber) };
  }
}

/** The log after the sender's checkpoint, with the checkpoint once there is one (§5.3). */
export function doViewChangeOf(log: ReplicaLog, view: number, lastNormalView: number, commitNumber: number): DoViewChange {
  const { checkpoint, entries } = log.piece();
  return {
    type: 'DoViewChange',
    view,
    log: entries,
    lastNormalView,
    opNumber: log.length,
    commitNumber,
    ...checkpointField(checkpoint),
  };
}

/** Step 3: the new primary's log for its backups, with its checkpoint once there is one. */
export function startViewOf(log: ReplicaLog, view: number, commitNumber: number): StartView {
  const { checkpoint, entries } = log.piece();
  return {
    type: 'StartView',
    view,
    log: entries,
    opNumber: log.length,
    commitNumber,
    ...checkpointField(checkpoint),
  };
}

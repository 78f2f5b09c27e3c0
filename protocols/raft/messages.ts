/**
 * Raft's messages, named as in Figure 2 of the paper (plus PreVote, thesis §9.6, and the read
 * sequence number that ReadIndex piggybacks on heartbeats, thesis §6.4).
 *
 * Indices are 1-based as in the paper; index 0 is the empty prefix with term 0. Entries up to a
 * node's snapshot index live only in its snapshot (§7, persistent.ts).
 */
import type { Command, MachineSnapshot, NodeId } from '../api.js';

/** One log entry. `command === null` is the no-op a leader appends at the start of its term (§8). */
export interface LogEntry {
  readonly term: number;
  readonly command: Command | null;
}

export interface RequestVote {
  readonly type: 'RequestVote';
  /** The candidate's term; for a pre-vote, the term it would campaign in (its term + 1). */
  readonly term: number;
  readonly candidate: NodeId;
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
  /** Thesis §9.6: a trial election that changes nobody's term or vote. */
  readonly preVote: boolean;
}

export interface RequestVoteReply {
  readonly type: 'RequestVoteReply';
  /** The voter's term; for a granted pre-vote, the term that was asked about. */
  readonly term: number;
  readonly voteGranted: boolean;
  readonly preVote: boolean;
}

export interface AppendEntries {
  readonly type: 'AppendEntries';
  readonly term: number;
  readonly leader: NodeId;
  readonly prevLogIndex: number;
  readonly prevLogTerm: number;
  readonly entries: readonly LogEntry[];
  readonly leaderCommit: number;
  /** The leader's read round when it sent this (thesis §6.4): echoed back to confirm leadership. */
  readonly readSeq: number;
}

export interface AppendEntriesReply {
  readonly type: 'AppendEntriesReply';
  readonly term: number;
  readonly success: boolean;
  /** On success: the index of the last entry this request verified (prevLogIndex + entries). */
  readonly matchIndex: number;
  /** The prevLogIndex of the request answered, so that the leader can ignore stale rejections. */
  readonly rejectedPrev: number;
  /** On failure (§5.3's optimisation): the term of the conflicting entry (0: log too short)... */
  readonly conflictTerm: number;
  /** ...and the first index this follower holds with that term (or its log length + 1). */
  readonly conflictIndex: number;
  readonly readSeq: number;
}

/**
 * §7: a leader whose log no longer holds the entries a follower needs (they were compacted into
 * its snapshot) sends the snapshot instead, in one message (no chunking).
 */
export interface InstallSnapshot {
  readonly type: 'InstallSnapshot';
  readonly term: number;
  readonly leader: NodeId;
  readonly lastIncludedIndex: number;
  readonly lastIncludedTerm: number;
  /** The leader's state machine after applying entry lastIncludedIndex (data and session table). */
  readonly machine: MachineSnapshot;
  readonly readSeq: number;
}

export interface InstallSnapshotReply {
  readonly type: 'InstallSnapshotReply';
  readonly term: number;
  /** The snapshot answered: the follower now holds (or already held) a committed prefix up to it. */
  readonly lastIncludedIndex: number;
  readonly readSeq: number;
}

export type RaftMessage = RequestVote | RequestVoteReply | AppendEntries | AppendEntriesReply | InstallSnapshot | InstallSnapshotReply;

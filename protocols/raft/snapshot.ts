/**
 * Snapshots and log compaction (Raft §7; dissertation ch. 5), kept apart from the node so the
 * rules are visible in one place and a long run holds a bounded log:
 *
 * 1. Taking one. After applying entries, a node whose log holds `snapshotEvery` applied entries
 *    past its snapshot saves the machine's state (data and session table) as the new snapshot
 *    and forgets the log up to the last applied entry. Snapshot and compaction become durable at
 *    the same `sync()`: a crash before it brings back the old snapshot and the whole log.
 * 2. Restarting. A node restores its snapshot into the fresh machine; entries up to the snapshot
 *    are committed and applied, and only the log after it is replayed as the commit index is
 *    re-learned.
 * 3. Sending one. A leader asked for an entry it compacted (a follower's nextIndex at or below
 *    its snapshot) sends InstallSnapshot: its snapshot's last included index and term and the
 *    machine state, in one message.
 * 4. Installing one. A follower with a snapshot ahead of its commit index persists it, keeps the
 *    entries after the last included one if its log holds that entry with that term (else
 *    discards its whole log), restores the machine, and answers. A snapshot at or below its
 *    commit index teaches it nothing: it answers at once.
 */
import type { ReplicatedMachine } from '../api.js';
import type { InstallSnapshot, InstallSnapshotReply } from './messages.js';
import type { PersistentState } from './persistent.js';

/** Rule 1: true when the applied entries past the snapshot reach `every`. */
export function snapshotDue(state: PersistentState, lastApplied: number, every: number): boolean {
  return lastApplied - state.snapshotIndex >= every;
}

/** Rule 1: snapshot the machine at `lastApplied` (which it has just applied) and compact the log. */
export function takeSnapshot(state: PersistentState, machine: ReplicatedMachine, lastApplied: number): void {
  state.compactTo(lastApplied, machine.snapshot());
  state.sync();
}

/** Rule 2: restore the persisted snapshot, if any; returns the index it covers (0: none). */
export function restoreSnapshot(state: PersistentState, machine: ReplicatedMachine): number {
  const snapshot = state.snapshot;
  if (snapshot === null) return 0;
  machine.restore(snapshot.machine);
  return snapshot.lastIncludedIndex;
}

/** Rule 3: the InstallSnapshot a leader of `term` sends; only when it has a snapshot. */
export function snapshotMessage(state: PersistentState, term: number, leader: InstallSnapshot['leader'], readSeq: number): InstallSnapshot {
  const snapshot = state.snapshot;
  if (snapshot === null) throw new Error('no snapshot to send');
  return {
    type: 'InstallSnapshot',
    term,
    leader,
    lastIncludedIndex: snapshot.lastIncludedIndex,
    lastIncludedTerm: snapshot.lastIncludedTerm,
    machine: snapshot.machine,
    readSeq,
  };
}

/**
 * Rule 4: install `msg` over a node whose commit index is `commitIndex`; true when installed
 * (the machine now holds the snapshot's state, and the caller's commit and applied indices must
 * move to `msg.lastIncludedIndex`).
 */
export function installSnapshot(state: PersistentState, machine: ReplicatedMachine, msg: InstallSnapshot, commitIndex: number): boolean {
  if (msg.lastIncludedIndex <= commitIndex) return false;
  state.install(msg.lastIncludedIndex, msg.lastIncludedTerm, msg.machine);
  // On disk before the answer tells the leader this node holds the prefix.
  state.sync();
  machine.restore(msg.machine);
  return true;
}

export function snapshotReply(term: number, msg: InstallSnapshot): InstallSnapshotReply {
  return { type: 'InstallSnapshotReply', term, lastIncludedIndex: msg.lastIncludedIndex, readSeq: msg.readSeq };
}

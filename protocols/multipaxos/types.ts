/**
 * Multi-Paxos vocabulary: ballots, log values, messages (named as in Paxos Made Simple), the view
 * the host and the monitor read.
 */
import type { Command, MachineSnapshot, NodeId, NodeView } from '../api.js';

/**
 * A proposal number. Paxos Made Simple §2.5: "different proposers choose their numbers from
 * disjoint sets" — here the pair (round, node), ordered by round and then by node number, so two
 * proposers can never issue the same ballot. `round` is persisted before it is used.
 */
export interface Ballot {
  readonly round: number;
  readonly node: NodeId;
}

/** What a slot of the log holds: a client command, or the no-op that fills a gap (PMS §3). */
export type SlotValue =
  | { readonly kind: 'command'; readonly command: Command }
  | { readonly kind: 'noop' };

/** An acceptor's vote in one slot: the highest-numbered proposal it accepted there. */
export interface AcceptedVote {
  readonly ballot: Ballot;
  readonly value: SlotValue;
}

/** One slot reported in a Promise: the acceptor's vote, or the value it knows was chosen. */
export type PromisedSlot =
  | { readonly slot: number; readonly kind: 'accepted'; readonly ballot: Ballot; readonly value: SlotValue }
  | { readonly slot: number; readonly kind: 'chosen'; readonly value: SlotValue };

/** A chosen slot sent to a learner that is catching up. */
export interface ChosenSlot {
  readonly slot: number;
  readonly value: SlotValue;
}

/**
 * A snapshot (snapshots.ts): slots [0, slot) are chosen, and `machine` is the state after applying
 * them. Sent to a peer that needs slots this node has compacted.
 */
export interface SnapshotRecord {
  readonly slot: number;
  readonly machine: MachineSnapshot;
}

export type MultiPaxosMessage =
  /** Phase 1a, once per ballot for every slot from `fromSlot` on (PMS §3). */
  | { readonly type: 'prepare'; readonly ballot: Ballot; readonly fromSlot: number }
  /**
   * Phase 1b: a promise for all slots ≥ fromSlot, with what this acceptor accepted there. An
   * acceptor that compacted slots at or above fromSlot reports from its snapshot point on and
   * attaches the snapshot (absent otherwise).
   */
  | {
      readonly type: 'promise';
      readonly ballot: Ballot;
      readonly fromSlot: number;
      readonly slots: readonly PromisedSlot[];
      readonly snapshot?: SnapshotRecord;
    }
  /** "I promised a higher ballot": the proposer should abandon `ballot` (PMS §2.2, last paragraph). */
  | { readonly type: 'nack'; readonly ballot: Ballot; readonly promised: Ballot }
  /**
   * Phase 2a. `leaderAccepted` says the proposer's own acceptor has accepted this proposal (its
   * vote is taken locally, without a message), so the monitor can count it.
   */
  | {
      readonly type: 'accept';
      readonly ballot: Ballot;
      readonly slot: number;
      readonly value: SlotValue;
      readonly leaderAccepted: boolean;
    }
  /** Phase 2b. Carries the value so that an observer can tell what was chosen. */
  | { readonly type: 'accepted'; readonly ballot: Ballot; readonly slot: number; readonly value: SlotValue }
  /** The leader learned `slot` is chosen (the distinguished learner of PMS §2.3 tells the rest). */
  | { readonly type: 'decide'; readonly slot: number; readonly value: SlotValue }
  /** The leader is alive at `ballot` and has chosen the first `chosenPrefix` slots. */
  | { readonly type: 'heartbeat'; readonly ballot: Ballot; readonly chosenPrefix: number }
  /** A lagging learner asks for chosen slots from `fromSlot` on. */
  | { readonly type: 'catchup'; readonly fromSlot: number }
  /** Chosen slots; first the sender's snapshot when the asker needs slots it compacted. */
  | { readonly type: 'catchup-reply'; readonly slots: readonly ChosenSlot[]; readonly snapshot?: SnapshotRecord };

export type Role = 'leader' | 'follower' | 'candidate';

/** What `inspect()` returns: the generic view plus the Paxos state a monitor or a student reads. */
export interface MultiPaxosView extends NodeView {
  readonly role: Role;
  /** The highest ballot this acceptor has promised (durable). */
  readonly promised: Ballot;
  /** The ballot this node leads or campaigns with (null when following). */
  readonly ballot: Ballot | null;
  /** Slots proposed by this leader and not yet known chosen. */
  readonly openSlots: number;
  /** Client requests waiting for a free slot. */
  readonly queued: number;
  /**
   * Leader only: the Promises its phase 1 counted, acceptor → the slots it reported (the live map:
   * read it at once). The monitor checks P2ᶜ and the promises' ballot against it.
   */
  readonly counted: ReadonlyMap<NodeId, readonly PromisedSlot[]> | null;
  /**
   * What this node keeps of its logs (an object, so the trace's state lines, which show scalar view
   * fields, leave it out): `logLength` stays the full logical length.
   */
  readonly compaction: CompactionView;
}

export interface CompactionView {
  /** Slots below this are in the snapshot: values and votes forgotten (0 before any snapshot). */
  readonly snapshotSlot: number;
  /** Chosen-log places held in memory (from the snapshot point to the highest known slot). */
  readonly chosenHeld: number;
  /** Vote places held in memory. */
  readonly votesHeld: number;
}

/**
 * Zab's messages, named as in the paper (Junqueira, Reed, Serafini, DSN 2011, phases 1-3) with
 * ZooKeeper's names in comments. Election notifications travel on their own; everything a
 * follower and its leader exchange travels on a session (`sid`, `seq`; see session.ts), which is
 * how this simulator gives Zab the FIFO channel it assumes.
 */
import type { ClientId, KvOp, NodeId } from '../api.js';
import type { ZabSnapshot } from './snapshot.js';
import type { Txn, Zxid } from './zxid.js';

export type ServerState = 'looking' | 'following' | 'leading';

/** A fast-leader-election vote: the candidate and the (epoch, zxid) it claims (ZooKeeper's peerEpoch, zxid, sid). */
export interface Vote {
  readonly leader: NodeId;
  readonly epoch: number;
  readonly zxid: Zxid;
}

/** FLE notification (ZooKeeper's Notification): the sender's round, vote and state. */
export interface VoteMessage {
  readonly type: 'VOTE';
  readonly round: number;
  readonly vote: Vote;
  readonly state: ServerState;
}

/** The leader tells a follower it dropped session `sid` (a TCP reset, sent outside the session). */
export interface ResetMessage {
  readonly type: 'RESET';
  readonly sid: number;
}

interface OnSession {
  readonly sid: number;
  readonly seq: number;
}

/** How the leader brings a follower's history to its own (ZooKeeper's DIFF, TRUNC, SNAP). */
export type SyncPlan =
  /** The follower's history is a prefix of the leader's: append `txns` at index `from`. */
  | { readonly mode: 'DIFF'; readonly from: number; readonly txns: readonly Txn[] }
  /** Keep the first `length` (the last of them is `anchor`), drop the rest, append `txns`. */
  | { readonly mode: 'TRUNC'; readonly length: number; readonly anchor: Zxid; readonly txns: readonly Txn[] }
  /**
   * Anything else: replace the history by the leader's whole history. With `snapshot` (the leader
   * compacted its history) that is the snapshot, then `txns` from its index on (SNAP then DIFF).
   */
  | { readonly mode: 'SNAP'; readonly snapshot?: ZabSnapshot; readonly txns: readonly Txn[] };

/** Follower → leader. */
export type FollowerMessage = OnSession &
  (
    | /** Phase 1: f.p, the last epoch this follower promised (FOLLOWERINFO). */ {
        readonly type: 'CEPOCH';
        readonly acceptedEpoch: number;
      }
    | /** Phase 1: promise for `epoch`; currentEpoch -1 = already promised it earlier, do not count me (ACKEPOCH). */ {
        readonly type: 'ACK-E';
        readonly epoch: number;
        readonly currentEpoch: number;
        readonly lastZxid: Zxid;
      }
    | /** Phase 2: my history equals yours up to `length` and is durable, and currentEpoch = epoch. */ {
        readonly type: 'ACK-LD';
        readonly epoch: number;
        readonly length: number;
      }
    | /** Phase 3: the first `length` transactions are durable here (ACK). */ {
        readonly type: 'ACK';
        readonly epoch: number;
        readonly length: number;
      }
    | /** A client write (or a read, when reads go through the broadcast) forwarded to the leader. */ {
        readonly type: 'REQUEST';
        readonly client: ClientId;
        readonly reqId: number;
        readonly op: KvOp;
      }
    | /** Answer to PING. */ { readonly type: 'PONG' }
  );

/** Leader → follower. */
export type LeaderMessage = OnSession &
  (
    | /** Phase 1: the epoch this leader proposes (LEADERINFO). */ {
        readonly type: 'NEWEPOCH';
        readonly epoch: number;
      }
    | /** Phase 2: adopt my history (`sync`) and epoch; `length`/`lastZxid` describe the result. */ {
        readonly type: 'NEWLEADER';
        readonly epoch: number;
        readonly sync: SyncPlan;
        readonly length: number;
        readonly lastZxid: Zxid;
      }
    | /** Phase 2 end (COMMIT-LD / UPTODATE): a quorum synced; the first `commit` transactions are committed. */ {
        readonly type: 'COMMIT-LD';
        readonly commit: number;
      }
    | /** Phase 3: transaction at history index `index` (PROPOSAL). */ {
        readonly type: 'PROPOSE';
        readonly index: number;
        readonly txn: Txn;
      }
    | /** Phase 3: the first `commit` transactions are committed (cumulative COMMIT). */ {
        readonly type: 'COMMIT';
        readonly commit: number;
      }
    | /** Keep-alive; carries the commit point too. */ { readonly type: 'PING'; readonly commit: number }
  );

export type ZabMessage = VoteMessage | ResetMessage | FollowerMessage | LeaderMessage;

export type SessionMessage = FollowerMessage | LeaderMessage;

/** Distributes Omit over a union. */
export type Body<M> = M extends unknown ? Omit<M, 'sid' | 'seq'> : never;

/**
 * VR Revisited's messages, named as in the paper (Liskov & Cowling 2012, §4). The sender's replica
 * number `i` of the paper is not carried: the host tells the receiver who sent a message.
 *
 * A message that carries a log (DoViewChange, StartView, the primary's RecoveryResponse, NewState)
 * carries the ops after the sender's latest checkpoint, and the checkpoint itself once there is
 * one (§5, see checkpoint.ts): never the whole history of a long run. `opNumber` is always the
 * op-number of the last op, forgotten ones included.
 */
import type { Command } from '../api.js';
import type { Checkpoint } from './checkpoint.js';

/** Consecutive ops of the replicated log (position p holds op-number start + p + 1). */
export type Log = readonly Command[];

/** §4.1: the primary orders request `op` as op-number `opNumber` in `view`. */
export interface Prepare {
  readonly type: 'Prepare';
  readonly view: number;
  readonly op: Command;
  readonly opNumber: number;
  readonly commitNumber: number;
}

/** §4.1: the sender holds every op up to and including `opNumber` (cumulative). */
export interface PrepareOk {
  readonly type: 'PrepareOk';
  readonly view: number;
  readonly opNumber: number;
}

/** §4.1: every op up to `commitNumber` is committed; also the primary's heartbeat. */
export interface Commit {
  readonly type: 'Commit';
  readonly view: number;
  readonly commitNumber: number;
}

/** §4.2 step 1: the sender gave up on the primary of the previous view. */
export interface StartViewChange {
  readonly type: 'StartViewChange';
  readonly view: number;
}

/** §4.2 step 2: the sender's state, for the new primary to choose the log from. */
export interface DoViewChange {
  readonly type: 'DoViewChange';
  readonly view: number;
  readonly log: Log;
  /** v′: the latest view in which the sender's status was normal (its log belongs to it). */
  readonly lastNormalView: number;
  readonly opNumber: number;
  readonly commitNumber: number;
  /** Op-numbers up to checkpoint.opNumber (the ops before `log`); absent: `log` starts at op 1. */
  readonly checkpoint?: Checkpoint;
}

/** §4.2 step 4: the new primary's log; the view starts. */
export interface StartView {
  readonly type: 'StartView';
  readonly view: number;
  readonly log: Log;
  readonly opNumber: number;
  readonly commitNumber: number;
  /** Op-numbers up to checkpoint.opNumber (the ops before `log`); absent: `log` starts at op 1. */
  readonly checkpoint?: Checkpoint;
}

/** §4.3: a restarted replica asks for state; `nonce` tells its responses from older ones. */
export interface Recovery {
  readonly type: 'Recovery';
  readonly nonce: number;
}

/** §4.3: only the primary of `view` includes its log (others send null). */
export interface RecoveryResponse {
  readonly type: 'RecoveryResponse';
  readonly view: number;
  readonly nonce: number;
  readonly log: Log | null;
  readonly opNumber: number;
  readonly commitNumber: number;
  /** Op-numbers up to checkpoint.opNumber (the ops before `log`); absent: `log` starts at op 1. */
  readonly checkpoint?: Checkpoint;
}

/** State transfer (§5.2): send me your log after op-number `after`. */
export interface GetState {
  readonly type: 'GetState';
  readonly view: number;
  readonly after: number;
}

/** State transfer (§5.2): `entries` are op-numbers after+1 .. opNumber. */
export interface NewState {
  readonly type: 'NewState';
  readonly view: number;
  readonly after: number;
  readonly entries: Log;
  readonly opNumber: number;
  readonly commitNumber: number;
  /** Sent when `after` is the sender's checkpoint (the receiver asked for ops it forgot). */
  readonly checkpoint?: Checkpoint;
}

export type VsrMessage =
  | Prepare
  | PrepareOk
  | Commit
  | StartViewChange
  | DoViewChange
  | StartView
  | Recovery
  | RecoveryResponse
  | GetState
  | NewState;

/**
 * State transfer (VR Revisited §5.2), the parts that need no more of a replica than its log and
 * its machine: the one GetState a backup may have outstanding, the NewState with which a replica
 * holding its view's log answers one, putting a NewState's ops (or its checkpoint) into the log,
 * and the out-of-order Prepares a backup keeps while earlier ones are missing. When to ask, and
 * what the replica's commit-number and status become once the ops are in, stay in replica.ts.
 */
import type { Command, NodeEnv, NodeId } from '../api.js';
import type { ReplicaLog } from './checkpoint.js';
import type { Execution } from './execution.js';
import type { GetState, NewState, VsrMessage } from './messages.js';
import { TIMERS } from './view.js';

export class StateTransfer {
  private readonly env: NodeEnv<VsrMessage>;
  private readonly log: ReplicaLog;
  private readonly execution: Execution;
  /** Microseconds before an unanswered GetState is sent again. */
  private readonly retry: number;
  private outstanding = false;

  constructor(env: NodeEnv<VsrMessage>, log: ReplicaLog, execution: Execution, retry: number) {
    this.env = env;
    this.log = log;
    this.execution = execution;
    this.retry = retry;
  }

  /** Ask `primary` for its log of `view` after op-number `after`, unless a GetState is outstanding. */
  request(primary: NodeId, view: number, after: number): void {
    if (this.outstanding) return;
    this.outstanding = true;
    const get: GetState = { type: 'GetState', view, after };
    this.env.send(primary, get);
    TIMERS.set(this.env, 'state-transfer', this.retry);
  }

  /** The GetState is over unanswered (its retry timer fired, or the replica left its role). */
  abandon(): void {
    this.outstanding = false;
  }

  /** A NewState answered: the next need asks again. */
  answered(): void {
    this.outstanding = false;
    TIMERS.cancel(this.env, 'state-transfer');
  }

  /**
   * A synced backup that missed Prepares: append the ops it lacks, or take the checkpoint and the
   * ops after it when its own log ends before them. False when the NewState gives it nothing.
   */
  append(msg: NewState): boolean {
    if (msg.after > this.log.length) {
      if (msg.checkpoint === undefined) return false;
      this.execution.install({ checkpoint: msg.checkpoint, entries: msg.entries });
    } else {
      const fresh = msg.entries.slice(this.log.length - msg.after);
      for (const op of fresh) this.log.push(op);
    }
    return true;
  }

  /**
   * A backup without its view's log: keep ops 1..`committed`, take the view's log after them (or
   * the primary's checkpoint and the ops after it). False when the NewState starts past `committed`.
   */
  replace(msg: NewState, committed: number): boolean {
    if (msg.checkpoint !== undefined) this.execution.install({ checkpoint: msg.checkpoint, entries: msg.entries });
    else if (msg.after > committed) return false;
    else this.log.replaceAfter(msg.after, msg.entries);
    return true;
  }
}

/** Prepares that arrived ahead of a missing one (op-number → op), at most `capacity` ops ahead. */
export class PrepareBuffer {
  private readonly capacity: number;
  private buffered = new Map<number, Command>();

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** Keep op-number `opNumber` if it is at most `capacity` past the end of `log`. */
  hold(opNumber: number, op: Command, log: ReplicaLog): void {
    if (opNumber - log.length <= this.capacity) this.buffered.set(opNumber, op);
  }

  /** Move buffered Prepares that are now in order into the log; drop those it already holds. */
  drainInto(log: ReplicaLog): void {
    for (let next = this.buffered.get(log.length + 1); next !== undefined; ) {
      this.buffered.delete(log.length + 1);
      log.push(next);
      next = this.buffered.get(log.length + 1);
    }
    for (const opNumber of [...this.buffered.keys()]) {
      if (opNumber <= log.length) this.buffered.delete(opNumber);
    }
  }

  clear(): void {
    this.buffered = new Map();
  }
}

/**
 * The ops after `msg.after`, or the checkpoint and the ops after it when `after` was forgotten;
 * null when the asker is ahead of `log`.
 */
export function newStateFor(msg: GetState, log: ReplicaLog, view: number, commitNumber: number): NewState | null {
  if (msg.after > log.length) return null;
  const forgotten = msg.after < log.start;
  const after = forgotten ? log.start : msg.after;
  return {
    type: 'NewState',
    view,
    after,
    entries: log.after(after),
    opNumber: log.length,
    commitNumber,
    ...(forgotten ? { checkpoint: log.checkpoint } : {}),
  };
}

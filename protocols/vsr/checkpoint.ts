/**
 * Checkpoints and log truncation (VR Revisited §5.1-§5.3), so that a replica's memory does not grow
 * with the length of the run.
 *
 * Every `snapshotEvery` executed ops a replica takes a checkpoint — the machine's snapshot after
 * op-number k — and forgets ops 1..k of its log. VR here is diskless, so the checkpoint lives in
 * memory like the log. Op-numbers never move: the log holds op-numbers start+1..length, where
 * start is the checkpoint's op-number.
 *
 * Whoever needs ops a peer has forgotten gets that peer's checkpoint plus the ops after it: a
 * lagging backup (NewState), a recovering replica (the primary's RecoveryResponse), the new primary
 * of a view change (DoViewChange) and the backups of the new view (StartView). Those messages carry
 * the log after the sender's checkpoint only, never the whole history. A receiver whose machine is
 * behind the checkpoint restores it (the host checks the restored state against what every other
 * replica executed by its digest) and executes only the ops after it.
 */
import type { Command, MachineSnapshot } from '../api.js';
import { assert } from '../kit/index.js';
import type { Log } from './messages.js';

export interface Checkpoint {
  /** Op-numbers 1..opNumber are in `machine` and no longer in the log. */
  readonly opNumber: number;
  /** The machine after executing them; null for op-number 0 (the empty machine). */
  readonly machine: MachineSnapshot | null;
}

/** Before the first checkpoint: nothing forgotten. */
export const NO_CHECKPOINT: Checkpoint = Object.freeze({ opNumber: 0, machine: null });

/** A log as messages carry it: a checkpoint and the ops after it (op-numbers checkpoint+1..). */
export interface LogPiece {
  readonly checkpoint: Checkpoint;
  readonly entries: Log;
}

/** The checkpoint field of a message: absent while nothing was forgotten (every op travels). */
export function checkpointField(checkpoint: Checkpoint): { readonly checkpoint?: Checkpoint } {
  return checkpoint.opNumber === 0 ? {} : { checkpoint };
}

/** A message's log and optional checkpoint as one piece. */
export function pieceOf(msg: { readonly log: Log; readonly checkpoint?: Checkpoint }): LogPiece {
  return { checkpoint: msg.checkpoint ?? NO_CHECKPOINT, entries: msg.log };
}

/** The replica's log: a checkpoint, then the ops after it. */
export class ReplicaLog {
  private base: Checkpoint = NO_CHECKPOINT;
  private held: Command[] = [];

  /** The latest checkpoint (op-numbers up to `start` are only in it). */
  get checkpoint(): Checkpoint {
    return this.base;
  }

  get start(): number {
    return this.base.opNumber;
  }

  /** The op-number of the last op (the paper's op-number): forgotten ops count. */
  get length(): number {
    return this.base.opNumber + this.held.length;
  }

  /** The ops held (op-numbers start+1..length), by reference: read, never change. */
  get entries(): Log {
    return this.held;
  }

  /** The op at `opNumber` (1-based), or undefined when it is forgotten or not there yet. */
  at(opNumber: number): Command | undefined {
    return opNumber > this.base.opNumber ? this.held[opNumber - this.base.opNumber - 1] : undefined;
  }

  push(op: Command): void {
    this.held.push(op);
  }

  /** The log as a message carries it (a copy: messages are frozen once sent). */
  piece(): LogPiece {
    return { checkpoint: this.base, entries: this.held.slice() };
  }

  /** The ops after `after` (at least `start`), copied. */
  after(after: number): Command[] {
    assert(after >= this.base.opNumber, () => `vsr: ops after ${after} asked of a log that starts after ${this.base.opNumber}`);
    return this.held.slice(after - this.base.opNumber);
  }

  /** Keep ops 1..after as they are and put `entries` after them (state transfer). */
  replaceAfter(after: number, entries: Log): void {
    assert(after <= this.length, () => `vsr: cannot keep ${after} ops of a log of ${this.length}`);
    const start = this.base.opNumber;
    if (after >= start) this.held = this.held.slice(0, after - start).concat(entries);
    else this.held = entries.slice(start - after);
  }

  /**
   * Adopt `piece` as the whole log, with the machine `applied` ops in. A machine behind the
   * piece's checkpoint jumps to it (`restore`); otherwise the later of the two checkpoints is
   * kept, with the piece's ops after it. Returns the ops the machine has now executed.
   */
  install(piece: LogPiece, applied: number, restore: (checkpoint: Checkpoint) => void): number {
    const pieceStart = piece.checkpoint.opNumber;
    const pieceLength = pieceStart + piece.entries.length;
    if (applied < pieceStart) {
      restore(piece.checkpoint);
      this.base = piece.checkpoint;
      this.held = piece.entries.slice();
      return pieceStart;
    }
    const start = Math.max(this.base.opNumber, pieceStart);
    assert(start <= pieceLength, () => `vsr: a log of ${pieceLength} ops is shorter than the checkpoint at ${start}`);
    if (pieceStart > this.base.opNumber) this.base = piece.checkpoint;
    this.held = piece.entries.slice(start - pieceStart);
    return applied;
  }

  /** Take `checkpoint` (of ops this replica executed) and forget the ops it covers. */
  compact(checkpoint: Checkpoint): void {
    assert(checkpoint.opNumber >= this.base.opNumber && checkpoint.opNumber <= this.length, 'vsr: checkpoint outside the log');
    this.held = this.held.slice(checkpoint.opNumber - this.base.opNumber);
    this.base = checkpoint;
  }
}

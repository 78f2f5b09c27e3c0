/**
 * The state-machine side of a replica (VR Revisited §4.1 steps 5 and 7, §5.1): it executes
 * committed ops on env.machine in op-number order, takes a checkpoint every `snapshotEvery`
 * executed ops (so that the log forgets the ops it covers), and installs a peer's log, restoring
 * the peer's checkpoint when the machine is behind it. replica.ts decides how far ops are
 * committed; this class knows how far the machine has executed them.
 */
import type { NodeEnv } from '../api.js';
import { assert } from '../kit/index.js';
import type { Checkpoint, LogPiece, ReplicaLog } from './checkpoint.js';
import type { VsrMessage } from './messages.js';

export class Execution {
  private readonly env: NodeEnv<VsrMessage>;
  private readonly log: ReplicaLog;
  private readonly snapshotEvery: number;
  /** Ops executed on env.machine (never more than the replica's commit-number). */
  private executed = 0;

  constructor(env: NodeEnv<VsrMessage>, log: ReplicaLog, snapshotEvery: number) {
    this.env = env;
    this.log = log;
    this.snapshotEvery = snapshotEvery;
  }

  get applied(): number {
    return this.executed;
  }

  /** Execute every op up to `commitNumber` not executed yet; a primary `replies` to its clients (step 5). */
  upTo(commitNumber: number, replies: boolean): void {
    while (this.executed < commitNumber) {
      const cmd = this.log.at(this.executed + 1);
      assert(cmd !== undefined, () => `vsr: op ${this.executed + 1} committed but not in the log`);
      const result = this.env.machine.apply(cmd);
      this.executed++;
      if (replies) this.env.reply(cmd.client, cmd.reqId, { kind: 'result', result });
    }
    if (this.executed - this.log.start >= this.snapshotEvery) this.takeCheckpoint();
  }

  /** Adopt `piece` as the whole log (see ReplicaLog.install); returns the ops executed now. */
  install(piece: LogPiece): number {
    this.executed = this.log.install(piece, this.executed, (checkpoint) => this.restore(checkpoint));
    return this.executed;
  }

  /** §5.1: the machine's state after the executed ops replaces them in the log. */
  private takeCheckpoint(): void {
    const machine = this.env.machine.snapshot();
    assert(machine.appliedCount === this.executed, () => `vsr: a checkpoint of ${machine.appliedCount} ops after executing ${this.executed}`);
    this.log.compact({ opNumber: this.executed, machine });
  }

  /** Jump the machine to a peer's checkpoint (ops this replica had not executed yet). */
  private restore(checkpoint: Checkpoint): void {
    assert(checkpoint.machine !== null, 'vsr: restoring the empty checkpoint');
    this.env.machine.restore(checkpoint.machine);
    this.env.note(`restored the checkpoint at op ${checkpoint.opNumber}`);
  }
}

/**
 * The generic safety invariant every protocol shares: each correct node incarnation's applied
 * command sequence is a prefix of the longest one (state machine safety, stated on the machine
 * instead of on any protocol's log). The ledger keeps the longest sequence as one array of command
 * keys; checking an apply is O(1). A restored snapshot is checked by its digest at that position.
 */
import type { NodeId, ReplicatedMachine } from '../../protocols/api.js';
import { commandKey, KvMachine, type Command, type MachineSnapshot, type OpResult } from '../../protocols/kv.js';
import type { InvariantViolation } from '../result.js';

export class AppliedLedger {
  /** The longest applied sequence seen so far (commands are frozen values shared with the nodes). */
  private readonly commands: Command[] = [];
  /** Which node first applied each position (so a violation can name it; ids are shared strings). */
  private readonly appliers: NodeId[] = [];
  private readonly onViolation: (violation: Omit<InvariantViolation, 'time'>) => void;

  constructor(onViolation: (violation: Omit<InvariantViolation, 'time'>) => void) {
    this.onViolation = onViolation;
  }

  get length(): number {
    return this.commands.length;
  }

  /** Command key at 0-based position `index` of the longest applied sequence. */
  keyAt(index: number): string | undefined {
    const cmd = this.commands[index];
    return cmd === undefined ? undefined : commandKey(cmd);
  }

  applied(node: NodeId, position: number, cmd: Command): void {
    const commands = this.commands;
    if (position === commands.length) {
      commands.push(cmd);
      this.appliers.push(node);
      return;
    }
    const expected = commands[position];
    if (expected === undefined) {
      // Unreachable through apply() alone (positions grow by one); only after a snapshot from nowhere.
      this.onViolation({
        name: 'applied-prefix',
        node,
        detail: `${node} applied position ${position + 1} but no node has applied position ${commands.length + 1}`,
      });
      return;
    }
    if (expected.client !== cmd.client || expected.reqId !== cmd.reqId) {
      this.onViolation({
        name: 'applied-prefix',
        node,
        detail: `${node} applied ${commandKey(cmd)} at position ${position + 1}, where ${this.appliers[position] ?? 'another node'} applied ${commandKey(expected)}`,
      });
    }
  }

  /** A restored snapshot must equal the longest sequence's prefix of the same length (by digest). */
  restored(node: NodeId, snapshot: MachineSnapshot): void {
    const count = snapshot.appliedCount;
    if (count === 0) return;
    if (count > this.commands.length) {
      this.onViolation({
        name: 'applied-prefix',
        node,
        detail: `${node} restored a snapshot of ${count} commands, but no node has applied that many`,
      });
      return;
    }
    // Rare (state transfer), so recompute the prefix digest instead of storing one per position.
    const replay = new KvMachine(null);
    for (let i = 0; i < count; i++) replay.apply(this.commands[i] as Command);
    const known = replay.digest();
    if (known !== snapshot.digest) {
      this.onViolation({
        name: 'applied-prefix',
        node,
        detail: `${node} restored a snapshot at position ${count} whose digest ${snapshot.digest} differs from ${known}`,
      });
    }
  }
}

/** The machine a node sees: a fresh KvMachine that reports each apply to the ledger. */
export class TrackedMachine implements ReplicatedMachine {
  readonly inner = new KvMachine(null);
  private readonly node: NodeId;
  private readonly ledger: AppliedLedger | null;
  /** Told of every apply (1-based position) while moments are watched. */
  private readonly onApply: ((index: number, cmd: Command) => void) | null;

  constructor(node: NodeId, ledger: AppliedLedger | null, onApply: ((index: number, cmd: Command) => void) | null = null) {
    this.node = node;
    this.ledger = ledger;
    this.onApply = onApply;
  }

  apply(cmd: Command): OpResult {
    const result = this.inner.apply(cmd);
    if (this.ledger !== null) this.ledger.applied(this.node, this.inner.appliedCount - 1, cmd);
    if (this.onApply !== null) this.onApply(this.inner.appliedCount, cmd);
    return result;
  }

  cached(client: Command['client'], reqId: number): OpResult | undefined {
    return this.inner.cached(client, reqId);
  }

  get appliedCount(): number {
    return this.inner.appliedCount;
  }

  digest(): string {
    return this.inner.digest();
  }

  snapshot(): MachineSnapshot {
    return this.inner.snapshot();
  }

  restore(snapshot: MachineSnapshot): void {
    this.inner.restore(snapshot);
    if (this.ledger !== null) this.ledger.restored(this.node, snapshot);
  }

  peek(key: string): OpResult {
    return this.inner.peek(key);
  }
}

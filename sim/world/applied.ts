/**
 * The generic safety invariant every protocol shares: each correct node incarnation's applied
 * command sequence is a prefix of the longest one (state machine safety, stated on the machine
 * instead of on any protocol's log). The ledger keeps the longest sequence as one array of command
 * keys; checking an apply is O(1). A restored snapshot is checked by its digest at that position.
 *
 * The machine also checks the KV layer's own obligation, exactly-once (Raft §8, VR Revisited's
 * client-table, PBFT's last-reply table): on each replica a (client, request id) changes the data
 * at most once, and a retry of the latest request gets the result recorded when it executed —
 * whatever that outcome was — both from `apply` and from `cached`. The machine keeps its own
 * record of first executions, independent of the session table it checks.
 */
import type { InvariantDefinition, NodeId, ReplicatedMachine } from '../../protocols/api.js';
import { commandKey, KvMachine, type Command, type MachineSnapshot, type OpResult } from '../../protocols/kv.js';
import type { InvariantViolation } from '../result.js';

/** The invariants the host checks for every protocol (shown by `consensim list`). */
export const HOST_INVARIANTS: readonly InvariantDefinition[] = [
  {
    name: 'applied-prefix',
    description: "Every correct node's applied command sequence is a prefix of the longest one (state machine safety on the machine).",
    source: 'Schneider 1990 (state machine replication); Raft Figure 3',
  },
  {
    name: 'exactly-once',
    description: 'On each correct replica a (client, request id) changes the data at most once, and a retry gets the result recorded when it executed.',
    source: 'Raft §8; VR Revisited §4.1 (client-table); Castro & Liskov 1999 §4.1 (last reply)',
  },
];

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

  /** A replica broke exactly-once (see TrackedMachine). */
  exactlyOnce(node: NodeId, detail: string): void {
    this.onViolation({ name: 'exactly-once', node, detail });
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

interface Execution {
  readonly reqId: number;
  readonly result: OpResult;
}

function sameResult(a: OpResult, b: OpResult): boolean {
  if (a.type === 'ok') return b.type === 'ok' && a.value === b.value;
  return b.type === 'fail' && a.reason === b.reason;
}

function describeResult(r: OpResult): string {
  return r.type === 'ok' ? `ok ${JSON.stringify(r.value)}` : `fail (${r.reason})`;
}

/** The machine a node sees: a fresh KvMachine that reports each apply to the ledger. */
export class TrackedMachine implements ReplicatedMachine {
  readonly inner: KvMachine;
  private readonly node: NodeId;
  private readonly ledger: AppliedLedger | null;
  /** Told of every apply (1-based position) while moments are watched. */
  private readonly onApply: ((index: number, cmd: Command) => void) | null;
  /** Client → its latest request executed here and the result it got (exactly-once's record). */
  private readonly executed = new Map<Command['client'], Execution>();

  constructor(
    node: NodeId,
    ledger: AppliedLedger | null,
    onApply: ((index: number, cmd: Command) => void) | null = null,
    inner: KvMachine = new KvMachine(null),
  ) {
    this.node = node;
    this.ledger = ledger;
    this.onApply = onApply;
    this.inner = inner;
  }

  apply(cmd: Command): OpResult {
    const ledger = this.ledger;
    const before = this.inner.mutations;
    const result = this.inner.apply(cmd);
    if (ledger !== null) {
      ledger.applied(this.node, this.inner.appliedCount - 1, cmd);
      this.checkExactlyOnce(ledger, cmd, result, before);
    }
    if (this.onApply !== null) this.onApply(this.inner.appliedCount, cmd);
    return result;
  }

  private checkExactlyOnce(ledger: AppliedLedger, cmd: Command, result: OpResult, mutationsBefore: number): void {
    const first = this.executed.get(cmd.client);
    if (first === undefined || cmd.reqId > first.reqId) {
      this.executed.set(cmd.client, { reqId: cmd.reqId, result });
      return;
    }
    const key = commandKey(cmd);
    if (this.inner.mutations !== mutationsBefore) {
      ledger.exactlyOnce(this.node, `${this.node} executed ${key} again (its client's request ${first.reqId} had already executed here)`);
    } else if (cmd.reqId === first.reqId && !sameResult(result, first.result)) {
      ledger.exactlyOnce(this.node, `${this.node} answered a retry of ${key} with ${describeResult(result)}, but it executed as ${describeResult(first.result)}`);
    }
  }

  cached(client: Command['client'], reqId: number): OpResult | undefined {
    const result = this.inner.cached(client, reqId);
    const ledger = this.ledger;
    if (ledger !== null && result !== undefined) {
      const first = this.executed.get(client);
      if (first === undefined || first.reqId !== reqId) {
        ledger.exactlyOnce(this.node, `${this.node} answers ${client}#${reqId} from its cache with ${describeResult(result)}, but that request never executed here`);
      } else if (!sameResult(result, first.result)) {
        ledger.exactlyOnce(this.node, `${this.node} answers ${client}#${reqId} from its cache with ${describeResult(result)}, but it executed as ${describeResult(first.result)}`);
      }
    }
    return result;
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
    this.executed.clear();
    for (const [client, reqId, result] of snapshot.sessions) this.executed.set(client, { reqId, result });
    if (this.ledger !== null) this.ledger.restored(this.node, snapshot);
  }

  peek(key: string): OpResult {
    return this.inner.peek(key);
  }
}

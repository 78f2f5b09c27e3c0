/**
 * The generic safety invariant every protocol shares: each correct node incarnation's applied
 * command sequence is a prefix of the longest one (state machine safety, stated on the machine
 * instead of on any protocol's log). The ledger keeps a window of the longest sequence's recent
 * commands and digests of the prefix before it, so a run of any length holds a bounded amount;
 * checking an apply is O(1). A restored snapshot is checked by its digest at that position.
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

/** Commands the ledger keeps at least (it trims back to this many once it holds twice as many). */
export const LEDGER_WINDOW = 8_192;
/** Digests of earlier window bases kept, at most (thinned to every other one when full). */
const MAX_CHECKPOINTS = 256;

/** The digest a machine reached after applying the longest sequence's first `position` commands. */
interface Checkpoint {
  readonly position: number;
  readonly digest: string;
}

/**
 * The longest applied sequence, in bounded memory: a window of its most recent commands (between
 * `window` and twice that many), the machine state of the prefix before the window (a KvMachine
 * that only ever applies commands leaving the window, so its digest is the prefix's), and the
 * digests at earlier window bases. Commands are compared one by one inside the window; a node
 * replaying an older prefix is compared by digest whenever its applied count reaches a kept base
 * (the digest chains every command before it, so any difference below shows there), and it always
 * reaches the newest base before it re-enters the window. A restored snapshot inside the window is
 * checked against the prefix digest at its position; one below it against the kept base at exactly
 * its position if there is one, and otherwise, like a replay, at the next base its node reaches.
 */
export class AppliedLedger {
  /** Commands at positions [base, length) of the longest sequence (frozen values shared with the nodes). */
  private commands: Command[] = [];
  /** Which node first applied each kept position (so a violation can name it; ids are shared strings). */
  private appliers: NodeId[] = [];
  /** Positions before the window: forgotten, but for their digest. */
  private base = 0;
  /** The KV machine of the forgotten prefix [0, base). */
  private readonly prefix = new KvMachine(null);
  /** Digests at earlier bases, oldest first; the newest is always `base` (once base > 0). */
  private checkpoints: Checkpoint[] = [];
  private readonly window: number;
  private readonly onViolation: (violation: Omit<InvariantViolation, 'time'>) => void;

  /** `window`: commands kept at least (tests use small ones to reach the digest checks quickly). */
  constructor(onViolation: (violation: Omit<InvariantViolation, 'time'>) => void, window: number = LEDGER_WINDOW) {
    if (!(Number.isSafeInteger(window) && window >= 1)) throw new Error(`ledger window must be a positive integer, got ${window}`);
    this.onViolation = onViolation;
    this.window = window;
  }

  get length(): number {
    return this.base + this.commands.length;
  }

  /** Commands and checkpoints held now (bounded by twice the window plus MAX_CHECKPOINTS, whatever the run's length). */
  get retained(): number {
    return this.commands.length + this.checkpoints.length;
  }

  /** Command key at 0-based position `index` of the longest applied sequence (undefined once it left the window). */
  keyAt(index: number): string | undefined {
    const cmd = this.commands[index - this.base];
    return cmd === undefined ? undefined : commandKey(cmd);
  }

  /**
   * `machine` has just applied `cmd` at 0-based `position` (its digest is read only when the position
   * is below the window and ends at a kept base).
   */
  applied(node: NodeId, position: number, cmd: Command, machine?: { digest(): string }): void {
    const commands = this.commands;
    const at = position - this.base;
    if (at === commands.length) {
      commands.push(cmd);
      this.appliers.push(node);
      if (commands.length >= 2 * this.window) this.advance();
      return;
    }
    if (at < 0) {
      // Below the window (a node replaying an old prefix): only a kept base can tell, by digest.
      if (machine !== undefined && this.checkpointAt(position + 1) !== undefined) this.checkDigest(node, position + 1, machine.digest(), 'applied');
      return;
    }
    const expected = commands[at];
    if (expected === undefined) {
      // Unreachable through apply() alone (positions grow by one); only after a snapshot from nowhere.
      this.onViolation({
        name: 'applied-prefix',
        node,
        detail: `${node} applied position ${position + 1} but no node has applied position ${this.length + 1}`,
      });
      return;
    }
    if (expected.client !== cmd.client || expected.reqId !== cmd.reqId) {
      this.onViolation({
        name: 'applied-prefix',
        node,
        detail: `${node} applied ${commandKey(cmd)} at position ${position + 1}, where ${this.appliers[at] ?? 'another node'} applied ${commandKey(expected)}`,
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
    if (count > this.length) {
      this.onViolation({
        name: 'applied-prefix',
        node,
        detail: `${node} restored a snapshot of ${count} commands, but no node has applied that many`,
      });
      return;
    }
    if (count < this.base) {
      this.checkDigest(node, count, snapshot.digest, 'restored');
      return;
    }
    // Rare (state transfer), so recompute the prefix digest from the window's base instead of
    // storing one per position: at most twice the window's commands.
    const replay = new KvMachine(null);
    if (this.base > 0) replay.restore(this.prefix.snapshot());
    for (let i = this.base; i < count; i++) replay.apply(this.commands[i - this.base] as Command);
    const known = replay.digest();
    if (known !== snapshot.digest) {
      this.onViolation({
        name: 'applied-prefix',
        node,
        detail: `${node} restored a snapshot at position ${count} whose digest ${snapshot.digest} differs from ${known}`,
      });
    }
  }

  /** Below the window: compare with the kept base at exactly `count`, if there is one. */
  private checkDigest(node: NodeId, count: number, digest: string, how: 'applied' | 'restored'): void {
    const known = this.checkpointAt(count);
    if (known === undefined || known === digest) return;
    this.onViolation({
      name: 'applied-prefix',
      node,
      detail:
        how === 'applied'
          ? `${node} applied ${count} commands whose digest ${digest} differs from ${known}, the longest sequence's at that position (a command before it differs)`
          : `${node} restored a snapshot at position ${count} whose digest ${digest} differs from ${known}`,
    });
  }

  private checkpointAt(position: number): string | undefined {
    const checkpoints = this.checkpoints;
    // Binary search: positions increase.
    let lo = 0;
    let hi = checkpoints.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = checkpoints[mid] as Checkpoint;
      if (c.position === position) return c.digest;
      if (c.position < position) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** Forget the window's oldest `window` commands: fold them into the prefix machine and keep its digest. */
  private advance(): void {
    const drop = this.window;
    for (let i = 0; i < drop; i++) this.prefix.apply(this.commands[i] as Command);
    this.commands = this.commands.slice(drop);
    this.appliers = this.appliers.slice(drop);
    this.base += drop;
    if (this.checkpoints.length >= MAX_CHECKPOINTS) {
      // Keep every other one, newest included: the spacing of old bases doubles, the count stays bounded.
      const last = this.checkpoints.length - 1;
      this.checkpoints = this.checkpoints.filter((_, i) => (last - i) % 2 === 0);
    }
    this.checkpoints.push({ position: this.base, digest: this.prefix.digest() });
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
      ledger.applied(this.node, this.inner.appliedCount - 1, cmd, this.inner);
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

/**
 * Raft's online invariants (Figure 3 of the paper), checked after every step a node takes.
 * Each check costs amortized O(1) per step: a monitor remembers what it has already verified.
 *
 * - Election Safety: at most one leader per term, over the whole run.
 * - Leader Append-Only: a leader never shortens or rewrites its log during its term.
 * - Log Matching / State Machine Safety: every index any node has committed holds one and the
 *   same entry (term and command) on every node that commits it. Committed entries are recorded
 *   once globally; each node's newly committed indices are compared against that record.
 * - Leader Completeness: a node that becomes leader of term T holds every entry committed in a
 *   term before T. A node's commit is dated by its own current term, an upper bound on the term
 *   of the leader that committed the entry, so the check never accuses wrongly (a leader of an
 *   old term, resumed after a pause, need not hold entries committed in later terms).
 * - Persistence (Figure 2): per node, currentTerm never decreases and at most one vote is granted
 *   per term, across crashes and restarts (votes are seen as they are sent).
 *
 * The host separately checks that every node's applied command sequence is a prefix of the
 * longest one.
 */
import type { InvariantFinding, InvariantMonitor, NodeId } from '../api.js';
import { commandKey } from '../kv.js';
import type { LogEntry, RaftMessage } from './messages.js';
import type { RaftView } from './node.js';

interface NodeRecord {
  term: number;
  role: string;
  /** Committed indices of this incarnation already compared with the global record. */
  checkedCommit: number;
  /** While leader: the term and log length at the last step (append-only check). */
  leaderLogLength: number;
  leaderLastTerm: number;
}

function entryKey(entry: LogEntry): string {
  return entry.command === null ? `noop@${entry.term}` : `${commandKey(entry.command)}@${entry.term}`;
}

/** Replicated entries are usually the very same frozen object on every node: compare that first. */
function sameEntry(a: LogEntry, b: LogEntry): boolean {
  return a === b || (a.term === b.term && entryKey(a) === entryKey(b));
}

function finding(name: string, detail: string, nodes: readonly NodeId[]): InvariantFinding {
  return { name, detail, nodes };
}

export class RaftMonitor implements InvariantMonitor<RaftMessage, RaftView> {
  private readonly leaders = new Map<number, NodeId>();
  /** Index i-1 → the entry committed at index i, and who committed it first. */
  private readonly committed: LogEntry[] = [];
  private readonly committedBy: NodeId[] = [];
  /** Index i-1 → the lowest term in which some node was seen holding index i committed. */
  private readonly committedInTerm: number[] = [];
  private readonly records = new Map<NodeId, NodeRecord>();
  /** `${voter}:${term}` → the candidate that got the vote. */
  private readonly votes = new Map<string, NodeId>();

  afterStep(node: NodeId, view: RaftView): InvariantFinding | null {
    const record = this.record(node);
    const found =
      this.checkTerm(node, view, record) ??
      this.checkCommitted(node, view, record) ??
      this.checkLeader(node, view, record);
    record.term = view.term;
    record.role = view.role;
    return found;
  }

  onSend(from: NodeId, to: NodeId, msg: RaftMessage): InvariantFinding | null {
    if (msg.type !== 'RequestVoteReply' || msg.preVote || !msg.voteGranted) return null;
    const key = `${from}:${msg.term}`;
    const earlier = this.votes.get(key);
    if (earlier === undefined) {
      this.votes.set(key, to);
      return null;
    }
    if (earlier === to) return null;
    return finding('one vote per term', `${from} voted for ${earlier} and then for ${to} in term ${msg.term}`, [from, earlier, to]);
  }

  onCrash(node: NodeId): void {
    const record = this.record(node);
    // The next incarnation re-learns its commit index from 0; its log is still checked.
    record.checkedCommit = 0;
    record.role = 'crashed';
  }

  private record(node: NodeId): NodeRecord {
    let record = this.records.get(node);
    if (record === undefined) {
      record = { term: 0, role: 'follower', checkedCommit: 0, leaderLogLength: 0, leaderLastTerm: 0 };
      this.records.set(node, record);
    }
    return record;
  }

  private checkTerm(node: NodeId, view: RaftView, record: NodeRecord): InvariantFinding | null {
    if (view.term >= record.term) return null;
    return finding('term never decreases', `${node} went from term ${record.term} back to ${view.term}`, [node]);
  }

  /** Log Matching and State Machine Safety over committed indices. */
  private checkCommitted(node: NodeId, view: RaftView, record: NodeRecord): InvariantFinding | null {
    const upTo = Math.min(view.commitIndex, view.log.length);
    for (let index = record.checkedCommit + 1; index <= upTo; index++) {
      const entry = view.log[index - 1] as LogEntry;
      const known = this.committed[index - 1];
      if (known === undefined) {
        this.committed.push(entry);
        this.committedBy.push(node);
        this.committedInTerm.push(view.term);
      } else if (sameEntry(known, entry)) {
        if (view.term < (this.committedInTerm[index - 1] as number)) this.committedInTerm[index - 1] = view.term;
      } else {
        const first = this.committedBy[index - 1] as NodeId;
        record.checkedCommit = index;
        return finding(
          'state machine safety',
          `index ${index} committed as ${entryKey(known)} by ${first} but as ${entryKey(entry)} by ${node}`,
          [first, node],
        );
      }
    }
    if (upTo > record.checkedCommit) record.checkedCommit = upTo;
    return null;
  }

  private checkLeader(node: NodeId, view: RaftView, record: NodeRecord): InvariantFinding | null {
    if (view.role !== 'leader') return null;
    const newLeadership = record.role !== 'leader' || record.term !== view.term;
    if (newLeadership) {
      const other = this.leaders.get(view.term);
      if (other !== undefined && other !== node) {
        return finding('election safety', `${other} and ${node} both lead term ${view.term}`, [other, node]);
      }
      this.leaders.set(view.term, node);
      const missing = this.firstMissingCommitted(view.log, view.term);
      if (missing !== 0) {
        return finding('leader completeness', `${node} leads term ${view.term} without committed entry ${missing}`, [node]);
      }
    } else if (view.log.length < record.leaderLogLength || view.lastLogTerm !== record.leaderLastTerm) {
      return finding('leader append-only', `${node} rewrote its log while leading term ${view.term}`, [node]);
    }
    record.leaderLogLength = view.log.length;
    record.leaderLastTerm = view.lastLogTerm;
    return null;
  }

  /** The first index committed before `term` that is absent from (or different in) `log`; else 0. */
  private firstMissingCommitted(log: readonly LogEntry[], term: number): number {
    for (let index = 1; index <= this.committed.length; index++) {
      if ((this.committedInTerm[index - 1] as number) >= term) continue;
      const entry = log[index - 1];
      if (entry === undefined || !sameEntry(entry, this.committed[index - 1] as LogEntry)) return index;
    }
    return 0;
  }
}

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
 * - The proof's local steps, each checked the moment it is taken:
 *   - vote up-to-date (§5.4.1): a granted vote goes only to a candidate whose log, as its
 *     RequestVote describes it, is at least as up-to-date as the voter's log at that moment
 *     (higher last term, or the same last term and at least as long).
 *   - tally current term (§5.2): a node that becomes leader of term T was granted votes of term T
 *     by a majority of distinct voters (itself included); a vote of another term never counts.
 *   - ack matches leader (§5.3, Log Matching): a follower that acknowledges entries up to index i
 *     to the leader of term T holds at i an entry of the same term as that leader's entry at i.
 *
 * The host separately checks that every node's applied command sequence is a prefix of the
 * longest one.
 *
 * Bounded memory: the monitor keeps only what a node could still contradict, so a long run does
 * not grow it. Committed entries are kept from the lowest index some node may still newly commit
 * from its log (its commit index, or its snapshot: entries below a snapshot are never compared
 * again; the host checks the snapshot's digest against the applied sequence), at most
 * `MAX_COMMITTED_WINDOW` of them. A voter's votes are kept from its current term on (a vote in an
 * older term would need its term to go back, which "term never decreases" reports), a
 * candidate's tallies likewise, and leaders from the lowest current term of any node on (a node
 * leads only in its current term). A node stuck in an old term (cut off, or down) keeps the
 * leaders of the terms since then; they are as many as the elections held meanwhile.
 */
import type { InvariantFinding, InvariantMonitor, NodeId } from '../api.js';
import { defineInvariants, majority } from '../kit/index.js';
import { commandKey } from '../kv.js';
import type { LogEntry, RaftMessage, RequestVote } from './messages.js';
import type { RaftView } from './node.js';

interface NodeRecord {
  term: number;
  role: string;
  /** The node's snapshot index after its last step: it never newly commits at or below it. */
  logStart: number;
  /** Last index and its term at the end of the node's last step (the voter's log for §5.4.1). */
  lastIndex: number;
  lastTerm: number;
  /** The node's view after its last step (its log is live: read it at once). */
  view: RaftView | null;
  /** A successful AppendEntriesReply sent in the step being handled: to whom, term, match index. */
  ackTo: NodeId | null;
  ackTerm: number;
  ackIndex: number;
  /** Committed indices of this incarnation already compared with the global record. */
  checkedCommit: number;
  /** While leader: the term and log length at the last step (append-only check). */
  leaderLogLength: number;
  leaderLastTerm: number;
  /** This node's votes (term → candidate) from its current term on. */
  readonly votes: Map<number, NodeId>;
  /** Distinct voters that granted this node their vote of each term from its current term on. */
  readonly tallies: Map<number, number>;
}

/**
 * Most committed entries the monitor keeps, whatever the run's length. Far beyond what any node
 * lags in the bundled scenarios (a follower further behind than its leader's snapshot gets the
 * snapshot, not entries); an index older than the window is checked by the host's applied-prefix
 * invariant only.
 */
export const MAX_COMMITTED_WINDOW = 65_536;

/** The entry of `view` at `index`, undefined when it is not held (compacted into the snapshot, or beyond the end). */
function entryAt(view: RaftView, index: number): LogEntry | undefined {
  const start = view.snapshot.lastIncludedIndex;
  return index > start ? view.log[index - 1 - start] : undefined;
}

function entryKey(entry: LogEntry): string {
  return entry.command === null ? `noop@${entry.term}` : `${commandKey(entry.command)}@${entry.term}`;
}

/** Replicated entries are usually the very same frozen object on every node: compare that first. */
function sameEntry(a: LogEntry, b: LogEntry): boolean {
  return a === b || (a.term === b.term && entryKey(a) === entryKey(b));
}

/** What this monitor checks, for `consensim list` and docs/raft.md. */
const INV = defineInvariants([
  { name: 'election safety', description: 'At most one leader per term, over the whole run.', source: 'Raft §5.2, Figure 3' },
  { name: 'leader append-only', description: 'A leader never overwrites or deletes entries of its log during its term.', source: 'Raft §5.3, Figure 3' },
  { name: 'state machine safety', description: 'Every index committed anywhere holds the same entry on every node that commits it.', source: 'Raft §5.4.3, Figure 3' },
  { name: 'leader completeness', description: 'A leader of term T holds every entry committed in a term before T.', source: 'Raft §5.4, Figure 3' },
  { name: 'term never decreases', description: "A node's currentTerm never goes back, crashes included.", source: 'Raft Figure 2 (persistent state)' },
  { name: 'one vote per term', description: 'A node grants at most one vote per term, crashes included.', source: 'Raft §5.2, Figure 2 (votedFor persisted)' },
  { name: 'vote up-to-date', description: "A vote goes only to a candidate whose last log term and index are at least the voter's at that moment.", source: 'Raft §5.4.1' },
  { name: 'tally current term', description: 'A new leader of term T holds votes of term T from a majority of distinct voters.', source: 'Raft §5.2' },
  { name: 'ack matches leader', description: "A follower that acknowledges entries up to i holds at i an entry of the same term as the leader's.", source: 'Raft §5.3 (Log Matching)' },
] as const);

export const RAFT_INVARIANTS = INV.list;
const finding = INV.finding;

export class RaftMonitor implements InvariantMonitor<RaftMessage, RaftView> {
  /** Term → its leader, for terms from `leaderFloor` on. */
  private readonly leaders = new Map<number, NodeId>();
  private leaderFloor = 0;
  /**
   * Position p → the entry committed at index committedBase + 1 + p, who committed it first, and
   * the lowest term in which some node was seen holding it committed.
   */
  private committed: LogEntry[] = [];
  private committedBy: NodeId[] = [];
  private committedInTerm: number[] = [];
  private committedBase = 0;
  private readonly records = new Map<NodeId, NodeRecord>();
  /** candidate → its latest RequestVote (what it claims about its log). */
  private readonly asked = new Map<NodeId, RequestVote>();
  /** Votes a leader needs (0 when the cluster size is unknown: the tally is not checked). */
  private readonly quorum: number;

  constructor(ctx?: { readonly nodes: readonly NodeId[] }) {
    this.quorum = ctx === undefined ? 0 : majority(ctx.nodes.length);
  }

  afterStep(node: NodeId, view: RaftView): InvariantFinding | null {
    const record = this.record(node);
    const found =
      this.checkTerm(node, view, record) ??
      this.checkAck(node, view, record) ??
      this.checkCommitted(node, view, record) ??
      this.checkLeader(node, view, record);
    const newTerm = view.term > record.term;
    const newStart = view.snapshot.lastIncludedIndex > record.logStart;
    record.term = view.term;
    record.role = view.role;
    record.logStart = view.snapshot.lastIncludedIndex;
    record.lastIndex = view.logLength;
    record.lastTerm = view.lastLogTerm;
    record.view = view;
    if (newTerm) this.forgetOldTerms(record);
    if (newStart || record.checkedCommit - this.committedBase > MAX_COMMITTED_WINDOW) this.forgetOldCommits();
    return found;
  }

  /** Sizes of what the monitor keeps, for the boundedness tests. */
  retained(): { readonly committed: number; readonly leaders: number; readonly tallies: number; readonly votes: number } {
    let tallies = 0;
    let votes = 0;
    for (const record of this.records.values()) {
      tallies += record.tallies.size;
      votes += record.votes.size;
    }
    return { committed: this.committed.length, leaders: this.leaders.size, tallies, votes };
  }

  /**
   * A node reached a new term: it can no longer vote or be voted for in older ones (unless its
   * term goes back, which is reported), and old terms may lose their leader record.
   */
  private forgetOldTerms(record: NodeRecord): void {
    for (const term of record.tallies.keys()) if (term < record.term) record.tallies.delete(term);
    for (const term of record.votes.keys()) if (term < record.term) record.votes.delete(term);
    // A node leads only in its current term, so no term below every node's can get a new leader.
    let floor = Infinity;
    for (const other of this.records.values()) floor = Math.min(floor, other.term);
    if (floor <= this.leaderFloor) return;
    this.leaderFloor = floor;
    for (const term of this.leaders.keys()) if (term < floor) this.leaders.delete(term);
  }

  /** Drop committed entries no node can still commit anew (and anything beyond the window). */
  private forgetOldCommits(): void {
    let floor = Infinity;
    for (const record of this.records.values()) floor = Math.min(floor, Math.max(record.checkedCommit, record.logStart));
    const front = this.committedBase + this.committed.length;
    floor = Math.max(Math.min(floor, front), front - MAX_COMMITTED_WINDOW);
    const drop = floor - this.committedBase;
    // Amortized: shift the arrays only once the dead prefix is a good part of them.
    if (drop <= 0 || drop < this.committed.length / 2) return;
    this.committed = this.committed.slice(drop);
    this.committedBy = this.committedBy.slice(drop);
    this.committedInTerm = this.committedInTerm.slice(drop);
    this.committedBase = floor;
  }

  onSend(from: NodeId, to: NodeId, msg: RaftMessage): InvariantFinding | null {
    switch (msg.type) {
      case 'RequestVote':
        if (!msg.preVote) this.asked.set(from, msg);
        return null;
      case 'RequestVoteReply':
        return msg.preVote || !msg.voteGranted ? null : this.onVote(from, to, msg.term);
      case 'AppendEntriesReply': {
        if (!msg.success) return null;
        const record = this.record(from);
        record.ackTo = to;
        record.ackTerm = msg.term;
        record.ackIndex = msg.matchIndex;
        return null;
      }
      case 'AppendEntries':
      case 'InstallSnapshot':
      case 'InstallSnapshotReply':
        // A snapshot holds committed entries only; the host checks its digest when it is restored.
        return null;
    }
  }

  private onVote(from: NodeId, to: NodeId, term: number): InvariantFinding | null {
    const voter = this.record(from);
    const earlier = voter.votes.get(term);
    if (earlier === undefined) {
      voter.votes.set(term, to);
      const candidate = this.record(to);
      if (term >= candidate.term) candidate.tallies.set(term, (candidate.tallies.get(term) ?? 0) + 1);
    } else if (earlier !== to) {
      return finding('one vote per term', `${from} voted for ${earlier} and then for ${to} in term ${term}`, [from, earlier, to]);
    }
    return this.checkUpToDate(from, to, term);
  }

  /** §5.4.1: the candidate's last (term, index) is at least the voter's, as the voter's log stands now. */
  private checkUpToDate(voter: NodeId, candidate: NodeId, term: number): InvariantFinding | null {
    const request = this.asked.get(candidate);
    const record = this.records.get(voter);
    if (request === undefined || request.term !== term || record === undefined || record.view === null) return null;
    const upToDate =
      request.lastLogTerm > record.lastTerm || (request.lastLogTerm === record.lastTerm && request.lastLogIndex >= record.lastIndex);
    if (upToDate) return null;
    return finding(
      'vote up-to-date',
      `${voter} (last entry ${record.lastIndex} of term ${record.lastTerm}) voted for ${candidate} in term ${term}, ` +
        `whose log ends at ${request.lastLogIndex} of term ${request.lastLogTerm}`,
      [voter, candidate],
    );
  }

  /** §5.3: an acknowledged prefix ends with the same term as the leader's entry at that index. */
  private checkAck(node: NodeId, view: RaftView, record: NodeRecord): InvariantFinding | null {
    const leader = record.ackTo;
    if (leader === null) return null;
    record.ackTo = null;
    const index = record.ackIndex;
    const leaderRecord = this.records.get(leader);
    const leaderView = leaderRecord?.view;
    if (index === 0 || leaderRecord === undefined || leaderView === null || leaderView === undefined) return null;
    if (leaderRecord.role !== 'leader' || leaderRecord.term !== record.ackTerm) return null;
    // At or below either snapshot the entry is committed: state machine safety covers it.
    if (index <= view.snapshot.lastIncludedIndex || index <= leaderView.snapshot.lastIncludedIndex) return null;
    const mine = entryAt(view, index);
    const theirs = entryAt(leaderView, index);
    if (mine !== undefined && theirs !== undefined && mine.term === theirs.term) return null;
    const describe = (entry: LogEntry | undefined): string => (entry === undefined ? 'nothing' : `an entry of term ${entry.term}`);
    return finding(
      'ack matches leader',
      `${node} acknowledged entries up to ${index} to ${leader} (leader of term ${record.ackTerm}) holding ${describe(mine)} there, where the leader has ${describe(theirs)}`,
      [node, leader],
    );
  }

  onCrash(node: NodeId): void {
    const record = this.record(node);
    // The next incarnation re-learns its commit index from its snapshot; its log is still checked.
    record.checkedCommit = 0;
    record.role = 'crashed';
    record.view = null;
    record.ackTo = null;
  }

  private record(node: NodeId): NodeRecord {
    let record = this.records.get(node);
    if (record === undefined) {
      record = {
        term: 0,
        role: 'follower',
        logStart: 0,
        lastIndex: 0,
        lastTerm: 0,
        view: null,
        ackTo: null,
        ackTerm: 0,
        ackIndex: 0,
        checkedCommit: 0,
        leaderLogLength: 0,
        leaderLastTerm: 0,
        votes: new Map(),
        tallies: new Map(),
      };
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
    const upTo = Math.min(view.commitIndex, view.logLength);
    const base = this.committedBase;
    // Entries in the snapshot, or older than the window, are not compared again.
    const from = Math.max(record.checkedCommit, view.snapshot.lastIncludedIndex, base) + 1;
    if (from - 1 > base + this.committed.length) {
      // A node ahead of every record (it installed a snapshot past them): restart the window there.
      this.committed = [];
      this.committedBy = [];
      this.committedInTerm = [];
      this.committedBase = from - 1;
    }
    for (let index = from; index <= upTo; index++) {
      const entry = entryAt(view, index) as LogEntry;
      const p = index - 1 - this.committedBase;
      const known = this.committed[p];
      if (known === undefined) {
        this.committed.push(entry);
        this.committedBy.push(node);
        this.committedInTerm.push(view.term);
      } else if (sameEntry(known, entry)) {
        if (view.term < (this.committedInTerm[p] as number)) this.committedInTerm[p] = view.term;
      } else {
        const first = this.committedBy[p] as NodeId;
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
      if (view.term >= this.leaderFloor) this.leaders.set(view.term, node);
      const votes = (record.tallies.get(view.term) ?? 0) + (view.votedFor === node ? 1 : 0);
      if (votes < this.quorum) {
        return finding(
          'tally current term',
          `${node} leads term ${view.term} with votes of that term from only ${votes} distinct voters (a majority is ${this.quorum})`,
          [node],
        );
      }
      const missing = this.firstMissingCommitted(view, view.term);
      if (missing !== 0) {
        return finding('leader completeness', `${node} leads term ${view.term} without committed entry ${missing}`, [node]);
      }
    } else if (view.logLength < record.leaderLogLength || view.lastLogTerm !== record.leaderLastTerm) {
      return finding('leader append-only', `${node} rewrote its log while leading term ${view.term}`, [node]);
    }
    record.leaderLogLength = view.logLength;
    record.leaderLastTerm = view.lastLogTerm;
    return null;
  }

  /**
   * The first index committed before `term` that is absent from (or different in) the leader's
   * log; else 0. Indices in its snapshot are committed ones, which it applied and which were
   * compared when it committed them.
   */
  private firstMissingCommitted(view: RaftView, term: number): number {
    const base = this.committedBase;
    for (let p = Math.max(0, view.snapshot.lastIncludedIndex - base); p < this.committed.length; p++) {
      if ((this.committedInTerm[p] as number) >= term) continue;
      const entry = entryAt(view, base + 1 + p);
      if (entry === undefined || !sameEntry(entry, this.committed[p] as LogEntry)) return base + 1 + p;
    }
    return 0;
  }
}

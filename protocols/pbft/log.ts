/**
 * The message log of one PBFT replica (§4.2, §4.4): a slot per sequence number between the low
 * water mark h and h + 2k with that number's PRE-PREPARE, PREPAREs and COMMITs, its prepared
 * certificate and, once known, the committed request; and the VIEW-CHANGEs received, a few per
 * replica. Both are plain data the replica owns; nothing here sends, persists or decides.
 */
import type { Command, NodeId } from '../api.js';
import type { CommitBody, CommitCertificate, PreparedCertificate, PrepareBody, PrePrepareBody, Signed, ViewChangeBody } from './messages.js';

export interface Decision {
  readonly view: number;
  readonly digest: string;
  readonly request: Command | null;
  readonly commits: readonly Signed<CommitBody>[];
}

export interface Slot {
  readonly seq: number;
  /** The pre-prepare accepted in the current view (null once the view moves on). */
  prePrepare: Signed<PrePrepareBody> | null;
  /** Keyed `view|replica|digest`: a byzantine replica may vote for two digests; count each per digest. */
  readonly prepares: Map<string, Signed<PrepareBody>>;
  readonly commits: Map<string, Signed<CommitBody>>;
  myPrepare: Signed<PrepareBody> | null;
  myCommit: Signed<CommitBody> | null;
  /** Highest-view prepared certificate (kept across views: the P set of a VIEW-CHANGE). */
  cert: PreparedCertificate | null;
  /** View in which committed-local last became true here (-1: never). */
  committedView: number;
  /** The request at this sequence number, once committed (locally or by certificate). */
  decision: Decision | null;
}

export function emptySlot(seq: number): Slot {
  return { seq, prePrepare: null, prepares: new Map(), commits: new Map(), myPrepare: null, myCommit: null, cert: null, committedView: -1, decision: null };
}

/** Keep a vote once per (view, replica, digest), at most `max` per slot. */
export function recordVote<B extends PrepareBody | CommitBody>(votes: Map<string, Signed<B>>, vote: Signed<B>, max: number): void {
  const key = `${vote.view}|${vote.replica}|${vote.digest}`;
  if (votes.has(key) || votes.size >= max) return;
  votes.set(key, vote);
}

/** The votes of `view` for `digest`, first come first, leaving out `exclude` (the primary, for PREPAREs). */
export function matchingVotes<B extends PrepareBody | CommitBody>(votes: Map<string, Signed<B>>, view: number, digest: string, exclude: NodeId | null): Signed<B>[] {
  const out: Signed<B>[] = [];
  for (const vote of votes.values()) {
    if (vote.view === view && vote.digest === digest && vote.replica !== exclude) out.push(vote);
  }
  return out;
}

/** Entering `view`: per-view state (pre-prepares, votes of older views) goes; certificates and decisions stay. */
export function resetSlotsForView(slots: Iterable<Slot>, view: number): void {
  for (const slot of slots) {
    if (slot.prePrepare !== null && slot.prePrepare.view < view) slot.prePrepare = null;
    slot.myPrepare = null;
    slot.myCommit = null;
    for (const [key, vote] of [...slot.prepares]) if (vote.view < view) slot.prepares.delete(key);
    for (const [key, vote] of [...slot.commits]) if (vote.view < view) slot.commits.delete(key);
  }
}

/** P for a VIEW-CHANGE: every prepared certificate above the stable checkpoint, in sequence order. */
export function preparedAbove(slots: ReadonlyMap<number, Slot>, stableSeq: number): PreparedCertificate[] {
  const prepared: PreparedCertificate[] = [];
  for (const seq of [...slots.keys()].sort((a, b) => a - b)) {
    const cert = slots.get(seq)?.cert;
    if (cert !== null && cert !== undefined && seq > stableSeq) prepared.push(cert);
  }
  return prepared;
}

/** Commit certificates for the decided numbers in [from, to], for a peer catching up. */
export function commitCertificates(slots: ReadonlyMap<number, Slot>, from: number, to: number): CommitCertificate[] {
  const certificates: CommitCertificate[] = [];
  for (let seq = from; seq <= to; seq++) {
    const decision = slots.get(seq)?.decision;
    if (decision !== undefined && decision !== null) certificates.push({ request: decision.request, commits: decision.commits });
  }
  return certificates;
}

/**
 * Valid VIEW-CHANGEs by sender, a few of the highest views each: a replica that has moved on to
 * v+2 still counts towards the quorum for v+1 that others are collecting.
 */
export class ViewChangeSet {
  private readonly perReplica: number;
  private readonly bySender = new Map<NodeId, Signed<ViewChangeBody>[]>();

  constructor(perReplica: number) {
    this.perReplica = perReplica;
  }

  has(replica: NodeId, view: number): boolean {
    return this.bySender.get(replica)?.some((v) => v.view === view) ?? false;
  }

  store(vc: Signed<ViewChangeBody>): void {
    const list = (this.bySender.get(vc.replica) ?? []).filter((v) => v.view !== vc.view);
    list.push(vc);
    list.sort((a, b) => a.view - b.view);
    this.bySender.set(vc.replica, list.slice(-this.perReplica));
  }

  /** One VIEW-CHANGE for `view` per sender that sent one. */
  forView(view: number): Signed<ViewChangeBody>[] {
    const out: Signed<ViewChangeBody>[] = [];
    for (const list of this.bySender.values()) {
      const vc = list.find((v) => v.view === view);
      if (vc !== undefined) out.push(vc);
    }
    return out;
  }

  /** For each other replica asking for a view above `view`: the smallest view it asks for. */
  lowestAbove(view: number, self: NodeId): number[] {
    const higher: number[] = [];
    for (const [replica, list] of this.bySender) {
      const above = list.filter((v) => v.view > view);
      if (replica !== self && above.length > 0) higher.push(Math.min(...above.map((v) => v.view)));
    }
    return higher;
  }

  /** Entered `view`: only requests for later views still matter. */
  keepAbove(view: number): void {
    for (const [replica, list] of [...this.bySender]) this.bySender.set(replica, list.filter((v) => v.view > view));
  }

  of(replica: NodeId): readonly Signed<ViewChangeBody>[] {
    return this.bySender.get(replica) ?? [];
  }

  get size(): number {
    let total = 0;
    for (const list of this.bySender.values()) total += list.length;
    return total;
  }
}

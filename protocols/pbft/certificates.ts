/**
 * Checking certificates and computing a new view — pure functions over signed messages.
 *
 * Everything a replica accepts from a message it did not watch being made (a stable checkpoint, a
 * prepared request carried through a view change, a committed request used to catch up) arrives
 * as a certificate: a quorum of signatures from distinct replicas over matching bodies. A byzantine
 * sender can omit certificates, replay old ones or invent bodies it signs itself, but it cannot
 * make a certificate for something the quorum did not sign.
 */
import type { NodeEnv, NodeId } from '../api.js';
import {
  type CheckpointBody,
  type CommitCertificate,
  type Digest,
  type NewViewBody,
  type PbftMessage,
  type PreparedCertificate,
  type PrePrepareBody,
  type Signed,
  type SignedBody,
  type ViewChangeBody,
  primaryOf,
  requestDigest,
  verifySigned,
} from './messages.js';

/** The stable checkpoint every replica starts from. */
export const GENESIS_DIGEST = 'genesis';

export interface Checker {
  readonly env: NodeEnv<PbftMessage>;
  /** PREPAREs from distinct backups needed for prepared (2f; the bug variant lowers it). */
  readonly prepareQuorum: number;
  /** 2f+1. */
  readonly quorum: number;
  /** H - h: how far above the stable checkpoint a sequence number may be. */
  readonly window: number;
}

export interface StableCheckpoint {
  readonly seq: number;
  readonly digest: string;
  readonly proof: readonly Signed<CheckpointBody>[];
}

/** One entry of O: the request the new view must re-propose at `seq` (null = null request). */
export interface NewViewEntry {
  readonly seq: number;
  readonly digest: Digest;
  readonly request: PrePrepareBody['request'];
}

export interface NewViewPlan {
  /** The latest stable checkpoint in V (min-s). */
  readonly stable: StableCheckpoint;
  /** max-s: the highest sequence number prepared in V (min-s when none). */
  readonly maxSeq: number;
  readonly entries: readonly NewViewEntry[];
}

/** C: 2f+1 CHECKPOINTs for (seq, digest) from distinct replicas (§4.3). */
export function validCheckpointProof(checker: Checker, stable: StableCheckpoint): boolean {
  if (stable.seq === 0) return stable.digest === GENESIS_DIGEST && stable.proof.length === 0;
  const signers = new Set<NodeId>();
  for (const vote of stable.proof) {
    if (vote.type !== 'checkpoint' || vote.seq !== stable.seq || vote.digest !== stable.digest) return false;
    if (signers.has(vote.replica) || !verifySigned(checker.env, vote, vote.replica)) return false;
    signers.add(vote.replica);
  }
  return signers.size >= checker.quorum;
}

/** P_m: a pre-prepare from the view's primary and 2f matching prepares from distinct backups (§4.2). */
export function validPreparedCertificate(checker: Checker, cert: PreparedCertificate, beforeView: number, low: number): boolean {
  const pp = cert.prePrepare;
  if (pp.type !== 'pre-prepare' || pp.view >= beforeView || pp.view < 0) return false;
  if (pp.seq <= low || pp.seq > low + checker.window) return false;
  const primary = primaryOf(pp.view, checker.env.nodes);
  if (requestDigest(pp.request) !== pp.digest || !verifySigned(checker.env, pp, primary)) return false;
  const backups = new Set<NodeId>();
  for (const prepare of cert.prepares) {
    if (prepare.type !== 'prepare' || prepare.view !== pp.view || prepare.seq !== pp.seq || prepare.digest !== pp.digest) return false;
    if (prepare.replica === primary || backups.has(prepare.replica)) return false;
    if (!verifySigned(checker.env, prepare, prepare.replica)) return false;
    backups.add(prepare.replica);
  }
  return backups.size >= checker.prepareQuorum;
}

/** A VIEW-CHANGE is valid for `view` when it is signed and every certificate in it checks out. */
export function validViewChange(checker: Checker, vc: Signed<ViewChangeBody>, view: number): boolean {
  if (vc.type !== 'view-change' || vc.view !== view) return false;
  if (!checker.env.nodes.includes(vc.replica) || !verifySigned(checker.env, vc, vc.replica)) return false;
  const stable = { seq: vc.stableSeq, digest: vc.stableDigest, proof: vc.stableProof };
  if (!validCheckpointProof(checker, stable)) return false;
  const seqs = new Set<number>();
  for (const cert of vc.prepared) {
    if (seqs.has(cert.prePrepare.seq)) return false;
    seqs.add(cert.prePrepare.seq);
    if (!validPreparedCertificate(checker, cert, view, vc.stableSeq)) return false;
  }
  return true;
}

/**
 * O from V (§4.4): min-s is the latest stable checkpoint in V, max-s the highest prepared sequence
 * number; every n in (min-s, max-s] gets the request of the certificate with the highest view, or
 * the null request when no certificate mentions n. Both the new primary and every backup run this.
 */
export function planNewView(viewChanges: readonly Signed<ViewChangeBody>[]): NewViewPlan {
  let stable: StableCheckpoint = { seq: 0, digest: GENESIS_DIGEST, proof: [] };
  for (const vc of viewChanges) {
    if (vc.stableSeq > stable.seq) stable = { seq: vc.stableSeq, digest: vc.stableDigest, proof: vc.stableProof };
  }
  const best = new Map<number, PreparedCertificate>();
  let maxSeq = stable.seq;
  for (const vc of viewChanges) {
    for (const cert of vc.prepared) {
      const seq = cert.prePrepare.seq;
      if (seq <= stable.seq) continue;
      maxSeq = Math.max(maxSeq, seq);
      const current = best.get(seq);
      if (current === undefined || cert.prePrepare.view > current.prePrepare.view) best.set(seq, cert);
    }
  }
  const entries: NewViewEntry[] = [];
  for (let seq = stable.seq + 1; seq <= maxSeq; seq++) {
    const cert = best.get(seq);
    entries.push(cert === undefined ? { seq, digest: requestDigest(null), request: null } : { seq, digest: cert.prePrepare.digest, request: cert.prePrepare.request });
  }
  return { stable, maxSeq, entries };
}

/** Why a NEW-VIEW is rejected, or null when it is acceptable. */
export function checkNewView(checker: Checker, nv: Signed<NewViewBody>, recompute: boolean): { plan: NewViewPlan } | { reason: string } {
  const primary = primaryOf(nv.view, checker.env.nodes);
  if (!verifySigned(checker.env, nv, primary)) return { reason: 'bad signature' };
  const senders = new Set<NodeId>();
  for (const vc of nv.viewChanges) {
    if (senders.has(vc.replica) || !validViewChange(checker, vc, nv.view)) return { reason: `invalid VIEW-CHANGE from ${vc.replica}` };
    senders.add(vc.replica);
  }
  if (senders.size < checker.quorum) return { reason: `only ${senders.size} VIEW-CHANGEs` };
  for (const pp of nv.prePrepares) {
    if (pp.type !== 'pre-prepare' || pp.view !== nv.view || requestDigest(pp.request) !== pp.digest) return { reason: `malformed pre-prepare for ${pp.seq}` };
    if (!verifySigned(checker.env, pp, primary)) return { reason: `unsigned pre-prepare for ${pp.seq}` };
  }
  const plan = planNewView(nv.viewChanges);
  if (!recompute) return { plan: { ...plan, entries: nv.prePrepares.map((pp) => ({ seq: pp.seq, digest: pp.digest, request: pp.request })) } };
  if (plan.entries.length !== nv.prePrepares.length) return { reason: `O has ${nv.prePrepares.length} entries, V implies ${plan.entries.length}` };
  for (let i = 0; i < plan.entries.length; i++) {
    const expected = plan.entries[i];
    const got = nv.prePrepares[i];
    if (expected === undefined || got === undefined || expected.seq !== got.seq || expected.digest !== got.digest) {
      return { reason: `O disagrees with V at ${expected?.seq ?? '?'}: ${got?.digest ?? 'missing'} instead of ${expected?.digest ?? '?'}` };
    }
  }
  return { plan };
}

/** 2f+1 matching COMMITs from distinct replicas and the request they name. */
export function validCommitCertificate(checker: Checker, cert: CommitCertificate): { view: number; seq: number; digest: Digest } | null {
  const first = cert.commits[0];
  if (first === undefined || first.type !== 'commit' || requestDigest(cert.request) !== first.digest) return null;
  const signers = new Set<NodeId>();
  for (const commit of cert.commits) {
    if (commit.type !== 'commit' || commit.view !== first.view || commit.seq !== first.seq || commit.digest !== first.digest) return null;
    if (signers.has(commit.replica) || !checker.env.nodes.includes(commit.replica)) return null;
    if (!verifySigned(checker.env, commit, commit.replica)) return null;
    signers.add(commit.replica);
  }
  return signers.size >= checker.quorum ? { view: first.view, seq: first.seq, digest: first.digest } : null;
}

/**
 * Signature checks remembered per message object: one multicast object reaches a replica many
 * times (retransmissions, certificates inside VIEW-CHANGEs), and its signature cannot change.
 */
export class VerifiedMessages {
  private readonly checker: Checker;
  private readonly verified = new WeakSet<object>();

  constructor(checker: Checker) {
    this.checker = checker;
  }

  /** Signed by `signer`. */
  signed(msg: Signed<SignedBody>, signer: NodeId): boolean {
    if (this.verified.has(msg)) return msg.sig.signer === signer;
    if (!verifySigned(this.checker.env, msg, signer)) return false;
    this.verified.add(msg);
    return true;
  }

  /** A valid VIEW-CHANGE for the view it names, certificates and all. */
  viewChange(vc: Signed<ViewChangeBody>): boolean {
    if (this.verified.has(vc)) return true;
    if (!validViewChange(this.checker, vc, vc.view)) return false;
    this.verified.add(vc);
    return true;
  }
}

/**
 * PBFT messages (Castro & Liskov, OSDI 1999, §4), named as in the paper, plus the small helpers
 * every part of the protocol shares: digests, quorum sizes, signing and verifying.
 *
 * Every replica-to-replica protocol message carries a simulated signature over its body
 * (`Signed<B>` = body + `sig`). A byzantine replica can put anything in a body it signs itself,
 * but it cannot produce another replica's signature, so certificates (2f+1 CHECKPOINTs, a
 * PRE-PREPARE with 2f PREPAREs, 2f+1 VIEW-CHANGEs) can be checked by anyone who receives them.
 */
import type { Command, MachineSnapshot, NodeEnv, NodeId, Signature } from '../api.js';
import { fnv1a } from '../kv.js';

/** A request digest D(m). Null requests (view-change gap fillers, §4.4) have NULL_DIGEST. */
export type Digest = string;
export const NULL_DIGEST: Digest = 'null';

export interface PrePrepareBody {
  readonly type: 'pre-prepare';
  readonly view: number;
  readonly seq: number;
  readonly digest: Digest;
  /** The paper piggybacks m next to the signed part; we sign it too (null = the null request). */
  readonly request: Command | null;
}
export interface PrepareBody {
  readonly type: 'prepare';
  readonly view: number;
  readonly seq: number;
  readonly digest: Digest;
  readonly replica: NodeId;
}
export interface CommitBody {
  readonly type: 'commit';
  readonly view: number;
  readonly seq: number;
  readonly digest: Digest;
  readonly replica: NodeId;
}
export interface CheckpointBody {
  readonly type: 'checkpoint';
  readonly seq: number;
  /** Digest of the service state after executing `seq` (see `checkpointDigest`). */
  readonly digest: string;
  readonly replica: NodeId;
}
/** P_m: a pre-prepare and 2f matching prepares from distinct backups (§4.4). */
export interface PreparedCertificate {
  readonly prePrepare: Signed<PrePrepareBody>;
  readonly prepares: readonly Signed<PrepareBody>[];
}
export interface ViewChangeBody {
  readonly type: 'view-change';
  /** The view being moved to (v+1 in the paper). */
  readonly view: number;
  /** n: the sequence number of the sender's last stable checkpoint. */
  readonly stableSeq: number;
  readonly stableDigest: string;
  /** C: 2f+1 CHECKPOINTs proving it (empty for the initial state, seq 0). */
  readonly stableProof: readonly Signed<CheckpointBody>[];
  /** P: one certificate per sequence number above stableSeq that prepared at the sender. */
  readonly prepared: readonly PreparedCertificate[];
  readonly replica: NodeId;
}
export interface NewViewBody {
  readonly type: 'new-view';
  readonly view: number;
  /** V: 2f+1 valid VIEW-CHANGEs for `view`. */
  readonly viewChanges: readonly Signed<ViewChangeBody>[];
  /** O: one pre-prepare for every sequence number in (min-s, max-s], each signed by the new primary. */
  readonly prePrepares: readonly Signed<PrePrepareBody>[];
}

export type SignedBody = PrePrepareBody | PrepareBody | CommitBody | CheckpointBody | ViewChangeBody | NewViewBody;
export type Signed<B extends SignedBody> = B & { readonly sig: Signature };

/** 2f+1 matching COMMITs plus the request: proof that a request committed at `seq` (for catch-up). */
export interface CommitCertificate {
  readonly request: Command | null;
  readonly commits: readonly Signed<CommitBody>[];
}

/** A client request relayed by a backup to the primary (§4.1). */
export interface RequestMessage {
  readonly type: 'request';
  readonly command: Command;
}
/**
 * Retransmission (which §4 deliberately omits): a replica that has stopped making progress says
 * how far it got; peers answer with what it misses (their messages, commit certificates, the
 * stable checkpoint's state, the NEW-VIEW of their view). Unsigned: it asks, it proves nothing.
 */
export interface StatusMessage {
  readonly type: 'status';
  readonly view: number;
  readonly viewChanging: boolean;
  readonly executed: number;
  readonly stableSeq: number;
}
export interface CommitCertificatesMessage {
  readonly type: 'commit-certificates';
  readonly certificates: readonly CommitCertificate[];
}
/** State transfer (§4.3, §4.4): ask for the stable checkpoint `seq` or a later one. */
export interface FetchStateMessage {
  readonly type: 'fetch-state';
  readonly seq: number;
}
export interface StateMessage {
  readonly type: 'state';
  readonly seq: number;
  readonly digest: string;
  readonly proof: readonly Signed<CheckpointBody>[];
  readonly snapshot: MachineSnapshot;
}

export type PbftMessage =
  | RequestMessage
  | Signed<PrePrepareBody>
  | Signed<PrepareBody>
  | Signed<CommitBody>
  | Signed<CheckpointBody>
  | Signed<ViewChangeBody>
  | Signed<NewViewBody>
  | StatusMessage
  | CommitCertificatesMessage
  | FetchStateMessage
  | StateMessage;

/** f for n = 3f+1 replicas. */
export function faultsTolerated(nodes: number): number {
  return Math.floor((nodes - 1) / 3);
}

/** The primary of view v is replica v mod n (§4); replica 0 is n1. */
export function primaryOf(view: number, nodes: readonly NodeId[]): NodeId {
  const primary = nodes[view % nodes.length];
  if (primary === undefined) throw new Error(`no primary for view ${view}`);
  return primary;
}

/** A 64-bit content hash as 16 hex digits (collisions are as unlikely as the paper assumes of D). */
export function contentHash(text: string): string {
  const low = fnv1a(0x811c9dc5, text);
  const high = fnv1a(0x9747b28c, text + '#');
  return high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0');
}

/**
 * D(m) of frozen commands already digested: every replica digests the same frozen command object
 * several times (pre-prepare, checks, view changes). A pure function of an immutable value, so
 * the cache changes no result; a command that is not frozen is digested afresh every time.
 */
const digestCache = new WeakMap<Command, Digest>();

/** D(m): readable prefix (client#reqId) plus a hash of the whole command. */
export function requestDigest(request: Command | null): Digest {
  if (request === null) return NULL_DIGEST;
  const known = digestCache.get(request);
  if (known !== undefined) return known;
  const digest = `${request.client}#${request.reqId}:${contentHash(JSON.stringify([request.client, request.reqId, request.op]))}`;
  if (Object.isFrozen(request) && Object.isFrozen(request.op)) digestCache.set(request, digest);
  return digest;
}

/**
 * The checkpoint digest covers the machine's rolling digest (`env.machine.digest()`) and the full
 * snapshot contents: a replica fetching state must be able to check that the snapshot it got is
 * the one 2f+1 replicas vouched for, and the rolling digest alone does not cover the data.
 */
export function checkpointDigest(snapshot: MachineSnapshot): string {
  return `${snapshot.digest}/${contentHash(JSON.stringify([snapshot.data, snapshot.sessions, snapshot.appliedCount]))}`;
}

export function sign<B extends SignedBody>(env: NodeEnv<PbftMessage>, body: B): Signed<B> {
  return { ...body, sig: env.sign(body) };
}

/** The body a signature was made over: the message without its `sig`. */
export function bodyOf<B extends SignedBody>(message: Signed<B>): B {
  const { sig: _sig, ...body } = message;
  return body as unknown as B;
}

export function verifySigned(env: NodeEnv<PbftMessage>, message: Signed<SignedBody>, signer: NodeId): boolean {
  return message.sig.signer === signer && env.verify(message.sig, signer, bodyOf(message));
}

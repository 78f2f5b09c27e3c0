/**
 * One recovery of a restarted replica (VR Revisited §4.3): its nonce, and the RecoveryResponses
 * carrying it, until f + 1 of them include the log of the primary of the latest view they name;
 * and the response a replica holding its view's log sends a recovering one.
 */
import type { NodeId } from '../api.js';
import { checkpointField, type ReplicaLog } from './checkpoint.js';
import type { RecoveryResponse } from './messages.js';

/** Nonces are integers below 2^48, drawn from the node's own random stream (unique per restart). */
const NONCE_RANGE = 2 ** 48;

export class RecoveryRound {
  readonly nonce: number;
  private readonly quorum: number;
  private readonly responses = new Map<NodeId, RecoveryResponse>();

  /** `random` is the node's random stream, in [0, 1). */
  constructor(random: () => number, quorum: number) {
    this.nonce = Math.floor(random() * NONCE_RANGE);
    this.quorum = quorum;
  }

  /**
   * Count a response (the latest view each responder names). Returns the primary's response,
   * with its log, once f + 1 responses with this nonce include one from the primary of the latest
   * view among them; null while recovery must wait.
   */
  add(from: NodeId, msg: RecoveryResponse, primaryOf: (view: number) => NodeId): (RecoveryResponse & { readonly log: NonNullable<RecoveryResponse['log']> }) | null {
    if (msg.nonce !== this.nonce) return null;
    const previous = this.responses.get(from);
    if (previous === undefined || msg.view >= previous.view) this.responses.set(from, msg);
    if (this.responses.size < this.quorum) return null;
    const latest = Math.max(...[...this.responses.values()].map((r) => r.view));
    const primary = this.responses.get(primaryOf(latest));
    if (primary === undefined || primary.view !== latest || primary.log === null) return null;
    return { ...primary, log: primary.log };
  }
}

/** The answer to Recovery(`nonce`): only the primary sends its log (with its checkpoint). */
export function recoveryResponseOf(nonce: number, log: ReplicaLog, isPrimary: boolean, view: number, commitNumber: number): RecoveryResponse {
  const piece = isPrimary ? log.piece() : null;
  return {
    type: 'RecoveryResponse',
    view,
    nonce,
    log: piece === null ? null : piece.entries,
    opNumber: log.length,
    commitNumber,
    ...(piece === null ? {} : checkpointField(piece.checkpoint)),
  };
}

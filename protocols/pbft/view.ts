/**
 * What a PBFT replica shows the host (`inspect()`): the generic NodeView plus PBFT's own fields,
 * and the journal of protocol events from the step just handled, which the invariant monitor reads.
 */
import type { NodeView } from '../api.js';
import type { NewViewBody, Signed } from './messages.js';

export type PbftEvent =
  /** prepared(m, v, n, i) became true (§4.2). */
  | { readonly kind: 'prepared'; readonly view: number; readonly seq: number; readonly digest: string }
  /** committed-local(m, v, n, i) became true, or a commit certificate proved it (catch-up). */
  | { readonly kind: 'committed'; readonly view: number; readonly seq: number; readonly digest: string; readonly via: 'local' | 'certificate' }
  /** The request at `seq` executed; `result` is its JSON ('null' for the null request). */
  | { readonly kind: 'executed'; readonly seq: number; readonly digest: string; readonly result: string }
  /** This replica's own checkpoint digest after executing `seq`. */
  | { readonly kind: 'checkpoint'; readonly seq: number; readonly digest: string }
  /** A checkpoint became stable here (2f+1 proofs). */
  | { readonly kind: 'stable'; readonly seq: number; readonly digest: string }
  | { readonly kind: 'state-transfer'; readonly seq: number; readonly digest: string };

export interface PbftView extends NodeView {
  /** 'primary' | 'backup' | 'view-change'; `term` is the view (the target view while changing). */
  readonly role: 'primary' | 'backup' | 'view-change';
  /** h: the last stable checkpoint. */
  readonly lowWaterMark: number;
  /** H = h + 2k. */
  readonly highWaterMark: number;
  readonly stableDigest: string;
  /** Current request/view-change timeout (doubles on each failed view change). */
  readonly timeoutUs: number;
  readonly pendingRequests: number;
  /** Events of the step just handled (empty between steps). */
  readonly journal: readonly PbftEvent[];
  /** The NEW-VIEW this replica entered its current view with (null in view 0 or while changing). */
  readonly newView: Signed<NewViewBody> | null;
  /**
   * How much this replica holds now; bounded by the window and the cluster, not by the run's
   * length (an object, so the trace's state events leave it out).
   */
  readonly retained: PbftRetained;
}

export interface PbftRetained {
  /** Slots in memory (votes, certificates, decisions). */
  readonly slots: number;
  /** Entries of the durable slot log above its compacted prefix. */
  readonly logEntries: number;
  /** Sequence numbers with CHECKPOINT votes or own checkpoints held. */
  readonly checkpoints: number;
  /** The primary's record of the requests it ordered in this view. */
  readonly proposals: number;
  readonly viewChanges: number;
}

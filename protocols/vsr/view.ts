/**
 * What a VR replica shows of itself (`inspect()`), the statuses it can be in, and the timers it
 * sets: the shapes replica.ts, the monitor and the tests share.
 */
import type { NodeId, NodeView } from '../api.js';
import { defineTimers, type RoleHandler } from '../kit/index.js';
import type { Checkpoint } from './checkpoint.js';
import type { DoViewChange, Log, VsrMessage } from './messages.js';

export type VsrStatus = 'normal' | 'view-change' | 'recovering';
export type VsrRole = 'primary' | 'backup' | 'view-change' | 'recovering';

export interface VsrView extends NodeView {
  readonly role: VsrRole;
  readonly status: VsrStatus;
  readonly view: number;
  /** v′: the latest view whose log this replica holds (sent in DoViewChange). */
  readonly lastNormalView: number;
  readonly opNumber: number;
  readonly commitNumber: number;
  /** The ops the replica holds (op-numbers checkpoint.opNumber + 1 .. opNumber), by reference: read it, never change it. */
  readonly log: Log;
  /** The latest checkpoint: op-numbers up to its opNumber are only in its machine snapshot (§5). */
  readonly checkpoint: Checkpoint;
  /** The nonce of the current recovery (null when not recovering). */
  readonly nonce: number | null;
  /** The DoViewChange messages gathered for the current view (live map: read it at once). */
  readonly doViewChanges: ReadonlyMap<NodeId, DoViewChange>;
}

/** Every timer a replica sets; `onTimer` refuses any other name. */
export const TIMERS = defineTimers(['heartbeat', 'primary-silence', 'view-change', 'view-change-resend', 'recovery', 'state-transfer']);
export type VsrTimer = (typeof TIMERS.names)[number];

/** What a status does with a message that passed the view rules, with its timers and requests. */
export interface StatusHandler extends RoleHandler<VsrMessage, VsrTimer> {
  readonly role: VsrRole;
  readonly status: VsrStatus;
}

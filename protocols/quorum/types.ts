/**
 * Quorum register vocabulary: the messages of the two phases (named after ABD's query and
 * propagate rounds), what a replica stores, the view the host and the monitor read, and the
 * options after validation.
 */
import type { NodeView, Value } from '../api.js';
import type { Tag } from './tag.js';

/** What a replica holds for one key: the highest-tagged value it has stored. */
export interface Tagged {
  readonly tag: Tag;
  readonly value: Value;
}

/**
 * A coordinator's operations are named by (epoch, op): `epoch` counts the coordinator's
 * incarnations (durable), so a reply meant for an operation of an earlier incarnation can never be
 * taken for one of the current incarnation.
 */
export interface OpRef {
  readonly epoch: number;
  readonly op: number;
}

export type QuorumMessage =
  /** Phase 1 (query): "what is your highest tag for `key`?" */
  | { readonly type: 'query'; readonly ref: OpRef; readonly key: string }
  | { readonly type: 'query-reply'; readonly ref: OpRef; readonly key: string; readonly tag: Tag; readonly value: Value }
  /** Phase 2 (propagate): "store `value` under `tag` unless you hold a higher tag." */
  | { readonly type: 'store'; readonly ref: OpRef; readonly key: string; readonly tag: Tag; readonly value: Value }
  /** Sent only once the replica holds `tag` (or higher) durably. */
  | { readonly type: 'store-ack'; readonly ref: OpRef; readonly key: string; readonly tag: Tag };

/** A write this coordinator completed in the step just handled (the monitor counts its holders). */
export interface CompletedWrite {
  readonly key: string;
  readonly tag: Tag;
}

export interface QuorumView extends NodeView {
  readonly role: 'replica';
  /** The replica's registers (a live map: read it during the step, copy what you keep). */
  readonly registers: ReadonlyMap<string, Tagged>;
  /** Keys whose register changed in the step just handled. */
  readonly changed: readonly string[];
  /** Writes this node, as coordinator, completed in the step just handled. */
  readonly completed: readonly CompletedWrite[];
  /** Operations this node is coordinating. */
  readonly coordinating: number;
}

export interface QuorumOptions {
  /** Replies a read, and a write's query phase, waits for. */
  readonly r: number;
  /** Acknowledgements a write, and a read's write-back, waits for. */
  readonly w: number;
  readonly readRepair: boolean;
  readonly resendIntervalUs: number;
  readonly giveUpAfterUs: number;
}

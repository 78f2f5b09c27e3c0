/**
 * Tags: the logical timestamps that order the writes of a multi-writer ABD register.
 *
 * A tag is (ts, writer): a counter and the identity of the write that chose it (Lynch &
 * Shvartsman's MW-ABD orders tags lexicographically). Two concurrent writes may pick the same ts
 * (both saw the same highest tag); the writer part breaks the tie the same way at every replica,
 * so one tag always names one value. Here the writer is the client request itself (client
 * number, request id): a client whose timed-out write is still in flight may write again, and two
 * writes must never share a tag.
 */
import type { ClientId } from '../api.js';

export interface Tag {
  readonly ts: number;
  /** The writing client's number (c3 → 3); 0 for the initial value. */
  readonly writer: number;
  /** The writing request's id; 0 for the initial value. */
  readonly reqId: number;
}

export const TAG_ZERO: Tag = Object.freeze({ ts: 0, writer: 0, reqId: 0 });

/** Negative, zero or positive as a orders before, equal to or after b. */
export function compareTags(a: Tag, b: Tag): number {
  if (a.ts !== b.ts) return a.ts - b.ts;
  if (a.writer !== b.writer) return a.writer - b.writer;
  return a.reqId - b.reqId;
}

export function clientNumber(client: ClientId): number {
  return Number(client.slice(1));
}

/** `7/c3#12`, or `0` for the initial tag. */
export function formatTag(tag: Tag): string {
  return tag.writer === 0 && tag.reqId === 0 ? String(tag.ts) : `${tag.ts}/c${tag.writer}#${tag.reqId}`;
}

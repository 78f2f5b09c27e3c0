/**
 * Ballots and slot values: pure helpers shared by the node and the monitor.
 */
import { commandKey } from '../kv.js';
import { assert } from '../kit/index.js';
import type { NodeId } from '../api.js';
import type { Ballot, SlotValue } from './types.js';

/** Below every real ballot: what an acceptor has promised before it promised anything. */
export const BALLOT_ZERO: Ballot = Object.freeze({ round: 0, node: 'n0' });

export const NOOP: SlotValue = Object.freeze({ kind: 'noop' });

/** Far beyond any simulated run: a slot number above it is a programming error, not a big log. */
export const MAX_SLOT = 10_000_000;

export function assertSlot(slot: number): void {
  assert(Number.isInteger(slot) && slot >= 0 && slot <= MAX_SLOT, () => `slot ${slot} out of range`);
}

function nodeNumber(node: NodeId): number {
  return Number(node.slice(1));
}

/** Negative when a < b, zero when equal, positive when a > b. */
export function compareBallots(a: Ballot, b: Ballot): number {
  if (a.round !== b.round) return a.round - b.round;
  return nodeNumber(a.node) - nodeNumber(b.node);
}

export function sameBallot(a: Ballot, b: Ballot): boolean {
  return a.round === b.round && a.node === b.node;
}

export function maxBallot(a: Ballot, b: Ballot): Ballot {
  return compareBallots(a, b) >= 0 ? a : b;
}

/** `3.n2`: round 3 of proposer n2. */
export function formatBallot(b: Ballot): string {
  return `${b.round}.${b.node}`;
}

/** A stable identity of a slot value: `noop` or the command's `client#reqId`. */
export function valueKey(value: SlotValue): string {
  return value.kind === 'noop' ? 'noop' : commandKey(value.command);
}

export function sameValue(a: SlotValue, b: SlotValue): boolean {
  return valueKey(a) === valueKey(b);
}

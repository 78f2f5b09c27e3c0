/**
 * A leader's open proposals (phase 2 in flight, Paxos Made Simple §3): per slot, the value it
 * proposed at its ballot and the acceptors that accepted it. A slot closes when a phase 2 quorum
 * accepted (the value is chosen) or when the slot is learned some other way; a step-down drops
 * them all. At most `window` slots are open at once (the leader never proposes beyond it).
 */
import type { Command, NodeId } from '../api.js';
import { sameCommand } from '../kv.js';
import type { SlotValue } from './types.js';

export interface Proposal {
  readonly value: SlotValue;
  /** Acceptors that accepted it at the leader's ballot, in the order they did. */
  readonly acks: NodeId[];
}

export class OpenProposals {
  private readonly bySlot = new Map<number, Proposal>();
  private readonly quorum: number;

  /** `quorum`: accepts that choose a value (phase 2 quorum). */
  constructor(quorum: number) {
    this.quorum = quorum;
  }

  get size(): number {
    return this.bySlot.size;
  }

  has(slot: number): boolean {
    return this.bySlot.has(slot);
  }

  open(slot: number, value: SlotValue): Proposal {
    const proposal: Proposal = { value, acks: [] };
    this.bySlot.set(slot, proposal);
    return proposal;
  }

  /** Count `from`'s acceptance once. False when the slot is not open or `from` already counted. */
  ack(slot: number, from: NodeId): boolean {
    const proposal = this.bySlot.get(slot);
    if (proposal === undefined || proposal.acks.includes(from)) return false;
    proposal.acks.push(from);
    return true;
  }

  /** The proposal in `slot` once a quorum accepted it, closed; undefined before that. */
  takeChosen(slot: number): Proposal | undefined {
    const proposal = this.bySlot.get(slot);
    if (proposal === undefined || proposal.acks.length < this.quorum) return undefined;
    this.bySlot.delete(slot);
    return proposal;
  }

  /** Close `slot` whatever its count (it was learned); the proposal it held, if any. */
  close(slot: number): Proposal | undefined {
    const proposal = this.bySlot.get(slot);
    if (proposal !== undefined) this.bySlot.delete(slot);
    return proposal;
  }

  /** True when `command` is proposed in some open slot. */
  holds(command: Command): boolean {
    for (const proposal of this.bySlot.values()) {
      if (proposal.value.kind === 'command' && sameCommand(proposal.value.command, command)) return true;
    }
    return false;
  }

  /** The client commands of the open slots, in slot-opening order, and forget them all. */
  drain(): Command[] {
    const commands: Command[] = [];
    for (const proposal of this.bySlot.values()) if (proposal.value.kind === 'command') commands.push(proposal.value.command);
    this.bySlot.clear();
    return commands;
  }

  entries(): IterableIterator<[number, Proposal]> {
    return this.bySlot.entries();
  }
}

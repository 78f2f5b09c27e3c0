/**
 * The pure pieces of Multi-Paxos, tested against the rules of Paxos Made Simple section by
 * section: the acceptor (§2.2, §2.5), ballots (§2.5), the learner (§2.3) and a new leader's
 * recovery plan (§3).
 */
import { describe, expect, it } from 'vitest';
import type { Command, NodeId } from '../../protocols/api.js';
import { Acceptor } from '../../protocols/multipaxos/acceptor.js';
import { BALLOT_ZERO, compareBallots, NOOP, valueKey } from '../../protocols/multipaxos/ballot.js';
import { Learner } from '../../protocols/multipaxos/learner.js';
import { planRecovery } from '../../protocols/multipaxos/recovery.js';
import type { Ballot, PromisedSlot, SlotValue } from '../../protocols/multipaxos/types.js';
import { MemoryStore } from '../../sim/world/storage.js';

const b = (round: number, node: NodeId): Ballot => ({ round, node });
const cmd = (client: `c${number}`, reqId: number): SlotValue => {
  const command: Command = { client, reqId, op: { f: 'write', key: 'k', value: reqId } };
  return { kind: 'command', command };
};
const nothingChosen = (): SlotValue | undefined => undefined;

describe('§2.5 ballots: disjoint per proposer, totally ordered', () => {
  it('orders by round, then by proposer', () => {
    expect(compareBallots(b(1, 'n3'), b(2, 'n1'))).toBeLessThan(0);
    expect(compareBallots(b(2, 'n2'), b(2, 'n10'))).toBeLessThan(0);
    expect(compareBallots(b(2, 'n2'), b(2, 'n2'))).toBe(0);
    expect(compareBallots(BALLOT_ZERO, b(1, 'n1'))).toBeLessThan(0);
  });
});

describe('§2.2 the acceptor', () => {
  it('phase 1b: promises a ballot at least as high as any promised, and refuses a lower one', () => {
    const acceptor = new Acceptor(new MemoryStore(), true);
    expect(acceptor.prepare(b(2, 'n1'), 0, nothingChosen, 0)).toEqual({ ok: true, slots: [] });
    // A repeated Prepare of the same ballot is answered again: the first Promise may be lost.
    expect(acceptor.prepare(b(2, 'n1'), 0, nothingChosen, 0).ok).toBe(true);
    expect(acceptor.prepare(b(1, 'n3'), 0, nothingChosen, 0)).toEqual({ ok: false, promised: b(2, 'n1') });
  });

  it('P1ᵃ: accepts a proposal numbered n iff it has not promised a higher number', () => {
    const acceptor = new Acceptor(new MemoryStore(), true);
    acceptor.prepare(b(2, 'n2'), 0, nothingChosen, 0);
    expect(acceptor.accept(b(1, 'n1'), 0, cmd('c1', 1))).toBe(false);
    expect(acceptor.accept(b(2, 'n2'), 0, cmd('c1', 2))).toBe(true);
    // Accepting a higher ballot promises it too.
    expect(acceptor.accept(b(3, 'n1'), 1, cmd('c1', 3))).toBe(true);
    expect(acceptor.promised).toEqual(b(3, 'n1'));
    expect(acceptor.accept(b(2, 'n2'), 2, cmd('c1', 4))).toBe(false);
  });

  it('phase 1b reports, per slot from fromSlot on, the highest-numbered proposal accepted (or the chosen value)', () => {
    const acceptor = new Acceptor(new MemoryStore(), true);
    acceptor.accept(b(1, 'n1'), 0, cmd('c1', 1));
    acceptor.accept(b(1, 'n1'), 2, cmd('c1', 2));
    acceptor.accept(b(2, 'n2'), 2, cmd('c2', 1));
    acceptor.accept(b(2, 'n2'), 3, cmd('c2', 2));
    const chosen = (slot: number): SlotValue | undefined => (slot === 3 ? cmd('c2', 2) : undefined);
    const outcome = acceptor.prepare(b(3, 'n3'), 1, chosen, 4);
    expect(outcome.ok).toBe(true);
    const slots = outcome.ok ? outcome.slots : [];
    expect(slots.map((s) => [s.slot, s.kind, valueKey(s.value)])).toEqual([
      [2, 'accepted', 'c2#1'],
      [3, 'chosen', 'c2#2'],
    ]);
    expect(slots[0]).toMatchObject({ ballot: b(2, 'n2') });
  });
});

describe('§2.5 stable storage: an acceptor records its response before sending it', () => {
  it('keeps promises and votes across a crash', () => {
    const store = new MemoryStore();
    const before = new Acceptor(store, true);
    before.prepare(b(4, 'n2'), 0, nothingChosen, 0);
    before.accept(b(4, 'n2'), 1, cmd('c1', 7));
    store.crash();
    const after = new Acceptor(store, true);
    expect(after.promised).toEqual(b(4, 'n2'));
    expect(after.vote(1)).toEqual({ ballot: b(4, 'n2'), value: cmd('c1', 7) });
    expect(after.accept(b(3, 'n1'), 1, cmd('c3', 1))).toBe(false);
  });

  it('the acceptor-amnesia bug forgets them', () => {
    const store = new MemoryStore();
    const before = new Acceptor(store, false);
    before.prepare(b(4, 'n2'), 0, nothingChosen, 0);
    before.accept(b(4, 'n2'), 1, cmd('c1', 7));
    store.crash();
    const after = new Acceptor(store, false);
    expect(after.promised).toEqual(BALLOT_ZERO);
    expect(after.vote(1)).toBeNull();
    expect(after.accept(b(3, 'n1'), 1, cmd('c3', 1))).toBe(true);
  });
});

describe('§2.3 the learner', () => {
  it('executes only a gap-free prefix and keeps the first value learned per slot', () => {
    const learner = new Learner(new MemoryStore());
    expect(learner.learn(1, cmd('c1', 2))).toBe(true);
    expect(learner.prefix).toBe(0);
    expect(learner.learn(0, cmd('c1', 1))).toBe(true);
    expect(learner.prefix).toBe(2);
    expect(learner.learn(0, cmd('c9', 9))).toBe(false);
    expect(valueKey(learner.get(0) as SlotValue)).toBe('c1#1');
    learner.learn(3, NOOP);
    expect(learner.contiguousFrom(0, 10).map((e) => e.slot)).toEqual([0, 1]);
  });
});

describe('§3 a new leader: phase 1 for all open slots, then re-propose or fill with no-ops', () => {
  // Lamport's example, 0-based: the leader knows commands 1–134, 138 and 139 (slots 0–133, 137,
  // 138); phase 1 runs for 135–137 and everything after 139; the Promises constrain 135 and 140.
  const knownSlots = new Set([...Array.from({ length: 134 }, (_, i) => i), 137, 138]);
  const known = (slot: number): SlotValue | undefined => (knownSlots.has(slot) ? cmd('c9', slot) : undefined);

  it('re-proposes the highest-numbered value in 135 and 140 and fills 136 and 137 with no-ops', () => {
    const promiseA: PromisedSlot[] = [
      { slot: 134, kind: 'accepted', ballot: b(1, 'n1'), value: cmd('c1', 1) },
      { slot: 139, kind: 'accepted', ballot: b(2, 'n2'), value: cmd('c2', 1) },
    ];
    const promiseB: PromisedSlot[] = [
      { slot: 134, kind: 'accepted', ballot: b(2, 'n3'), value: cmd('c3', 1) },
      { slot: 139, kind: 'accepted', ballot: b(1, 'n1'), value: cmd('c1', 2) },
    ];
    const plan = planRecovery(134, [promiseA, promiseB], known, 139);
    expect(plan.proposals.map((p) => [p.slot, valueKey(p.value)])).toEqual([
      [134, 'c3#1'],
      [135, 'noop'],
      [136, 'noop'],
      [139, 'c2#1'],
    ]);
    expect(plan.nextSlot).toBe(140);
  });

  it('learns a slot a promiser reports chosen instead of proposing in it', () => {
    const promise: PromisedSlot[] = [{ slot: 5, kind: 'chosen', value: cmd('c1', 1) }];
    const plan = planRecovery(5, [promise, []], nothingChosen, 0);
    expect(plan.learned).toEqual([{ slot: 5, value: cmd('c1', 1) }]);
    expect(plan.proposals).toEqual([]);
    expect(plan.nextSlot).toBe(6);
  });

  it('with no votes anywhere, every slot from fromSlot on is free', () => {
    expect(planRecovery(7, [[], []], nothingChosen, 0)).toEqual({ learned: [], proposals: [], nextSlot: 7 });
  });
});

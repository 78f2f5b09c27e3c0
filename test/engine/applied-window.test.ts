/**
 * The applied-prefix ledger in bounded memory: it keeps a window of the longest sequence's recent
 * commands and digests of the prefix before it. With a small window these tests reach the parts a
 * long run reaches: a node replaying an old prefix is checked by digest when it reaches a kept
 * base, a snapshot restored below the window is checked against a kept digest, and what the ledger
 * holds does not grow with the number of commands.
 */
import { describe, expect, it } from 'vitest';
import { KvMachine, type Command } from '../../protocols/kv.js';
import { AppliedLedger, TrackedMachine } from '../../sim/world/applied.js';

const write = (client: string, reqId: number, value: number): Command => ({ client: client as Command['client'], reqId, op: { f: 'write', key: 'k', value } });
/** The i-th command of the "true" sequence (0-based). */
const nth = (i: number): Command => write('c1', i + 1, i);

function ledgerWith(window: number) {
  const found: string[] = [];
  const ledger = new AppliedLedger((v) => found.push(`${v.name}: ${v.detail}`), window);
  const machine = (node: string, inner = new KvMachine(null)) => new TrackedMachine(node as `n${number}`, ledger, null, inner);
  return { ledger, found, machine };
}

describe('applied-prefix ledger window', () => {
  it('holds at most twice the window plus its checkpoints, whatever the number of commands', () => {
    const { ledger, found, machine } = ledgerWith(16);
    const leader = machine('n1');
    let most = 0;
    for (let i = 0; i < 5_000; i++) {
      leader.apply(nth(i));
      most = Math.max(most, ledger.retained);
    }
    expect(found).toEqual([]);
    expect(ledger.length).toBe(5_000);
    expect(most).toBeLessThan(2 * 16 + 256 + 1);
    // The newest commands are still compared one by one.
    expect(ledger.keyAt(4_999)).toBe('c1#5000');
    expect(ledger.keyAt(0)).toBeUndefined();
  });

  it('a node replaying the same prefix from the start raises nothing', () => {
    const { found, machine } = ledgerWith(8);
    const leader = machine('n1');
    for (let i = 0; i < 100; i++) leader.apply(nth(i));
    const replay = machine('n2');
    for (let i = 0; i < 100; i++) replay.apply(nth(i));
    expect(found).toEqual([]);
  });

  it('a node replaying a prefix that differs below the window is caught at the next kept base', () => {
    const { ledger, found, machine } = ledgerWith(8);
    const leader = machine('n1');
    for (let i = 0; i < 100; i++) leader.apply(nth(i));
    expect(ledger.keyAt(10)).toBeUndefined(); // position 11 left the window long ago
    const replay = machine('n2');
    for (let i = 0; i < 100 && found.length === 0; i++) replay.apply(i === 10 ? write('c2', 1, 99) : nth(i));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^applied-prefix: n2 applied 16 commands whose digest [0-9a-f]{16} differs from [0-9a-f]{16}, the longest sequence's at that position/);
  });

  it('inside the window the message names the command and position as before', () => {
    const { found, machine } = ledgerWith(8);
    const leader = machine('n1');
    for (let i = 0; i < 100; i++) leader.apply(nth(i));
    const replay = machine('n2');
    for (let i = 0; i < 95; i++) replay.apply(nth(i));
    replay.apply(write('c2', 1, 99));
    expect(found).toEqual(['applied-prefix: n2 applied c2#1 at position 96, where n1 applied c1#96']);
  });

  it('checks a snapshot restored inside the window, and one restored at a kept base below it', () => {
    const { found, machine } = ledgerWith(8);
    const leader = machine('n1');
    const good = new KvMachine(null);
    const bad = new KvMachine(null);
    const snapshots: { at: number; good: ReturnType<KvMachine['snapshot']>; bad: ReturnType<KvMachine['snapshot']> }[] = [];
    for (let i = 0; i < 100; i++) {
      leader.apply(nth(i));
      good.apply(nth(i));
      bad.apply(i === 3 ? write('c9', 1, 0) : nth(i));
      if (i + 1 === 16 || i + 1 === 95) snapshots.push({ at: i + 1, good: good.snapshot(), bad: bad.snapshot() });
    }
    for (const s of snapshots) {
      machine('n3').restore(s.good);
      expect(found).toEqual([]);
    }
    // 16 is a kept base below the window (which starts at 88 here); 95 is inside it.
    machine('n3').restore(snapshots[0]?.bad as ReturnType<KvMachine['snapshot']>);
    machine('n4').restore(snapshots[1]?.bad as ReturnType<KvMachine['snapshot']>);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^applied-prefix: n3 restored a snapshot at position 16 whose digest [0-9a-f]{16} differs from [0-9a-f]{16}$/);
    expect(found[1]).toMatch(/^applied-prefix: n4 restored a snapshot at position 95 whose digest [0-9a-f]{16} differs from [0-9a-f]{16}$/);
  });

  it('a snapshot restored between kept bases is checked when its node reaches the next base', () => {
    const { found, machine } = ledgerWith(8);
    const leader = machine('n1');
    const bad = new KvMachine(null);
    for (let i = 0; i < 100; i++) {
      leader.apply(nth(i));
      if (i < 20) bad.apply(i === 3 ? write('c9', 1, 0) : nth(i));
    }
    const node = machine('n5');
    node.restore(bad.snapshot()); // position 20: no base there
    expect(found).toEqual([]);
    for (let i = 20; i < 100 && found.length === 0; i++) node.apply(nth(i));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^applied-prefix: n5 applied 24 commands whose digest/);
  });

  it('thins old bases but always keeps the newest, so a replay is checked before it re-enters the window', () => {
    const { ledger, found, machine } = ledgerWith(1);
    const leader = machine('n1');
    for (let i = 0; i < 2_000; i++) leader.apply(nth(i));
    expect(ledger.retained).toBeLessThanOrEqual(2 + 256);
    const replay = machine('n2');
    for (let i = 0; i < 2_000 && found.length === 0; i++) replay.apply(i === 1_990 ? write('c2', 1, 99) : nth(i));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^applied-prefix: n2 applied (199[0-9]) commands whose digest/);
  });
});

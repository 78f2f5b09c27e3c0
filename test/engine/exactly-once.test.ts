/**
 * The KV layer's own obligation, checked by the host's TrackedMachine on every replica: a
 * (client, request id) executes at most once, and a retry gets the recorded reply whatever its
 * outcome (Raft §8; VR Revisited §4.1's client-table; PBFT's last-reply table). Each test scripts
 * the broken step directly with a machine that forgets its session table in one way.
 */
import { describe, expect, it } from 'vitest';
import type { Command, OpResult } from '../../protocols/kv.js';
import { KvMachine } from '../../protocols/kv.js';
import { AppliedLedger, TrackedMachine } from '../../sim/world/applied.js';

const write = (reqId: number, value: number): Command => ({ client: 'c1', reqId, op: { f: 'write', key: 'k', value } });
const cas = (reqId: number, expected: number | null, value: number): Command => ({ client: 'c1', reqId, op: { f: 'cas', key: 'k', expected, value } });

function tracked(inner = new KvMachine(null)) {
  const found: string[] = [];
  const ledger = new AppliedLedger((v) => found.push(`${v.name}: ${v.detail}`));
  return { machine: new TrackedMachine('n1', ledger, null, inner), found };
}

/** Executes every command it is given, retries included: the session table is never consulted. */
class Amnesiac extends KvMachine {
  private fresh = 1_000_000;
  override apply(cmd: Command): OpResult {
    return super.apply({ ...cmd, reqId: this.fresh++ });
  }
}

/** Dedupes correctly but answers a retry of a failed cas as if it had succeeded. */
class WrongReply extends KvMachine {
  override apply(cmd: Command): OpResult {
    const replay = this.cached(cmd.client, cmd.reqId);
    const result = super.apply(cmd);
    return replay !== undefined && replay.type === 'fail' ? { type: 'ok', value: null } : result;
  }
  override cached(client: Command['client'], reqId: number): OpResult | undefined {
    const result = super.cached(client, reqId);
    return result !== undefined && result.type === 'ok' && reqId === 9 ? { type: 'ok', value: 'other' } : result;
  }
}

describe('exactly-once at the KV layer', () => {
  it('the correct machine: a retry returns the recorded result, an older request changes nothing', () => {
    const { machine, found } = tracked();
    expect(machine.apply(cas(1, 5, 6))).toEqual({ type: 'fail', reason: 'cas mismatch' });
    machine.apply(write(2, 5));
    expect(machine.apply(write(2, 5))).toEqual({ type: 'ok', value: 5 });
    machine.apply(write(1, 7)); // a stale duplicate of an older request
    expect(machine.cached('c1', 2)).toEqual({ type: 'ok', value: 5 });
    expect(found).toEqual([]);
  });

  it('flags a retry that executes a second time', () => {
    const { machine, found } = tracked(new Amnesiac());
    machine.apply(write(3, 1));
    machine.apply(write(3, 1));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^exactly-once: n1 executed c1#3 again/);
  });

  it('flags a retry answered with another outcome than the recorded one (a failed cas turned ok)', () => {
    const { machine, found } = tracked(new WrongReply());
    machine.apply(cas(4, 5, 6));
    machine.apply(cas(4, 5, 6));
    expect(found[0]).toMatch(/answered a retry of c1#4 with ok null, but it executed as fail \(cas mismatch\)/);
  });

  it('flags a cached reply that differs from the recorded one', () => {
    const { machine, found } = tracked(new WrongReply());
    machine.apply(write(9, 1));
    machine.cached('c1', 9);
    expect(found[0]).toMatch(/from its cache with ok "other", but it executed as ok 1/);
  });

  it('keeps the record through a snapshot restore (state transfer)', () => {
    const source = new KvMachine(null);
    source.apply(write(5, 2));
    const { machine, found } = tracked(new Amnesiac());
    machine.restore(source.snapshot());
    machine.apply(write(5, 2));
    expect(found.some((f) => f.includes('executed c1#5 again'))).toBe(true);
  });
});

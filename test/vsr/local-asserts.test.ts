/**
 * The replica's local asserts (TigerBeetle style): a state the protocol promises never to reach
 * fails the run as an assertion instead of going on silently.
 */
import { describe, expect, it } from 'vitest';
import { isLocalAssertion } from '../../protocols/kit/index.js';
import { cmd, ScriptedReplica } from './harness.js';

/** n2, a backup of view 0 (n = 3) holding ops 1..2, both committed. */
function committedBackup(): ScriptedReplica {
  const n2 = new ScriptedReplica('n2', 3);
  n2.deliver('n1', { type: 'Prepare', view: 0, op: cmd(1, 1, 1), opNumber: 1, commitNumber: 0 });
  n2.deliver('n1', { type: 'Prepare', view: 0, op: cmd(1, 2, 2), opNumber: 2, commitNumber: 2 });
  expect(n2.node.inspect().commitNumber).toBe(2);
  return n2;
}

function thrown(action: () => void): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('local asserts', () => {
  it('a StartView whose log misses an op this replica saw committed fails the assert (§4.2)', () => {
    const n2 = committedBackup();
    // primary(2) = n3 of a group of three.
    const fromPrimary = thrown(() => n2.deliver('n3', { type: 'StartView', view: 2, log: [cmd(1, 1, 1)], opNumber: 1, commitNumber: 1 }));
    expect(isLocalAssertion(fromPrimary)).toBe(true);
    expect(String((fromPrimary as Error).message)).toMatch(/misses committed op 2/);
  });

  it('a StartView that holds every committed op passes', () => {
    const n2 = committedBackup();
    n2.deliver('n3', { type: 'StartView', view: 2, log: [cmd(1, 1, 1), cmd(1, 2, 2), cmd(2, 1, 3)], opNumber: 3, commitNumber: 2 });
    expect(n2.node.inspect()).toMatchObject({ view: 2, commitNumber: 2, opNumber: 3, role: 'backup' });
  });
});

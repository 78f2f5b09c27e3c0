/**
 * `--check-determinism`'s comparison: two runs of one seed must have the same trace, and when they
 * do not, the first differing trace line is named with both versions. The nondeterministic protocol
 * below is deliberately broken (Math.random is allowed in test files only): it writes a note drawn
 * from global randomness when it starts, so two runs of the same seed differ at that note.
 */
import { describe, expect, it } from 'vitest';
import type { ProtocolDefinition } from '../../protocols/api.js';
import { differenceReason, firstTraceDifference } from '../../sim/determinism.js';
import { runScenario, traceToJsonLines } from '../../sim/run.js';
import { compareRuns, type SeedOutcome } from '../../sim/sweep.js';
import { fixtureProtocol, fixtureProtocols } from '../fixtures/primary.js';
import { fixtureScenario } from '../fixtures/scenario.js';

const leaky: ProtocolDefinition<any, any> = {
  ...fixtureProtocol,
  name: 'leaky',
  createNode: (ctx) => {
    const node = fixtureProtocol.createNode(ctx);
    const start = node.start.bind(node);
    node.start = () => {
      ctx.env.note(`lucky number ${Math.random()}`);
      start();
    };
    return node;
  },
};

const protocols = (name: string): ProtocolDefinition<any, any> | undefined => (name === 'leaky' ? leaky : fixtureProtocols(name));

function traceOf(protocol: string): { text: string; hash: string } {
  const { result, trace } = runScenario(fixtureScenario({ protocol }), { protocols, collectTrace: true, seed: 4 });
  return { text: traceToJsonLines(trace ?? []), hash: result.traceHash };
}

function outcome(run: { text: string; hash: string }): SeedOutcome {
  return { seed: 4, ok: true, reason: '', repro: 'consensim run x.yaml --seed 4', traceHash: run.hash, trace: run.text, events: 1, virtualMs: 1 };
}

describe('check determinism', () => {
  it('finds no difference between two runs of a deterministic protocol', () => {
    const a = traceOf('fixture');
    const b = traceOf('fixture');
    expect(firstTraceDifference(a.text, b.text)).toBeNull();
    const same = compareRuns(outcome(a), outcome(b));
    expect(same.ok).toBe(true);
    expect(same.nondeterministic).toBeUndefined();
    expect(same.trace).toBeUndefined();
  });

  it('names the first differing trace line of a nondeterministic protocol, both versions', () => {
    const a = traceOf('leaky');
    const b = traceOf('leaky');
    expect(a.hash).not.toBe(b.hash);
    const difference = firstTraceDifference(a.text, b.text);
    expect(difference).not.toBeNull();
    const { line, first, second } = difference as { line: number; first: string; second: string };
    const linesA = a.text.split('\n');
    expect(linesA.slice(0, line - 1)).toEqual(b.text.split('\n').slice(0, line - 1));
    expect(first).toBe(linesA[line - 1]);
    expect(first).toMatch(/lucky number/);
    expect(second).toMatch(/lucky number/);
    expect(first).not.toBe(second);
    const failed = compareRuns(outcome(a), outcome(b));
    expect(failed).toMatchObject({ ok: false, nondeterministic: true, traceHash: a.hash });
    expect(failed.reason).toBe(differenceReason(difference!));
    expect(failed.reason).toContain(`trace line ${line} differs`);
    expect(failed.reason).toContain(first);
    expect(failed.reason).toContain(second);
    expect(failed.trace).toBeUndefined();
  });

  it('reports a trace that ends early and one that differs only in its final newline', () => {
    expect(firstTraceDifference('a\nb\n', 'a\n')).toEqual({ line: 2, first: 'b', second: null });
    expect(firstTraceDifference('a\n', 'a')).toEqual({ line: 2, first: null, second: null });
    expect(firstTraceDifference('', '')).toBeNull();
  });
});

/**
 * The story without a protocol narrator (a plug-in protocol, the test fixture): the generic
 * narrator words every step from its trigger, moments and numbers; routine steps collapse into one
 * summary line; periodic node-state snapshots land in the trace at every tick.
 */
import { describe, expect, it } from 'vitest';
import { groupSends, genericMessageKind } from '../../sim/explain/story.js';
import { collapseRoutine, eventsOf, explainRun, SNAPSHOT_INTERVAL_US } from '../../sim/index.js';
import { fixtureProtocols } from '../fixtures/primary.js';
import { fixtureScenario } from '../fixtures/scenario.js';

const scenario = fixtureScenario({
  seed: 2,
  nodes: 2,
  durationUs: 600_000,
  settleUs: 100_000,
  network: { latency: { dist: 'fixed', valueUs: 1_000 }, loss: 0, duplicate: 0 },
  workload: { clients: 1, keys: 1, mix: { read: 0, write: 1, cas: 0 }, intervalUs: 5_000, timeoutUs: 100_000 },
});

describe('generic narration (a protocol without a narrator)', () => {
  const explanation = explainRun(scenario, { protocols: fixtureProtocols });
  const lines = explanation.lines;

  it('words starts, requests, replies, applies and messages from the trace alone', () => {
    expect(lines[0]?.text).toBe('n1 started; it is primary in term 1, noted "n1 started with 0 entries"');
    expect(lines.map((l) => l.text)).toContain("n2 got c1's write k1=1; told c1 to ask n1");
    expect(lines.map((l) => l.text)).toContain("n1 got c1's write k1=1; its log now ends at 1, it knows entries up to 1 are committed, applied c1#1 write k1=1 at 1, answered c1: ok 1, sent entries to n2");
    expect(lines.map((l) => l.text)).toContain("c1's write k1=1 returned ok, answered by n1 after 4.0ms");
  });

  it('collapses heartbeats and their acknowledgements into summary lines', () => {
    const heartbeat = lines.find((l) => l.text.startsWith("n1's heartbeat timer fired"));
    expect(heartbeat?.routine).toBe(true);
    const collapsed = collapseRoutine(lines);
    expect(collapsed.length).toBeLessThan(lines.length);
    expect(collapsed.some((l) => l.kind === 'summary' && /^· \d+ routine steps: entries ×\d+/.test(l.text))).toBe(true);
    expect(collapsed.filter((l) => l.routine && l.kind !== 'summary').length).toBeLessThan(lines.filter((l) => l.routine).length);
  });

  it('writes every live node\'s state at every snapshot tick', () => {
    const ticks = eventsOf(explanation.trace, 'state').filter((e) => e.t > 0 && e.t % SNAPSHOT_INTERVAL_US === 0);
    expect(ticks.map((e) => `${e.t}/${e.node}`)).toEqual(['250000/n1', '250000/n2', '500000/n1', '500000/n2']);
    expect(ticks[0]?.log.length).toBeGreaterThan(0);
  });

  it('names each destination once, with the number of messages when a node got several', () => {
    const wording = { era: 'view', messageKind: genericMessageKind };
    const sends = [
      { to: 'n1' as const, msg: { type: 'prepare' } },
      { to: 'n2' as const, msg: { type: 'prepare' } },
      { to: 'n1' as const, msg: { type: 'prepare' } },
      { to: 'n2' as const, msg: { type: 'request' } },
    ];
    expect(groupSends(sends, wording)).toBe('prepare to n1, n2 (3 messages) and request to n2');
  });
});

/**
 * Swarm configurations: a pure function of (base seed, run number), always a valid scenario for
 * the protocol, and printable as a scenario file that loads back to the same scenario.
 */
import { describe, expect, it } from 'vitest';
import { PROTOCOLS } from '../../protocols/registry.js';
import { parseScenario } from '../../sim/scenario/load.js';
import { scenarioToYaml } from '../../sim/scenario/write.js';
import type { Scenario } from '../../sim/scenario/types.js';
import { clusterSizes, drawSwarm } from '../../sim/explore/swarm.js';
import { mutate } from '../../sim/explore/mutate.js';
import { runStream } from '../../sim/explore/swarm.js';
import { withinFaultModel } from '../../sim/explore/fault-model.js';

/** Line numbers differ between a drawn scenario (0) and a loaded one. */
function comparable(s: Scenario): unknown {
  return JSON.parse(JSON.stringify({ ...s, file: '', faults: s.faults.map((f) => ({ ...f, line: 0 })), triggers: (s.triggers ?? []).map((t) => ({ ...t, line: 0 })) }));
}

describe('swarm draws', () => {
  for (const protocol of PROTOCOLS) {
    it(`${protocol.name}: the same (seed, run) gives the same configuration, other runs differ, every draw loads back from its YAML`, () => {
      const kinds = new Set<string>();
      const sizes = new Set<number>();
      for (let run = 1; run <= 40; run++) {
        const a = drawSwarm(protocol, 7, run, []);
        const b = drawSwarm(protocol, 7, run, []);
        expect(b).toEqual(a);
        expect(drawSwarm(protocol, 8, run, [])).not.toEqual(a);
        const text = scenarioToYaml(a.scenario, protocol);
        const loaded = parseScenario(text, 'drawn.yaml', PROTOCOLS);
        expect(comparable(loaded)).toEqual(comparable(a.scenario));
        expect(protocol.checkClusterSize?.(a.scenario.nodes) ?? null).toBeNull();
        expect(a.scenario.nemesis).toBeNull();
        for (const k of a.knobs.kinds) kinds.add(k);
        sizes.add(a.scenario.nodes);
      }
      // Forty draws switch every kind on somewhere, and use more than one cluster size.
      expect([...kinds].sort()).toEqual(['clock', 'crash', 'cut', 'partition', 'pause']);
      expect(sizes.size).toBeGreaterThan(1);
      expect([...sizes].every((n) => clusterSizes(protocol).includes(n))).toBe(true);
    });
  }

  it('pbft draws byzantine replicas (at most f) in some runs and none in others', () => {
    const pbft = PROTOCOLS.find((p) => p.name === 'pbft');
    if (pbft === undefined) return;
    const counts = Array.from({ length: 40 }, (_, i) => drawSwarm(pbft, 1, i + 1, []).scenario).map((s) => [Object.keys(s.byzantine).length, Math.floor((s.nodes - 1) / 3)] as const);
    expect(counts.some(([b]) => b === 0)).toBe(true);
    expect(counts.some(([b]) => b > 0)).toBe(true);
    expect(counts.every(([b, f]) => b <= f)).toBe(true);
  });

  it('bug names go into the drawn scenario, and a mutation is a pure function of its stream and stays loadable', () => {
    const raft = PROTOCOLS.find((p) => p.name === 'raft');
    if (raft === undefined) throw new Error('raft is registered');
    const parent = drawSwarm(raft, 3, 5, ['raft.forget-vote']);
    expect(parent.scenario.bugs).toEqual(['raft.forget-vote']);
    for (let run = 1; run <= 30; run++) {
      const a = mutate(parent, runStream(3, run, 'guide'), 'm');
      expect(mutate(parent, runStream(3, run, 'guide'), 'm')).toEqual(a);
      const loaded = parseScenario(scenarioToYaml(a.scenario, raft), 'm.yaml', PROTOCOLS);
      expect(comparable(loaded)).toEqual(comparable(a.scenario));
    }
  });
});

describe('fault model', () => {
  it('vsr (diskless: at most f down or recovering) never gets more than f crashes in a run, timed or from rules, and each crash rule fires once', () => {
    const vsr = PROTOCOLS.find((p) => p.name === 'vsr');
    if (vsr === undefined) throw new Error('vsr is registered');
    let sawCrash = false;
    let sawRuleCrash = false;
    for (let run = 1; run <= 150; run++) {
      const s = drawSwarm(vsr, 11, run, []).scenario;
      const f = Math.floor((s.nodes - 1) / 2);
      const timed = s.faults.filter((x) => x.action.kind === 'crash').length;
      const ruleCrashes = (s.triggers ?? []).filter((t) => t.action.kind === 'crash');
      expect(timed + ruleCrashes.length).toBeLessThanOrEqual(f);
      for (const rule of ruleCrashes) expect(rule.when.times).toBe(1);
      expect(withinFaultModel(s, vsr)).toBe(true);
      sawCrash ||= timed > 0;
      sawRuleCrash ||= ruleCrashes.length > 0;
    }
    expect(sawCrash && sawRuleCrash).toBe(true);
  });

  it('a protocol that declares nothing keeps overlapping crashes', () => {
    const raft = PROTOCOLS.find((p) => p.name === 'raft');
    if (raft === undefined) throw new Error('raft is registered');
    const overlapping = Array.from({ length: 150 }, (_, i) => drawSwarm(raft, 11, i + 1, []).scenario).some((s) => {
      const crashes = s.faults.filter((x) => x.action.kind === 'crash');
      return crashes.some((a) => crashes.some((b) => b !== a && b.atUs >= a.atUs && a.action.kind === 'crash' && b.atUs < a.atUs + (a.action.restartUs ?? 0)));
    });
    expect(overlapping).toBe(true);
  });
});

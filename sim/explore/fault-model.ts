/**
 * Keeping a drawn or mutated schedule inside the protocol's declared fault model
 * (`ProtocolDefinition.crashesAtOnce`): a protocol that forgets its state in a crash (diskless
 * Viewstamped Replication) promises liveness only while at most f nodes are down or recovering, so
 * a schedule that crashes more at once would "find" a liveness failure that is no bug.
 *
 * How long a restarted node stays "recovering" is not bounded: partitions and pauses of the nodes
 * that must answer it can hold it there (docs/vsr.md: a nemesis that strikes faster than a replica
 * can recover reaches a dead group one crash at a time; explore's first 5000-run acceptance found
 * two such runs with a two-second recovery margin). So every crash counts against the budget for
 * the rest of the run: at most `crashesAtOnce(n)` crashes per run, timed ones first in time order,
 * then event-triggered crash rules, each made to fire once; further crashes are dropped, further
 * crash rules pause instead. Protocols that declare nothing (state on disk) keep every crash.
 */
import type { ProtocolDefinition } from '../../protocols/api.js';
import type { Scenario, ScriptedFault, TriggeredFault } from '../scenario/types.js';

export function fitFaultModel(scenario: Scenario, protocol: ProtocolDefinition<any, any>): Scenario {
  const budget = protocol.crashesAtOnce?.(scenario.nodes);
  if (budget === undefined || budget >= scenario.nodes) return scenario;
  let crashes = 0;
  const faults: ScriptedFault[] = scenario.faults.filter((f) => {
    if (f.action.kind !== 'crash') return true;
    if (crashes >= budget) return false;
    crashes++;
    return true;
  });
  const rules = (scenario.triggers ?? []).map((t): TriggeredFault => {
    if (t.action.kind !== 'crash') return t;
    if (crashes < budget && t.action.restartUs !== null) {
      crashes++;
      return { ...t, when: { ...t.when, times: 1 } };
    }
    return { ...t, action: { kind: 'pause', target: t.action.target, forUs: t.action.restartUs ?? 100_000 } };
  });
  // Rules stand after the timed entries in the file: their places move with the dropped crashes.
  const triggers = rules.map((t, i) => ({ ...t, index: faults.length + i }));
  const { triggers: _old, ...rest } = scenario;
  return { ...rest, faults, ...(triggers.length === 0 ? {} : { triggers }) };
}

/** False when `scenario` crashes more nodes over the run than the protocol's fault model allows. */
export function withinFaultModel(scenario: Scenario, protocol: ProtocolDefinition<any, any>): boolean {
  const budget = protocol.crashesAtOnce?.(scenario.nodes);
  if (budget === undefined || budget >= scenario.nodes) return true;
  const timed = scenario.faults.filter((f) => f.action.kind === 'crash').length;
  const rules = (scenario.triggers ?? []).reduce((n, t) => n + (t.action.kind === 'crash' ? t.when.times : 0), 0);
  return timed + rules <= budget;
}

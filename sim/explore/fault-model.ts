/**
 * Keeping a drawn or mutated schedule inside the protocol's declared fault model
 * (`ProtocolDefinition.crashesAtOnce`): a protocol that forgets its state in a crash (diskless
 * Viewstamped Replication) promises liveness only while at most f nodes are down or recovering, so
 * a schedule that crashes more at once would "find" a liveness failure that is no bug.
 *
 * A timed crash occupies its node from the crash until RECOVERY_MARGIN_US after its restart (a
 * crash without a restart, until the end); crashes beyond the budget are dropped, in time order.
 * An event-triggered crash can fire at any moment, so it fits only when the schedule has no timed
 * crash; then one rule at most may crash, once (further crash rules pause instead). Protocols that
 * declare nothing (state on disk) keep every crash.
 */
import type { ProtocolDefinition } from '../../protocols/api.js';
import type { Scenario, ScriptedFault, TriggeredFault } from '../scenario/types.js';

/** How long after its restart a crashed node is counted as still recovering. */
export const RECOVERY_MARGIN_US = 2_000_000;

export function fitFaultModel(scenario: Scenario, protocol: ProtocolDefinition<any, any>): Scenario {
  const budget = protocol.crashesAtOnce?.(scenario.nodes);
  if (budget === undefined || budget >= scenario.nodes) return scenario;
  const faults: ScriptedFault[] = [];
  const busyUntil: number[] = [];
  for (const f of scenario.faults) {
    if (f.action.kind !== 'crash') {
      faults.push(f);
      continue;
    }
    const active = busyUntil.filter((end) => end > f.atUs);
    if (active.length >= budget) continue;
    busyUntil.length = 0;
    busyUntil.push(...active, f.action.restartUs === null ? Infinity : f.atUs + f.action.restartUs + RECOVERY_MARGIN_US);
    faults.push(f);
  }
  const timedCrashes = faults.some((f) => f.action.kind === 'crash');
  let crashRules = 0;
  const rules = (scenario.triggers ?? []).map((t): TriggeredFault => {
    if (t.action.kind !== 'crash') return t;
    if (!timedCrashes && budget >= 1 && crashRules === 0 && t.action.restartUs !== null) {
      crashRules++;
      return { ...t, when: { ...t.when, times: 1 } };
    }
    return { ...t, action: { kind: 'pause', target: t.action.target, forUs: t.action.restartUs ?? 100_000 } };
  });
  // Rules stand after the timed entries in the file: their places move with the dropped crashes.
  const triggers = rules.map((t, i) => ({ ...t, index: faults.length + i }));
  const { triggers: _old, ...rest } = scenario;
  return { ...rest, faults, ...(triggers.length === 0 ? {} : { triggers }) };
}

/**
 * A run's faults, made explicit: every fault the run actually injected (scripted, from the random
 * nemesis, or from an event-triggered rule), read back from its trace and written as timed faults
 * on explicit nodes, with the nemesis off and no rules. Selectors (`leader`, `random`, ...) become
 * the nodes they named; a crash's restart becomes its own `restart` entry; a pause keeps its
 * length (its end is not an entry). The settle phase's heals and restarts are the world's own.
 */
import type { NodeId } from '../../protocols/api.js';
import type { TraceEvent } from '../world/trace.js';
import type { FaultAction, NodeSelector, Scenario, ScriptedFault } from '../scenario/types.js';

function node(id: unknown): NodeSelector {
  return { kind: 'node', node: id as NodeId };
}

/** The timed faults equivalent to the `fault` events of `trace` (settle excluded). */
export function faultsFromTrace(trace: readonly TraceEvent[], nodes: number, durationUs: number): ScriptedFault[] {
  const out: ScriptedFault[] = [];
  const push = (t: number, action: FaultAction): void => {
    if (t < durationUs) out.push({ atUs: t, action, line: 0 });
  };
  for (const ev of trace) {
    if (ev.kind !== 'fault' || ev['source'] === 'settle' || ev['skipped'] !== undefined) continue;
    const ids = (ev['nodes'] as readonly string[] | undefined) ?? [];
    switch (ev['action']) {
      case 'crash':
        for (const id of ids) push(ev.t, { kind: 'crash', target: node(id), restartUs: null, amnesia: ev['amnesia'] === true });
        break;
      case 'restart':
        for (const id of ids) push(ev.t, { kind: 'restart', target: node(id) });
        break;
      case 'pause':
        for (const id of ids) push(ev.t, { kind: 'pause', target: node(id), forUs: ev['forUs'] as number });
        break;
      case 'clock':
        for (const id of ids) push(ev.t, { kind: 'clock', target: node(id), jumpUs: ev['jumpUs'] as number });
        break;
      case 'partition': {
        const groups = (ev['groups'] as readonly (readonly string[])[]).map((g) => g.map(node));
        if (groups.length >= 2) push(ev.t, { kind: 'partition', groups });
        break;
      }
      case 'cut': {
        const to = ((ev['to'] as readonly string[] | undefined) ?? []).map(node);
        for (const id of ids) if (to.length > 0) push(ev.t, { kind: 'cut', from: node(id), to });
        break;
      }
      case 'heal':
        if (ids.length === nodes) push(ev.t, { kind: 'heal', target: { kind: 'all' } });
        else for (const id of ids) push(ev.t, { kind: 'heal', target: node(id) });
        break;
      default:
        // resume: a pause ends by itself after its `for`.
        break;
    }
  }
  return out;
}

/** `scenario` with `faults` as its whole schedule: nemesis off, no event-triggered rules. */
export function explicitScenario(scenario: Scenario, faults: readonly ScriptedFault[]): Scenario {
  const { triggers: _rules, ...rest } = scenario;
  return { ...rest, faults, nemesis: null };
}

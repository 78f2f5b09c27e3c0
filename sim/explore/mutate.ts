/**
 * Guided exploration's mutations of a corpus entry (a schedule that reached new coverage): add a
 * fault drawn from the entry's own knobs, drop one, shift one in time, retarget one to another
 * node, add or drop an event-triggered rule, or rerun the same schedule under a new world seed.
 * Every mutation keeps the scenario valid (times within the duration, nodes within the cluster).
 */
import type { ProtocolDefinition } from '../../protocols/api.js';
import type { Random } from '../random.js';
import { fitFaultModel } from './fault-model.js';
import type { FaultAction, NodeSelector, Scenario, ScriptedFault, TriggeredFault } from '../scenario/types.js';
import { drawFault, drawTrigger, nodeName, renumber, sortFaults, type SwarmDraw } from './swarm.js';

const MS = 1000;
const MUTATIONS = ['add', 'drop', 'shift', 'retarget', 'add-rule', 'drop-rule', 'reseed'] as const;
type Mutation = (typeof MUTATIONS)[number];

export function mutate(parent: SwarmDraw, r: Random, name: string, protocol?: ProtocolDefinition<any, any>): SwarmDraw {
  let faults: ScriptedFault[] = parent.scenario.faults.slice();
  let triggers: TriggeredFault[] = (parent.scenario.triggers ?? []).slice();
  let seed = parent.scenario.seed;
  const { nodes, durationUs } = parent.scenario;
  const count = r.between(1, 3);
  for (let k = 0; k < count; k++) {
    const m: Mutation = r.pick(MUTATIONS);
    switch (m) {
      case 'add': {
        const at = r.int(Math.max(1, durationUs));
        for (const f of drawFault(r, parent.knobs, nodes, at).faults) if (f.atUs < durationUs) faults.push(f);
        break;
      }
      case 'drop':
        if (faults.length > 0) faults.splice(r.int(faults.length), 1);
        break;
      case 'shift': {
        if (faults.length === 0) break;
        const i = r.int(faults.length);
        const f = faults[i] as ScriptedFault;
        const delta = r.between(1, 500) * MS * (r.chance(0.5) ? 1 : -1);
        faults[i] = { ...f, atUs: Math.min(durationUs - 1, Math.max(0, f.atUs + delta)) };
        break;
      }
      case 'retarget': {
        if (faults.length === 0) break;
        const i = r.int(faults.length);
        const f = faults[i] as ScriptedFault;
        faults[i] = { ...f, action: retarget(f.action, r, nodes) };
        break;
      }
      case 'add-rule':
        triggers.push(drawTrigger(r, nodes, 0));
        break;
      case 'drop-rule':
        if (triggers.length > 0) triggers.splice(r.int(triggers.length), 1);
        break;
      case 'reseed':
        seed = r.between(1, 2 ** 31 - 1);
        break;
    }
  }
  faults = sortFaults(faults).slice(0, 200);
  triggers = renumber(triggers.slice(0, 8), faults.length);
  const { triggers: _old, ...rest } = parent.scenario;
  const scenario: Scenario = { ...rest, name, seed, faults, ...(triggers.length === 0 ? {} : { triggers }) };
  return { scenario: protocol === undefined ? scenario : fitFaultModel(scenario, protocol), knobs: parent.knobs };
}

/** The same action on another node (a selector word becomes a concrete node now and then). */
function retarget(action: FaultAction, r: Random, nodes: number): FaultAction {
  const other = (s: NodeSelector): NodeSelector => (s.kind === 'rest' || s.kind === 'all' ? s : { kind: 'node', node: nodeName(r.int(nodes)) });
  switch (action.kind) {
    case 'crash':
    case 'pause':
    case 'clock':
    case 'restart':
    case 'heal':
      return { ...action, target: other(action.target) };
    case 'cut': {
      const from = other(action.from);
      const to = action.to.map(other).filter((s) => !(s.kind === 'node' && from.kind === 'node' && s.node === from.node));
      return to.length === 0 ? action : { ...action, from, to };
    }
    case 'partition': {
      // One side gets one random node; the other side stays `rest`. (Only two-sided splits: more
      // sides could name one node twice.)
      if (action.groups.filter((g) => !g.some((s) => s.kind === 'rest')).length !== 1) return action;
      const groups = action.groups.map((g) => (g.some((s) => s.kind === 'rest') ? g : [{ kind: 'node', node: nodeName(r.int(nodes)) } as NodeSelector]));
      return { kind: 'partition', groups };
    }
  }
}

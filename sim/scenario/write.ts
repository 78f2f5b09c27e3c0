/**
 * A `Scenario` back to scenario-file text (YAML), so that what explore draws and what shrink keeps
 * are ordinary files: `consensim run FILE` loads them like any other. Durations are written in
 * their shortest exact spelling, every section is written out (nothing depends on defaults that
 * may change), and loading the text gives back the same scenario (test/explore/swarm.test.ts).
 */
import type { ProtocolDefinition } from '../../protocols/api.js';
import { protocolModuleOf } from '../protocol-modules.js';
import { formatDuration } from './fields.js';
import type { FaultAction, LatencySpec, NodeSelector, Scenario, ScriptedFault, TriggeredFault, TriggerTarget } from './types.js';

export function scenarioToYaml(scenario: Scenario, protocol: ProtocolDefinition<any, any>): string {
  const d = formatDuration;
  const lines: string[] = [];
  lines.push(`name: ${scenario.name}`);
  if (scenario.description !== '') lines.push(`description: ${JSON.stringify(scenario.description)}`);
  // A protocol loaded from a module is written as that module's absolute path, so the file runs anywhere.
  const module = protocolModuleOf(protocol);
  lines.push(`protocol: ${module === undefined ? scenario.protocol : JSON.stringify(module)}`, `nodes: ${scenario.nodes}`, `seed: ${scenario.seed}`);
  lines.push(`duration: ${d(scenario.durationUs)}`, `settle: ${d(scenario.settleUs)}`);
  const options = Object.entries(scenario.protocolOptions).map(([name, value]) => {
    const spec = protocol.options[name];
    return `${name}: ${spec?.type === 'duration' ? d(value as number) : JSON.stringify(value)}`;
  });
  lines.push(`protocolOptions: {${options.length === 0 ? '' : ` ${options.join(', ')} `}}`);
  const net = scenario.network;
  lines.push('network:', `  latency: ${latency(net.latency)}`, `  loss: ${net.loss}`, `  duplicate: ${net.duplicate}`);
  lines.push(`clock: { skew: ${d(scenario.clock.skewUs)}, drift: ${scenario.clock.driftPpm}ppm }`);
  const w = scenario.workload;
  lines.push(
    'workload:',
    `  clients: ${w.clients}`,
    `  keys: ${w.keys}`,
    `  mix: { read: ${w.mix.read}, write: ${w.mix.write}, cas: ${w.mix.cas} }`,
    `  interval: ${d(w.intervalUs)}`,
    `  timeout: ${d(w.timeoutUs)}`,
  );
  const entries = faultEntries(scenario);
  if (entries.length === 0) lines.push('faults: []');
  else lines.push('faults:', ...entries.map((e) => `  - ${e}`));
  lines.push(scenario.nemesis === null ? 'nemesis: none' : `nemesis: { every: ${d(scenario.nemesis.everyUs)}, faults: [${scenario.nemesis.faults.join(', ')}] }`);
  const byz = Object.entries(scenario.byzantine);
  if (byz.length > 0) lines.push(`byzantine: { ${byz.map(([n, b]) => `${n}: ${b}`).join(', ')} }`);
  const checks = (['linearizability', 'invariants', 'liveness'] as const).filter((c) => scenario.checks[c]);
  lines.push(`checks: [${checks.join(', ')}]`);
  lines.push(`bugs: [${scenario.bugs.join(', ')}]`);
  if (scenario.expect !== undefined) lines.push(`expect: ${scenario.expect}`);
  return lines.join('\n') + '\n';
}

function latency(spec: LatencySpec): string {
  switch (spec.dist) {
    case 'uniform':
      return `{ min: ${formatDuration(spec.minUs)}, max: ${formatDuration(spec.maxUs)} }`;
    case 'exponential':
      return `{ dist: exponential, mean: ${formatDuration(spec.meanUs)} }`;
    case 'fixed':
      return `{ dist: fixed, value: ${formatDuration(spec.valueUs)} }`;
  }
}

/** Timed and event-triggered entries, the triggered ones back at their own places in the list. */
function faultEntries(scenario: Scenario): string[] {
  const timed = scenario.faults.map(timedEntry);
  const triggers = [...(scenario.triggers ?? [])].sort((a, b) => a.index - b.index);
  const out = timed.slice();
  for (const t of triggers) out.splice(Math.min(t.index, out.length), 0, triggerEntry(t));
  return out;
}

export function selectorText(s: NodeSelector): string {
  return s.kind === 'node' ? s.node : s.kind;
}

export function actionText(a: FaultAction): string {
  switch (a.kind) {
    case 'partition':
      return `partition: [${a.groups.map((g) => (g.length === 1 && g[0]?.kind === 'rest' ? 'rest' : `[${g.map(selectorText).join(', ')}]`)).join(', ')}]`;
    case 'heal':
      return `heal: ${selectorText(a.target)}`;
    case 'crash':
      return `crash: ${selectorText(a.target)}${a.restartUs === null ? '' : `, restart: ${formatDuration(a.restartUs)}`}${a.amnesia ? ', amnesia: true' : ''}`;
    case 'restart':
      return `restart: ${selectorText(a.target)}`;
    case 'pause':
      return `pause: ${selectorText(a.target)}, for: ${formatDuration(a.forUs)}`;
    case 'clock':
      return `clock: ${selectorText(a.target)}, jump: ${formatDuration(a.jumpUs)}`;
    case 'cut':
      return `cut: { from: ${selectorText(a.from)}, to: [${a.to.map(selectorText).join(', ')}] }`;
  }
}

function timedEntry(f: ScriptedFault): string {
  return `{ at: ${formatDuration(f.atUs)}, ${actionText(f.action)} }`;
}

function targetText(t: TriggerTarget): string {
  return t.kind === 'selector' ? selectorText(t.selector) : t.kind;
}

function triggerEntry(t: TriggeredFault): string {
  const w = t.when;
  const when = [`moment: ${w.moment}`];
  if (w.node !== 'any') when.push(`node: ${w.node}`);
  if (w.nth !== 1) when.push(`nth: ${w.nth}`);
  if (w.chance !== 1) when.push(`chance: ${w.chance}`);
  if (w.times !== 1) when.push(`times: ${w.times}`);
  const a = t.action;
  let action: string;
  switch (a.kind) {
    case 'crash':
      action = `crash: ${targetText(a.target)}${a.restartUs === null ? '' : `, restart: ${formatDuration(a.restartUs)}`}${a.amnesia ? ', amnesia: true' : ''}`;
      break;
    case 'pause':
    case 'isolate':
      action = `${a.kind}: ${targetText(a.target)}, for: ${formatDuration(a.forUs)}`;
      break;
    case 'cut':
      action = `cut: { from: ${targetText(a.from)}, to: ${targetText(a.to)} }, for: ${formatDuration(a.forUs)}`;
      break;
  }
  return `{ when: { ${when.join(', ')} }, ${action} }`;
}

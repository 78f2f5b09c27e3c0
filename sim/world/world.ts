/**
 * The world: one virtual timeline driving protocol nodes and generic clients over a faulty network.
 *
 * A single loop pops the earliest event (time µs, then sequence number) and dispatches on its kind.
 * Node events (start, message, timer, request) run the node synchronously; everything it asks for
 * through its env takes effect at once and in order. After every node event the host inspects the
 * node (role changes go into the trace) and runs the protocol's monitor; the first violation stops
 * the run. Every loop and queue is bounded; exceeding a bound is reported like a violation.
 *
 * Phases (TigerBeetle's VOPR shape): a safety phase of `durationUs` with clients, scripted faults
 * and the nemesis; then faults stop (partitions heal, crashed nodes restart, paused nodes resume),
 * clients finish their op and send one probe read each, and the run settles until
 * `durationUs + settleUs`.
 */
import type {
  ClientId,
  ClientReply,
  InvariantFinding,
  InvariantMonitor,
  Moment,
  NodeId,
  NodeView,
  ProtocolDefinition,
  ProtocolMoment,
  Signature,
} from '../../protocols/api.js';
import { assertNever } from '../../protocols/api.js';
import { isLocalAssertion } from '../../protocols/kit/assert.js';
import { commandKey, type Command, type KvOp } from '../../protocols/kv.js';
import type { HistoryEvent } from '../history/types.js';
import { stream, type Random } from '../random.js';
import type { InvariantViolation, SkippedFault } from '../result.js';
import type { Scenario, ScriptedFault } from '../scenario/types.js';
import { Client, type ClientServices, type ClientTimer } from '../workload/client.js';
import { HistoryRecorder } from '../workload/history.js';
import { AppliedLedger, TrackedMachine } from './applied.js';
import { NodeClock } from './clock.js';
import { EventKind, EventQueue, type SimEvent } from './event-queue.js';
import { createEnv, deepFreeze, Host, NodeApiError, type HostServices } from './host.js';
import { Network } from './network.js';
import { applyFault, healLinks, type FaultSkip, type FaultSource, type FaultTarget } from './faults.js';
import { TriggerRules, triggerNodes, type TriggerFiring } from './triggers.js';
import type { FaultAction, TriggeredFault, TriggerTarget } from '../scenario/types.js';
import { Nemesis } from './nemesis.js';
import { range, resolveSelector, type SelectorContext } from './selectors.js';
import { SignatureAuthority } from './signatures.js';
import { MemoryStore } from './storage.js';
import { SNAPSHOT_INTERVAL_US, type DropReason, type TraceSink } from './trace.js';

export interface WorldLimits {
  /** Events handled before the run is stopped as a failure. */
  readonly maxEvents: number;
  /** Events waiting in the queue before the run is stopped as a failure. */
  readonly maxQueue: number;
  /** Events at one virtual microsecond before the run is stopped (time stopped advancing). */
  readonly maxEventsPerInstant: number;
}

export function defaultLimits(scenario: Scenario): WorldLimits {
  const virtualMs = Math.ceil((scenario.durationUs + scenario.settleUs) / 1000);
  return { maxEvents: 1_000_000 + 200 * virtualMs, maxQueue: 1_000_000, maxEventsPerInstant: 100_000 };
}

export interface WorldConfig {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly protocol: ProtocolDefinition<any, any>;
  readonly bugs: ReadonlySet<string>;
  readonly trace: TraceSink;
  readonly limits: WorldLimits;
  /** Let exceptions thrown by node code propagate instead of reporting them as a violation. */
  readonly rethrow: boolean;
  /** Told of every history event as it is recorded; with `keepHistory: false`, nothing else keeps them. */
  readonly historySink?: (event: HistoryEvent) => void;
  /** Default true. */
  readonly keepHistory?: boolean;
}

/**
 * Told of every moment of every node, as it happens (inside the node's step). A listener must not
 * change the world there and then: to act on a moment, schedule an event (the node's step runs to
 * its end first, so "crash it right after it votes" means after the vote was sent).
 */
export type MomentListener = (node: NodeId, moment: Moment, time: number) => void;

/**
 * Told every node's `inspect()` view (null while down) after everything at or before each of
 * `timesUs` has happened, and before anything later: for tests that compare a rebuilt state with
 * the protocol's own. Inspecting never changes the run.
 */
export interface InspectProbe {
  readonly timesUs: readonly number[];
  onInspect(timeUs: number, views: readonly (NodeView | null)[]): void;
}

/** The fields every NodeView has (a snapshot lists the protocol's other fields under `view`). */
const COMMON_VIEW_FIELDS: ReadonlySet<string> = new Set(['role', 'term', 'leader', 'commitIndex', 'appliedIndex', 'logLength']);
/** Commands a snapshot's log summary shows. */
const RECENT_APPLIED = 3;

/** "c1#4 write k1=7", "c2#9 read k3", "c1#5 cas k2 3→4": a command in a few words. */
export function describeCommand(cmd: Command): string {
  const op = cmd.op;
  const head = `${commandKey(cmd)} ${op.f} ${op.key}`;
  switch (op.f) {
    case 'read':
      return head;
    case 'write':
      return `${head}=${JSON.stringify(op.value)}`;
    case 'cas':
      return `${head} ${JSON.stringify(op.expected)}→${JSON.stringify(op.value)}`;
    case 'append':
      return `${head}+=${JSON.stringify(op.value)}`;
    default:
      return assertNever(op);
  }
}

const FaultEndAction = { Restart: 0, Resume: 1, Heal: 2 } as const;
/** Skipped faults kept for the result; a scenario has at most 10,000 faults, each may skip on every node. */
const MAX_SKIPPED_FAULTS = 1_000;
const Phase = { Settle: 0, End: 1 } as const;

export class World implements HostServices, ClientServices, FaultTarget {
  now = 0;
  events = 0;
  readonly sent = { sent: 0, delivered: 0, dropped: 0, duplicated: 0 };
  violation: InvariantViolation | null = null;
  phase: 'safety' | 'settle' | 'ended' = 'safety';
  readonly hosts: Host[];
  readonly clients: Client[];
  readonly nodes: readonly NodeId[];
  readonly history: HistoryRecorder;
  /** Scripted faults that did nothing when they fired (at most MAX_SKIPPED_FAULTS kept). */
  readonly skippedFaults: SkippedFault[] = [];

  private readonly scenario: Scenario;
  private readonly protocol: ProtocolDefinition<any, any>;
  private readonly bugs: ReadonlySet<string>;
  private readonly trace: TraceSink;
  private readonly limits: WorldLimits;
  private readonly rethrow: boolean;
  private readonly queue = new EventQueue();
  readonly network: Network;
  private readonly faultsRandom: Random;
  private readonly ledger: AppliedLedger | null;
  /** False for a protocol that declares no replicated command order (`commandOrder: 'none'`). */
  private readonly ordered: boolean;
  private readonly monitor: InvariantMonitor<unknown, NodeView> | null;
  private readonly signatures = new SignatureAuthority();
  readonly selectors: SelectorContext;
  private readonly endUs: number;
  private readonly nodeIndices: ReadonlyMap<string, number>;
  private messageSeq = 0;
  private nextProcess: number;
  private nextValue = 0;
  private readonly nemesis: Nemesis | null;
  private readonly momentListeners: MomentListener[] = [];
  /** Derive moments (leader, commit, apply, persist) at all: for the trace, or for a listener. */
  private momentsWanted = false;
  /** The next virtual time at which every live node's state is written to the trace. */
  private nextSnapshotUs = SNAPSHOT_INTERVAL_US;
  private probe: { readonly times: readonly number[]; next: number; readonly onInspect: InspectProbe['onInspect'] } | null = null;
  /** The scripted fault being applied, for the line a skipped fault is reported at. */
  private currentFault: ScriptedFault | null = null;
  private readonly triggerRules: TriggerRules | null;
  /**
   * What the event-triggered faults did, as timed faults on explicit nodes (a heal for the end of an
   * isolate or cut): the same run with these scripted instead reproduces it (explore writes them).
   */
  readonly firedFaults: ScriptedFault[] = [];
  /**
   * The same firings as rules pinned to them: one rule per firing, on that node's nth moment of
   * that kind, acting on explicit nodes. Exact where timed faults are only close (a timed fault
   * runs before the step that reported the moment, so it is written one microsecond later).
   */
  readonly firedRules: TriggeredFault[] = [];

  constructor(config: WorldConfig) {
    const { scenario, seed } = config;
    if (!Number.isInteger(scenario.nodes) || scenario.nodes < 1) throw new Error(`nodes must be ≥ 1, got ${scenario.nodes}`);
    this.scenario = scenario;
    this.protocol = config.protocol;
    this.bugs = config.bugs;
    this.trace = config.trace;
    this.limits = config.limits;
    this.rethrow = config.rethrow;
    this.endUs = scenario.durationUs + scenario.settleUs;
    this.nodes = Object.freeze(range(scenario.nodes).map((i): NodeId => `n${i + 1}`));
    this.nodeIndices = new Map(this.nodes.map((id, i) => [id, i]));
    this.network = new Network(scenario.network, scenario.nodes, stream(seed, 'network'));
    this.faultsRandom = stream(seed, 'faults');
    this.selectors = { n: scenario.nodes, leader: () => this.leaderIndex(), random: this.faultsRandom };
    const nemesisSpec = scenario.nemesis;
    this.nemesis =
      nemesisSpec !== null && nemesisSpec.faults.length > 0 && nemesisSpec.everyUs > 0 ? new Nemesis(nemesisSpec, this.faultsRandom, this) : null;
    const checkInvariants = scenario.checks.invariants;
    // A protocol with no replicated command order has no applied sequence to compare.
    this.ordered = config.protocol.commandOrder !== 'none';
    this.ledger = checkInvariants && this.ordered ? new AppliedLedger((v) => this.violate(v.name, v.node, v.detail)) : null;
    this.monitor =
      checkInvariants && config.protocol.createMonitor !== undefined
        ? config.protocol.createMonitor({
            nodes: this.nodes,
            options: scenario.protocolOptions,
            bugs: config.bugs,
            isCorrect: (node: NodeId) => scenario.byzantine[node] === undefined,
          })
        : null;
    this.hosts = this.createHosts(seed);
    this.history = new HistoryRecorder(config.trace, (detail) => this.violate('limit:instant', null, detail), {
      keep: config.keepHistory ?? true,
      ...(config.historySink === undefined ? {} : { sink: config.historySink }),
    });
    const policy = config.protocol.clientPolicy(scenario.nodes, scenario.protocolOptions, config.bugs);
    this.clients = range(scenario.workload.clients).map(
      (i) =>
        new Client(i, this.nodes, scenario.workload, policy, stream(seed, `client:c${i + 1}`), stream(seed, `workload:c${i + 1}`), this, this.history),
    );
    this.nextProcess = scenario.workload.clients;
    if (config.trace.enabled) this.wantMoments();
    const triggers = scenario.triggers ?? [];
    this.triggerRules = triggers.length === 0 ? null : new TriggerRules(triggers, seed);
    if (this.triggerRules !== null) this.watchMoments((node, moment) => this.onTriggerMoment(node, moment));
  }

  private createHosts(seed: number): Host[] {
    const clockRandom = stream(seed, 'clock');
    const { skewUs, driftPpm } = this.scenario.clock;
    return this.nodes.map((id, index) => {
      const offset = skewUs > 0 ? clockRandom.between(-skewUs, skewUs) : 0;
      const drift = driftPpm > 0 ? (clockRandom.next() * 2 - 1) * driftPpm : 0;
      const correct = this.scenario.byzantine[id] === undefined;
      return new Host(index, id, correct, new NodeClock(skewUs, offset, drift), new MemoryStore(), stream(seed, `node:${id}`));
    });
  }

  /**
   * Watch every node's moments (see MomentListener). Call before `run()`. Without a listener the
   * host derives no moments at all, so runs that watch none pay nothing.
   */
  watchMoments(listener: MomentListener): void {
    this.momentListeners.push(listener);
    this.wantMoments();
  }

  /** Moments go into the trace when it is on, and to listeners; without either none are derived. */
  private wantMoments(): void {
    if (this.momentsWanted) return;
    this.momentsWanted = true;
    for (const host of this.hosts) host.store.onPersist = () => this.tellMoment(host.id, { kind: 'persist' });
  }

  private applied(host: Host, index: number, cmd: Command): void {
    if (this.trace.enabled) {
      const recent = host.recentApplied;
      if (recent.length >= RECENT_APPLIED) recent.shift();
      recent.push(`${index}: ${describeCommand(cmd)}`);
    }
    this.tellMoment(host.id, { kind: 'apply', index, cmd });
  }

  /** Every node's view now (null while it is down); for observers, between or inside steps. */
  views(): (NodeView | null)[] {
    return this.hosts.map((host) => (host.node === null ? null : host.node.inspect()));
  }

  private tellMoment(node: NodeId, moment: Moment): void {
    if (this.trace.enabled) this.traceMoment(node, moment);
    for (const listener of this.momentListeners) listener(node, moment, this.now);
  }

  /** A moment as a trace event: `t`, `kind`, `node`, then the moment's own fields in a fixed order. */
  private traceMoment(node: NodeId, moment: Moment): void {
    const t = this.now;
    switch (moment.kind) {
      case 'vote':
        return this.trace.emit({ t, kind: 'vote', node, for: moment.for, term: moment.term });
      case 'ack':
        return this.trace.emit({ t, kind: 'ack', node, to: moment.to, index: moment.index, term: moment.term });
      case 'era-change':
        return this.trace.emit({ t, kind: 'era-change', node, term: moment.term });
      case 'leader':
        return this.trace.emit({ t, kind: 'leader', node, term: moment.term });
      case 'commit':
        return this.trace.emit({ t, kind: 'commit', node, index: moment.index });
      case 'apply':
        return this.trace.emit({ t, kind: 'apply', node, index: moment.index, cmd: moment.cmd });
      case 'persist':
        return this.trace.emit({ t, kind: 'persist', node });
      default:
        return assertNever(moment);
    }
  }

  /**
   * Write a node-state snapshot: the view's common fields, its own scalar fields (arrays as their
   * length), and the last few commands applied. Only while the trace is on.
   */
  private snapshot(host: Host, view: NodeView, t: number): void {
    const extra: Record<string, string | number | boolean | null> = {};
    const record = view as unknown as Readonly<Record<string, unknown>>;
    for (const key of Object.keys(record)) {
      if (COMMON_VIEW_FIELDS.has(key)) continue;
      const value = record[key];
      if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') extra[key] = value;
      else if (Array.isArray(value)) extra[`${key}.length`] = value.length;
    }
    host.shownCommit = view.commitIndex;
    host.shownApplied = view.appliedIndex;
    host.shownLog = view.logLength;
    this.trace.emit({
      t,
      kind: 'state',
      node: host.id,
      role: view.role,
      term: view.term,
      leader: view.leader,
      commitIndex: view.commitIndex,
      appliedIndex: view.appliedIndex,
      logLength: view.logLength,
      view: extra,
      log: host.recentApplied.slice(),
    });
  }

  /** Every live node's state at the snapshot tick `t` (nothing has happened since the last event). */
  private snapshotAll(t: number): void {
    for (const host of this.hosts) {
      if (host.node !== null) this.snapshot(host, host.node.inspect(), t);
    }
  }

  // ---------------------------------------------------------------- the loop

  run(): void {
    this.schedulePlan();
    for (const host of this.hosts) this.guarded(host, () => this.boot(host));
    for (const client of this.clients) client.start();
    const queue = this.queue;
    const { maxEvents, maxQueue, maxEventsPerInstant } = this.limits;
    let atThisInstant = 0;
    while (this.violation === null && this.phase !== 'ended') {
      const ev = queue.pop();
      if (ev === undefined) break;
      if (this.probe !== null) this.inspectUntil(ev.t);
      if (ev.t > this.endUs) break;
      if (ev.t >= this.nextSnapshotUs) {
        const tick = ev.t - (ev.t % SNAPSHOT_INTERVAL_US);
        this.nextSnapshotUs = tick + SNAPSHOT_INTERVAL_US;
        if (this.trace.enabled) this.snapshotAll(tick);
      }
      atThisInstant = ev.t === this.now ? atThisInstant + 1 : 1;
      this.now = ev.t;
      if (this.dispatchGuarded(ev)) this.events++;
      if (ev.requeued) ev.requeued = false;
      else if (!ev.parked) queue.release(ev);
      if (this.events > maxEvents) {
        this.violate('limit:events', null, `more than ${maxEvents} events (a livelock, or raise the limit)`);
      } else if (queue.size > maxQueue) {
        this.violate('limit:queue', null, `more than ${maxQueue} events queued at once`);
      } else if (atThisInstant > maxEventsPerInstant) {
        this.violate('limit:instant', null, `more than ${maxEventsPerInstant} events at ${this.now}µs: virtual time stopped advancing (zero latency and zero think time, or a zero-delay timer loop)`);
      }
    }
    if (this.phase !== 'ended' && this.violation === null) this.now = Math.max(this.now, this.endUs);
    if (this.probe !== null) this.inspectUntil(Infinity);
  }

  /** See InspectProbe. Call before `run()`. */
  inspectAt(probe: InspectProbe): void {
    this.probe = { times: [...probe.timesUs].sort((a, b) => a - b), next: 0, onInspect: probe.onInspect.bind(probe) };
  }

  /** Report every probe time strictly before `t` (everything at those times has happened). */
  private inspectUntil(t: number): void {
    const probe = this.probe as NonNullable<World['probe']>;
    while (probe.next < probe.times.length && (probe.times[probe.next] as number) < t) {
      const at = probe.times[probe.next++] as number;
      if (at > this.endUs && t !== Infinity) break;
      probe.onInspect(at, this.hosts.map((h) => (h.node === null ? null : h.node.inspect())));
    }
  }

  private schedulePlan(): void {
    const { scenario } = this;
    scenario.faults.forEach((fault, index) => {
      if (fault.atUs < scenario.durationUs) this.queue.push(fault.atUs, EventKind.Fault, -1).n1 = index;
    });
    if (this.nemesis !== null) {
      const first = this.nemesis.firstStartUs();
      if (first < scenario.durationUs) this.queue.push(first, EventKind.Nemesis, -1).n1 = 0;
    }
    this.queue.push(scenario.durationUs, EventKind.Phase, -1).n1 = Phase.Settle;
    this.queue.push(this.endUs, EventKind.Phase, -1).n1 = Phase.End;
  }

  /**
   * Protocol code also runs outside node steps (inspect() for the leader selector, a monitor's
   * onCrash); if it throws there, the run fails the same way as for a throwing node.
   */
  private dispatchGuarded(ev: SimEvent): boolean {
    try {
      return this.dispatch(ev);
    } catch (error) {
      if (this.rethrow) throw error;
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      this.violate('exception', null, `protocol code threw ${message}`);
      return true;
    }
  }

  /** Handle one event; false for stale events that do not count. */
  private dispatch(ev: SimEvent): boolean {
    switch (ev.kind) {
      case EventKind.Deliver:
        return this.deliverMessage(ev);
      case EventKind.Request:
        return this.deliverRequest(ev);
      case EventKind.Reply:
        return this.deliverReply(ev);
      case EventKind.NodeTimer:
        return this.fireNodeTimer(ev);
      case EventKind.ClientTimer:
        return (this.clients[ev.target] as Client).onTimer(ev.n1 as ClientTimer, ev.n2);
      case EventKind.Fault:
        if (this.phase === 'safety') this.applyScripted(ev.n1);
        return true;
      case EventKind.Nemesis:
        this.onNemesis(ev.n1);
        return true;
      case EventKind.FaultEnd:
        this.faultEnd(ev);
        return true;
      case EventKind.Phase:
        if (ev.n1 === Phase.Settle) this.startSettle();
        else this.endRun();
        return true;
      case EventKind.Trigger:
        if (this.phase === 'safety') this.fireTrigger({ rule: ev.n1, node: ev.target, peer: ev.n2, occurrence: ev.payload as number });
        return true;
      default:
        throw new Error(`unknown event kind ${String(ev.kind)}`);
    }
  }

  /** Run node code; an exception becomes a violation (unless rethrow is set). */
  private guarded(host: Host, body: () => void): void {
    try {
      body();
    } catch (error) {
      this.nodeThrew(host, error);
    }
  }

  // ---------------------------------------------------------------- node events

  private deliverMessage(ev: SimEvent): boolean {
    const host = this.hosts[ev.target] as Host;
    if (host.state === 'down' || host.crashes !== ev.n2) return this.dropAtDelivery(ev, host.id, 'crashed');
    if (this.network.isBlocked(ev.source, ev.target)) return this.dropAtDelivery(ev, host.id, 'partition');
    if (host.state === 'paused') return this.park(host, ev);
    this.sent.delivered++;
    if (this.trace.enabled) this.trace.emit({ t: this.now, kind: 'deliver', id: ev.n1, from: ev.from, to: host.id });
    const node = host.node;
    if (node === null) throw new Error(`${host.id} is up without a node`);
    try {
      node.onMessage(ev.from as NodeId, ev.payload);
      this.afterStep(host);
    } catch (error) {
      this.nodeThrew(host, error);
    }
    return true;
  }

  private deliverRequest(ev: SimEvent): boolean {
    const host = this.hosts[ev.target] as Host;
    if (host.state === 'down') return this.dropAtDelivery(ev, host.id, 'crashed');
    if (host.state === 'paused') return this.park(host, ev);
    this.sent.delivered++;
    if (this.trace.enabled) this.trace.emit({ t: this.now, kind: 'deliver', id: ev.n1, from: ev.from, to: host.id });
    const node = host.node;
    if (node === null) throw new Error(`${host.id} is up without a node`);
    try {
      node.onRequest(ev.from as ClientId, ev.n2, ev.payload as KvOp);
      this.afterStep(host);
    } catch (error) {
      this.nodeThrew(host, error);
    }
    return true;
  }

  private fireNodeTimer(ev: SimEvent): boolean {
    const host = this.hosts[ev.target] as Host;
    if (host.state === 'down') return false;
    const slot = host.timers.get(ev.name);
    if (slot === undefined || slot.ev !== ev) return false; // cancelled, re-armed earlier, or from before a crash
    if (slot.t > ev.t || (slot.t === ev.t && slot.seq > ev.seq)) {
      // Re-armed for later since it was queued: not due yet.
      this.queue.requeue(ev, slot.t, slot.seq);
      return false;
    }
    if (host.state === 'paused') return this.park(host, ev);
    host.timers.delete(ev.name);
    if (this.trace.enabled) this.trace.emit({ t: this.now, kind: 'timer', node: host.id, name: ev.name });
    const node = host.node;
    if (node === null) throw new Error(`${host.id} is up without a node`);
    try {
      const hooks = host.hooks;
      if (hooks !== null && hooks.onTimer !== undefined && ev.name.startsWith('byz:')) hooks.onTimer(ev.name);
      else node.onTimer(ev.name);
      this.afterStep(host);
    } catch (error) {
      this.nodeThrew(host, error);
    }
    return true;
  }

  private nodeThrew(host: Host, error: unknown): void {
    if (this.rethrow) throw error;
    if (error instanceof NodeApiError) return this.violate('node-api', host.id, `${host.id} broke the node API: ${error.message}`);
    if (isLocalAssertion(error)) return this.violate('assertion', host.id, `${host.id} failed a local assertion: ${error.message}`);
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    this.violate('exception', host.id, `${host.id} threw ${message}${frozenHint(error)}`);
  }

  private park(host: Host, ev: SimEvent): boolean {
    if (host.parked.length >= this.limits.maxQueue) {
      this.violate('limit:queue', host.id, `more than ${this.limits.maxQueue} events waiting for paused ${host.id}`);
    }
    ev.parked = true;
    host.parked.push(ev);
    return false;
  }

  /** After every node event: role changes into the trace, then the protocol's monitor. */
  private afterStep(host: Host): void {
    const node = host.node;
    if (node === null) return;
    const watching = this.momentsWanted;
    const tracing = this.trace.enabled;
    if (!tracing && this.monitor === null && !watching) return;
    const view = node.inspect();
    let snapshotted = false;
    if (view.role !== host.lastRole || view.term !== host.lastTerm || view.leader !== host.lastLeader) {
      const becameLeader = view.leader === host.id && (host.lastLeader !== host.id || host.lastTerm !== view.term);
      host.lastRole = view.role;
      host.lastTerm = view.term;
      host.lastLeader = view.leader;
      if (tracing) {
        this.trace.emit({ t: this.now, kind: 'role', node: host.id, role: view.role, term: view.term, leader: view.leader });
        this.snapshot(host, view, this.now);
        snapshotted = true;
      }
      if (watching && becameLeader) this.tellMoment(host.id, { kind: 'leader', term: view.term });
    }
    if (watching && view.commitIndex > host.lastCommit) {
      host.lastCommit = view.commitIndex;
      this.tellMoment(host.id, { kind: 'commit', index: view.commitIndex });
    }
    if (tracing && !snapshotted && (view.commitIndex !== host.shownCommit || view.appliedIndex !== host.shownApplied || view.logLength !== host.shownLog)) {
      host.shownCommit = view.commitIndex;
      host.shownApplied = view.appliedIndex;
      host.shownLog = view.logLength;
      this.trace.emit({ t: this.now, kind: 'progress', node: host.id, commitIndex: view.commitIndex, appliedIndex: view.appliedIndex, logLength: view.logLength });
    }
    if (this.monitor !== null) this.finding(host.id, this.monitor.afterStep(host.id, view, this.now));
  }

  private finding(node: NodeId | null, finding: InvariantFinding | null): void {
    if (finding === null || this.violation !== null) return;
    this.violate(finding.name, finding.nodes[0] ?? node, finding.detail);
  }

  violate(name: string, node: NodeId | null, detail: string): void {
    if (this.violation !== null) return;
    this.violation = Object.freeze({ name, time: this.now, node, detail });
    if (this.trace.enabled) this.trace.emit({ t: this.now, kind: 'violation', name, node, detail });
  }

  // ---------------------------------------------------------------- HostServices (a node's env)

  localNow(host: Host): number {
    return host.clock.local(this.now);
  }

  send(host: Host, to: NodeId, msg: unknown): void {
    const toIndex = this.nodeIndex(to);
    deepFreeze(msg);
    const id = ++this.messageSeq;
    this.sent.sent++;
    if (this.monitor !== null && this.monitor.onSend !== undefined) {
      this.finding(host.id, this.monitor.onSend(host.id, to, msg, this.now));
    }
    if (this.trace.enabled) this.trace.emitSend(this.now, id, host.id, to, msg);
    if (this.network.isBlocked(host.index, toIndex)) return this.dropAtSend(id, host.id, to, 'partition');
    if (this.network.lost()) return this.dropAtSend(id, host.id, to, 'loss');
    this.scheduleDelivery(EventKind.Deliver, toIndex, host.index, host.id, id, (this.hosts[toIndex] as Host).crashes, msg);
    if (this.network.duplicated()) {
      this.sent.duplicated++;
      if (this.trace.enabled) this.trace.emit({ t: this.now, kind: 'duplicate', id, from: host.id, to });
      this.scheduleDelivery(EventKind.Deliver, toIndex, host.index, host.id, id, (this.hosts[toIndex] as Host).crashes, msg);
    }
  }

  setTimer(host: Host, name: string, afterMicros: number): void {
    if (typeof name !== 'string') throw new NodeApiError(`setTimer with a name that is not a string (${typeof name})`);
    if (!Number.isFinite(afterMicros) || afterMicros < 0) throw new NodeApiError(`setTimer("${name}", ${afterMicros}): expected a non-negative number of microseconds`);
    const t = this.now + host.clock.realDuration(afterMicros);
    const seq = this.queue.takeSeq();
    const slot = host.timers.get(name);
    if (slot !== undefined && slot.ev.t <= t && !slot.ev.parked) {
      // Its queued event comes up no later than the new time: it will be put back then (fireNodeTimer).
      slot.t = t;
      slot.seq = seq;
      return;
    }
    const ev = this.queue.pushWithSeq(t, seq, EventKind.NodeTimer, host.index);
    ev.name = name;
    if (slot === undefined) host.timers.set(name, { t, seq, ev });
    else {
      slot.t = t;
      slot.seq = seq;
      slot.ev = ev;
    }
  }

  cancelTimer(host: Host, name: string): void {
    host.timers.delete(name);
  }

  reply(host: Host, client: ClientId, reqId: number, reply: ClientReply): void {
    const clientIndex = this.clientIndex(client);
    deepFreeze(reply);
    const id = ++this.messageSeq;
    this.sent.sent++;
    if (this.trace.enabled) this.trace.emit({ t: this.now, kind: 'send', id, from: host.id, to: client, msg: { reqId, reply } });
    if (this.network.lost()) return this.dropAtSend(id, host.id, client, 'loss');
    this.scheduleDelivery(EventKind.Reply, clientIndex, host.index, host.id, id, reqId, reply);
    if (this.network.duplicated()) {
      this.sent.duplicated++;
      if (this.trace.enabled) this.trace.emit({ t: this.now, kind: 'duplicate', id, from: host.id, to: client });
      this.scheduleDelivery(EventKind.Reply, clientIndex, host.index, host.id, id, reqId, reply);
    }
  }

  sign(host: Host, msg: unknown): Signature {
    return this.signatures.sign(host.id, msg);
  }

  verify(sig: Signature, signer: NodeId, msg: unknown): boolean {
    return this.signatures.verify(sig, signer, msg);
  }

  note(host: Host, text: string): void {
    if (this.trace.enabled) this.trace.emit({ t: this.now, kind: 'note', node: host.id, text: String(text) });
  }

  moment(host: Host, moment: ProtocolMoment): void {
    if (this.momentsWanted && host.node !== null) this.tellMoment(host.id, moment);
  }

  private scheduleDelivery(kind: EventKind, target: number, source: number, from: string, id: number, n2: number, payload: unknown): void {
    const ev = this.queue.push(this.now + this.network.latency(), kind, target);
    ev.source = source;
    ev.from = from;
    ev.n1 = id;
    ev.n2 = n2;
    ev.payload = payload;
  }

  private dropAtSend(id: number, from: string, to: string, reason: DropReason): void {
    this.sent.dropped++;
    if (this.trace.enabled) this.trace.emit({ t: this.now, kind: 'drop', id, from, to, reason });
  }

  private dropAtDelivery(ev: SimEvent, to: string, reason: DropReason): boolean {
    this.sent.dropped++;
    if (this.trace.enabled) this.trace.emit({ t: this.now, kind: 'drop', id: ev.n1, from: ev.from, to, reason });
    return true;
  }

  private nodeIndex(id: NodeId): number {
    const index = this.nodeIndices.get(id);
    if (index === undefined) throw new NodeApiError(`sent to unknown node ${JSON.stringify(id) ?? String(id)} (the nodes are ${this.nodes[0]}..${this.nodes[this.nodes.length - 1]})`);
    return index;
  }

  private clientIndex(id: ClientId): number {
    const index = typeof id === 'string' && id.charCodeAt(0) === 99 ? Number(id.slice(1)) - 1 : NaN;
    if (!(index >= 0 && index < this.clients.length) || (this.clients[index] as Client).id !== id) {
      throw new NodeApiError(`replied to unknown client ${JSON.stringify(id) ?? String(id)}`);
    }
    return index;
  }

  // ---------------------------------------------------------------- ClientServices

  sendRequest(client: Client, to: number, reqId: number, op: KvOp): void {
    const id = ++this.messageSeq;
    const toId = this.nodes[to] as NodeId;
    this.sent.sent++;
    if (this.trace.enabled) this.trace.emit({ t: this.now, kind: 'send', id, from: client.id, to: toId, msg: { reqId, op } });
    if (this.network.lost()) return this.dropAtSend(id, client.id, toId, 'loss');
    this.scheduleDelivery(EventKind.Request, to, client.index, client.id, id, reqId, op);
    if (this.network.duplicated()) {
      this.sent.duplicated++;
      if (this.trace.enabled) this.trace.emit({ t: this.now, kind: 'duplicate', id, from: client.id, to: toId });
      this.scheduleDelivery(EventKind.Request, to, client.index, client.id, id, reqId, op);
    }
  }

  setClientTimer(client: Client, kind: ClientTimer, afterUs: number, token: number): void {
    const ev = this.queue.push(this.now + Math.max(0, Math.ceil(afterUs)), EventKind.ClientTimer, client.index);
    ev.n1 = kind;
    ev.n2 = token;
  }

  clientNow(): number {
    return this.now;
  }

  newProcess(): number {
    return this.nextProcess++;
  }

  uniqueValue(): number {
    return ++this.nextValue;
  }

  private deliverReply(ev: SimEvent): boolean {
    const client = this.clients[ev.target] as Client;
    this.sent.delivered++;
    if (this.trace.enabled) this.trace.emit({ t: this.now, kind: 'deliver', id: ev.n1, from: ev.from, to: client.id });
    client.onReply(ev.from as NodeId, ev.n2, ev.payload as ClientReply);
    return true;
  }

  // ---------------------------------------------------------------- host lifecycle

  private boot(host: Host): void {
    host.incarnation++;
    host.state = 'up';
    host.timers.clear();
    host.lastRole = '';
    host.lastTerm = -1;
    host.lastLeader = null;
    host.lastCommit = 0;
    host.shownCommit = -1;
    host.shownApplied = -1;
    host.shownLog = -1;
    host.recentApplied = [];
    const onApply = !this.momentsWanted ? null : (index: number, cmd: Command) => this.applied(host, index, cmd);
    const machine = new TrackedMachine(host.id, host.correct ? this.ledger : null, onApply);
    host.machine = machine;
    const env = createEnv(host, this.nodes, machine, this);
    const behaviourName = this.scenario.byzantine[host.id];
    let node: ReturnType<ProtocolDefinition<unknown>['createNode']> | null = null;
    if (behaviourName !== undefined) {
      const behaviour = this.protocol.byzantine?.[behaviourName];
      if (behaviour === undefined) throw new Error(`${this.protocol.name} has no byzantine behaviour ${behaviourName}`);
      const hooks = behaviour.wrap(env, () => {
        if (node === null) throw new Error('byzantine wrapper asked for the node before it exists');
        return node;
      });
      host.hooks = hooks;
      node = this.protocol.createNode({ env: hooks.env, options: this.scenario.protocolOptions, bugs: this.bugs });
    } else {
      host.hooks = null;
      node = this.protocol.createNode({ env, options: this.scenario.protocolOptions, bugs: this.bugs });
    }
    host.node = node;
    node.start();
    host.hooks?.onStart?.();
    this.afterStep(host);
  }

  crash(host: Host, amnesia: boolean, source: FaultSource): boolean {
    if (host.state === 'down') return false;
    host.state = 'down';
    host.node = null;
    host.hooks = null;
    host.machine = null;
    host.timers.clear();
    host.parked = [];
    host.crashes++;
    if (amnesia) host.store.wipe();
    else host.store.crash();
    this.monitor?.onCrash?.(host.id, amnesia);
    host.lastRole = '';
    host.lastTerm = -1;
    host.lastLeader = null;
    if (this.trace.enabled) this.trace.emit({ t: this.now, kind: 'fault', action: 'crash', source, nodes: [host.id], amnesia });
    return true;
  }

  restart(host: Host, source: FaultSource): boolean {
    if (host.state !== 'down') return false;
    if (this.trace.enabled) this.trace.emit({ t: this.now, kind: 'fault', action: 'restart', source, nodes: [host.id] });
    this.guarded(host, () => this.boot(host));
    return true;
  }

  pause(host: Host, forUs: number, source: FaultSource): boolean {
    if (host.state !== 'up') return false;
    host.state = 'paused';
    const token = ++host.pauseToken;
    if (this.trace.enabled) this.trace.emit({ t: this.now, kind: 'fault', action: 'pause', source, nodes: [host.id], forUs });
    const ev = this.queue.push(this.now + forUs, EventKind.FaultEnd, host.index);
    ev.n1 = FaultEndAction.Resume;
    ev.n2 = token;
    ev.name = source;
    return true;
  }

  resume(host: Host, source: FaultSource): boolean {
    if (host.state !== 'paused') return false;
    host.state = 'up';
    host.pauseToken++;
    if (this.trace.enabled) this.trace.emit({ t: this.now, kind: 'fault', action: 'resume', source, nodes: [host.id] });
    const parked = host.parked;
    host.parked = [];
    for (const ev of parked) {
      ev.parked = false;
      this.queue.repush(ev, this.now);
    }
    return true;
  }

  jumpClock(host: Host, jumpUs: number, source: FaultSource): void {
    host.clock.jump(jumpUs);
    if (this.trace.enabled) this.trace.emit({ t: this.now, kind: 'fault', action: 'clock', source, nodes: [host.id], jumpUs });
  }

  private faultEnd(ev: SimEvent): void {
    const host = this.hosts[ev.target] as Host;
    if (ev.n1 === FaultEndAction.Heal) {
      if (this.phase === 'safety') healLinks(this, { kind: 'node', node: host.id }, ev.name as FaultSource);
      return;
    }
    if (ev.n1 === FaultEndAction.Restart) {
      if (host.state === 'down' && host.crashes === ev.n2) this.restart(host, ev.name as FaultSource);
    } else if (host.state === 'paused' && host.pauseToken === ev.n2) {
      this.resume(host, ev.name as FaultSource);
    }
  }

  /** The live node that believes it leads, highest term first (ties: lowest index); -1 when none. */
  leaderIndex(): number {
    let best = -1;
    let bestTerm = -Infinity;
    for (const host of this.hosts) {
      if (host.node === null) continue;
      const view = host.node.inspect();
      if (view.leader === host.id && view.term > bestTerm) {
        best = host.index;
        bestTerm = view.term;
      }
    }
    return best;
  }

  // ---------------------------------------------------------------- faults (FaultTarget)

  private applyScripted(index: number): void {
    const fault = this.scenario.faults[index];
    if (fault === undefined) throw new Error(`no scripted fault ${index}`);
    this.currentFault = fault;
    try {
      applyFault(this, fault.action, 'script');
    } finally {
      this.currentFault = null;
    }
  }

  scheduleRestart(host: Host, afterUs: number, source: FaultSource = 'script'): void {
    const ev = this.queue.push(this.now + afterUs, EventKind.FaultEnd, host.index);
    ev.n1 = FaultEndAction.Restart;
    ev.n2 = host.crashes;
    ev.name = source;
  }

  // ---------------------------------------------------------------- event-triggered faults

  /** Inside a node's step: count the moment against each rule and queue what fires (never act here). */
  private onTriggerMoment(node: NodeId, moment: Moment): void {
    if (this.phase !== 'safety' || this.triggerRules === null) return;
    for (const firing of this.triggerRules.onMoment(node, moment, (id) => this.nodeIndex(id))) {
      const ev = this.queue.push(this.now, EventKind.Trigger, firing.node);
      ev.n1 = firing.rule;
      ev.n2 = firing.peer;
      ev.payload = firing.occurrence ?? 0;
    }
  }

  private triggerTargets(target: TriggerTarget, firing: TriggerFiring): number[] {
    return triggerNodes(target, firing) ?? (target.kind === 'selector' ? resolveSelector(target.selector, this.selectors) : []);
  }

  private fireTrigger(firing: TriggerFiring): void {
    if (this.triggerRules === null) return;
    const rule = this.triggerRules.rule(firing.rule);
    const source: FaultSource = `faults[${rule.index}]`;
    const action = rule.action;
    const record = (a: FaultAction, atUs = this.now): void => {
      if (atUs < this.scenario.durationUs) this.firedFaults.push({ atUs, action: a, line: rule.line });
    };
    const nodeSel = (i: number) => ({ kind: 'node', node: this.nodes[i] as NodeId }) as const;
    this.pinFiring(rule, firing);
    switch (action.kind) {
      case 'crash':
        for (const i of this.triggerTargets(action.target, firing)) {
          const host = this.hosts[i] as Host;
          if (!this.crash(host, action.amnesia, source)) continue;
          record({ kind: 'crash', target: nodeSel(i), restartUs: action.restartUs, amnesia: action.amnesia });
          if (action.restartUs !== null) this.scheduleRestart(host, action.restartUs, source);
        }
        return;
      case 'pause':
        for (const i of this.triggerTargets(action.target, firing)) {
          if (this.pause(this.hosts[i] as Host, action.forUs, source)) record({ kind: 'pause', target: nodeSel(i), forUs: action.forUs });
        }
        return;
      case 'isolate':
        for (const i of this.triggerTargets(action.target, firing)) {
          const rest = range(this.nodes.length).filter((j) => j !== i);
          if (rest.length === 0) continue;
          this.network.partition([[i], rest]);
          this.traceFault('partition', source, [this.nodes[i] as NodeId, ...rest.map((j) => this.nodes[j] as NodeId)], {
            groups: [[this.nodes[i]], rest.map((j) => this.nodes[j])],
          });
          record({ kind: 'partition', groups: [[nodeSel(i)], [{ kind: 'rest' }]] });
          this.scheduleHeal(i, action.forUs, source);
          record({ kind: 'heal', target: nodeSel(i) }, this.now + action.forUs);
        }
        return;
      case 'cut': {
        const to = this.triggerTargets(action.to, firing);
        for (const i of this.triggerTargets(action.from, firing)) {
          const targets = to.filter((j) => j !== i);
          if (targets.length === 0) continue;
          this.network.cut(i, targets);
          this.traceFault('cut', source, [this.nodes[i] as NodeId], { to: targets.map((j) => this.nodes[j]) });
          record({ kind: 'cut', from: nodeSel(i), to: targets.map(nodeSel) });
          this.scheduleHeal(i, action.forUs, source);
          record({ kind: 'heal', target: nodeSel(i) }, this.now + action.forUs);
        }
        return;
      }
    }
  }

  private pinFiring(rule: TriggeredFault, firing: TriggerFiring): void {
    const pin = (target: TriggerTarget): TriggerTarget => {
      if (target.kind === 'self') return target;
      const nodes = this.triggerTargetsPreview(target, firing);
      return nodes.length === 1 ? { kind: 'selector', selector: { kind: 'node', node: this.nodes[nodes[0] as number] as NodeId } } : target;
    };
    const a = rule.action;
    const action = a.kind === 'cut' ? { ...a, from: pin(a.from), to: pin(a.to) } : { ...a, target: pin(a.target) };
    this.firedRules.push({
      when: { moment: rule.when.moment, node: this.nodes[firing.node] as NodeId, nth: firing.occurrence ?? 1, chance: 1, times: 1 },
      action,
      index: this.firedRules.length,
      line: 0,
    });
  }

  /** A peer target resolves without drawing; selectors are left as they are (they may draw). */
  private triggerTargetsPreview(target: TriggerTarget, firing: TriggerFiring): number[] {
    return target.kind === 'peer' ? (triggerNodes(target, firing) ?? []) : target.kind === 'selector' && target.selector.kind === 'node' ? [Number(target.selector.node.slice(1)) - 1] : [];
  }

  private scheduleHeal(index: number, afterUs: number, source: FaultSource): void {
    const ev = this.queue.push(this.now + afterUs, EventKind.FaultEnd, index);
    ev.n1 = FaultEndAction.Heal;
    ev.name = source;
  }

  traceFault(action: string, source: FaultSource, nodes: readonly NodeId[], extra: Readonly<Record<string, unknown>>): void {
    if (this.trace.enabled) this.trace.emit({ t: this.now, kind: 'fault', action, source, nodes, ...extra });
  }

  skipFault(action: string, source: FaultSource, nodes: readonly NodeId[], skip: FaultSkip): void {
    this.traceFault(action, source, nodes, { ...skip.extra, skipped: skip.trace });
    if (source === 'nemesis' || this.skippedFaults.length >= MAX_SKIPPED_FAULTS) return;
    this.skippedFaults.push(Object.freeze({ time: this.now, line: this.currentFault?.line ?? 0, action, reason: skip.reason }));
  }

  /** Nemesis step 0 starts a fault, step 1 ends it; nothing once the safety phase is over. */
  private onNemesis(step: number): void {
    const nemesis = this.nemesis;
    if (nemesis === null || this.phase !== 'safety') return;
    if (step === 0) {
      this.queue.push(this.now + nemesis.start(), EventKind.Nemesis, -1).n1 = 1;
      return;
    }
    const next = this.now + nemesis.end();
    if (next < this.scenario.durationUs) this.queue.push(next, EventKind.Nemesis, -1).n1 = 0;
  }

  // ---------------------------------------------------------------- phases

  private startSettle(): void {
    this.phase = 'settle';
    if (this.trace.enabled) this.trace.emit({ t: this.now, kind: 'phase', phase: 'settle' });
    this.nemesis?.stop();
    if (this.network.anyBlocked) healLinks(this, { kind: 'all' }, 'settle');
    for (const host of this.hosts) {
      if (host.state === 'down') this.restart(host, 'settle');
      else if (host.state === 'paused') this.resume(host, 'settle');
    }
    for (const client of this.clients) client.finish();
  }

  private endRun(): void {
    this.phase = 'ended';
    if (this.trace.enabled) this.trace.emit({ t: this.now, kind: 'phase', phase: 'end' });
  }

  // ---------------------------------------------------------------- end-of-run checks

  /**
   * Liveness: every probe completed ok, and all live correct nodes applied the same sequence (the
   * second part only for a protocol with a replicated command order).
   */
  liveness(): { ok: boolean; detail: string } {
    const waiting = this.clients.filter((c) => !c.probeDone).map((c) => c.id);
    if (waiting.length > 0) return { ok: false, detail: `probe read of ${waiting.join(', ')} did not complete` };
    if (!this.ordered) return { ok: true, detail: '' };
    let reference: Host | null = null;
    for (const host of this.hosts) {
      if (!host.correct || host.state === 'down' || host.machine === null) continue;
      if (reference === null || reference.machine === null) {
        reference = host;
        continue;
      }
      const a = reference.machine;
      const b = host.machine;
      if (a.appliedCount !== b.appliedCount || a.digest() !== b.digest()) {
        return {
          ok: false,
          detail: `${reference.id} applied ${a.appliedCount} commands (digest ${a.digest()}) but ${host.id} applied ${b.appliedCount} (digest ${b.digest()})`,
        };
      }
    }
    return { ok: true, detail: '' };
  }
}

/**
 * Messages are frozen when sent (a node must never change what another node received), so a
 * node that writes to one throws a TypeError from the engine, not from its own logic: say so.
 */
function frozenHint(error: unknown): string {
  const frozen = error instanceof TypeError && /read[- ]only|not extensible|Cannot (add|delete|assign)|frozen/i.test(error.message);
  return frozen ? ' (messages are frozen once sent: copy one before changing it, e.g. { ...msg, field })' : '';
}

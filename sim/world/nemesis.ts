/**
 * The random nemesis (Jepsen's word; TigerBeetle's VOPR does the same from its seed): one fault at
 * a time, drawn from the `faults` stream, each healed or ended before the next begins.
 *
 * Timeline: first fault at uniform [every/2, 3·every/2]; each lasts uniform [every/4, 3·every/4];
 * the next starts uniform [every/4, 3·every/4] after the previous ended. Kinds:
 * - partition: the leader alone (half the time, when there is one) or a random minority, vs the rest;
 * - cut: one node's messages to a random non-empty set of others are dropped (one way);
 * - crash / amnesia: one live node (the leader a third of the time), restarted at the end;
 *   amnesia also wipes its durable storage;
 * - pause: one live node (the leader a third of the time), resumed at the end;
 * - clock: a random node's clock jumps by ±[1ms, every/2] (nothing to end).
 */
import type { Random } from '../random.js';
import type { NemesisKind, NemesisSpec } from '../scenario/types.js';
import { nodeIds, type FaultTarget } from './faults.js';
import type { Host } from './host.js';
import { minoritySize, range } from './selectors.js';

interface ActiveFault {
  readonly kind: NemesisKind;
  readonly nodes: readonly number[];
}

export class Nemesis {
  private readonly spec: NemesisSpec;
  private readonly random: Random;
  private readonly target: FaultTarget;
  private active: ActiveFault | null = null;

  constructor(spec: NemesisSpec, random: Random, target: FaultTarget) {
    if (!(spec.everyUs > 0) || spec.faults.length === 0) throw new Error('a nemesis needs a period and fault kinds');
    this.spec = spec;
    this.random = random;
    this.target = target;
  }

  /** Time of the first fault. */
  firstStartUs(): number {
    const every = this.spec.everyUs;
    return this.random.between(Math.floor(every / 2), Math.floor((every * 3) / 2));
  }

  /** Start a random fault now; returns how long it lasts (µs, ≥ 1). */
  start(): number {
    const kind = this.random.pick(this.spec.faults);
    const durationUs = Math.max(1, this.quarterToThreeQuarters());
    this.active = { kind, nodes: this.inject(kind, durationUs) };
    return durationUs;
  }

  /** End the active fault; returns the gap before the next one (µs, ≥ 1). */
  end(): number {
    this.heal();
    return Math.max(1, this.quarterToThreeQuarters());
  }

  /** Forget the active fault (the settle phase heals everything itself). */
  stop(): void {
    this.active = null;
  }

  private quarterToThreeQuarters(): number {
    const every = this.spec.everyUs;
    return this.random.between(Math.floor(every / 4), Math.floor((every * 3) / 4));
  }

  /** Start one fault of `kind`; the node indices it touched. */
  private inject(kind: NemesisKind, durationUs: number): number[] {
    const r = this.random;
    const t = this.target;
    const n = t.hosts.length;
    const live = t.hosts.filter((h) => h.state === 'up').map((h) => h.index);
    const leader = t.selectors.leader();
    const victim = (): number => (leader >= 0 && r.chance(1 / 3) ? leader : live.length > 0 ? r.pick(live) : -1);
    switch (kind) {
      case 'partition': {
        const side = leader >= 0 && r.chance(0.5) ? [leader] : r.shuffled(range(n)).slice(0, r.between(1, minoritySize(n))).sort((a, b) => a - b);
        const rest = range(n).filter((i) => !side.includes(i));
        if (rest.length === 0) return [];
        t.network.partition([side, rest]);
        t.traceFault('partition', 'nemesis', nodeIds(t, [...side, ...rest]), { groups: [nodeIds(t, side), nodeIds(t, rest)] });
        return side;
      }
      case 'cut': {
        if (n < 2) return [];
        const from = r.int(n);
        const others = range(n).filter((i) => i !== from);
        const to = r.shuffled(others).slice(0, r.between(1, others.length)).sort((a, b) => a - b);
        t.network.cut(from, to);
        t.traceFault('cut', 'nemesis', nodeIds(t, [from]), { to: nodeIds(t, to) });
        return [from];
      }
      case 'crash':
      case 'amnesia': {
        const v = victim();
        if (v < 0) return [];
        t.crash(t.hosts[v] as Host, kind === 'amnesia', 'nemesis');
        return [v];
      }
      case 'pause': {
        const v = victim();
        if (v < 0) return [];
        t.pause(t.hosts[v] as Host, durationUs, 'nemesis');
        return [v];
      }
      case 'clock': {
        const v = r.int(n);
        const magnitude = r.between(1000, Math.max(1000, Math.floor(this.spec.everyUs / 2)));
        t.jumpClock(t.hosts[v] as Host, r.chance(0.5) ? magnitude : -magnitude, 'nemesis');
        return [v];
      }
    }
  }

  private heal(): void {
    const active = this.active;
    if (active === null) return;
    this.active = null;
    const t = this.target;
    switch (active.kind) {
      case 'partition':
      case 'cut':
        t.network.healAll();
        t.traceFault('heal', 'nemesis', nodeIds(t, range(t.hosts.length)), {});
        return;
      case 'crash':
      case 'amnesia':
        for (const i of active.nodes) t.restart(t.hosts[i] as Host, 'nemesis');
        return;
      case 'pause':
        for (const i of active.nodes) t.resume(t.hosts[i] as Host, 'nemesis');
        return;
      case 'clock':
        return;
    }
  }
}

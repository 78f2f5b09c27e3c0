/**
 * The simulated network between nodes: latency drawn per message (independent draws reorder
 * messages), loss, duplication, and link failures. Links are a matrix of "blocked" flags: a
 * symmetric partition blocks both directions between groups, a one-way cut blocks one direction,
 * heal clears all links or those touching given nodes. Client↔node traffic shares latency, loss
 * and duplication but never partitions (clients stand outside the cluster's network faults).
 *
 * Every draw comes from the `network` stream, in event order.
 */
import type { Random } from '../random.js';
import type { LatencySpec, NetworkSpec } from '../scenario/types.js';

export class Network {
  private readonly n: number;
  private readonly blocked: Uint8Array;
  private blockedCount = 0;
  private readonly random: Random;
  private readonly latencySpec: LatencySpec;
  private readonly loss: number;
  private readonly duplicate: number;

  /** `spec` comes from a validated scenario: the scenario schema is the one place its probabilities are checked. */
  constructor(spec: NetworkSpec, nodes: number, random: Random) {
    this.n = nodes;
    this.blocked = new Uint8Array(nodes * nodes);
    this.random = random;
    this.latencySpec = spec.latency;
    this.loss = spec.loss;
    this.duplicate = spec.duplicate;
  }

  /** One message's latency in integer µs (≥ 0). */
  latency(): number {
    const spec = this.latencySpec;
    switch (spec.dist) {
      case 'fixed':
        return spec.valueUs;
      case 'uniform':
        return this.random.between(spec.minUs, spec.maxUs);
      case 'exponential':
        return Math.round(-spec.meanUs * Math.log(1 - this.random.next()));
    }
  }

  lost(): boolean {
    return this.random.chance(this.loss);
  }

  duplicated(): boolean {
    return this.random.chance(this.duplicate);
  }

  /** True when messages from node index `from` to node index `to` are dropped. */
  isBlocked(from: number, to: number): boolean {
    return this.blockedCount > 0 && this.blocked[from * this.n + to] === 1;
  }

  /** Nodes in different groups cannot talk; nodes in no group are unaffected. */
  partition(groups: readonly (readonly number[])[]): void {
    for (let g = 0; g < groups.length; g++) {
      for (let h = 0; h < groups.length; h++) {
        if (g === h) continue;
        for (const a of groups[g] ?? []) for (const b of groups[h] ?? []) this.block(a, b);
      }
    }
  }

  cut(from: number, to: readonly number[]): void {
    for (const b of to) if (b !== from) this.block(from, b);
  }

  healAll(): void {
    this.blocked.fill(0);
    this.blockedCount = 0;
  }

  /** Heal every link into or out of `node`. */
  healNode(node: number): void {
    for (let other = 0; other < this.n; other++) {
      this.unblock(node, other);
      this.unblock(other, node);
    }
  }

  get anyBlocked(): boolean {
    return this.blockedCount > 0;
  }

  private block(a: number, b: number): void {
    const i = a * this.n + b;
    if (this.blocked[i] === 0) {
      this.blocked[i] = 1;
      this.blockedCount++;
    }
  }

  private unblock(a: number, b: number): void {
    const i = a * this.n + b;
    if (this.blocked[i] === 1) {
      this.blocked[i] = 0;
      this.blockedCount--;
    }
  }
}

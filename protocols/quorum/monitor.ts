/**
 * Online invariants of the quorum register, checked after every step and on every Store sent:
 * - tag-monotonic: a replica's tag for a key never goes back, across crashes too (it syncs a
 *   stored value before acknowledging it, so a restart brings back at least what it acknowledged);
 * - write-quorum: once a write has completed, its tag (or a higher one) is held by at least w
 *   replicas for good — the fact that lets every later query quorum (r + w > n) see it;
 * - unique-tag: one tag names one value (two writes never share a tag; a read writes back exactly
 *   what it read).
 * Linearizability of the client history stays the main check; these name the broken step.
 */
import type { InvariantFinding, InvariantMonitor, MonitorContext, NodeId, Value } from '../api.js';
import { defineInvariants } from '../kit/index.js';
import { compareTags, formatTag, TAG_ZERO, type Tag } from './tag.js';
import type { QuorumMessage, QuorumView } from './types.js';
import { quorumSizes } from './sizes.js';

export const QUORUM_INVARIANTS = defineInvariants([
  {
    name: 'tag-monotonic',
    description: "A replica's tag for a key never goes back, crashes included (a stored, acknowledged tag is durable).",
    source: 'ABD 1995 (replicas keep the largest tag); Lynch & Shvartsman 1997',
  },
  {
    name: 'unique-tag',
    description: 'One tag (ts, writer) names one value, whichever replica stores it.',
    source: 'Lynch & Shvartsman 1997 (tags ordered by timestamp, ties broken by writer id)',
  },
  {
    name: 'write-quorum',
    description: 'A completed write stays held by at least w replicas until a newer tag supersedes it.',
    source: 'ABD 1995 (a write returns after w acknowledgements; r + w > n makes every read quorum meet it)',
  },
] as const);
const { finding } = QUORUM_INVARIANTS;

/**
 * Tags remembered per key for unique-tag: the most recent ones stored. A store re-sends a tag it
 * read or made moments ago, so a clash is always among recent tags; the oldest are forgotten so a
 * long run keeps bounded memory.
 */
const REMEMBERED_TAGS_PER_KEY = 256;

export class QuorumMonitor implements InvariantMonitor<QuorumMessage, QuorumView> {
  private readonly w: number;
  /** node → key → the tag its replica last held (kept while it is down: it is durable). */
  private readonly held = new Map<NodeId, Map<string, Tag>>();
  /** key → the highest tag of a completed write. */
  private readonly completed = new Map<string, Tag>();
  /** key → tag text → the value first seen stored under it. */
  private readonly values = new Map<string, Map<string, Value>>();
  /** Nodes whose next view comes from a fresh incarnation (compare every key). */
  private readonly restarted = new Set<NodeId>();

  constructor(ctx: MonitorContext) {
    this.w = quorumSizes(ctx.nodes.length, ctx.options).w;
    for (const node of ctx.nodes) this.held.set(node, new Map());
  }

  onCrash(node: NodeId): void {
    this.restarted.add(node);
  }

  afterStep(node: NodeId, view: QuorumView): InvariantFinding | null {
    const held = this.held.get(node);
    if (held === undefined) return null;
    const keys = this.restarted.delete(node) ? new Set([...held.keys(), ...view.registers.keys()]) : view.changed;
    for (const key of keys) {
      const before = held.get(key) ?? TAG_ZERO;
      const now = view.registers.get(key)?.tag ?? TAG_ZERO;
      held.set(key, now);
      if (compareTags(now, before) >= 0) continue;
      const lost = this.checkQuorum(key);
      if (lost !== null) return lost;
      return finding('tag-monotonic', `${node}'s tag for ${key} went back from ${formatTag(before)} to ${formatTag(now)}`, [node]);
    }
    for (const write of view.completed) {
      const highest = this.completed.get(write.key);
      if (highest === undefined || compareTags(write.tag, highest) > 0) this.completed.set(write.key, write.tag);
      const finding = this.checkQuorum(write.key);
      if (finding !== null) return finding;
    }
    return null;
  }

  onSend(from: NodeId, _to: NodeId, msg: QuorumMessage): InvariantFinding | null {
    if (msg.type !== 'store') return null;
    let byTag = this.values.get(msg.key);
    if (byTag === undefined) {
      byTag = new Map();
      this.values.set(msg.key, byTag);
    }
    const text = formatTag(msg.tag);
    if (!byTag.has(text)) {
      byTag.set(text, msg.value);
      if (byTag.size > REMEMBERED_TAGS_PER_KEY) byTag.delete(byTag.keys().next().value as string);
      return null;
    }
    const first = byTag.get(text) as Value;
    if (first === msg.value) {
      byTag.delete(text); // stored again: it is recent once more
      byTag.set(text, first);
      return null;
    }
    return finding(
      'unique-tag',
      `${from} stores ${JSON.stringify(msg.value)} for ${msg.key} under tag ${text}, which already names ${JSON.stringify(first)}`,
      [from],
    );
  }

  /** The highest completed write of `key` must be held (or superseded) by at least w replicas. */
  private checkQuorum(key: string): InvariantFinding | null {
    const tag = this.completed.get(key);
    if (tag === undefined) return null;
    const holders: NodeId[] = [];
    for (const [node, held] of this.held) if (compareTags(held.get(key) ?? TAG_ZERO, tag) >= 0) holders.push(node);
    if (holders.length >= this.w) return null;
    return finding(
      'write-quorum',
      `the completed write ${formatTag(tag)} of ${key} is held by ${holders.length} replica(s) (${holders.join(', ') || 'none'}), fewer than w = ${this.w}`,
      [...this.held.keys()].filter((n) => !holders.includes(n)),
    );
  }
}

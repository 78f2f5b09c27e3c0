/**
 * What a PBFT replica keeps for a restart, and how all of it stays bounded (§4.3).
 *
 * The log is garbage-collected at stable checkpoints: once 2f+1 replicas signed CHECKPOINT(n, d),
 * the state after n is proven, so the pre-prepares, prepares, commits and certificates at or below
 * n are never needed again — a replica that needs them gets the checkpoint's state instead (state
 * transfer, §4.3). Here that holds on disk too: accepted pre-prepares and prepared certificates
 * live in a `DurableLog` indexed by sequence number, compacted to the stable checkpoint once the
 * replica executed that far, and the checkpoint itself (with the machine snapshot, when this
 * replica has it) is one record. A restart restores the snapshot and reads only the log above it.
 * So what a replica holds depends on the window (H - h = 2k) and the cluster, never on how long
 * the run has been going.
 *
 * Also here: the CHECKPOINT votes a replica collects and its own checkpoints' snapshots, both
 * forgotten at or below each new stable checkpoint.
 */
import type { ClientId, Command, DurableLog, DurableStore, NodeId } from '../api.js';
import { commandKey } from '../kv.js';
import type { MachineSnapshot } from '../kv.js';
import type { StableCheckpoint } from './certificates.js';
import type { CheckpointBody, NewViewBody, PreparedCertificate, PrePrepareBody, Signed } from './messages.js';

export interface DurableView {
  readonly view: number;
  readonly viewChanging: boolean;
  readonly newView: Signed<NewViewBody> | null;
}
export interface DurableSlot {
  readonly prePrepare: Signed<PrePrepareBody> | null;
  readonly cert: PreparedCertificate | null;
}
/** The stable checkpoint and, when this replica has it, the state it proves (null: fetch it). */
export interface DurableStable extends StableCheckpoint {
  readonly snapshot: MachineSnapshot | null;
}

const VIEW_KEY = 'pbft:view';
const STABLE_KEY = 'pbft:stable';
/** Log index = sequence number; a null entry is a number this replica persisted nothing for. */
const SLOT_LOG = 'pbft:slots';

/** The replica's durable state: view, stable checkpoint, and the slot log above it. */
export class ReplicaDisk {
  private readonly storage: DurableStore;

  constructor(storage: DurableStore) {
    this.storage = storage;
  }

  readView(): DurableView | undefined {
    return this.storage.read<DurableView>(VIEW_KEY);
  }

  /** Durable before any message that depends on it is sent. */
  saveView(view: DurableView): void {
    this.storage.write(VIEW_KEY, view);
    this.storage.sync();
  }

  readStable(): DurableStable | undefined {
    return this.storage.read<DurableStable>(STABLE_KEY);
  }

  saveStable(stable: DurableStable): void {
    this.storage.write(STABLE_KEY, stable);
    this.storage.sync();
  }

  readSlot(seq: number): DurableSlot | undefined {
    return this.log().get(seq) ?? undefined;
  }

  /**
   * Write (durable at the next sync). A number below the compacted prefix is covered by a stable
   * checkpoint this replica executed to (a NEW-VIEW's O may carry such numbers while its min-s
   * moves h past them): a restart never reads it, so nothing is written.
   */
  writeSlot(seq: number, slot: DurableSlot): void {
    const log = this.log();
    if (seq < log.start) return;
    while (log.length < seq) log.append(null);
    if (seq === log.length) log.append(slot);
    else log.set(seq, slot);
  }

  persistSlot(seq: number, slot: DurableSlot): void {
    this.writeSlot(seq, slot);
    this.storage.sync();
  }

  /**
   * Forget every slot at or below `upTo` (a stable checkpoint this replica executed to). Durable
   * at the next sync; a crash before it brings the entries back, which a restart ignores (it reads
   * only above its stable checkpoint).
   */
  compact(upTo: number): void {
    const log = this.log();
    if (upTo < log.start) return;
    // A jump (state transfer) may leave the log shorter than the new start: the gap holds nothing.
    while (log.length <= upTo) log.append(null);
    log.compact(upTo + 1);
  }

  /** Entries the slot log holds (what compaction bounds). */
  get heldSlots(): number {
    const log = this.log();
    return log.length - log.start;
  }

  /** The slot log's logical length (one past the highest number ever written or compacted). */
  get slotLogLength(): number {
    return this.log().length;
  }

  private log(): DurableLog<DurableSlot | null> {
    // Looked up each time: an amnesia crash replaces the store's logs.
    return this.storage.log<DurableSlot | null>(SLOT_LOG);
  }
}

/**
 * CHECKPOINT votes per sequence number (one per replica, the first it sent) and this replica's own
 * checkpoints with their snapshots, until a stable checkpoint covers them.
 */
export class CheckpointVotes {
  private readonly quorum: number;
  private readonly votes = new Map<number, Map<NodeId, Signed<CheckpointBody>>>();
  private readonly own = new Map<number, { readonly vote: Signed<CheckpointBody>; readonly snapshot: MachineSnapshot }>();

  constructor(quorum: number) {
    this.quorum = quorum;
  }

  addOwn(vote: Signed<CheckpointBody>, snapshot: MachineSnapshot): void {
    this.own.set(vote.seq, { vote, snapshot });
  }

  /** Our own CHECKPOINTs not yet covered by a stable checkpoint (to send again). */
  ownVotes(): Signed<CheckpointBody>[] {
    return [...this.own.values()].map((own) => own.vote);
  }

  /** Our own snapshot at `seq`, if its digest is the proven one. */
  ownSnapshot(seq: number, digest: string): MachineSnapshot | null {
    const own = this.own.get(seq);
    return own !== undefined && own.vote.digest === digest ? own.snapshot : null;
  }

  /** Count a vote; the proof (2f+1 matching, first come) when this vote completes one. */
  record(vote: Signed<CheckpointBody>): StableCheckpoint | null {
    let votes = this.votes.get(vote.seq);
    if (votes === undefined) {
      votes = new Map();
      this.votes.set(vote.seq, votes);
    }
    if (votes.has(vote.replica)) return null;
    votes.set(vote.replica, vote);
    const proof = [...votes.values()].filter((v) => v.digest === vote.digest);
    return proof.length >= this.quorum ? { seq: vote.seq, digest: vote.digest, proof: proof.slice(0, this.quorum) } : null;
  }

  /** A stable checkpoint at `seq`: every vote and own checkpoint at or below it goes (§4.3). */
  forgetUpTo(seq: number): void {
    for (const key of [...this.votes.keys()]) if (key <= seq) this.votes.delete(key);
    for (const key of [...this.own.keys()]) if (key <= seq) this.own.delete(key);
  }

  /** Sequence numbers with votes or own checkpoints held. */
  get size(): number {
    return this.votes.size + this.own.size;
  }
}

/** Most runs of collected request ids kept per client; past it the two lowest merge (see Proposals). */
const MAX_RUNS_PER_CLIENT = 16;

/**
 * The requests a primary ordered in its current view (it never orders one twice in a view), kept
 * exactly but compactly: once a stable checkpoint it executed covers a request, its id joins its
 * client's runs of collected ids ([first, last] ranges; a client's requests are numbered one after
 * another, so a view's requests of one client are one run unless some never reached this primary).
 * Past MAX_RUNS_PER_CLIENT runs the two lowest merge, refusing the old ids between them too (late
 * copies of requests their clients gave up on long ago).
 */
export class Proposals {
  private readonly open = new Map<string, { readonly seq: number; readonly client: ClientId; readonly reqId: number }>();
  private readonly collected = new Map<ClientId, [number, number][]>();

  has(cmd: Command): boolean {
    if (this.open.has(commandKey(cmd))) return true;
    for (const [first, last] of this.collected.get(cmd.client) ?? []) if (cmd.reqId >= first && cmd.reqId <= last) return true;
    return false;
  }

  add(cmd: Command, seq: number): void {
    this.open.set(commandKey(cmd), { seq, client: cmd.client, reqId: cmd.reqId });
  }

  /** A new view: the new primary orders afresh. */
  clear(): void {
    this.open.clear();
    this.collected.clear();
  }

  /** Requests at or below `upTo` (executed here and covered by a stable checkpoint). */
  collect(upTo: number): void {
    for (const [key, entry] of this.open) {
      if (entry.seq > upTo) continue;
      this.open.delete(key);
      this.collected.set(entry.client, withId(this.collected.get(entry.client) ?? [], entry.reqId));
    }
  }

  get size(): number {
    let runs = 0;
    for (const list of this.collected.values()) runs += list.length;
    return this.open.size + runs;
  }
}

/** Sorted, disjoint, non-adjacent runs with `id` added. */
function withId(runs: [number, number][], id: number): [number, number][] {
  const out: [number, number][] = [];
  let added: [number, number] = [id, id];
  for (const run of runs) {
    if (run[1] + 1 < added[0]) out.push(run);
    else if (added[1] + 1 < run[0]) {
      out.push(added);
      added = run;
    } else added = [Math.min(run[0], added[0]), Math.max(run[1], added[1])];
  }
  out.push(added);
  while (out.length > MAX_RUNS_PER_CLIENT) {
    const [low, next] = out.splice(0, 2) as [[number, number], [number, number]];
    out.unshift([low[0], next[1]]);
  }
  return out;
}

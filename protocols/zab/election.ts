/**
 * Fast leader election (FLE), ZooKeeper's phase 0 (the paper leaves the choice of a prospective leader open; this is
 * the algorithm ZooKeeper ships, as modelled in apache/zookeeper's FastLeaderElection spec).
 *
 * Each LOOKING server votes for itself, then adopts any better vote it hears in its round, where
 * better means the larger (epoch, zxid, server id) — epoch being the candidate's currentEpoch.
 * When a quorum holds the same vote (and no better one arrives for a short while), the voted
 * server leads and the others follow it. A LOOKING server that hears a quorum of servers already
 * FOLLOWING or LEADING one leader (that leader among them) joins it directly.
 *
 * Election is only a good guess: safety comes from discovery (a quorum of promises, acceptedEpoch)
 * and from the leader refusing to go on when a follower turns out to be more up to date.
 */
import type { ClientId, KvOp, NodeId } from '../api.js';
import { assertNever } from '../api.js';
import type { Vote, VoteMessage, ZabMessage } from './messages.js';
import { isPeerGapTimer, type RoleSwitch, type ZabRole, type ZabTimer } from './roles.js';
import type { ZabServer } from './server.js';
import { compareZxid } from './zxid.js';

function idNumber(node: NodeId): number {
  return Number(node.slice(1));
}

/** True when `a` is a strictly better vote than `b` (FLE's totalOrderPredicate). */
export function betterVote(a: Vote, b: Vote): boolean {
  if (a.epoch !== b.epoch) return a.epoch > b.epoch;
  const byZxid = compareZxid(a.zxid, b.zxid);
  if (byZxid !== 0) return byZxid > 0;
  return idNumber(a.leader) > idNumber(b.leader);
}

export function sameVote(a: Vote, b: Vote): boolean {
  return a.leader === b.leader && a.epoch === b.epoch && compareZxid(a.zxid, b.zxid) === 0;
}

/** How many of `votes` equal `vote`. */
export function supportFor(vote: Vote, votes: ReadonlyMap<NodeId, Vote>): number {
  let count = 0;
  for (const other of votes.values()) if (sameVote(vote, other)) count++;
  return count;
}

/**
 * Zab's "more recent history" order on (currentEpoch, lastZxid) (paper step l.1.2; ZooKeeper's
 * StateSummary.isMoreRecentThan): a prospective leader must not be behind any promise it counts.
 */
export function moreRecent(epochA: number, zxidA: Vote['zxid'], epochB: number, zxidB: Vote['zxid']): boolean {
  if (epochA !== epochB) return epochA > epochB;
  return compareZxid(zxidA, zxidB) > 0;
}

/**
 * Phase 0 as a role handler: a LOOKING server. Votes travel outside the follower–leader
 * sessions; every other message is not for a LOOKING server (a follower still writing to the
 * leader it had is told its session is gone).
 */
export class Looking implements ZabRole {
  readonly role = 'looking';
  readonly phase = 'election';
  readonly leaderId = null;
  readonly epoch = null;
  get term(): number {
    return this.server.currentEpoch;
  }

  private readonly server: ZabServer;
  private readonly roles: RoleSwitch;
  /** Votes of LOOKING servers in our round, ours included. */
  private readonly votes = new Map<NodeId, Vote>();
  /** The last notification of each server that already follows or leads. */
  private readonly outOfElection = new Map<NodeId, VoteMessage>();

  constructor(server: ZabServer, roles: RoleSwitch) {
    this.server = server;
    this.roles = roles;
  }

  /** A new round: vote for ourselves and tell everyone. */
  begin(): void {
    const server = this.server;
    server.round++;
    server.vote = server.selfVote();
    this.votes.set(server.env.id, server.vote);
    this.broadcastVote();
    this.armElectionTimer();
    this.checkQuorum();
  }

  step(from: NodeId, msg: ZabMessage): void {
    switch (msg.type) {
      case 'VOTE':
        if (msg.state === 'looking') {
          this.outOfElection.delete(from);
          return this.onLookingVote(from, msg);
        }
        return this.onSettledVote(from, msg);
      case 'ACK-E':
      case 'ACK-LD':
      case 'ACK':
      case 'REQUEST':
      case 'PONG':
        // Not our session (we stopped leading): tell the sender to reconnect.
        return this.server.env.send(from, { type: 'RESET', sid: msg.sid });
      case 'RESET':
      case 'CEPOCH':
      case 'NEWEPOCH':
      case 'NEWLEADER':
      case 'COMMIT-LD':
      case 'PROPOSE':
      case 'COMMIT':
      case 'PING':
        return;
      default:
        return assertNever(msg);
    }
  }

  timer(name: ZabTimer): void {
    if (isPeerGapTimer(name)) return;
    switch (name) {
      case 'election':
        this.broadcastVote();
        return this.armElectionTimer();
      case 'finalize':
        // FLE waits finalizeWait after reaching a quorum, in case a better vote is still on its way.
        if (supportFor(this.server.vote, this.votes) >= this.server.quorum) this.decide(this.server.vote.leader);
        return;
      case 'tick':
      case 'init':
      case 'connect':
      case 'flush':
      case 'silence':
      case 'gap':
        return;
      default:
        return assertNever(name);
    }
  }

  /** It waits until this server leads or follows an established leader. */
  request(client: ClientId, reqId: number, op: KvOp): void {
    this.server.holdUntilEstablished(client, reqId, op, null);
  }

  leave(): void {}

  private armElectionTimer(): void {
    const base = this.server.config.electionTimeout;
    this.server.setTimer('election', base + Math.floor(this.server.env.random() * base));
  }

  private broadcastVote(): void {
    for (const peer of this.server.env.peers) this.server.sendVote(peer, 'looking');
  }

  private onLookingVote(from: NodeId, msg: VoteMessage): void {
    const server = this.server;
    if (msg.round < server.round) return server.sendVote(from, 'looking');
    if (msg.round > server.round) {
      server.round = msg.round;
      const mine = server.selfVote();
      server.vote = betterVote(msg.vote, mine) ? msg.vote : mine;
      this.votes.clear();
      this.votes.set(server.env.id, server.vote);
      this.broadcastVote();
    } else if (betterVote(msg.vote, server.vote)) {
      server.vote = msg.vote;
      this.votes.set(server.env.id, server.vote);
      this.broadcastVote();
    }
    this.recordVote(from, msg.vote);
    this.checkQuorum();
  }

  /** Within a round a server's vote only improves; an older, worse one arriving late is ignored. */
  private recordVote(from: NodeId, vote: Vote): void {
    const previous = this.votes.get(from);
    if (previous === undefined || !betterVote(previous, vote)) this.votes.set(from, vote);
  }

  /** A server that already follows or leads: join its leader once a quorum (the leader included) says so. */
  private onSettledVote(from: NodeId, msg: VoteMessage): void {
    const server = this.server;
    this.outOfElection.set(from, msg);
    const leader = msg.vote.leader;
    if (leader === server.env.id) {
      // A server already follows us (it decided first): its vote counts in our round.
      if (msg.round === server.round && sameVote(msg.vote, server.vote)) {
        this.recordVote(from, msg.vote);
        this.checkQuorum();
      }
      return;
    }
    const claim = this.outOfElection.get(leader);
    if (claim === undefined || claim.state !== 'leading' || claim.vote.leader !== leader) return;
    let support = 0;
    for (const other of this.outOfElection.values()) if (other.vote.leader === leader) support++;
    if (support < server.quorum) return;
    server.round = Math.max(server.round, claim.round);
    server.vote = claim.vote;
    this.decide(leader);
  }

  private checkQuorum(): void {
    if (supportFor(this.server.vote, this.votes) >= this.server.quorum) this.server.setTimer('finalize', this.server.config.finalizeWait);
  }

  private decide(leader: NodeId): void {
    this.server.cancelTimer('election');
    this.server.cancelTimer('finalize');
    if (leader === this.server.env.id) this.roles.lead();
    else this.roles.follow(leader);
  }
}

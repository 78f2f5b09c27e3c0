/**
 * Raft's steps in plain words, for `consensim explain` and the report: elections (§5.2), log
 * replication and the consistency check (§5.3), commitment (§5.4.2). Steps it has nothing special
 * to say about are left to the simulator's generic narrator (null).
 */
import type { ClientReply, Moment, NarrationStep, Narrator } from '../api.js';
import type { RaftMessage } from './messages.js';

type Step = NarrationStep<RaftMessage>;

export const raftNarrator: Narrator<RaftMessage> = {
  era: 'term',
  messageKind(msg: RaftMessage): string {
    if (msg.type === 'AppendEntries' && msg.entries.length === 0) return 'heartbeat';
    if (msg.type === 'RequestVote' && msg.preVote) return 'PreVote';
    return msg.type;
  },
  step(step: Step): string | null {
    const { node, trigger } = step;
    const tail = effects(step);
    switch (trigger.kind) {
      case 'timer': {
        const campaign = moment(step, 'era-change');
        if (campaign !== undefined) {
          return `${node}'s election timer fired; it became candidate for term ${campaign.term} and asked ${voters(step)} for their votes${tail}`;
        }
        const preVote = step.sends.find((s) => s.msg.type === 'RequestVote' && s.msg.preVote);
        if (preVote !== undefined && preVote.msg.type === 'RequestVote') {
          return `${node}'s election timer fired; before disturbing anyone it asked ${voters(step)} whether they would vote for it in term ${preVote.msg.term} (pre-vote)${tail}`;
        }
        return null;
      }
      case 'message':
        return onMessage(step, trigger.from, trigger.msg, tail);
      case 'request': {
        const after = step.after;
        if (after === null || after.leader !== node || step.before === null || after.logLength <= step.before.logLength) return null;
        const followers = step.sends.filter((s) => s.msg.type === 'AppendEntries').map((s) => s.to);
        const sent = followers.length > 0 ? ` and sent it to ${followers.join(', ')}` : '';
        return `${node} (leader) appended ${trigger.client}'s ${op(trigger.op)} to its log at ${after.logLength} (term ${after.term})${sent}${tail}`;
      }
      case 'start':
        return null;
      default:
        return null;
    }
  },
};

function onMessage(step: Step, from: string, msg: RaftMessage, tail: string): string | null {
  const { node } = step;
  switch (msg.type) {
    case 'RequestVote': {
      if (msg.preVote) return null;
      const vote = moment(step, 'vote');
      if (vote !== undefined) return `${node} granted its vote to ${msg.candidate} for term ${msg.term}${tail}`;
      return `${node} refused ${msg.candidate} its vote for term ${msg.term} (${step.before?.term !== undefined && step.before.term > msg.term ? 'stale term' : 'already voted, or its own log is more up to date'})${tail}`;
    }
    case 'RequestVoteReply': {
      const won = moment(step, 'leader');
      if (won !== undefined) {
        return `${node} got ${from}'s vote: with a majority it became leader of term ${won.term} and sent ${step.sends.map((s) => s.to).filter(unique).join(', ')} AppendEntries to claim it${tail}`;
      }
      if (msg.voteGranted && !msg.preVote) return `${node} got ${from}'s vote for term ${msg.term}, not yet a majority${tail}`;
      return null;
    }
    case 'AppendEntries': {
      const ack = moment(step, 'ack');
      if (msg.entries.length > 0 && ack !== undefined) {
        const first = msg.prevLogIndex + 1;
        const last = msg.prevLogIndex + msg.entries.length;
        const range = first === last ? `entry ${first}` : `entries ${first}..${last}`;
        return `${node} accepted ${from}'s ${range} (term ${msg.term}); its log now ends at ${step.after?.logLength ?? last}${tail}`;
      }
      const reply = step.sends.find((s) => s.msg.type === 'AppendEntriesReply');
      if (reply !== undefined && reply.msg.type === 'AppendEntriesReply' && !reply.msg.success && reply.msg.term === msg.term) {
        return `${node} rejected ${from}'s AppendEntries: its log does not match at index ${msg.prevLogIndex} (term ${msg.prevLogTerm}), so ${from} must back up${tail}`;
      }
      return null;
    }
    case 'AppendEntriesReply': {
      const commit = moment(step, 'commit');
      if (commit !== undefined) {
        return `${node} heard ${from} holds entries up to ${msg.matchIndex}: a majority has them, so entries up to ${commit.index} are committed${tail}`;
      }
      if (!msg.success && msg.term === step.after?.term) return `${node} heard ${from}'s log does not match; it will resend from earlier entries`;
      return null;
    }
    case 'InstallSnapshot': {
      if (step.after !== null && step.before !== null && step.after.commitIndex > step.before.commitIndex) {
        return `${node} installed ${from}'s snapshot up to entry ${msg.lastIncludedIndex} (term ${msg.lastIncludedTerm}): the entries it lacked were compacted on ${from} (§7)${tail}`;
      }
      return null;
    }
    case 'InstallSnapshotReply': {
      const commit = moment(step, 'commit');
      if (commit !== undefined) return `${node} heard ${from} installed its snapshot up to ${msg.lastIncludedIndex}: entries up to ${commit.index} are committed${tail}`;
      return null;
    }
    default:
      return null;
  }
}

/** ", applied …, answered c1: ok 5" — what else the step did. */
function effects(step: Step): string {
  const parts: string[] = [];
  const applied = step.moments.filter((m) => m.kind === 'apply');
  if (applied.length === 1) parts.push(`applied entry ${step.after?.appliedIndex ?? '?'} to its state machine`);
  else if (applied.length > 1) parts.push(`applied ${applied.length} commands to its state machine`);
  const commit = moment(step, 'commit');
  if (commit !== undefined && step.trigger.kind === 'message' && step.trigger.msg.type !== 'AppendEntriesReply') parts.push(`learned entries up to ${commit.index} are committed`);
  const answered = step.replies.filter((r) => r.reply.kind === 'result').map((r) => `${r.client} (${result(r.reply)})`);
  if (answered.length > 0) parts.push(`answered ${answered.join(', ')}`);
  return parts.length === 0 ? '' : `; ${parts.join(', ')}`;
}

function result(reply: ClientReply): string {
  if (reply.kind !== 'result') return 'redirect';
  const r = reply.result;
  return r.type === 'ok' && r.value !== undefined && r.value !== null ? `ok ${JSON.stringify(r.value)}` : r.type;
}

function voters(step: Step): string {
  return step.sends.filter((s) => s.msg.type === 'RequestVote').map((s) => s.to).join(', ') || 'nobody';
}

function moment<K extends Moment['kind']>(step: Step, kind: K): Extract<Moment, { kind: K }> | undefined {
  return step.moments.filter((m): m is Extract<Moment, { kind: K }> => m.kind === kind).at(-1);
}

function unique<T>(value: T, index: number, all: readonly T[]): boolean {
  return all.indexOf(value) === index;
}

function op(o: { readonly f: string; readonly key: string; readonly value?: unknown }): string {
  return o.f === 'read' ? `read ${o.key}` : `${o.f} ${o.key}=${JSON.stringify(o.value)}`;
}

/**
 * Multi-Paxos in plain words (Paxos Made Simple §2–3): a proposer runs phase 1 of a ballot, the
 * acceptors promise, the leader proposes values in slots (phase 2), a slot accepted by a majority
 * is chosen. Other steps go to the generic narrator.
 */
import { narratorFromWords, nodeList } from '../api.js';
import type { MultiPaxosMessage } from './types.js';

export const multipaxosNarrator = narratorFromWords<MultiPaxosMessage>({
  era: 'ballot',
  messageKind: (msg) => msg.type,
  eraChange: (step, term) =>
    `${step.node}${step.trigger.kind === 'timer' ? `'s ${step.trigger.name} timer fired; it` : ''} began phase 1 of ballot ${term} and sent prepare to ${nodeList(step.sends.filter((s) => s.msg.type === 'prepare').map((s) => s.to))}`,
  vote: (step, to, term) => `${step.node} promised ${to} to accept nothing below ballot ${term} and reported what it had accepted`,
  leader: (step, term) =>
    `${step.node} has promises from a majority: it leads ballot ${term}${step.sends.some((s) => s.msg.type === 'accept') ? ' and re-proposes what earlier ballots may have chosen' : ''}`,
  ack: (step, to, index, term) => `${step.node} accepted ${to}'s proposal for slot ${index} (ballot ${term})`,
  commit: (step, index) => `${step.node} knows slots up to ${index} are chosen`,
  request: (step, client, op) => {
    const accept = step.sends.find((s) => s.msg.type === 'accept');
    const slot = accept !== undefined && accept.msg.type === 'accept' ? ` in slot ${accept.msg.slot}` : '';
    return `${step.node} (leader) proposed ${client}'s ${op.f} ${op.key}${slot} and sent accept to ${nodeList(step.sends.filter((s) => s.msg.type === 'accept').map((s) => s.to))}`;
  },
});

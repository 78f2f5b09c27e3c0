/**
 * Zab in plain words (Junqueira et al. 2011, phases 0–3): fast leader election by votes, the
 * prospective leader gathers CEPOCH/ACK-E for a new epoch, synchronises followers (NEWLEADER,
 * ACK-LD), then broadcasts PROPOSE, collects ACKs and COMMITs. Other steps go to the generic narrator.
 */
import { narratorFromWords, nodeList } from '../api.js';
import type { ZabMessage } from './messages.js';

export const zabNarrator = narratorFromWords<ZabMessage>({
  era: 'epoch',
  messageKind: (msg) => msg.type,
  eraChange: (step, term) => `${step.node} is LOOKING: it starts a leader election towards epoch ${term} and sends its vote to ${nodeList(step.sends.filter((s) => s.msg.type === 'VOTE').map((s) => s.to))}`,
  vote: (step, to, term) => `${step.node} acknowledged ${to}'s new epoch ${term} (ACK-E) and sent its history`,
  leader: (step, term) =>
    step.after?.role === 'leading' && step.before?.role !== 'leading'
      ? `${step.node} won the election and leads (epoch ${term}); next it gathers a quorum of followers for a new epoch`
      : `${step.node} leads epoch ${term} and asks its followers to acknowledge it (NEWEPOCH)`,
  ack: (step, to, index, term) => `${step.node} logged the proposal up to ${index} (epoch ${term}) and sent ACK to ${to}`,
  commit: (step, index) => `${step.node} committed the history up to ${index}`,
  request: (step, client, op) =>
    `${step.node} (leader) proposed ${client}'s ${op.f} ${op.key} and sent PROPOSE to ${nodeList(step.sends.filter((s) => s.msg.type === 'PROPOSE').map((s) => s.to))}`,
});

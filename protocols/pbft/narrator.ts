/**
 * PBFT in plain words (Castro & Liskov 1999, §4): the primary assigns a sequence number
 * (PRE-PREPARE), replicas agree on it (PREPARE, then COMMIT from 2f+1), execute in order and
 * answer the client; a replica that suspects the primary votes for a view change. Other steps go
 * to the generic narrator.
 */
import { narratorFromWords, nodeList } from '../api.js';
import type { PbftMessage } from './messages.js';

export const pbftNarrator = narratorFromWords<PbftMessage>({
  era: 'view',
  messageKind: (msg) => msg.type,
  eraChange: (step, term) => `${step.node} suspects the primary and votes to move to view ${term} (VIEW-CHANGE)`,
  vote: (step, to, term) => `${step.node} sent its VIEW-CHANGE for view ${term} to ${to} with its prepared certificates`,
  leader: (step, term) => `${step.node} is primary of view ${term}: it gathered 2f+1 VIEW-CHANGE messages and sent NEW-VIEW`,
  ack: (step, _to, index, term) => `${step.node} has a prepared certificate for sequence ${index} (view ${term}) and broadcast COMMIT`,
  commit: (step, index) => `${step.node} saw 2f+1 COMMITs: requests up to ${index} are committed locally`,
  request: (step, client, op) =>
    `${step.node} (primary) assigned ${client}'s ${op.f} ${op.key} sequence ${step.after?.logLength ?? '?'} and sent PRE-PREPARE to ${nodeList(step.sends.filter((s) => s.msg.type === 'pre-prepare').map((s) => s.to))}`,
});

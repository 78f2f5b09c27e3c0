/**
 * Viewstamped Replication in plain words (VR Revisited §4): the primary sends Prepare, backups
 * answer PrepareOk, the primary commits with f PrepareOks; a backup that hears nothing starts a
 * view change (StartViewChange, DoViewChange, StartView). Other steps go to the generic narrator.
 */
import { narratorFromWords, nodeList } from '../api.js';
import type { VsrMessage } from './messages.js';

export const vsrNarrator = narratorFromWords<VsrMessage>({
  era: 'view',
  messageKind: (msg) => msg.type,
  eraChange: (step, term) =>
    `${step.node}${step.trigger.kind === 'timer' ? ` heard nothing from the primary (${step.trigger.name} timer); it` : ''} started a view change to view ${term} and told ${nodeList(step.sends.map((s) => s.to).filter((n, i, all) => all.indexOf(n) === i))}`,
  vote: (step, to, term) =>
    to === step.node
      ? `${step.node}, the primary of view ${term}, counted its own DoViewChange with its log`
      : `${step.node} sent DoViewChange for view ${term} to ${to}, the new primary, with its log`,
  leader: (step, term) => `${step.node} became primary of view ${term}: it picked the most up-to-date log from the DoViewChange messages and sent StartView`,
  ack: (step, to, index) => `${step.node} prepared op ${index} from primary ${to} and answered PrepareOk`,
  commit: (step, index) => `${step.node} knows ops up to ${index} are committed`,
  request: (step, client, op) =>
    `${step.node} (primary) gave ${client}'s ${op.f} ${op.key} op number ${step.after?.logLength ?? '?'} and sent Prepare to ${nodeList(step.sends.filter((s) => s.msg.type === 'Prepare').map((s) => s.to))}`,
});

/**
 * The view rules of VR Revisited, as pure functions of the message and the replica's view: what a
 * replica that is not recovering does with a message before its status looks at it (§4.2, §5.2),
 * and the new primary's choice among the DoViewChange logs (§4.2 step 3).
 */
import { assertNever, type NodeId } from '../api.js';
import type { DoViewChange, StartView, VsrMessage } from './messages.js';

/**
 * drop: a message of an older view, or one only primary(v) may send coming from someone else;
 * handle: for this view, the status handler decides; adopt: StartView of a later view (install its
 * log); join: Prepare or Commit of a later view (it runs without us: state transfer); change: news
 * of a later view change (move to it, then the handler counts the message).
 */
export type ViewRule =
  | { readonly kind: 'drop' }
  | { readonly kind: 'handle' }
  | { readonly kind: 'adopt'; readonly msg: StartView }
  | { readonly kind: 'join'; readonly view: number }
  | { readonly kind: 'change'; readonly view: number };

const DROP: ViewRule = { kind: 'drop' };
const HANDLE: ViewRule = { kind: 'handle' };

export function viewRule(from: NodeId, msg: VsrMessage, view: number, self: NodeId, primaryOf: (view: number) => NodeId): ViewRule {
  switch (msg.type) {
    case 'Prepare':
    case 'Commit':
    case 'StartView':
      if (msg.view < view || from !== primaryOf(msg.view)) return DROP;
      if (msg.view === view) return HANDLE;
      return msg.type === 'StartView' ? { kind: 'adopt', msg } : { kind: 'join', view: msg.view };
    case 'StartViewChange':
      if (msg.view < view) return DROP;
      return msg.view > view ? { kind: 'change', view: msg.view } : HANDLE;
    case 'DoViewChange':
      if (msg.view < view || primaryOf(msg.view) !== self) return DROP;
      return msg.view > view ? { kind: 'change', view: msg.view } : HANDLE;
    case 'PrepareOk':
    case 'GetState':
      return msg.view === view ? HANDLE : DROP;
    case 'NewState':
      return msg.view === view && from === primaryOf(view) ? HANDLE : DROP;
    case 'Recovery':
    case 'RecoveryResponse':
      return HANDLE;
    default:
      return assertNever(msg);
  }
}

/**
 * §4.2 step 3: the log of the DoViewChange with the largest v′, ties broken by the largest
 * op-number. Logs of the same v′ are prefixes of that view's primary log, so the longest of them
 * holds every op committed in v′; older views may hold ops that were never committed.
 * The bug variant compares op-numbers first.
 */
export function chooseLog(messages: readonly DoViewChange[], longestWins: boolean): DoViewChange {
  const rank = (m: DoViewChange): readonly [number, number] =>
    longestWins ? [m.opNumber, m.lastNormalView] : [m.lastNormalView, m.opNumber];
  let best: DoViewChange | undefined;
  for (const m of messages) {
    if (best === undefined || outranks(rank(m), rank(best))) best = m;
  }
  if (best === undefined) throw new Error('vsr: no DoViewChange to choose from');
  return best;
}

/** Lexicographic: first key, then second; equal ranks keep the earlier message. */
function outranks(a: readonly [number, number], b: readonly [number, number]): boolean {
  return a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
}

/**
 * Viewstamped Replication Revisited (Liskov & Cowling, MIT-CSAIL-TR-2012-021).
 *
 * n = 2f + 1 replicas run through a sequence of views; the primary of view v is replica v mod n
 * (view 0 → n1), the others are backups. Nothing is written to disk: an op is durable because
 * f + 1 replicas hold it in memory, so a crash loses the replica's whole state.
 *
 * Normal operation (§4.1). The primary appends a client request to its log as op-number n and
 * sends Prepare(v, m, n, k) (k = its commit-number) to the backups. A backup accepts Prepares in
 * op-number order only, appends, and answers PrepareOk(v, n), which therefore means "I hold ops
 * 1..n". With f PrepareOks the op (and all before it) is committed: the primary executes it on the
 * replicated KV machine and replies to the client. Commit(v, k) — sent on every heartbeat — lets
 * the backups execute too. The client table (last request and result per client) is part of the
 * machine, so a retried request is answered from it, or ignored while it is still in the log.
 *
 * View change (§4.2). A backup that hears nothing from its primary moves to view v + 1 and sends
 * StartViewChange. With f of them (others) it sends DoViewChange(v, log, v′, n, k) to primary(v),
 * where v′ is the last view in which it was normal. The new primary, with f + 1 of those (its
 * own included), takes the log with the largest v′, then the largest n, and the largest k, and
 * sends StartView(v, log, n, k). Any op committed in an earlier view was acknowledged by f + 1
 * replicas, one of which is among any f + 1 DoViewChange senders, and logs of the latest v′ are
 * prefixes of that view's primary log — so the chosen log keeps every committed op in place.
 *
 * Recovery (§4.3). A restarted replica has no state. It must not acknowledge or vote — it may
 * have promised things it forgot — so it sends Recovery(i, x) with a fresh nonce x and waits for
 * f + 1 RecoveryResponses carrying x, including the one (with the log) from the primary of the
 * latest view among them. The nonce makes answers to an older recovery useless. The protocol
 * needs f + 1 replicas that are up and normal: if a majority crashes at once, nobody can answer
 * and the group never recovers (a liveness limit, not a safety one).
 *
 * State transfer (§5.2). A replica that learns of a later view (or misses ops) asks the primary
 * with GetState and takes NewState. We keep our log and our v′ until NewState arrives rather than
 * truncating first, because a truncated log claiming the new v′ can win a view change and lose
 * committed ops (J. Vanlightly's TLA+ model of the paper found this).
 *
 * Only one bit is written to disk: that a replica has been a member before, so that a restart
 * knows it must recover (see JOINED_MARKER in replica.ts).
 */
import type { ClientPolicy, ProtocolDefinition, ProtocolOptions } from '../api.js';
import type { VsrMessage } from './messages.js';
import { VsrMonitor, VSR_INVARIANTS } from './monitor.js';
import { VSR_BUGS, VSR_OPTIONS, vsrOptions } from './options.js';
import { VsrReplica, type VsrView } from './replica.js';
import { vsrNarrator } from './narrator.js';

export type { VsrMessage } from './messages.js';
export type { VsrView } from './replica.js';

function clientPolicy(_nodes: number, options: ProtocolOptions): ClientPolicy {
  // Long enough for a commit round trip; short enough that a client finds the new primary
  // soon after a view change (backups redirect it there).
  const { viewChangeTimeout, heartbeat } = vsrOptions(options);
  return { replyQuorum: 1, retry: 'next', retryAfterMicros: Math.max(viewChangeTimeout / 2, heartbeat * 4) };
}

export const vsr: ProtocolDefinition<VsrMessage, VsrView> = {
  name: 'vsr',
  description:
    'Viewstamped Replication Revisited (Liskov & Cowling 2012): round-robin primary per view, commit after f PrepareOks, view change choosing the log of the latest normal view, diskless recovery with a nonce, state transfer.',
  options: VSR_OPTIONS,
  bugs: VSR_BUGS,
  createNode: (ctx) => new VsrReplica(ctx),
  narrator: vsrNarrator,
  invariants: VSR_INVARIANTS,
  createMonitor: (ctx) => new VsrMonitor(ctx),
  clientPolicy,
  // Recovery (§4.3) needs f + 1 normal replicas: at most f may be down or recovering at once.
  crashesAtOnce: (nodes) => Math.floor((nodes - 1) / 2),
};

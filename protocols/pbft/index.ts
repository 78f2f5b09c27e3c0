/**
 * PBFT — Practical Byzantine Fault Tolerance (Castro & Liskov, OSDI 1999; TOCS 2002).
 *
 * n = 3f+1 replicas tolerate f that behave arbitrarily. Replicas move through views; the primary
 * of view v is replica v mod n (n1 in view 0), the others are backups (§4).
 *
 * §4.1 Client. A client sends REQUEST to the primary (ours: to any replica; a backup relays it
 * to the primary) and accepts a result once f+1 replicas report the same one: at least one of
 * them is correct. With no answer it multicasts the request; a replica that already executed it
 * answers from the reply cache (`env.machine.cached`).
 *
 * §4.2 Normal case. The primary gives the request a sequence number n in [h+1, H] and multicasts
 * PRE-PREPARE(v, n, D(m)) with m. A backup that has accepted no other digest for (v, n) logs it and
 * multicasts PREPARE(v, n, d, i). prepared(m, v, n, i) = the pre-prepare + 2f matching PREPAREs
 * from distinct backups: no two correct replicas prepare different requests at (v, n), since two
 * quorums of 2f+1 share a correct replica. Then COMMIT(v, n, d, i); committed-local = prepared
 * + 2f+1 matching COMMITs, which implies that f+1 correct replicas prepared m, so every later view
 * will learn it. Requests execute in sequence order; every replica replies to the client.
 *
 * §4.3 Checkpoints. Every k sequence numbers a replica multicasts CHECKPOINT(n, d) with the
 * digest of its state; 2f+1 matching ones make the checkpoint stable: h = n, H = h + 2k, and the
 * log up to n is discarded. A replica that fell behind fetches the state from a replica that
 * signed the proof and checks it against the proven digest.
 *
 * §4.4 View change. A backup waiting too long for a request suspects the primary: it moves to
 * v+1 and multicasts VIEW-CHANGE(v+1, n, C, P, i) with its stable checkpoint proof C and, for each
 * request prepared above it, the certificate P_m. The new primary collects 2f+1 and multicasts
 * NEW-VIEW(v+1, V, O): O re-proposes, for every n between min-s (latest stable checkpoint in V)
 * and max-s (highest prepared), the request of the highest-view certificate, or a null request.
 * Every backup recomputes O from V and rejects a NEW-VIEW whose O differs: a byzantine primary
 * cannot rewrite history. §4.5.2 Liveness: the view-change timer starts once 2f+1 replicas are
 * changing views and doubles each time a view change fails; f+1 VIEW-CHANGEs for higher views make
 * a replica join at once; a faulty replica alone cannot force a view change.
 *
 * Beyond §4 (which omits retransmission): a replica that stops making progress sends STATUS and
 * peers answer with the messages, commit certificates (2f+1 signed COMMITs), checkpoint state or
 * NEW-VIEW it misses. Restarts: OSDI'99 keeps no disk, so a replica that forgot what it signed
 * would count against f. Here a replica persists (and syncs before the dependent send) its view,
 * accepted pre-prepares, prepared certificates and stable checkpoint, so crash-restarts are benign;
 * an amnesia crash (storage wiped) still counts against f.
 */
import type { ProtocolDefinition } from '../api.js';
import { readOptions } from '../kit/index.js';
import { BYZANTINE_BEHAVIOURS } from './byzantine.js';
import { type PbftMessage, faultsTolerated } from './messages.js';
import { PbftMonitor, PBFT_INVARIANTS } from './monitor.js';
import { OPTIONS } from './options.js';
import { PbftReplica } from './replica.js';
import type { PbftView } from './view.js';
import { pbftNarrator } from './narrator.js';

export type { PbftMessage } from './messages.js';
export type { PbftEvent, PbftView } from './view.js';


export const pbft: ProtocolDefinition<PbftMessage, PbftView> = {
  name: 'pbft',
  description: 'Practical Byzantine Fault Tolerance (Castro & Liskov 1999): n = 3f+1 replicas tolerate f byzantine ones.',
  options: OPTIONS,
  bugs: [
    { name: 'pbft.prepare-quorum-2f-minus-1', description: 'prepared after 2f-1 PREPAREs instead of 2f: an equivocating primary gets two requests prepared at one sequence number' },
    { name: 'pbft.new-view-unchecked', description: 'backups accept a NEW-VIEW without recomputing O from V: a byzantine new primary rewrites history' },
    { name: 'pbft.drop-prepared-on-view-change', description: 'VIEW-CHANGE carries no prepared certificates: the new view reuses sequence numbers of committed requests' },
    { name: 'pbft.reply-quorum-1', description: 'the client accepts the first reply instead of f+1 matching ones: one lying replica is believed' },
  ],
  checkClusterSize(nodes: number): string | null {
    const f = faultsTolerated(nodes);
    if (f < 1 || nodes !== 3 * f + 1) return `pbft needs n = 3f+1 replicas with f >= 1 (4, 7, 10, ...), got ${nodes}`;
    return null;
  },
  createNode({ env, options, bugs }) {
    const config = readOptions(OPTIONS, options);
    return new PbftReplica(env, {
      checkpointInterval: config.checkpointInterval,
      requestTimeoutUs: config.requestTimeout,
      retransmitUs: config.retransmitInterval,
      bugs,
    });
  },
  narrator: pbftNarrator,
  invariants: PBFT_INVARIANTS,
  createMonitor(ctx) {
    return new PbftMonitor(ctx);
  },
  clientPolicy(nodes, options, bugs) {
    return {
      replyQuorum: bugs.has('pbft.reply-quorum-1') ? 1 : faultsTolerated(nodes) + 1,
      retry: 'all',
      retryAfterMicros: readOptions(OPTIONS, options).clientRetry,
    };
  },
  byzantine: BYZANTINE_BEHAVIOURS,
};

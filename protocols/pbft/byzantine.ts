/**
 * Byzantine behaviours: each wraps a correct replica's env and rewrites what it sends (and, for
 * `lying-replies`, what it tells clients). The replica inside keeps running the correct protocol;
 * the lie happens on the way out. A behaviour may sign anything as its own node (`env.sign`), but
 * never as another node, so it can only lie about its own votes and proposals.
 *
 * Client requests are signed by clients in the paper (§4.1); our simulated clients do not sign,
 * so no behaviour invents a client request: they reorder, drop, duplicate and replace requests
 * with the null request, which is what a signature check would still allow.
 */
import type { ByzantineBehaviour, ByzantineHooks, ClientId, ClientReply, Command, NodeEnv, NodeId, ProtocolNode } from '../api.js';
import {
  type CheckpointBody,
  type CommitBody,
  NULL_DIGEST,
  type NewViewBody,
  type PbftMessage,
  type PrepareBody,
  type PrePrepareBody,
  type Signed,
  type ViewChangeBody,
  bodyOf,
  faultsTolerated,
  primaryOf,
  requestDigest,
  sign,
} from './messages.js';
import type { PbftView } from './view.js';

type Env = NodeEnv<PbftMessage>;
type NodeRef = () => ProtocolNode<PbftMessage>;

interface Overrides {
  send?(to: NodeId, msg: PbftMessage): void;
  reply?(client: ClientId, reqId: number, reply: ClientReply): void;
}

/** The env the wrapped replica sees: the real one, with `send`/`reply` replaced. */
function rewrite(env: Env, overrides: Overrides): Env {
  return {
    id: env.id,
    nodes: env.nodes,
    peers: env.peers,
    now: () => env.now(),
    send: overrides.send ?? ((to, msg) => env.send(to, msg)),
    setTimer: (name, afterMicros) => env.setTimer(name, afterMicros),
    cancelTimer: (name) => env.cancelTimer(name),
    random: () => env.random(),
    get storage() {
      return env.storage;
    },
    get machine() {
      return env.machine;
    },
    reply: overrides.reply ?? ((client, reqId, reply) => env.reply(client, reqId, reply)),
    sign: (msg) => env.sign(msg),
    verify: (sig, signer, msg) => env.verify(sig, signer, msg),
    note: (text) => env.note(text),
    moment: (moment) => env.moment(moment),
  };
}

/** Re-sign a body the wrapped node produced, after changing some fields. */
function forge<B extends PrePrepareBody | PrepareBody | CommitBody | CheckpointBody | ViewChangeBody | NewViewBody>(env: Env, msg: Signed<B>, change: Partial<B>): Signed<B> {
  return sign(env, { ...bodyOf(msg), ...change } as B);
}

/** A small cache so one lie is told consistently to every recipient of one multicast. */
class Lies<T> {
  private readonly map = new Map<string, T>();
  get(key: string, make: () => T): T {
    let value = this.map.get(key);
    if (value === undefined) {
      if (this.map.size >= 512) this.map.clear();
      value = make();
      this.map.set(key, value);
    }
    return value;
  }
}

function behaviour(name: string, description: string, wrap: (env: Env, node: NodeRef) => ByzantineHooks<PbftMessage>): ByzantineBehaviour<PbftMessage> {
  return { name, description, wrap };
}

function viewOf(node: NodeRef): PbftView {
  return node().inspect() as PbftView;
}

const silent = behaviour('silent', 'Sends nothing at all, to replicas or clients (a crash that never restarts).', (env) => ({
  env: rewrite(env, { send: () => undefined, reply: () => undefined }),
}));

/**
 * As primary: the real request to the first half of the backups, the null request for the same
 * sequence number to the rest (S-B1). As any replica: every PREPARE and COMMIT it sends is
 * doubled with one for the null request, so it votes for both sides of any split.
 */
const equivocate = behaviour('equivocate', 'Primary: different requests for one sequence number to different backups; every replica: votes for both.', (env) => {
  const lies = new Lies<PbftMessage>();
  const split = Math.ceil(env.peers.length / 2);
  const send = (to: NodeId, msg: PbftMessage): void => {
    if (msg.type === 'pre-prepare' && env.peers.indexOf(to) >= split) {
      env.send(to, lies.get(`pp/${msg.view}/${msg.seq}`, () => forge(env, msg, { digest: NULL_DIGEST, request: null })));
      return;
    }
    env.send(to, msg);
    if ((msg.type === 'prepare' || msg.type === 'commit') && msg.digest !== NULL_DIGEST) {
      env.send(to, lies.get(`${msg.type}/${msg.view}/${msg.seq}`, () => forge<PrepareBody | CommitBody>(env, msg, { digest: NULL_DIGEST })));
    }
  };
  return { env: rewrite(env, { send }) };
});

/** Signs wrong digests into everything it proposes, votes for or checkpoints. */
const corruptDigest = behaviour('corrupt-digest', 'PRE-PREPARE, PREPARE, COMMIT and CHECKPOINT carry a digest that matches nothing.', (env) => {
  const lies = new Lies<PbftMessage>();
  const send = (to: NodeId, msg: PbftMessage): void => {
    switch (msg.type) {
      case 'pre-prepare':
      case 'prepare':
      case 'commit':
        return env.send(to, lies.get(`${msg.type}/${msg.view}/${msg.seq}`, () => forge<PrePrepareBody | PrepareBody | CommitBody>(env, msg, { digest: `corrupt:${msg.digest}` })));
      case 'checkpoint':
        return env.send(to, lies.get(`cp/${msg.seq}`, () => forge(env, msg, { digest: `corrupt:${msg.digest}` })));
      default:
        return env.send(to, msg);
    }
  };
  return { env: rewrite(env, { send }) };
});

/**
 * VIEW-CHANGEs that hide what it prepared (S-B3): half the time it claims the initial state with
 * an empty P set, otherwise it drops every other prepared certificate. It also sends such a
 * VIEW-CHANGE for the next view now and then, unprompted.
 */
const staleViewChange = behaviour('stale-view-change', 'VIEW-CHANGE with an old stable checkpoint or a partial prepared set; also asks for view changes unprompted.', (env, node) => {
  const lies = new Lies<PbftMessage>();
  const stale = (vc: Signed<ViewChangeBody>): Signed<ViewChangeBody> =>
    env.random() < 0.5
      ? forge(env, vc, { stableSeq: 0, stableDigest: 'genesis', stableProof: [], prepared: [] })
      : forge(env, vc, { prepared: vc.prepared.filter((_, i) => i % 2 === 1) });
  const send = (to: NodeId, msg: PbftMessage): void => {
    if (msg.type === 'view-change' && msg.replica === env.id) return env.send(to, lies.get(`vc/${msg.view}`, () => stale(msg)));
    env.send(to, msg);
  };
  const onTimer = (): void => {
    const view = viewOf(node).term + 1;
    const vc = sign(env, { type: 'view-change', view, stableSeq: 0, stableDigest: 'genesis', stableProof: [], prepared: [], replica: env.id } satisfies ViewChangeBody);
    for (const peer of env.peers) env.send(peer, vc);
    env.setTimer('byz:stale', 700_000 + Math.floor(env.random() * 800_000));
  };
  return { env: rewrite(env, { send }), onTimer, onStart: () => env.setTimer('byz:stale', 1_000_000) };
});

/** As a new primary: O with every re-proposed request replaced by the null request (history rewritten). */
const forgedNewView = behaviour('forged-new-view', 'A new primary whose NEW-VIEW drops the prepared requests from O (null requests instead).', (env) => {
  const lies = new Lies<PbftMessage>();
  const forgeNewView = (nv: Signed<NewViewBody>): Signed<NewViewBody> => {
    const prePrepares = nv.prePrepares.map((pp) => (pp.request === null ? pp : forge(env, pp, { digest: NULL_DIGEST, request: null })));
    return forge(env, nv, { prePrepares });
  };
  const send = (to: NodeId, msg: PbftMessage): void => {
    if (msg.type === 'new-view' && primaryOf(msg.view, env.nodes) === env.id) return env.send(to, lies.get(`nv/${msg.view}`, () => forgeNewView(msg)));
    env.send(to, msg);
  };
  return { env: rewrite(env, { send }) };
});

/** Bogus messages at a bounded rate (one to every peer each 5 ms) next to its normal traffic. */
const flood = behaviour('flood', 'Sends a bogus message to every peer every 5 ms (bad signatures, far sequence numbers, high views), besides its normal traffic.', (env, node) => {
  const tick = (): void => {
    const view = viewOf(node);
    const seq = view.lowWaterMark + 1 + Math.floor(env.random() * 64);
    const digest = `bogus:${Math.floor(env.random() * 1e9)}`;
    const pick = Math.floor(env.random() * 5);
    let msg: PbftMessage;
    if (pick === 0) msg = sign(env, { type: 'prepare', view: view.term, seq, digest, replica: env.id });
    else if (pick === 1) msg = sign(env, { type: 'commit', view: view.term, seq, digest, replica: env.id });
    else if (pick === 2) msg = sign(env, { type: 'checkpoint', seq: seq - (seq % 8) + 8, digest, replica: env.id });
    else if (pick === 3) msg = { ...sign(env, { type: 'prepare', view: view.term, seq, digest, replica: env.id }), replica: env.peers[0] ?? env.id };
    else msg = sign(env, { type: 'view-change', view: view.term + 1 + Math.floor(env.random() * 3), stableSeq: 0, stableDigest: 'genesis', stableProof: [], prepared: [], replica: env.id });
    for (const peer of env.peers) env.send(peer, msg);
    env.setTimer('byz:flood', 5_000);
  };
  return { env, onTimer: tick, onStart: () => env.setTimer('byz:flood', 5_000) };
});

/** Talks to only some replicas: a fixed random half of its peers never hear from it. */
const selective = behaviour('selective', 'Sends its messages to only some replicas (a random half of its peers hears nothing).', (env) => {
  const ignored = new Set<NodeId>();
  const shuffled = env.peers.map((p) => ({ p, r: env.random() })).sort((a, b) => a.r - b.r);
  for (const { p } of shuffled.slice(0, Math.ceil(env.peers.length / 2))) ignored.add(p);
  return { env: rewrite(env, { send: (to, msg) => (ignored.has(to) ? undefined : env.send(to, msg)) }) };
});

/** Correct towards replicas, lies to clients: every result it reports is made up. */
const lyingReplies = behaviour('lying-replies', 'Follows the protocol but reports made-up results to clients (caught by the f+1 reply quorum).', (env) => {
  const reply = (client: ClientId, reqId: number, answer: ClientReply): void => {
    if (answer.kind !== 'result') return env.reply(client, reqId, answer);
    const value = answer.result.type === 'ok' ? `lie:${String(answer.result.value)}` : 'lie';
    env.reply(client, reqId, { kind: 'result', result: { type: 'ok', value } });
  };
  return { env: rewrite(env, { reply }) };
});

/**
 * The two quorum-sized sides a traitor lies to: A = the first 2f+1 replicas, B = the last 2f+1.
 * They overlap in f+1 replicas (at least one correct), which is what defeats the lie: a correct
 * replica accepts one PRE-PREPARE per (view, number) and prepares once. Every traitor derives the
 * same sides from the node list, so f traitors coordinate without exchanging a message.
 */
function sides(env: Env): { readonly a: ReadonlySet<NodeId>; readonly b: ReadonlySet<NodeId> } {
  const quorum = 2 * faultsTolerated(env.nodes.length) + 1;
  return { a: new Set(env.nodes.slice(0, quorum)), b: new Set(env.nodes.slice(-quorum)) };
}

/**
 * Sends the true message to side A and a conflicting one for the null request to side B (both to
 * the overlap, in an order that alternates with the number, so the overlap splits too). As
 * primary this is a PRE-PREPARE equivocation; as any replica, a PREPARE/COMMIT for each side.
 */
function splitSend(env: Env, lies: Lies<PbftMessage>, to: NodeId, msg: PbftMessage, side: ReturnType<typeof sides>): void {
  const lie = (): PbftMessage | null => {
    if (msg.type === 'pre-prepare' && msg.request !== null) return lies.get(`pp/${msg.view}/${msg.seq}`, () => forge(env, msg, { digest: NULL_DIGEST, request: null }));
    if ((msg.type === 'prepare' || msg.type === 'commit') && msg.replica === env.id && msg.digest !== NULL_DIGEST) {
      return lies.get(`${msg.type}/${msg.view}/${msg.seq}`, () => forge<PrepareBody | CommitBody>(env, msg, { digest: NULL_DIGEST }));
    }
    return null;
  };
  const conflicting = lie();
  if (conflicting === null) return env.send(to, msg);
  const inA = side.a.has(to);
  const inB = side.b.has(to);
  if (inA && inB) {
    const order = 'seq' in msg && (msg.seq + env.nodes.indexOf(to)) % 2 === 0 ? [msg, conflicting] : [conflicting, msg];
    for (const m of order) env.send(to, m);
  } else {
    env.send(to, inB ? conflicting : msg);
  }
}

/** Equivocation aimed at quorums: each conflicting message reaches a quorum-sized set of replicas. */
const equivocateQuorum = behaviour(
  'equivocate-quorum',
  'Each PRE-PREPARE, PREPARE and COMMIT goes true to the first 2f+1 replicas and for the null request to the last 2f+1 (the overlap gets both).',
  (env) => {
    const lies = new Lies<PbftMessage>();
    const side = sides(env);
    return { env: rewrite(env, { send: (to, msg) => splitSend(env, lies, to, msg, side) }) };
  },
);

/** A VIEW-CHANGE with a valid stable checkpoint and an empty P: every prepared certificate hidden. */
function hideCertificates(env: Env, lies: Lies<PbftMessage>, vc: Signed<ViewChangeBody>): PbftMessage {
  return vc.prepared.length === 0 ? vc : lies.get(`vc/${vc.view}`, () => forge(env, vc, { prepared: [] }));
}

/**
 * f traitors acting as one, with no message between them: each follows the same plan, derived
 * from the node list. As primary it equivocates towards the two quorum-sized sides; as a backup
 * it votes for both sides' requests (PREPARE and COMMIT for the true digest to side A, for the
 * null request to side B), so the primary's lie gets every traitor's vote on each side; in a view
 * change it hides its prepared certificates, so whatever one side prepared has the fewest
 * witnesses possible.
 */
const colluding = behaviour(
  'colluding',
  'Traitors that act as one (same plan, no messages): equivocate towards two quorum-sized sides, vote for both sides, hide certificates in view changes.',
  (env) => {
    const lies = new Lies<PbftMessage>();
    const side = sides(env);
    const send = (to: NodeId, msg: PbftMessage): void => {
      if (msg.type === 'view-change' && msg.replica === env.id) return env.send(to, hideCertificates(env, lies, msg));
      splitSend(env, lies, to, msg, side);
    };
    return { env: rewrite(env, { send }) };
  },
);

/** Hides every prepared certificate in its VIEW-CHANGEs (the stable checkpoint stays valid). */
const hiddenCertificates = behaviour(
  'hide-certificates',
  'Correct, except that its VIEW-CHANGEs carry no prepared certificates (a valid checkpoint and an empty P).',
  (env) => {
    const lies = new Lies<PbftMessage>();
    const send = (to: NodeId, msg: PbftMessage): void => {
      if (msg.type === 'view-change' && msg.replica === env.id) return env.send(to, hideCertificates(env, lies, msg));
      env.send(to, msg);
    };
    return { env: rewrite(env, { send }) };
  },
);

/** Old requests kept for replaying (bounded). */
const REPLAY_MAX = 64;

/**
 * A primary that replays the past after a view change: once it sends its NEW-VIEW it multicasts
 * the old PRE-PREPAREs it knows (those in V's certificates and its own from earlier views) as they
 * were, then puts those old requests, re-signed for the new view, in place of the fresh requests
 * it is asked to order. Correct replicas must refuse the old-view messages and execute a replayed
 * request as a duplicate (the client table answers it without a second effect).
 */
const replayPrePrepares = behaviour(
  'replay-pre-prepares',
  'As a primary after a view change: re-sends old PRE-PREPAREs as they were and re-proposes old requests in place of new ones.',
  (env) => {
    const lies = new Lies<PbftMessage>();
    const old: Signed<PrePrepareBody>[] = [];
    const queue: Command[] = [];
    let replayView = -1;
    const remember = (pp: Signed<PrePrepareBody>): void => {
      if (pp.request === null || old.some((o) => o.view === pp.view && o.seq === pp.seq)) return;
      old.push(pp);
      if (old.length > REPLAY_MAX) old.shift();
    };
    const send = (to: NodeId, msg: PbftMessage): void => {
      if (msg.type === 'new-view' && primaryOf(msg.view, env.nodes) === env.id) {
        for (const vc of msg.viewChanges) for (const cert of vc.prepared) remember(cert.prePrepare);
        env.send(to, msg);
        for (const pp of old) if (pp.view < msg.view) env.send(to, pp);
        if (replayView !== msg.view) {
          replayView = msg.view;
          for (const pp of old) if (pp.request !== null && pp.view < msg.view) queue.push(pp.request);
        }
        return;
      }
      if (msg.type === 'pre-prepare' && msg.request !== null) {
        if (msg.view === replayView) {
          const replacement = lies.get(`pp/${msg.view}/${msg.seq}`, () => {
            const request = queue.shift();
            return request === undefined ? msg : forge(env, msg, { request, digest: requestDigest(request) });
          });
          return env.send(to, replacement);
        }
        remember(msg);
      }
      env.send(to, msg);
    };
    return { env: rewrite(env, { send }) };
  },
);

const CHOICES: readonly ByzantineBehaviour<PbftMessage>[] = [
  silent,
  equivocate,
  corruptDigest,
  staleViewChange,
  forgedNewView,
  flood,
  selective,
  lyingReplies,
  equivocateQuorum,
  colluding,
  hiddenCertificates,
  replayPrePrepares,
];

/**
 * One of the behaviours above, drawn from the node's random stream at its first start and kept
 * in its storage, so a seed fixes the behaviour across restarts (the nemesis uses this).
 */
const random = behaviour('random', 'One of the other behaviours, drawn per seed (kept across restarts).', (env, node) => {
  const key = 'byz:behaviour';
  let name = env.storage.read<string>(key);
  if (name === undefined || !CHOICES.some((b) => b.name === name)) {
    name = CHOICES[Math.floor(env.random() * CHOICES.length)]?.name ?? 'silent';
    env.storage.write(key, name);
    env.storage.sync();
  }
  const chosen = CHOICES.find((b) => b.name === name) ?? silent;
  const hooks = chosen.wrap(env, node);
  const onStart = (): void => {
    env.note(`byzantine behaviour: ${chosen.name}`);
    hooks.onStart?.();
  };
  return hooks.onTimer === undefined ? { env: hooks.env, onStart } : { env: hooks.env, onStart, onTimer: hooks.onTimer };
});

export const BYZANTINE_BEHAVIOURS: Readonly<Record<string, ByzantineBehaviour<PbftMessage>>> = Object.fromEntries(
  [...CHOICES, random].map((b) => [b.name, b]),
);

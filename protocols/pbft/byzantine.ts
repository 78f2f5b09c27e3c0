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
import type { ByzantineBehaviour, ByzantineHooks, ClientId, ClientReply, NodeEnv, NodeId, ProtocolNode } from '../api.js';
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
  primaryOf,
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

const CHOICES: readonly ByzantineBehaviour<PbftMessage>[] = [silent, equivocate, corruptDigest, staleViewChange, forgedNewView, flood, selective, lyingReplies];

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

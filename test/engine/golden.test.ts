/**
 * A golden trace (etcd-io/raft's testdata style): two fixture nodes, one client, fixed 1ms latency.
 * It pins the trace vocabulary and field order that protocol tests and tools read (docs/engine.md).
 * If an intended engine change alters it, re-read the new lines carefully before updating them.
 *
 * Since the trace carries moments (persist, apply, commit, leader) and node-state snapshots
 * (`state` at every start and role change, `progress` when commit/applied/log length moved), every
 * traceHash differs from the one before them; these lines pin their place and field order.
 *
 * Seed 2 is chosen because the client's first request goes to the backup, so the trace also pins a
 * redirect (on seed 1 it goes straight to the primary).
 */
import { describe, expect, it } from 'vitest';
import { runScenario, traceToJsonLines } from '../../sim/run.js';
import { fixtureProtocols } from '../fixtures/primary.js';
import { fixtureScenario } from '../fixtures/scenario.js';

const GOLDEN = String.raw`
{"t":0,"kind":"note","node":"n1","text":"n1 started with 0 entries"}
{"t":0,"kind":"role","node":"n1","role":"primary","term":1,"leader":"n1"}
{"t":0,"kind":"state","node":"n1","role":"primary","term":1,"leader":"n1","commitIndex":0,"appliedIndex":0,"logLength":0,"view":{},"log":[]}
{"t":0,"kind":"leader","node":"n1","term":1}
{"t":0,"kind":"send","id":1,"from":"n2","to":"n1","msg":{"type":"ack","applied":0}}
{"t":0,"kind":"note","node":"n2","text":"n2 started with 0 entries"}
{"t":0,"kind":"role","node":"n2","role":"backup","term":1,"leader":"n1"}
{"t":0,"kind":"state","node":"n2","role":"backup","term":1,"leader":"n1","commitIndex":0,"appliedIndex":0,"logLength":0,"view":{},"log":[]}
{"t":1000,"kind":"deliver","id":1,"from":"n2","to":"n1"}
{"t":3306,"kind":"invoke","client":"c1","process":0,"reqId":1,"f":"write","key":"k1","value":1}
{"t":3306,"kind":"send","id":2,"from":"c1","to":"n2","msg":{"reqId":1,"op":{"f":"write","key":"k1","value":1}}}
{"t":4306,"kind":"deliver","id":2,"from":"c1","to":"n2"}
{"t":4306,"kind":"send","id":3,"from":"n2","to":"c1","msg":{"reqId":1,"reply":{"kind":"redirect","leader":"n1"}}}
{"t":5306,"kind":"deliver","id":3,"from":"n2","to":"c1"}
{"t":5306,"kind":"send","id":4,"from":"c1","to":"n1","msg":{"reqId":1,"op":{"f":"write","key":"k1","value":1}}}
{"t":6306,"kind":"deliver","id":4,"from":"c1","to":"n1"}
{"t":6306,"kind":"persist","node":"n1"}
{"t":6306,"kind":"apply","node":"n1","index":1,"cmd":{"client":"c1","reqId":1,"op":{"f":"write","key":"k1","value":1}}}
{"t":6306,"kind":"send","id":5,"from":"n1","to":"c1","msg":{"reqId":1,"reply":{"kind":"result","result":{"type":"ok","value":1}}}}
{"t":6306,"kind":"send","id":6,"from":"n1","to":"n2","msg":{"type":"entries","from":0,"entries":[{"client":"c1","reqId":1,"op":{"f":"write","key":"k1","value":1}}]}}
{"t":6306,"kind":"commit","node":"n1","index":1}
{"t":6306,"kind":"progress","node":"n1","commitIndex":1,"appliedIndex":1,"logLength":1}
{"t":7306,"kind":"deliver","id":5,"from":"n1","to":"c1"}
{"t":7306,"kind":"complete","client":"c1","process":0,"reqId":1,"type":"ok","f":"write","key":"k1","value":1}
{"t":7306,"kind":"deliver","id":6,"from":"n1","to":"n2"}
{"t":7306,"kind":"apply","node":"n2","index":1,"cmd":{"client":"c1","reqId":1,"op":{"f":"write","key":"k1","value":1}}}
{"t":7306,"kind":"persist","node":"n2"}
{"t":7306,"kind":"send","id":7,"from":"n2","to":"n1","msg":{"type":"ack","applied":1}}
{"t":7306,"kind":"commit","node":"n2","index":1}
{"t":7306,"kind":"progress","node":"n2","commitIndex":1,"appliedIndex":1,"logLength":1}
{"t":8306,"kind":"deliver","id":7,"from":"n2","to":"n1"}
{"t":10000,"kind":"timer","node":"n1","name":"heartbeat"}
{"t":10000,"kind":"send","id":8,"from":"n1","to":"n2","msg":{"type":"entries","from":1,"entries":[]}}
{"t":11000,"kind":"deliver","id":8,"from":"n1","to":"n2"}
{"t":11000,"kind":"send","id":9,"from":"n2","to":"n1","msg":{"type":"ack","applied":1}}
{"t":12000,"kind":"deliver","id":9,"from":"n2","to":"n1"}
`.trim();

describe('golden trace', () => {
  it('starts nodes, redirects the client to the primary, replicates, applies, commits, acknowledges, heartbeats', () => {
    const scenario = fixtureScenario({
      seed: 2,
      nodes: 2,
      durationUs: 30_000,
      settleUs: 20_000,
      network: { latency: { dist: 'fixed', valueUs: 1_000 }, loss: 0, duplicate: 0 },
      workload: { clients: 1, keys: 1, mix: { read: 0, write: 1, cas: 0 }, intervalUs: 5_000, timeoutUs: 100_000 },
    });
    const { trace } = runScenario(scenario, { protocols: fixtureProtocols, collectTrace: true });
    const lines = traceToJsonLines(trace ?? []).split('\n');
    expect(lines.slice(0, 36).join('\n')).toBe(GOLDEN);
    expect(lines.filter((l) => l.includes('"kind":"phase"'))).toEqual([
      '{"t":30000,"kind":"phase","phase":"settle"}',
      '{"t":50000,"kind":"phase","phase":"end"}',
    ]);
  });
});

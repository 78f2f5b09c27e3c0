/**
 * A sweep worker thread: receives a job (the validated scenario, the repro arguments and the
 * modules that define its protocol), then batches of seeds (first, step, count); answers each
 * batch with its outcomes in seed order. See sweep-pool.ts.
 *
 * The thread imports the job's protocol modules itself (threads share no objects): the bundled
 * registry, or a protocol module given by path, so a plug-in protocol runs in every worker.
 * Requests are handled one after another, each waiting for the previous one, because importing
 * a module is asynchronous and a batch must not run before its job's protocols are there.
 */
import { parentPort } from 'node:worker_threads';
import { importProtocolSet, type ProtocolSet } from './protocol-modules.js';
import type { WorkerReply, WorkerRequest } from './sweep-pool.js';
import { runSeed, type SeedOutcome, type SweepJob } from './sweep-seed.js';

if (parentPort === null) throw new Error('sweep-worker.js must run as a worker thread');
const port = parentPort;
let job: SweepJob | null = null;
let protocols: ProtocolSet | null = null;
let loadedKey = '';
let queue: Promise<void> = Promise.resolve();

port.on('message', (request: WorkerRequest) => {
  queue = queue.then(() => handle(request)).catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    port.postMessage({ kind: 'error', message } satisfies WorkerReply);
  });
});

async function handle(request: WorkerRequest): Promise<void> {
  if (request.kind === 'job') {
    job = request.job;
    const key = job.protocolModules.join('\n');
    if (protocols === null || key !== loadedKey) {
      protocols = await importProtocolSet(job.protocolModules);
      loadedKey = key;
    }
    const name = job.scenario.protocol;
    if (!protocols.definitions.some((p) => p.name === name)) {
      throw new Error(`no protocol "${name}" in the sweep's protocol modules (${job.protocolModules.join(', ') || 'none'})`);
    }
    return;
  }
  if (job === null || protocols === null) throw new Error('sweep worker got seeds before a job');
  const outcomes: SeedOutcome[] = [];
  const { first, step, count } = request.batch;
  for (let i = 0; i < count; i++) outcomes.push(runSeed(job, first + i * step, protocols));
  port.postMessage({ kind: 'outcomes', outcomes } satisfies WorkerReply);
}

/**
 * A sweep worker thread: receives a job (the validated scenario and repro arguments), then
 * batches of seeds (first, step, count); answers each batch with its outcomes in seed order.
 * See sweep-pool.ts.
 */
import { parentPort } from 'node:worker_threads';
import type { WorkerRequest } from './sweep-pool.js';
import { runSeed, type SeedOutcome, type SweepJob } from './sweep-seed.js';

const port = parentPort;
if (port === null) throw new Error('sweep-worker.js must run as a worker thread');
let job: SweepJob | null = null;

port.on('message', (request: WorkerRequest) => {
  if (request.kind === 'job') {
    job = request.job;
    return;
  }
  if (job === null) throw new Error('sweep worker got seeds before a job');
  const outcomes: SeedOutcome[] = [];
  const { first, step, count } = request.batch;
  for (let i = 0; i < count; i++) outcomes.push(runSeed(job, first + i * step));
  port.postMessage(outcomes);
});

/**
 * A sweep worker thread: receives the job once (workerData), then batches of seeds (first, step, count); answers each
 * batch with its outcomes in seed order. See sweep.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runSeed, type SeedOutcome, type SweepJob } from './sweep-seed.js';
import type { SeedPlan } from './sweep.js';

const job = workerData as SweepJob;
const port = parentPort;
if (port === null) throw new Error('sweep-worker.js must run as a worker thread');

port.on('message', (batch: SeedPlan) => {
  const outcomes: SeedOutcome[] = [];
  for (let i = 0; i < batch.count; i++) outcomes.push(runSeed(job, batch.first + i * batch.step));
  port.postMessage(outcomes);
});

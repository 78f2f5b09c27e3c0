/**
 * A sweep worker thread: receives the job once (workerData), then batches of seeds; answers each
 * batch with its outcomes in seed order. See sweep.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runSeed, type SeedOutcome, type SweepJob } from './sweep-seed.js';

const job = workerData as SweepJob;
const port = parentPort;
if (port === null) throw new Error('sweep-worker.js must run as a worker thread');

port.on('message', (seeds: readonly number[]) => {
  const outcomes: SeedOutcome[] = seeds.map((seed) => runSeed(job, seed));
  port.postMessage(outcomes);
});

/**
 * An explore worker thread: receives lists of (run number, scenario) and answers each list with the
 * outcomes in the same order. See pool.ts.
 */
import { parentPort } from 'node:worker_threads';
import { runCandidate, type ExploreRunOutcome } from './outcome.js';
import type { ExploreTask } from './pool.js';

const port = parentPort;
if (port === null) throw new Error('explore worker.js must run as a worker thread');
port.on('message', (tasks: ExploreTask[]) => {
  const outcomes: ExploreRunOutcome[] = tasks.map((t) => runCandidate(t.run, t.scenario));
  port.postMessage(outcomes);
});

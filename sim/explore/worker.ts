/**
 * An explore worker thread: imports the protocol modules it was started with (the bundled
 * registry, or a protocol module given by path), then receives lists of (run number, scenario)
 * and answers each list with the outcomes in the same order. See pool.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { importProtocolSet } from '../protocol-modules.js';
import { runCandidate, type ExploreRunOutcome } from './outcome.js';
import type { ExploreTask } from './pool.js';

const port = parentPort;
if (port === null) throw new Error('explore worker.js must run as a worker thread');
const modules = (workerData as { modules: string[] }).modules;
// Importing is asynchronous; every batch waits for it (messages that arrive first queue behind it).
const loaded = importProtocolSet(modules);
port.on('message', (tasks: ExploreTask[]) => {
  loaded.then(
    (set) => {
      const outcomes: ExploreRunOutcome[] = tasks.map((t) => runCandidate(t.run, t.scenario, set.definitions));
      port.postMessage(outcomes);
    },
    (error: unknown) => {
      // A module that does not load here loaded in the main thread; say so for every run rather than hang.
      const reason = `crashed: the worker could not load the protocol modules: ${error instanceof Error ? error.message : String(error)}`;
      port.postMessage(tasks.map((t): ExploreRunOutcome => ({ run: t.run, ok: false, kind: 'crashed', reason, transitions: [], events: 0 })));
    },
  );
});

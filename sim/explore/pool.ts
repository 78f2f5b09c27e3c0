/**
 * Worker threads for explore: the main thread draws each batch of runs (it owns the corpus), the
 * workers run them and send back verdicts and coverage. A batch ends only when every run of it has
 * answered, and the main thread merges the answers in run order, so nothing depends on which
 * worker ran what or when.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Scenario } from '../scenario/types.js';
import type { ExploreRunOutcome } from './outcome.js';

export interface ExploreTask {
  readonly run: number;
  readonly scenario: Scenario;
}

const WORKER_FILE = fileURLToPath(new URL('./worker.js', import.meta.url));

export class ExplorePool {
  private readonly workers: Worker[] = [];
  private pending: ((outcomes: ExploreRunOutcome[]) => void) | null = null;
  private failed: ((error: Error) => void) | null = null;
  private closing = false;

  /** False when running from TypeScript source, where there is no compiled worker module. */
  static available(): boolean {
    return existsSync(WORKER_FILE);
  }

  /** `modules`: the protocol modules every worker imports before its first run (threads share no objects). */
  constructor(count: number, modules: readonly string[]) {
    for (let i = 0; i < count; i++) {
      const worker = new Worker(WORKER_FILE, { workerData: { modules: [...modules] } });
      worker.on('message', (outcomes: ExploreRunOutcome[]) => this.pending?.(outcomes));
      worker.on('error', (error) => this.failed?.(error));
      worker.on('exit', (code) => {
        if (!this.closing) this.failed?.(new Error(`an explore worker stopped unexpectedly (exit code ${code})`));
      });
      this.workers.push(worker);
    }
  }

  /** Run every task; the outcomes come back in task order. */
  runBatch(tasks: readonly ExploreTask[]): Promise<ExploreRunOutcome[]> {
    return new Promise((resolve, reject) => {
      const byRun = new Map<number, ExploreRunOutcome>();
      let next = 0;
      let busy = 0;
      const feed = (worker: Worker): void => {
        if (next >= tasks.length) {
          if (busy === 0) {
            this.pending = null;
            resolve(tasks.map((t) => byRun.get(t.run) as ExploreRunOutcome));
          }
          return;
        }
        busy++;
        const task = tasks[next++] as ExploreTask;
        pendingWorker.set(task.run, worker);
        worker.postMessage([task]);
      };
      const pendingWorker = new Map<number, Worker>();
      this.failed = reject;
      this.pending = (outcomes) => {
        for (const o of outcomes) {
          byRun.set(o.run, o);
          busy--;
          const worker = pendingWorker.get(o.run);
          pendingWorker.delete(o.run);
          if (worker !== undefined) feed(worker);
        }
      };
      for (const worker of this.workers) feed(worker);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

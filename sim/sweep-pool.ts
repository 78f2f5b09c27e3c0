/**
 * Worker threads for sweeps, reusable across sweeps (`sweep-all` sweeps every bundled scenario
 * with one pool instead of starting threads per scenario).
 *
 * Per sweep, every worker first gets the job (the validated scenario as plain data), then batches
 * of seeds in increasing order as it becomes idle. A sweep ends only when no batch is
 * outstanding, so no answer from one sweep can reach the next.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SeedOutcome, SweepJob } from './sweep-seed.js';
import type { SeedPlan, Tally } from './sweep.js';

/** What the main thread sends a worker. */
export type WorkerRequest = { readonly kind: 'job'; readonly job: SweepJob } | { readonly kind: 'batch'; readonly batch: SeedPlan };
/** What a worker answers: a batch's outcomes, or why it cannot go on (its protocols did not load). */
export type WorkerReply = { readonly kind: 'outcomes'; readonly outcomes: SeedOutcome[] } | { readonly kind: 'error'; readonly message: string };

const WORKER_FILE = fileURLToPath(new URL('./sweep-worker.js', import.meta.url));
/** Seeds per batch at most: small enough for a live progress bar and an even spread. */
const MAX_BATCH = 4;

export class SweepPool {
  private readonly workers: Worker[] = [];
  private onMessage: ((worker: Worker, outcomes: SeedOutcome[]) => void) | null = null;
  private onFailure: ((error: Error) => void) | null = null;
  private broken: Error | null = null;
  private closing = false;

  /** False when running from TypeScript source, where there is no compiled worker module. */
  static available(): boolean {
    return existsSync(WORKER_FILE);
  }

  constructor(count: number) {
    for (let i = 0; i < count; i++) {
      const worker = new Worker(WORKER_FILE);
      worker.on('message', (reply: WorkerReply) => {
        if (reply.kind === 'outcomes') this.onMessage?.(worker, reply.outcomes);
        else this.fail(new Error(`a sweep worker failed: ${reply.message}`));
      });
      worker.on('error', (error) => this.fail(error));
      // A worker that ends on its own (not closed) would leave its batch unanswered.
      worker.on('exit', (code) => {
        if (!this.closing) this.fail(new Error(`a sweep worker stopped unexpectedly (exit code ${code})`));
      });
      this.workers.push(worker);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /**
   * The end of one run over the pool, called once (later calls do nothing): the pool stops
   * listening, and the promise settles with `error`, or resolves without one.
   */
  private ender(resolve: () => void, reject: (error: Error) => void): (error?: Error) => void {
    let ended = false;
    return (error?: Error): void => {
      if (ended) return;
      ended = true;
      this.onMessage = null;
      this.onFailure = null;
      if (error === undefined) resolve();
      else reject(error);
    };
  }

  /** Run every seed of `plan` (or, fail-fast, up to the lowest failure) and add the outcomes to `tally`. */
  run(job: SweepJob, plan: SeedPlan, tally: Tally): Promise<void> {
    if (this.broken !== null) return Promise.reject(this.broken);
    const batch = Math.max(1, Math.min(MAX_BATCH, Math.ceil(plan.count / (this.workers.length * 8))));
    let next = 0;
    let busy = 0;
    return new Promise((resolve, reject) => {
      const end = this.ender(resolve, reject);
      const feed = (worker: Worker): void => {
        if (next >= plan.count || tally.stopsBefore(plan.first + next * plan.step)) {
          if (busy === 0) end();
          return;
        }
        const size = Math.min(batch, plan.count - next);
        const request: WorkerRequest = { kind: 'batch', batch: { first: plan.first + next * plan.step, step: plan.step, count: size } };
        next += size;
        busy++;
        worker.postMessage(request);
      };
      this.onFailure = end;
      this.onMessage = (worker, outcomes) => {
        busy--;
        for (const outcome of outcomes) tally.add(outcome);
        feed(worker);
      };
      for (const worker of this.workers) worker.postMessage({ kind: 'job', job } satisfies WorkerRequest);
      for (const worker of this.workers) feed(worker);
    });
  }

  /**
   * `--check-determinism`: every seed runs on two different workers (workers 0 and 1 form a pair,
   * 2 and 3 the next, ...; an odd one out stays idle), one seed per batch since each answer carries
   * a whole trace. `compare` turns the two answers for a seed into the one the tally counts.
   */
  runPaired(job: SweepJob, plan: SeedPlan, tally: Tally, compare: (first: SeedOutcome, second: SeedOutcome) => SeedOutcome): Promise<void> {
    if (this.broken !== null) return Promise.reject(this.broken);
    const pairs = Math.floor(this.workers.length / 2);
    if (pairs < 1) return Promise.reject(new Error('checking determinism needs at least two workers'));
    const answers: (SeedOutcome[] | null)[][] = Array.from({ length: pairs }, () => [null, null]);
    let next = 0;
    let busy = 0;
    return new Promise((resolve, reject) => {
      const end = this.ender(resolve, reject);
      const feed = (pair: number): void => {
        if (next >= plan.count || tally.stopsBefore(plan.first + next * plan.step)) {
          if (busy === 0) end();
          return;
        }
        const request: WorkerRequest = { kind: 'batch', batch: { first: plan.first + next * plan.step, step: plan.step, count: 1 } };
        next++;
        busy++;
        this.workers[2 * pair]?.postMessage(request);
        this.workers[2 * pair + 1]?.postMessage(request);
      };
      this.onFailure = end;
      this.onMessage = (worker, outcomes) => {
        const index = this.workers.indexOf(worker);
        const pair = Math.floor(index / 2);
        const slot = answers[pair];
        if (slot === undefined) return;
        slot[index % 2] = outcomes;
        const [first, second] = slot;
        if (first === null || first === undefined || second === null || second === undefined) return;
        slot[0] = null;
        slot[1] = null;
        busy--;
        first.forEach((outcome, i) => tally.add(compare(outcome, second[i] ?? outcome)));
        feed(pair);
      };
      for (let pair = 0; pair < pairs; pair++) {
        this.workers[2 * pair]?.postMessage({ kind: 'job', job } satisfies WorkerRequest);
        this.workers[2 * pair + 1]?.postMessage({ kind: 'job', job } satisfies WorkerRequest);
      }
      for (let pair = 0; pair < pairs; pair++) feed(pair);
    });
  }

  /** One seed on the first worker (`run --check-determinism`'s second run, in another thread). */
  runOne(job: SweepJob, seed: number): Promise<SeedOutcome> {
    if (this.broken !== null) return Promise.reject(this.broken);
    const worker = this.workers[0];
    if (worker === undefined) return Promise.reject(new Error('the pool has no worker'));
    return new Promise((resolve, reject) => {
      this.onFailure = (error) => {
        this.onMessage = null;
        reject(error);
      };
      this.onMessage = (_worker, outcomes) => {
        this.onMessage = null;
        this.onFailure = null;
        const outcome = outcomes[0];
        if (outcome === undefined) reject(new Error('a worker answered with no outcome'));
        else resolve(outcome);
      };
      worker.postMessage({ kind: 'job', job } satisfies WorkerRequest);
      worker.postMessage({ kind: 'batch', batch: { first: seed, step: 1, count: 1 } } satisfies WorkerRequest);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private fail(error: Error): void {
    this.broken = error;
    this.onFailure?.(error);
  }
}

import { describe, expect, it } from 'vitest';
import type { NodeEnv } from '../../protocols/api.js';
import type { ScriptedFault } from '../../sim/scenario/types.js';
import { runScenario } from '../../sim/run.js';
import { fixtureScenario } from '../fixtures/scenario.js';
import { stubProtocol } from '../fixtures/stub.js';

/**
 * Node timers under heavy re-arming (the engine keeps one queued event per armed timer and puts it
 * back when it was re-armed for later): a node that keeps its own book of what it armed checks
 * every firing against it. Clocks are exact (no skew, no drift), so local time is virtual time.
 */
const NAMES = ['a', 'b', 'c', 'd'] as const;

interface Armed {
  due: number;
  order: number;
}

interface Book {
  /** Problems found by the nodes; the test expects none. */
  readonly problems: string[];
  fired: number;
  rearmedLater: number;
  rearmedEarlier: number;
  firedLate: number;
}

function churner(book: Book, pausedWindows: readonly (readonly [number, number])[]) {
  return stubProtocol('churner', (env: NodeEnv<never>) => {
    const armed = new Map<string, Armed>();
    let order = 0;
    let last = { t: -1, order: -1 };
    const delay = (): number => 10_000 * (1 + Math.floor(env.random() * 8)); // ties are common
    const arm = (name: string, after: number): void => {
      const before = armed.get(name);
      const due = env.now() + after;
      if (before !== undefined) {
        if (due >= before.due) book.rearmedLater++;
        else book.rearmedEarlier++;
      }
      armed.set(name, { due, order: ++order });
      env.setTimer(name, after);
    };
    const pick = (): string => NAMES[Math.floor(env.random() * NAMES.length)] as string;
    const churn = (): void => {
      const roll = env.random();
      const name = pick();
      if (roll < 0.15) {
        armed.delete(name);
        env.cancelTimer(name);
      } else if (roll < 0.3) {
        env.send(env.peers[Math.floor(env.random() * env.peers.length)] as never, 'poke' as never);
      } else {
        arm(name, roll < 0.4 ? 0 : delay());
      }
    };
    const wasPaused = (due: number, now: number): boolean => pausedWindows.some(([from, to]) => due >= from && due <= to && now === to);
    return {
      start: () => {
        for (const name of NAMES) arm(name, delay());
      },
      onMessage: () => {
        // Like an election timer reset by every heartbeat: push one timer later.
        arm(pick(), delay());
      },
      onTimer: (name) => {
        const now = env.now();
        const expected = armed.get(name);
        if (expected === undefined) book.problems.push(`${env.id} fired ${name} at ${now}, which is not armed`);
        else {
          if (expected.due !== now && !wasPaused(expected.due, now)) book.problems.push(`${env.id} fired ${name} at ${now}, due at ${expected.due}`);
          if (expected.due !== now) book.firedLate++;
          if (now === last.t && expected.order < last.order) book.problems.push(`${env.id} fired ${name} out of arming order at ${now}`);
          last = { t: now, order: expected.order };
          armed.delete(name);
        }
        book.fired++;
        if (env.random() < 0.8) arm(name, delay());
        churn();
        churn();
      },
    };
  });
}

function run(faults: ScriptedFault[], pausedWindows: readonly (readonly [number, number])[]): Book {
  const book: Book = { problems: [], fired: 0, rearmedLater: 0, rearmedEarlier: 0, firedLate: 0 };
  const scenario = fixtureScenario({
    protocol: 'churner',
    nodes: 3,
    durationUs: 2_000_000,
    settleUs: 0,
    network: { latency: { dist: 'uniform', minUs: 0, maxUs: 20_000 }, loss: 0, duplicate: 0 },
    workload: { ...fixtureScenario({}).workload, clients: 0 },
    checks: { linearizability: false, invariants: true, liveness: false },
    faults,
  });
  const { result } = runScenario(scenario, { protocols: () => churner(book, pausedWindows), rethrow: true });
  expect(result.checks.invariants).toEqual([]);
  return book;
}

describe('node timers', () => {
  it('fire exactly when last armed, in arming order at one instant, never once cancelled', () => {
    const book = run([], []);
    expect(book.problems).toEqual([]);
    // The run exercised what it claims to: many firings, re-arms both ways.
    expect(book.fired).toBeGreaterThan(250);
    expect(book.rearmedLater).toBeGreaterThan(100);
    expect(book.rearmedEarlier).toBeGreaterThan(100);
  });

  it('wait while their node is paused and die with a crash', () => {
    const n2 = { kind: 'node', node: 'n2' } as const;
    const faults: ScriptedFault[] = [
      { atUs: 300_000, action: { kind: 'pause', target: n2, forUs: 200_000 }, line: 0 },
      { atUs: 900_000, action: { kind: 'crash', target: n2, restartUs: 100_000, amnesia: false }, line: 0 },
    ];
    const book = run(faults, [[300_000, 500_000]]);
    // A new incarnation has its own book, so a timer from before the crash would be "not armed".
    expect(book.problems).toEqual([]);
    expect(book.firedLate).toBeGreaterThan(0);
  });
});

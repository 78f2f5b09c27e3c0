/**
 * Timer names as a closed set: `env.setTimer` takes any string, so a typo arms a timer the node
 * never handles. Declaring the names once makes an unknown name a compile error in `set`/`cancel`
 * and lets `onTimer` switch exhaustively over them.
 */
import type { NodeEnv } from '../api.js';

export interface Timers<T extends string> {
  readonly names: readonly T[];
  /** True for a declared name (narrowing `onTimer`'s string). */
  is(name: string): name is T;
  set(env: Pick<NodeEnv<unknown>, 'setTimer'>, name: T, afterMicros: number): void;
  cancel(env: Pick<NodeEnv<unknown>, 'cancelTimer'>, name: T): void;
}

export function defineTimers<const T extends string>(names: readonly T[]): Timers<T> {
  const known = new Set<string>(names);
  return {
    names,
    is: (name: string): name is T => known.has(name),
    set: (env, name, afterMicros) => env.setTimer(name, afterMicros),
    cancel: (env, name) => env.cancelTimer(name),
  };
}

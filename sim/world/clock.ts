/**
 * A node's local clock: real virtual time seen through an initial offset, a constant rate error
 * (drift, in parts per million) and step jumps.
 *
 *   local(t) = t + base + offset + floor(t * driftPpm / 1e6) + jumps
 *
 * `base` is the scenario's maximum skew, so that no clock starts negative; `offset` is drawn in
 * [-skew, +skew]. Timers are local-clock *durations*: a node asking for d µs waits
 * ceil(d / (1 + drift)) µs of real time. Timers behave like a monotonic OS timer: a clock jump
 * changes what `now()` reads, not when an already-armed timer fires.
 */
export class NodeClock {
  readonly offsetUs: number;
  readonly driftPpm: number;
  private readonly baseUs: number;
  private jumpsUs = 0;

  constructor(baseUs: number, offsetUs: number, driftPpm: number) {
    if (!Number.isInteger(baseUs) || !Number.isInteger(offsetUs)) throw new Error('clock offsets must be integers');
    if (!(driftPpm > -1e6)) throw new Error(`drift ${driftPpm}ppm is impossible`);
    this.baseUs = baseUs;
    this.offsetUs = offsetUs;
    this.driftPpm = driftPpm;
  }

  /** The local reading at real virtual time `t` (integer µs). */
  local(t: number): number {
    return t + this.baseUs + this.offsetUs + Math.floor((t * this.driftPpm) / 1e6) + this.jumpsUs;
  }

  /** Real µs that elapse while this clock advances by `localUs`. */
  realDuration(localUs: number): number {
    if (!(localUs >= 0)) return 0;
    if (this.driftPpm === 0) return Math.ceil(localUs);
    return Math.ceil((localUs * 1e6) / (1e6 + this.driftPpm));
  }

  jump(deltaUs: number): void {
    this.jumpsUs += deltaUs;
  }

  get totalJumpUs(): number {
    return this.jumpsUs;
  }
}

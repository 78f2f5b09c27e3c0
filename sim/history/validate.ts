/**
 * Strict validation of history events as they are read, shared by the JSON Lines and EDN readers.
 *
 * A history is only worth checking if it says what its author meant, so every malformed event is
 * one InputError naming the file and line: a wrong type, an unknown `type` or `f`, a completion
 * with no open invoke on its process, a second invoke while one is open, a time that does not
 * increase. Invokes that never complete are allowed (they count as `info`, Contract 3).
 */
import { inputError } from '../errors.js';
import type { HistoryEvent, HistoryF, HistoryType, HistoryValue } from './types.js';

/** An event's fields before validation, as a reader found them. */
export interface RawEvent {
  readonly process: unknown;
  readonly type: unknown;
  readonly f: unknown;
  readonly key: unknown;
  readonly value: unknown;
  readonly time: unknown;
}

const TYPES: readonly HistoryType[] = ['invoke', 'ok', 'fail', 'info'];
const FUNCTIONS: ReadonlyMap<string, HistoryF> = new Map<string, HistoryF>([
  ['read', 'read'],
  ['write', 'write'],
  ['cas', 'cas'],
  ['append', 'append'],
  ['get', 'read'],
  ['put', 'write'],
]);

/** A short, readable rendering of a found value for error messages. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function isScalar(value: unknown): value is number | bigint | string | null {
  return value === null || typeof value === 'string' || typeof value === 'bigint' || (typeof value === 'number' && Number.isFinite(value));
}

/**
 * Validates events in file order. Keeps the open invoke of every process so that completions
 * can be matched, and the last time so that time strictly increases.
 */
export class HistoryValidator {
  private readonly file: string;
  private readonly open = new Map<number, HistoryEvent>();
  private lastTime = -Infinity;

  constructor(file: string) {
    this.file = file;
  }

  add(raw: RawEvent, line: number): HistoryEvent {
    const process = this.process(raw.process, line);
    const type = this.type(raw.type, line);
    const f = this.f(raw.f, line);
    const key = this.key(raw.key, line);
    const value = this.value(raw.value, type, f, line);
    const time = this.time(raw.time, line);
    const event: HistoryEvent = { process, type, f, key, value, time };
    this.pair(event, line);
    return event;
  }

  private fail(line: number, field: string, message: string): never {
    throw inputError(this.file, line, 0, field, message);
  }

  private process(value: unknown, line: number): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      this.fail(line, 'process', `expected an integer process id, found ${describe(value)}`);
    }
    return value;
  }

  private type(value: unknown, line: number): HistoryType {
    const found = TYPES.find((t) => t === value);
    if (found === undefined) {
      this.fail(line, 'type', `expected one of invoke, ok, fail, info, found ${describe(value)}`);
    }
    return found;
  }

  private f(value: unknown, line: number): HistoryF {
    const found = typeof value === 'string' ? FUNCTIONS.get(value) : undefined;
    if (found === undefined) {
      this.fail(line, 'f', `expected one of read, write, cas, append, get, put, found ${describe(value)}`);
    }
    return found;
  }

  private key(value: unknown, line: number): string | null {
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') this.fail(line, 'key', `expected a string or null, found ${describe(value)}`);
    return value;
  }

  private time(value: unknown, line: number): number {
    // Only the order of times matters: a time beyond 2^53 (nanoseconds since 1970) is compared as
    // the nearest double, as it always was; two that round together fail the increase check.
    if (typeof value === 'bigint') value = Number(value);
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.fail(line, 'time', `expected a number, found ${describe(value)}`);
    }
    if (value <= this.lastTime) {
      this.fail(line, 'time', `time must increase: ${value} is not after the previous event's ${this.lastTime}`);
    }
    this.lastTime = value;
    return value;
  }

  /** The argument is taken from the invoke; completions may repeat it (or, for reads, carry the result). */
  private value(value: unknown, type: HistoryType, f: HistoryF, line: number): HistoryValue {
    if (value === undefined) this.fail(line, 'value', 'missing (use null when there is none)');
    if (type === 'invoke') return this.argument(value, f, line);
    if (isScalar(value)) return value;
    if (Array.isArray(value) && value.length === 2 && isScalar(value[0]) && isScalar(value[1])) {
      return [value[0], value[1]];
    }
    return this.fail(line, 'value', `expected a number, string, null or [a, b], found ${describe(value)}`);
  }

  private argument(value: unknown, f: HistoryF, line: number): HistoryValue {
    switch (f) {
      case 'read':
        if (value !== null) this.fail(line, 'value', `a read invoke carries null, found ${describe(value)}`);
        return null;
      case 'write':
        if (!isScalar(value)) this.fail(line, 'value', `a write carries a number, string or null, found ${describe(value)}`);
        return value;
      case 'cas':
        if (!Array.isArray(value) || value.length !== 2 || !isScalar(value[0]) || !isScalar(value[1])) {
          this.fail(line, 'value', `a cas carries [expected, new], found ${describe(value)}`);
        }
        return [value[0], value[1]];
      case 'append':
        if (typeof value !== 'string') this.fail(line, 'value', `an append carries a string, found ${describe(value)}`);
        return value;
    }
  }

  private pair(event: HistoryEvent, line: number): void {
    const open = this.open.get(event.process);
    if (event.type === 'invoke') {
      if (open !== undefined) {
        this.fail(line, '', `process ${event.process} invokes ${event.f} while its ${open.f} invoked at time ${open.time} is still open`);
      }
      this.open.set(event.process, event);
      return;
    }
    if (open === undefined) {
      this.fail(line, '', `${event.type} ${event.f} on process ${event.process} has no open invoke`);
    }
    if (open.f !== event.f || open.key !== event.key) {
      this.fail(line, '', `${event.type} ${event.f} on key ${JSON.stringify(event.key)} does not match process ${event.process}'s open ${open.f} on key ${JSON.stringify(open.key)}`);
    }
    this.open.delete(event.process);
  }
}

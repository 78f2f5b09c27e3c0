/**
 * Local invariants inside handlers, TigerBeetle style: state what must hold where it must hold.
 * A failed assert throws a branded error; the simulator reports it as an `assertion` failure of
 * the run, with the node, the message and the seed that reproduces it (never silently, never a
 * crash of the tool).
 */

/** The brand the simulator recognises (a property, so it works across copies of this module). */
export const ASSERTION_BRAND = 'consensim.assertion';

export class LocalAssertionError extends Error {
  readonly brand = ASSERTION_BRAND;

  constructor(message: string) {
    super(message);
    this.name = 'AssertionError';
  }
}

export function isLocalAssertion(error: unknown): error is LocalAssertionError {
  return typeof error === 'object' && error !== null && (error as { brand?: unknown }).brand === ASSERTION_BRAND;
}

/** Throw a local assertion failure unless `condition` holds. A function message is built only on failure. */
export function assert(condition: unknown, message: string | (() => string)): asserts condition {
  if (condition) return;
  throw new LocalAssertionError(typeof message === 'function' ? message() : message);
}

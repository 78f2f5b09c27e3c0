/**
 * Durations as a scenario writes them (`1.5s`, `250ms`, `20us`, `2m`) and as the simulator counts
 * them (integer microseconds), both ways. Parsing is the protocol kit's one parser (option
 * defaults use it too); the scenario schema (`values.ts`) parses with it, and the writer
 * (`write.ts`) and messages format with `formatDuration`.
 */
import { parseDuration } from '../../protocols/kit/duration.js';

export { parseDuration };

/**
 * The spelling `parseDuration` reads (an optional minus, a number, a unit), for the JSON Schema's
 * pattern; a test holds the two to agree.
 */
export const DURATION = /^(-?)(\d+(?:\.\d+)?)(us|ms|s|m)$/;
/** No scenario needs more than a day of virtual time; larger values are typos. */
export const MAX_DURATION_US = 24 * 60 * 60 * 1_000_000;

/** `1500000` → `1.5s`: the shortest exact spelling, for messages and docs. */
export function formatDuration(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(micros);
  if (abs === 0) return '0s';
  if (abs % 60_000_000 === 0) return `${sign}${abs / 60_000_000}m`;
  if (abs >= 1_000_000) return `${sign}${abs / 1_000_000}s`;
  if (abs >= 1_000) return `${sign}${abs / 1_000}ms`;
  return `${sign}${abs}us`;
}

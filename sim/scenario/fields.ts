/**
 * Durations as a scenario writes them (`1.5s`, `250ms`, `20us`, `2m`) and as the simulator counts
 * them (integer microseconds), both ways. The scenario schema (`values.ts`) parses with these; the
 * writer (`write.ts`) and messages format with them.
 */
/** A duration as written: an optional minus, a number, a unit. */
export const DURATION = /^(-?)(\d+(?:\.\d+)?)(us|ms|s|m)$/;
const MICROS_PER_UNIT: Readonly<Record<string, number>> = { us: 1, ms: 1_000, s: 1_000_000, m: 60_000_000 };
/** No scenario needs more than a day of virtual time; larger values are typos. */
export const MAX_DURATION_US = 24 * 60 * 60 * 1_000_000;

/** Integer microseconds, or null when `value` is not a duration (or not a whole number of µs). */
export function parseDuration(value: unknown): number | null {
  if (value === 0) return 0;
  if (typeof value !== 'string') return null;
  const match = DURATION.exec(value);
  if (!match) return null;
  const unit = MICROS_PER_UNIT[match[3] as string] as number;
  const micros = Math.round(Number(match[2]) * unit * 1000) / 1000;
  if (!Number.isSafeInteger(micros)) return null;
  return match[1] === '-' ? -micros : micros;
}

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

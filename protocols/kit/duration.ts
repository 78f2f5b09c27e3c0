/**
 * Durations as scenario files and option schemas write them (`150ms`, `1.5s`, `2m`, `40us`), in
 * integer microseconds: the one parser the scenario loader and the protocols' option defaults share.
 */
const DURATION = /^(-?)(\d+(?:\.\d+)?)(us|ms|s|m)$/;
const MICROS_PER_UNIT: Readonly<Record<string, number>> = { us: 1, ms: 1_000, s: 1_000_000, m: 60_000_000 };

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

/** `durationMicros('150ms')` → 150000; a spelling that is not a duration is a programmer error. */
export function durationMicros(text: string): number {
  const micros = parseDuration(text);
  if (micros === null) throw new Error(`not a duration: ${JSON.stringify(text)} (write e.g. 150ms, 1.5s, 40us)`);
  return micros;
}

/**
 * `--check-determinism`: the same seed run twice, in two different threads, must produce the same
 * trace byte for byte (madsim and TigerBeetle's VOPR check themselves the same way). A difference
 * means something outside the seed leaked into the run: wall time, `Math.random`, iteration over
 * an unordered source, state left behind in a module by an earlier run in the same thread.
 *
 * Comparing fingerprints says *whether* two runs differ; to say *where*, both traces are kept as
 * JSON Lines text and the first differing line is reported, both versions of it.
 */

/** Where two traces of one seed part ways (line is 1-based; null: that trace had ended). */
export interface TraceDifference {
  readonly line: number;
  readonly first: string | null;
  readonly second: string | null;
}

/** The first line at which two JSON Lines texts differ, or null when they are identical. */
export function firstTraceDifference(first: string, second: string): TraceDifference | null {
  if (first === second) return null;
  let line = 1;
  let start = 0;
  for (;;) {
    const endA = lineEnd(first, start);
    const endB = lineEnd(second, start);
    const a = start < first.length ? first.slice(start, endA) : null;
    const b = start < second.length ? second.slice(start, endB) : null;
    // Both ended yet the texts differ: only a final newline can tell them apart.
    if (a !== b || a === null) return { line, first: a, second: b };
    // Equal lines end at the same offset in both texts, so one offset walks both.
    start = endA + 1;
    line++;
  }
}

function lineEnd(text: string, start: number): number {
  const end = text.indexOf('\n', start);
  return end < 0 ? text.length : end;
}

/** At most this many characters of each differing line go into a one-line reason. */
const MAX_LINE_SHOWN = 400;

/** One line for a sweep's failure list: which trace line differs, and both versions of it. */
export function differenceReason(difference: TraceDifference): string {
  const show = (text: string | null): string => (text === null ? '(the trace had ended)' : text.length > MAX_LINE_SHOWN ? `${text.slice(0, MAX_LINE_SHOWN)}...` : text);
  return `nondeterministic: trace line ${difference.line} differs between two runs of this seed; first run: ${show(difference.first)}; second run: ${show(difference.second)}`;
}

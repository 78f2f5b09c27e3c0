/**
 * "Did you mean ...?" for a misspelt name (an unknown key, option, bug or protocol): the known name
 * closest in edit distance, when it is close enough to be a typo rather than a different word.
 */

/** ` (did you mean X?)`, or '' when no known name is close. */
export function didYouMean(name: string, known: readonly string[]): string {
  const best = closest(name, known);
  return best === null ? '' : ` (did you mean ${best}?)`;
}

/**
 * The known name nearest to `name`: equal ignoring case, or a short name qualified (`forget-vote`
 * for `raft.forget-vote`), or the start of exactly one known name, or within an edit distance of
 * about a third of its length. Ties go to
 * the first in `known`, so the answer is stable.
 */
export function closest(name: string, known: readonly string[]): string | null {
  const lower = name.toLowerCase();
  const sameCase = known.find((k) => k.toLowerCase() === lower);
  if (sameCase !== undefined) return sameCase;
  const qualified = known.find((k) => !name.includes('.') && k.endsWith(`.${name}`));
  if (qualified !== undefined) return qualified;
  // A name cut short (`heartbeat` for `heartbeatInterval`), when long enough to mean something.
  const started = lower.length >= 4 ? known.filter((k) => k.toLowerCase().startsWith(lower)) : [];
  if (started.length === 1) return started[0] as string;
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: string | null = null;
  let bestDistance = limit + 1;
  for (const k of known) {
    if (Math.abs(k.length - name.length) >= bestDistance) continue;
    const d = editDistance(lower, k.toLowerCase(), bestDistance);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance with adjacent transpositions; stops early once every cell reaches `cap`. */
function editDistance(a: string, b: string, cap: number): number {
  if (a.length > 64 || b.length > 64) return cap;
  let prevPrev: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (prevPrev[j - 2] as number) + 1);
      row.push(d);
      if (d < rowMin) rowMin = d;
    }
    if (rowMin >= cap) return cap;
    prevPrev = prev;
    prev = row;
  }
  return prev[b.length] as number;
}

/** Number and time formatting shared by the run, sweep and bench output. */

/** `12345` → `12,345`. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** Virtual milliseconds as `850ms` or `12.5s`. */
export function virtualTime(ms: number): string {
  if (ms < 1000) return `${Math.round(ms * 1000) / 1000}ms`;
  return `${(ms / 1000).toFixed(3).replace(/\.?0+$/, '')}s`;
}

/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal (never in CI logs or
 * when piped), redrawn at most ten times a second.
 */
const WIDTH = 30;
const REDRAW_MS = 100;

export interface ProgressBar {
  update(done: number, total: number, failed: number): void;
  /** Clear the line. */
  finish(): void;
}

/** A bar on stderr when it is a terminal and `wanted`; otherwise one that draws nothing. */
export function progressBar(label: string, wanted = true): ProgressBar {
  const stream = process.stderr;
  if (!wanted || stream.isTTY !== true) return { update: () => {}, finish: () => {} };
  const started = Date.now();
  let last = 0;
  let drawn = false;
  return {
    update(done, total, failed) {
      const now = Date.now();
      if (now - last < REDRAW_MS && done < total) return;
      last = now;
      const filled = total === 0 ? WIDTH : Math.round((done / total) * WIDTH);
      const rate = done / Math.max(0.001, (now - started) / 1000);
      const failures = failed > 0 ? ` · ${failed} failed` : '';
      stream.write(`\r\x1b[2K${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${done}/${total} seeds${failures} · ${rate.toFixed(0)} seeds/s`);
      drawn = true;
    },
    finish() {
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}

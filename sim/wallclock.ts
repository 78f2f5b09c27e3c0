/**
 * The one documented use of wall-clock time under sim/: measuring how fast a run or a check went,
 * for reporting only (`wallMs`, seeds per second). Nothing that decides what a run does may call it.
 */
import { performance } from 'node:perf_hooks';

export function wallNowMs(): number {
  return performance.now();
}

/**
 * What a scenario gets for every section it leaves out (documented in docs/scenarios.md; a test
 * checks the two agree by loading a minimal file).
 */
import type { ChecksSpec, ClockSpec, NemesisKind, NetworkSpec, WorkloadSpec } from './types.js';

export const DEFAULT_NODES = 3;
export const DEFAULT_SEED = 1;
export const DEFAULT_DURATION_US = 10_000_000;
export const DEFAULT_SETTLE_US = 5_000_000;

export const DEFAULT_NETWORK: NetworkSpec = {
  latency: { dist: 'uniform', minUs: 1_000, maxUs: 10_000 },
  loss: 0,
  duplicate: 0,
};

export const DEFAULT_CLOCK: ClockSpec = { skewUs: 0, driftPpm: 0 };

export const DEFAULT_WORKLOAD: WorkloadSpec = {
  clients: 3,
  keys: 3,
  mix: { read: 0.5, write: 0.4, cas: 0.1 },
  intervalUs: 20_000,
  timeoutUs: 1_000_000,
};

/** A nemesis written as a mapping may leave out either key. */
export const DEFAULT_NEMESIS_EVERY_US = 2_000_000;
export const DEFAULT_NEMESIS_FAULTS: readonly NemesisKind[] = ['partition', 'crash', 'pause', 'clock'];

export const DEFAULT_CHECKS: ChecksSpec = { linearizability: true, invariants: true, liveness: true };

/** Bounds: a scenario is a simulation, not a stress test of the host. */
export const MAX_NODES = 64;
export const MAX_CLIENTS = 256;
export const MAX_KEYS = 10_000;
/** `workload.reuseValues`: a few values make ABA likely; more than this is as good as unique. */
export const MAX_REUSE_VALUES = 1_000_000;
export const MAX_FAULTS = 10_000;
export const MAX_DRIFT_PPM = 100_000;

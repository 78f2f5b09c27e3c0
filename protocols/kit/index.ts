/**
 * The protocol kit: what every protocol needs and none should write again — client sessions,
 * quorum arithmetic, typed options, named invariants, local asserts, typed timers and the role
 * handler shape. A protocol folder may import this, `../api.ts`, `../kv.ts` and its own files.
 */
export { assert, isLocalAssertion, LocalAssertionError } from './assert.js';
export { durationMicros, parseDuration } from './duration.js';
export { defineInvariants, finding, type Invariants } from './invariants.js';
export { defaultOptions, readOptions, type OptionSchema, type OptionValue, type OptionValues } from './options.js';
export { KeyedTally, kthLargest, majority, VoteTally } from './quorum.js';
export type { RoleHandler } from './roles.js';
export { ClientSessions, type SessionEnv, type SessionLimits } from './sessions.js';
export { defineTimers, type Timers } from './timers.js';

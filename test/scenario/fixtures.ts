/**
 * Two small protocol definitions that exist only to exercise the scenario loader: every option
 * type, bug variants, a cluster-size rule and byzantine behaviours. They never run.
 */
import type { ProtocolDefinition } from '../../protocols/api.js';
import { InputError } from '../../sim/errors.js';
import { expect } from 'vitest';

const never = (): never => {
  throw new Error('fixture protocols do not run');
};

export const ALPHA: ProtocolDefinition = {
  name: 'alpha',
  description: 'fixture with every option type',
  options: {
    electionTimeout: { type: 'duration', default: '150ms', description: 'base election timeout' },
    batch: { type: 'integer', default: 8, min: 1, max: 64, description: 'entries per append' },
    preVote: { type: 'boolean', default: false, description: 'PreVote' },
    readPath: { type: 'enum', values: ['log', 'read-index'], default: 'log', description: 'how reads are served' },
  },
  bugs: [
    { name: 'alpha.skip-sync', description: 'forgets to sync' },
    { name: 'alpha.early-commit', description: 'commits too early' },
  ],
  checkClusterSize: (n) => (n > 9 ? 'at most 9 nodes' : null),
  createNode: never,
  clientPolicy: () => ({ replyQuorum: 1, retry: 'next', retryAfterMicros: 1000 }),
};

export const BETA: ProtocolDefinition = {
  name: 'beta',
  description: 'fixture with byzantine behaviours and a 3f+1 rule',
  options: {
    checkpointEvery: { type: 'integer', default: 16, min: 1, max: 1000, description: 'checkpoint interval' },
    tick: { type: 'duration', default: '10ms', min: '5ms', description: 'a duration with its own minimum' },
  },
  bugs: [{ name: 'beta.no-digest-check', description: 'skips the digest check' }],
  checkClusterSize: (n) => ((n - 1) % 3 === 0 ? null : 'needs 3f+1 nodes (4, 7, 10, ...)'),
  createNode: never,
  clientPolicy: () => ({ replyQuorum: 2, retry: 'all', retryAfterMicros: 1000 }),
  byzantine: {
    silent: { name: 'silent', description: 'sends nothing', wrap: never },
    equivocate: { name: 'equivocate', description: 'says different things', wrap: never },
  },
};

export const FIXTURE_PROTOCOLS = [ALPHA, BETA];

/** Run `fn`, expect one InputError, and return its problem. */
export function inputProblem(fn: () => unknown): InputError['problem'] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as InputError).problem;
  }
  throw new Error('expected an InputError, but nothing was thrown');
}

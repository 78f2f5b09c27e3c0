/**
 * PBFT's options, declared once: the table the scenario loader validates `protocolOptions`
 * against and `consensim list` prints; replicas and the monitor read it with the kit's
 * `readOptions`, so no default is written twice.
 */
import type { OptionSchema } from '../kit/index.js';

export const OPTIONS = {
  checkpointInterval: { type: 'integer', default: 8, min: 2, max: 1024, description: 'k: a checkpoint every k sequence numbers; the log window H - h is 2k' },
  requestTimeout: { type: 'duration', default: '300ms', description: 'T: how long a backup waits for a request before suspecting the primary (doubles on failed view changes)' },
  retransmitInterval: { type: 'duration', default: '100ms', description: 'how often a replica that stopped making progress asks its peers for what it misses' },
  clientRetry: { type: 'duration', default: '200ms', description: 'how long a client waits for f+1 matching replies before multicasting the request' },
} as const satisfies OptionSchema;

/** What a replica reads from the options (and the bug variants switched on). */
export interface PbftConfig {
  /** k: a checkpoint every k sequence numbers; H = h + 2k. */
  readonly checkpointInterval: number;
  /** T: the base request / view-change timeout (doubles on each failed view change). */
  readonly requestTimeoutUs: number;
  /** Period of the retransmission check. */
  readonly retransmitUs: number;
  readonly bugs: ReadonlySet<string>;
}

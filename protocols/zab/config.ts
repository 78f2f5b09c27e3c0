/**
 * Zab's options, declared once: the scenario loader validates `protocolOptions` against this
 * schema, `consensim list` prints it, and `readOptions` turns it into the typed config a node
 * reads (durations in microseconds, each defaulted from here and nowhere else).
 */
import type { ProtocolOptions } from '../api.js';
import { readOptions, type OptionSchema, type OptionValues } from '../kit/index.js';

export const OPTIONS = {
  tickTime: { type: 'duration', default: '50ms', description: 'leader heartbeat (PING) interval' },
  leaderTimeout: {
    type: 'duration',
    default: '300ms',
    description: 'silence after which a follower abandons its leader, or a leader drops a follower',
  },
  initLimit: { type: 'duration', default: '1s', description: 'time allowed for discovery and synchronization' },
  electionTimeout: { type: 'duration', default: '100ms', description: 'base interval between repeated election votes' },
  finalizeWait: { type: 'duration', default: '40ms', description: 'wait after a quorum of votes for a better vote' },
  reorderWindow: {
    type: 'duration',
    default: '60ms',
    description: 'how long a session waits for a missing message before calling the connection broken',
  },
  snapshotEvery: {
    type: 'integer',
    default: 1024,
    min: 1,
    max: 1_000_000,
    description: 'delivered transactions between machine snapshots; the history below the latest snapshot is compacted',
  },
  reads: {
    type: 'enum',
    values: ['broadcast', 'local'],
    default: 'broadcast',
    description: 'broadcast: reads are transactions (linearizable); local: served by the replica (ZooKeeper, not linearizable)',
  },
} as const satisfies OptionSchema;

/** Validated options: durations in microseconds (`tickTime` is µs, as every duration here). */
export type ZabConfig = OptionValues<typeof OPTIONS>;

export function zabConfig(options: ProtocolOptions): ZabConfig {
  return readOptions(OPTIONS, options);
}

/**
 * VR's options (all timeouts are local-clock durations) and the bug variants, as data.
 */
import type { BugDefinition, ProtocolOptions } from '../api.js';
import { readOptions, type OptionSchema, type OptionValues } from '../kit/index.js';

export const VSR_OPTIONS = {
  heartbeat: {
    type: 'duration',
    default: '20ms',
    description:
      'How often the primary sends Commit (its heartbeat) and re-sends Prepares that a backup has not acknowledged.',
  },
  viewChangeTimeout: {
    type: 'duration',
    default: '200ms',
    description:
      'A backup that hears nothing from its primary for this long (plus up to 50% random jitter) starts a view change; also how long a view change may take before trying the next view.',
  },
  recoveryRetry: {
    type: 'duration',
    default: '100ms',
    description: 'A recovering replica re-sends Recovery this often until it has recovered.',
  },
  stateTransferRetry: {
    type: 'duration',
    default: '100ms',
    description: 'A replica that asked for state (GetState) asks again after this long without an answer.',
  },
  resendWindow: {
    type: 'integer',
    default: 16,
    min: 1,
    max: 1024,
    description: 'At most this many unacknowledged Prepares are re-sent to one backup per heartbeat.',
  },
  prepareBuffer: {
    type: 'integer',
    default: 64,
    min: 0,
    max: 4096,
    description: 'Out-of-order Prepares a backup keeps until the missing earlier ones arrive.',
  },
  maxUncommitted: {
    type: 'integer',
    default: 256,
    min: 1,
    max: 100000,
    description: 'The primary drops new requests while this many ops wait to commit (clients retry).',
  },
  snapshotEvery: {
    type: 'integer',
    default: 4096,
    min: 1,
    max: 1000000,
    description:
      'A replica takes a checkpoint (a snapshot of the machine) every this many executed ops and forgets the ops it covers; a peer that needs forgotten ops gets the checkpoint and the ops after it.',
  },
} as const satisfies OptionSchema;

export const BUG_REJOIN_WITHOUT_RECOVERY = 'vsr.rejoin-without-recovery';
export const BUG_LONGEST_LOG_WINS = 'vsr.longest-log-wins';
export const BUG_ACK_WITH_GAP = 'vsr.ack-with-gap';

export const VSR_BUGS: readonly BugDefinition[] = [
  {
    name: BUG_REJOIN_WITHOUT_RECOVERY,
    description:
      'A restarted replica skips recovery (§4.3): it rejoins at once as a normal backup with an empty log, acknowledging Prepares and voting in view changes although it forgot what it promised before the crash.',
  },
  {
    name: BUG_LONGEST_LOG_WINS,
    description:
      'The new primary takes the longest log from the DoViewChange messages instead of the one with the latest normal view v′ (§4.2), resurrecting ops of a deposed primary over ops committed in a later view.',
  },
  {
    name: BUG_ACK_WITH_GAP,
    description:
      'A backup sends PrepareOk for an out-of-order Prepare while an earlier op is still missing (§4.1 requires all earlier ops first); the primary counts it as holding the whole prefix and commits on too few copies.',
  },
];

/** The options as a replica reads them: durations in microseconds, defaults from the table above. */
export type VsrOptions = OptionValues<typeof VSR_OPTIONS>;

export function vsrOptions(options: ProtocolOptions): VsrOptions {
  return readOptions(VSR_OPTIONS, options);
}

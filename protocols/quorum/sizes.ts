/**
 * The quorum sizes in force: `r` and `w` as configured, 0 meaning a majority of the n nodes.
 */
import type { ProtocolOptions } from '../api.js';
import { majority } from '../api.js';

export function quorumSizes(n: number, options: ProtocolOptions): { readonly r: number; readonly w: number } {
  return { r: size(n, options['r']), w: size(n, options['w']) };
}

function size(n: number, option: unknown): number {
  if (typeof option !== 'number' || !Number.isInteger(option) || option < 0) throw new Error(`quorum: bad quorum size ${String(option)}`);
  return option === 0 ? majority(n) : option;
}

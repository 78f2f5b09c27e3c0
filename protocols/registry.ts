/**
 * Every protocol the simulator can run, by name. The simulator reaches protocols only through
 * this list and the types in `api.ts`; it never imports a protocol folder directly.
 */
import type { ProtocolDefinition } from './api.js';
import { raft } from './raft/index.js';
import { vsr } from './vsr/index.js';
import { multipaxos } from './multipaxos/index.js';
import { zab } from './zab/index.js';
import { pbft } from './pbft/index.js';
import { quorum } from './quorum/index.js';

// Each protocol folder exports one ProtocolDefinition from its index.ts; add it here.

export const PROTOCOLS: readonly ProtocolDefinition<any, any>[] = [
  raft,
  vsr,
  multipaxos,
  zab,
  pbft,
  quorum,
];

export function findProtocol(name: string): ProtocolDefinition<any, any> | undefined {
  return PROTOCOLS.find((p) => p.name === name);
}

export function protocolNames(): string[] {
  return PROTOCOLS.map((p) => p.name);
}

/**
 * The bundled protocols, by name. The simulator never imports this file: its callers (the
 * command line, the package API, tests, the bench) hand it this list, plus any protocol module a
 * user names by path.
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

/** This module's URL: a sweep's worker threads import it to get the same PROTOCOLS. */
export const PROTOCOLS_MODULE: string = import.meta.url;

export function findProtocol(name: string): ProtocolDefinition<any, any> | undefined {
  return PROTOCOLS.find((p) => p.name === name);
}

export function protocolNames(): string[] {
  return PROTOCOLS.map((p) => p.name);
}

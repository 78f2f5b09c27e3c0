/**
 * The command line is a composition root: it hands the simulator the bundled protocols (the
 * simulator has no registry of its own), and every command adds the protocol modules its user
 * names by path (`--protocol ./my-protocol.ts`) through the simulator's one resolver.
 */
import { PROTOCOLS, PROTOCOLS_MODULE } from '../protocols/registry.js';
import { protocolSet, type ProtocolSet } from '../sim/index.js';

/** The bundled protocols, with the module a sweep's worker threads import to find them. */
export function bundledProtocols(): ProtocolSet {
  return protocolSet(PROTOCOLS, [PROTOCOLS_MODULE]);
}

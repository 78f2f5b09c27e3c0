/**
 * Simulated signatures. Only the host makes them: a signature is a frozen object remembered in a
 * per-run registry, so a node (byzantine or not) can copy one it has seen but never make one for
 * another node or for another message. `verify` checks identity in the registry, the signer, and
 * that the digest matches the message's canonical JSON.
 */
import { createHash } from 'node:crypto';
import type { NodeId, Signature } from '../../protocols/api.js';

/** JSON with object keys sorted, so equal values have equal text whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    return text === undefined ? 'null' : text;
  }
  if (Array.isArray(value)) return '[' + value.map(canonicalJson).join(',') + ']';
  if (value instanceof Map) return canonicalJson([...value.entries()]);
  if (value instanceof Set) return canonicalJson([...value.values()]);
  const keys = Object.keys(value).sort();
  const parts: string[] = [];
  for (const key of keys) {
    const field = (value as Record<string, unknown>)[key];
    if (field === undefined) continue;
    parts.push(JSON.stringify(key) + ':' + canonicalJson(field));
  }
  return '{' + parts.join(',') + '}';
}

export function digestOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 32);
}

export class SignatureAuthority {
  private readonly issued = new WeakSet<Signature>();

  sign(signer: NodeId, msg: unknown): Signature {
    const sig: Signature = Object.freeze({ signer, digest: digestOf(msg) });
    this.issued.add(sig);
    return sig;
  }

  verify(sig: Signature, signer: NodeId, msg: unknown): boolean {
    if (sig === null || typeof sig !== 'object' || !this.issued.has(sig)) return false;
    return sig.signer === signer && sig.digest === digestOf(msg);
  }
}

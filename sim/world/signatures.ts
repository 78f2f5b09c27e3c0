/**
 * Simulated signatures. Only the host makes them: a signature is a frozen object remembered in a
 * per-run registry, so a node (byzantine or not) can copy one it has seen but never make one for
 * another node or for another message. `verify` checks identity in the registry, the signer, and
 * that the digest matches the message's canonical JSON.
 */
import type { NodeId, Signature } from '../../protocols/api.js';

/**
 * Canonical text of frozen objects already seen. Pure function of an immutable value, so sharing it
 * across runs changes nothing; signed bodies are rebuilt often but their parts (requests, proofs)
 * are the same frozen objects.
 */
const canonicalCache = new WeakMap<object, string>();

/**
 * `JSON.stringify(s)` of keys and string values seen recently: messages repeat the same few keys
 * and the same ids and digests. Emptied when full, so memory stays bounded; only speed depends on it.
 */
const quotedStrings = new Map<string, string>();

function quoted(s: string): string {
  let text = quotedStrings.get(s);
  if (text === undefined) {
    text = JSON.stringify(s);
    if (quotedStrings.size >= 50_000) quotedStrings.clear();
    quotedStrings.set(s, text);
  }
  return text;
}

/** Object keys in Array.prototype.sort's default order (UTF-16 code units): insertion sort, as objects have few keys. */
function sortedKeys(record: object): string[] {
  const keys = Object.keys(record);
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string;
    let j = i;
    while (j > 0 && (keys[j - 1] as string) > key) {
      keys[j] = keys[j - 1] as string;
      j--;
    }
    keys[j] = key;
  }
  return keys;
}

/** JSON with object keys sorted, so equal values have equal text whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (typeof value !== 'object' || value === null) {
    // Finite numbers print as String(n) in JSON (-0 as "0" in both); the rest goes to JSON.stringify.
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (typeof value === 'string') return quoted(value);
    const text = JSON.stringify(value);
    return text === undefined ? 'null' : text;
  }
  const frozen = Object.isFrozen(value);
  if (frozen) {
    const known = canonicalCache.get(value);
    if (known !== undefined) return known;
  }
  let text: string;
  if (Array.isArray(value)) {
    text = '[';
    for (let i = 0; i < value.length; i++) text += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    text += ']';
  } else if (value instanceof Map) {
    text = canonicalJson([...value.entries()]);
  } else if (value instanceof Set) {
    text = canonicalJson([...value.values()]);
  } else {
    const record = value as Record<string, unknown>;
    const keys = sortedKeys(record);
    text = '{';
    let first = true;
    for (const key of keys) {
      const field = record[key];
      if (field === undefined || typeof field === 'function') continue;
      text += (first ? '' : ',') + quoted(key) + ':' + canonicalJson(field);
      first = false;
    }
    text += '}';
  }
  if (frozen) canonicalCache.set(value, text);
  return text;
}

/**
 * A 64-bit digest of the canonical text (two FNV-1a lanes). Not cryptographic — nothing in a
 * simulation searches for collisions — but fast: PBFT signs and verifies on every message.
 */
export function digestOf(value: unknown): string {
  return digestOfText(canonicalJson(value));
}

function digestOfText(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

export class SignatureAuthority {
  /**
   * Every signature issued in this run, with the canonical text it was made over: verifying the
   * same text again (every receiver of a signed message, every certificate re-check) is then a
   * string comparison, not a re-hash. Equal text means equal digest, so the answer is the same.
   */
  private readonly issued = new WeakMap<Signature, string>();

  sign(signer: NodeId, msg: unknown): Signature {
    const text = canonicalJson(msg);
    const sig: Signature = Object.freeze({ signer, digest: digestOfText(text) });
    this.issued.set(sig, text);
    return sig;
  }

  verify(sig: Signature, signer: NodeId, msg: unknown): boolean {
    if (sig === null || typeof sig !== 'object') return false;
    const signedText = this.issued.get(sig);
    if (signedText === undefined) return false;
    const text = canonicalJson(msg);
    return sig.signer === signer && (text === signedText || sig.digest === digestOfText(text));
  }
}

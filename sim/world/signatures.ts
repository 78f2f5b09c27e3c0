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
  if (value instanceof SimSignature) {
    text = canonicalJson(value.toJSON());
  } else if (Array.isArray(value)) {
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

/**
 * What a signature was made over: when the message was a plain object whose fields were all
 * primitives or frozen values, those fields (a later message with the very same fields has the
 * same canonical text, with no text to build), and the canonical text and digest, built only when
 * first needed. Most signatures are only ever verified by identity of their fields, so most runs
 * never build either: the digest is needed only to print the signature (the trace) or to compare
 * a message whose fields differ.
 */
interface Issued {
  text: string | null;
  digest: string | null;
  readonly keys: readonly string[] | null;
  readonly values: readonly unknown[] | null;
}

/** The canonical text a signature was made over (rebuilt from its frozen fields when not kept). */
function textOf(issued: Issued): string {
  if (issued.text === null) {
    const keys = issued.keys as readonly string[];
    const values = issued.values as readonly unknown[];
    const record: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) record[keys[i] as string] = values[i];
    issued.text = canonicalJson(record);
  }
  return issued.text;
}

function digestOfIssued(issued: Issued): string {
  if (issued.digest === null) issued.digest = digestOfText(textOf(issued));
  return issued.digest;
}

/** The fields of `msg` when comparing them by identity decides equality of canonical text; null otherwise. */
function fieldsOf(msg: unknown): { keys: string[]; values: unknown[] } | null {
  if (typeof msg !== 'object' || msg === null || Object.getPrototypeOf(msg) !== Object.prototype) return null;
  const record = msg as Record<string, unknown>;
  const keys = Object.keys(record);
  const values: unknown[] = [];
  for (const key of keys) {
    const value = record[key];
    // A frozen value's canonical text cannot change (the same assumption canonicalCache makes).
    if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) return null;
    values.push(value);
  }
  return { keys, values };
}

/** True when `msg` is a plain object with exactly these own fields, each identical (===). */
function sameFields(msg: unknown, keys: readonly string[], values: readonly unknown[]): boolean {
  if (typeof msg !== 'object' || msg === null || Object.getPrototypeOf(msg) !== Object.prototype) return false;
  const record = msg as Record<string, unknown>;
  let count = 0;
  for (const _ in record) count++;
  if (count !== keys.length) return false;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (!Object.hasOwn(record, key) || record[key] !== values[i]) return false;
  }
  return true;
}

/**
 * A signature whose digest is computed when first read. It prints as the plain object
 * `{signer, digest}` (toJSON, and canonicalJson below), exactly as an eagerly built one would.
 */
class SimSignature implements Signature {
  readonly signer: NodeId;
  readonly #issued: Issued;

  constructor(signer: NodeId, issued: Issued) {
    this.signer = signer;
    this.#issued = issued;
    Object.freeze(this);
  }

  get digest(): string {
    return digestOfIssued(this.#issued);
  }

  toJSON(): { signer: NodeId; digest: string } {
    return { signer: this.signer, digest: this.digest };
  }
}

export class SignatureAuthority {
  /**
   * Every signature issued in this run, with what it was made over. Verifying a message with the
   * signed fields (every receiver of a signed message rebuilds the body from the same values) is
   * a field-by-field identity check; otherwise the canonical text is built and compared, and a
   * text that differs is re-hashed. Either way the answer is the one the digest would give.
   */
  private readonly issued = new WeakMap<Signature, Issued>();

  sign(signer: NodeId, msg: unknown): Signature {
    const fields = fieldsOf(msg);
    const issued: Issued =
      fields === null
        ? { text: canonicalJson(msg), digest: null, keys: null, values: null }
        : { text: null, digest: null, keys: fields.keys, values: fields.values };
    const sig = new SimSignature(signer, issued);
    this.issued.set(sig, issued);
    return sig;
  }

  verify(sig: Signature, signer: NodeId, msg: unknown): boolean {
    if (sig === null || typeof sig !== 'object') return false;
    const issued = this.issued.get(sig);
    if (issued === undefined || sig.signer !== signer) return false;
    if (issued.keys !== null && issued.values !== null && sameFields(msg, issued.keys, issued.values)) return true;
    const text = canonicalJson(msg);
    return text === textOf(issued) || digestOfIssued(issued) === digestOfText(text);
  }
}

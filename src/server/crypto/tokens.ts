import { createHmac, hkdfSync } from 'node:crypto';
import { IV_BYTES, KEY_BYTES, open, seal, TAG_BYTES } from './aead.ts';
import { randomBytesFromPool } from './random.ts';

/**
 * Secrets derived from the root key, one per purpose, and the sealed tokens made with them.
 *
 * A sealed token is what kmslab hands out to be given back later (grant tokens, import tokens): it carries its own
 * contents, sealed with AES-256-GCM under the purpose's key. The caller can neither read nor forge nor alter it,
 * and kmslab can use it before, or without, looking anything up: a grant token works the moment CreateGrant
 * answers, and an import token holds the wrapping private key it belongs to.
 *
 *   u8 version | 12-byte IV | ciphertext | 16-byte tag
 *
 * The version byte is authenticated with the rest, so a token of another version never opens.
 */

export type SecretPurpose = 'grant token' | 'import token' | 'imported key material id';

const VERSION = 1;
const HEADER_BYTES = 1 + IV_BYTES;

/** A 32-byte secret for one purpose (HKDF-SHA-256): a secret of one purpose tells nothing about another's. */
export function deriveSecret(rootKey: Uint8Array, purpose: SecretPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', rootKey, Buffer.alloc(0), `kmslab ${purpose}`, KEY_BYTES));
}

/** HMAC-SHA-256 under a derived secret of each field, length-prefixed, so that no two field lists collide. */
export function keyedDigest(secret: Uint8Array, fields: readonly Uint8Array[]): Buffer {
  const mac = createHmac('sha256', secret);
  for (const field of fields) {
    const length = Buffer.allocUnsafe(4);
    length.writeUInt32BE(field.length, 0);
    mac.update(length).update(field);
  }
  return mac.digest();
}

export function sealToken(secret: Uint8Array, payload: Uint8Array): Buffer {
  const header = Buffer.concat([Buffer.from([VERSION]), randomBytesFromPool(IV_BYTES)]);
  return Buffer.concat([header, seal(secret, header.subarray(1), payload, header.subarray(0, 1))]);
}

/** The payload of a token that `sealToken` made under `secret`; undefined for anything else. */
export function openToken(secret: Uint8Array, token: Uint8Array): Buffer | undefined {
  if (token.length < HEADER_BYTES + TAG_BYTES) return undefined;
  const bytes = Buffer.from(token.buffer, token.byteOffset, token.length);
  return open(secret, bytes.subarray(1, HEADER_BYTES), bytes.subarray(HEADER_BYTES), bytes.subarray(0, 1));
}

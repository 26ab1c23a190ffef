import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { parsedOnce } from './key-crypto.ts';

/** An asymmetric key's material (DER PKCS#8) as OpenSSL key objects, and its public key as DER SPKI. */
export interface NodeKeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly spki: Buffer;
}

export const nodeKeyPair = parsedOnce((material): NodeKeyPair => {
  const privateKey = createPrivateKey({ key: material, format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, spki: publicKey.export({ format: 'der', type: 'spki' }) };
});

export function pkcs8(privateKey: KeyObject): Buffer {
  return privateKey.export({ format: 'der', type: 'pkcs8' });
}

const generatePair = promisify(generateKeyPair);

/** A new key pair's private key as DER PKCS#8, made by OpenSSL on libuv's thread pool (off the event loop). */
export async function generatePkcs8(
  ...[type, options]:
    | ['rsa', { modulusLength: number }]
    | ['ec', { namedCurve: string }]
    | ['ed25519', Record<string, never>]
): Promise<Buffer> {
  // The overloads of generateKeyPair are per type; the union is one call here.
  const { privateKey } = await (generatePair as (t: string, o: object) => Promise<{ privateKey: KeyObject }>)(
    type,
    options,
  );
  return pkcs8(privateKey);
}

/**
 * Imported key material: a DER PKCS#8 private key that `accepts` (the right type and size), re-encoded as OpenSSL
 * encodes the keys kmslab makes; undefined for anything else.
 */
export function importPkcs8(bytes: Buffer, accepts: (privateKey: KeyObject) => boolean): Buffer | undefined {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: bytes, format: 'der', type: 'pkcs8' });
  } catch {
    return undefined;
  }
  return accepts(privateKey) ? pkcs8(privateKey) : undefined;
}

/** A JWK member (base64url of a big-endian integer) as exactly `bytes` bytes, as the audited library takes it. */
export function jwkBytes(value: string | undefined, bytes: number): Buffer {
  const raw = Buffer.from(value ?? '', 'base64url');
  if (raw.length > bytes)
    throw new RangeError(`a ${raw.length}-byte JWK member where ${bytes} were expected`);
  return Buffer.concat([Buffer.alloc(bytes - raw.length), raw]);
}

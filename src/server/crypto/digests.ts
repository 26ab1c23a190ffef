import { createHash } from 'node:crypto';
import type { KeySpec, MessageType, SigningAlgorithmSpec } from '../../protocol/index.ts';
import { Errors } from '../messages.ts';

/** A hash function by its node:crypto name, with its digest length and OID (for PKCS#1 v1.5 DigestInfo). */
export interface Hash {
  readonly name: 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';
  readonly bytes: number;
  readonly oid: string;
}

export const SHA_1: Hash = { name: 'sha1', bytes: 20, oid: '1.3.14.3.2.26' };
export const SHA_224: Hash = { name: 'sha224', bytes: 28, oid: '2.16.840.1.101.3.4.2.4' };
export const SHA_256: Hash = { name: 'sha256', bytes: 32, oid: '2.16.840.1.101.3.4.2.1' };
export const SHA_384: Hash = { name: 'sha384', bytes: 48, oid: '2.16.840.1.101.3.4.2.2' };
export const SHA_512: Hash = { name: 'sha512', bytes: 64, oid: '2.16.840.1.101.3.4.2.3' };

/**
 * What a hash-then-sign algorithm (RSASSA, ECDSA) signs: the digest of a RAW message, or a DIGEST as the caller
 * computed it, which must be exactly as long as the algorithm's digest and is not hashed again. Other message
 * types are refused in AWS's words for the key spec.
 */
export function digestToSign(
  algorithm: SigningAlgorithmSpec,
  keySpec: KeySpec,
  hash: Hash,
  message: Buffer,
  messageType: MessageType,
): Buffer {
  if (messageType === 'RAW') return createHash(hash.name).update(message).digest();
  if (messageType !== 'DIGEST') throw Errors.messageTypeIncompatible(messageType, `key spec ${keySpec}`);
  if (message.length !== hash.bytes) throw Errors.digestLength(algorithm);
  return message;
}

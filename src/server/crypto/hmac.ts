import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { MacAlgorithmSpec } from '../../protocol/index.ts';
import { type Hash, SHA_224, SHA_256, SHA_384, SHA_512 } from './digests.ts';
import type { KeyCrypto } from './key-crypto.ts';

/**
 * HMAC keys (RFC 2104). KMS makes a secret as long as the spec says (HMAC_224: 224 bits...), which is the
 * digest length of the one algorithm each spec offers. Imported secrets may be longer, up to the hash's block
 * size (64 bytes for SHA-224 and SHA-256, 128 for SHA-384 and SHA-512): a longer key would only be hashed down
 * (RFC 2104, section 3), and a shorter one than the digest weakens the MAC.
 */

type HmacKeySpec = 'HMAC_224' | 'HMAC_256' | 'HMAC_384' | 'HMAC_512';

function hmacCrypto(algorithm: MacAlgorithmSpec, hash: Hash, blockBytes: 64 | 128): KeyCrypto {
  const mac = (material: Buffer, message: Buffer) => createHmac(hash.name, material).update(message).digest();
  return {
    generate: async () => randomBytes(hash.bytes),
    importMaterial: (bytes) =>
      bytes.length >= hash.bytes && bytes.length <= blockBytes ? Buffer.from(bytes) : undefined,
    mac: {
      [algorithm]: {
        generate: mac,
        verify: (material: Buffer, message: Buffer, candidate: Buffer) => {
          const expected = mac(material, message);
          return candidate.length === expected.length && timingSafeEqual(candidate, expected);
        },
      },
    },
  };
}

export const HMAC_CRYPTO: { readonly [S in HmacKeySpec]: KeyCrypto } = {
  HMAC_224: hmacCrypto('HMAC_SHA_224', SHA_224, 64),
  HMAC_256: hmacCrypto('HMAC_SHA_256', SHA_256, 64),
  HMAC_384: hmacCrypto('HMAC_SHA_384', SHA_384, 128),
  HMAC_512: hmacCrypto('HMAC_SHA_512', SHA_512, 128),
};

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { MacAlgorithmSpec } from '../../protocol/index.ts';
import { type Hash, SHA_224, SHA_256, SHA_384, SHA_512 } from './digests.ts';
import type { KeyCrypto } from './key-crypto.ts';

/**
 * HMAC keys (RFC 2104). KMS makes a secret as long as the spec says (HMAC_224: 224 bits...), which is the
 * digest length of the one algorithm each spec offers.
 */

type HmacKeySpec = 'HMAC_224' | 'HMAC_256' | 'HMAC_384' | 'HMAC_512';

function hmacCrypto(algorithm: MacAlgorithmSpec, hash: Hash): KeyCrypto {
  const mac = (material: Buffer, message: Buffer) => createHmac(hash.name, material).update(message).digest();
  return {
    generate: () => randomBytes(hash.bytes),
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
  HMAC_224: hmacCrypto('HMAC_SHA_224', SHA_224),
  HMAC_256: hmacCrypto('HMAC_SHA_256', SHA_256),
  HMAC_384: hmacCrypto('HMAC_SHA_384', SHA_384),
  HMAC_512: hmacCrypto('HMAC_SHA_512', SHA_512),
};

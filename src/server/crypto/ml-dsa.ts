import { randomBytes } from 'node:crypto';
import type { DSA } from '@noble/post-quantum/ml-dsa.js';
import type { MessageType } from '../../protocol/index.ts';
import { Errors } from '../messages.ts';
import { bitString, objectIdentifier, octetString, sequence, smallInteger, tlv } from './der.ts';
import { type KeyCrypto, parsedOnce } from './key-crypto.ts';
import { onFirstUse } from './lazy.ts';

/**
 * ML-DSA keys (FIPS 204), by @noble/post-quantum: Node 20's OpenSSL 3.0 has no ML-DSA. ML_DSA_SHAKE_256 signs
 * a RAW message as pure ML-DSA with an empty context, or, with MessageType EXTERNAL_MU, the 64-byte
 * representative μ = SHAKE256(SHAKE256(publicKey, 64) || 0x00 || 0x00 || message, 64) that the caller computed
 * (FIPS 204, Algorithm 7, line 6). Signing is hedged (fresh randomness per signature), as FIPS 204 recommends.
 *
 * The material is the private key in the form RFC 9881 (ML-DSA in X.509) recommends: a DER PKCS#8 holding only
 * the 32-byte seed ξ (`seed [0] IMPLICIT OCTET STRING`), which OpenSSL 3.5+ and Python's cryptography import
 * as they export it. The expanded key is derived from the seed (FIPS 204 ML-DSA.KeyGen_internal) on first use.
 * The public key is the SubjectPublicKeyInfo of RFC 9881, under NIST's OIDs.
 */

type MlDsaKeySpec = 'ML_DSA_44' | 'ML_DSA_65' | 'ML_DSA_87';

const SEED_BYTES = 32;
const MU_BYTES = 64;

const mlDsa = onFirstUse<typeof import('@noble/post-quantum/ml-dsa.js')>('@noble/post-quantum/ml-dsa.js');

const PARAMETER_SETS: { readonly [S in MlDsaKeySpec]: { readonly dsa: () => DSA; readonly oid: string } } = {
  ML_DSA_44: { dsa: () => mlDsa().ml_dsa44, oid: '2.16.840.1.101.3.4.3.17' },
  ML_DSA_65: { dsa: () => mlDsa().ml_dsa65, oid: '2.16.840.1.101.3.4.3.18' },
  ML_DSA_87: { dsa: () => mlDsa().ml_dsa87, oid: '2.16.840.1.101.3.4.3.19' },
};

function mlDsaCrypto(keySpec: MlDsaKeySpec): KeyCrypto {
  const { dsa, oid } = PARAMETER_SETS[keySpec];
  const algorithmIdentifier = sequence(objectIdentifier(oid));
  const privateKeyInfo = (seed: Uint8Array) =>
    sequence(smallInteger(0), algorithmIdentifier, octetString(tlv(0x80, seed)));
  const seedOffset = privateKeyInfo(Buffer.alloc(SEED_BYTES)).length - SEED_BYTES;
  const isSeedOnly = (material: Buffer) =>
    material.length === seedOffset + SEED_BYTES &&
    privateKeyInfo(material.subarray(seedOffset)).equals(material);

  const expanded = parsedOnce((material) => {
    if (!isSeedOnly(material))
      throw new Error(`${keySpec} key material is not a seed-only PKCS#8 private key`);
    const seed = material.subarray(seedOffset);
    const { secretKey, publicKey } = dsa().keygen(seed);
    return { secretKey, publicKey, spki: sequence(algorithmIdentifier, bitString(publicKey)) };
  });

  /** The μ of an EXTERNAL_MU message; any other message type but RAW is refused for the key spec. */
  const mu = (message: Buffer, messageType: MessageType): Buffer => {
    if (messageType !== 'EXTERNAL_MU')
      throw Errors.messageTypeIncompatible(messageType, `key spec ${keySpec}`);
    if (message.length !== MU_BYTES) throw Errors.externalMuLength('ML_DSA_SHAKE_256');
    return message;
  };

  return {
    generate: async () => privateKeyInfo(randomBytes(SEED_BYTES)),
    importMaterial: (bytes) => (isSeedOnly(bytes) ? Buffer.from(bytes) : undefined),
    publicKey: (material) => expanded(material).spki,
    signing: {
      ML_DSA_SHAKE_256: {
        sign(material, message, messageType) {
          const { secretKey } = expanded(material);
          if (messageType === 'RAW') return Buffer.from(dsa().sign(message, secretKey));
          return Buffer.from(dsa().internal.sign(mu(message, messageType), secretKey, { externalMu: true }));
        },
        verify(material, message, messageType, signature) {
          const { publicKey } = expanded(material);
          if (messageType === 'RAW') return dsa().verify(signature, message, publicKey);
          return dsa().internal.verify(signature, mu(message, messageType), publicKey, { externalMu: true });
        },
      },
    },
  };
}

export const ML_DSA_CRYPTO: { readonly [S in MlDsaKeySpec]: KeyCrypto } = {
  ML_DSA_44: mlDsaCrypto('ML_DSA_44'),
  ML_DSA_65: mlDsaCrypto('ML_DSA_65'),
  ML_DSA_87: mlDsaCrypto('ML_DSA_87'),
};

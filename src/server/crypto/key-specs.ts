import { randomBytes } from 'node:crypto';
import type { DataKeyPairSpec, KeySpec } from '../../protocol/index.ts';
import { Errors } from '../messages.ts';
import { KEY_BYTES } from './aead.ts';
import { ECC_CRYPTO } from './ecc.ts';
import { ED25519_CRYPTO } from './ed25519.ts';
import { HMAC_CRYPTO } from './hmac.ts';
import type { KeyCrypto } from './key-crypto.ts';
import { ML_DSA_CRYPTO } from './ml-dsa.ts';
import { RSA_CRYPTO } from './rsa.ts';

/**
 * The cryptography of every key spec of AWS's model. SM2 has none: AWS offers it in its China Regions only,
 * and no well-kept library does all of SM2 for Node (README, "SM2").
 */
export const KEY_CRYPTO: { readonly [S in KeySpec]: S extends 'SM2' ? undefined : KeyCrypto } = {
  /** AES-256 material for the AES-256-GCM ciphertexts of crypto/ciphertext.ts. */
  SYMMETRIC_DEFAULT: {
    generate: async () => randomBytes(KEY_BYTES),
    importMaterial: (bytes) => (bytes.length === KEY_BYTES ? Buffer.from(bytes) : undefined),
  },
  ...RSA_CRYPTO,
  ...ECC_CRYPTO,
  ECC_NIST_EDWARDS25519: ED25519_CRYPTO,
  ...HMAC_CRYPTO,
  ...ML_DSA_CRYPTO,
  SM2: undefined,
};

export interface DataKeyPair {
  /** DER PKCS#8. */
  privateKey: Buffer;
  /** DER SubjectPublicKeyInfo. */
  publicKey: Buffer;
}

/** GenerateDataKeyPair's key pair of a KeyPairSpec, which names a key spec; SM2 is refused as AWS does outside China. */
export async function generateDataKeyPair(keyPairSpec: DataKeyPairSpec): Promise<DataKeyPair> {
  const crypto: KeyCrypto | undefined = KEY_CRYPTO[keyPairSpec];
  if (!crypto?.publicKey) throw Errors.notInRegion('KeyPairSpec', keyPairSpec);
  const privateKey = await crypto.generate();
  return { privateKey, publicKey: crypto.publicKey(privateKey) };
}

/** The specs whose material is a key pair: those with a public key. */
const KEY_PAIR_SPECS = (Object.keys(KEY_CRYPTO) as KeySpec[]).filter((spec) => KEY_CRYPTO[spec]?.publicKey);

/** The key spec of a DER PKCS#8 private key (its type and size or curve), for seeds that do not name one. */
export function keySpecOfPrivateKey(der: Buffer): KeySpec | undefined {
  return KEY_PAIR_SPECS.find((spec) => KEY_CRYPTO[spec]?.importMaterial(der) !== undefined);
}

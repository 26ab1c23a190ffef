import {
  constants,
  createDecipheriv,
  createPrivateKey,
  generateKeyPairSync,
  type KeyObject,
  privateDecrypt,
} from 'node:crypto';
import { type Hash, SHA_1, SHA_256 } from './digests.ts';

/**
 * The wrapping of imported key material ("Importing key material", steps 2 and 3 of the developer guide): an RSA
 * wrapping key pair that GetParametersForImport hands out, and the unwrapping that ImportKeyMaterial does.
 *
 * - RSAES_OAEP_SHA_1 / RSAES_OAEP_SHA_256: the material itself, encrypted with RSAES-OAEP (RFC 8017) under the
 *   wrapping public key, MGF1 with the same hash and an empty label (`openssl pkeyutl -encrypt -pkeyopt
 *   rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256`).
 * - RSA_AES_KEY_WRAP_SHA_1 / RSA_AES_KEY_WRAP_SHA_256: an ephemeral AES key encrypted as above, followed by the
 *   material wrapped under that AES key with AES Key Wrap with Padding (RFC 5649; `openssl enc
 *   -id-aes256-wrap-pad -iv A65959A6`), as PKCS #11's CKM_RSA_AES_KEY_WRAP lays them out. The only way for
 *   material longer than OAEP can carry, such as an RSA private key.
 *
 * RSAES_PKCS1_V1_5, which AWS no longer accepts, and SM2PKE, which AWS offers in China only, have no
 * implementation: GetParametersForImport refuses them before a wrapping key exists.
 */

export type WrappingKeySpec = 'RSA_2048' | 'RSA_3072' | 'RSA_4096';
export type WrappingAlgorithm =
  | 'RSAES_OAEP_SHA_1'
  | 'RSAES_OAEP_SHA_256'
  | 'RSA_AES_KEY_WRAP_SHA_1'
  | 'RSA_AES_KEY_WRAP_SHA_256';

export const WRAPPING_KEY_BITS: { readonly [S in WrappingKeySpec]: number } = {
  RSA_2048: 2048,
  RSA_3072: 3072,
  RSA_4096: 4096,
};

const SCHEMES: { readonly [A in WrappingAlgorithm]: { readonly hash: Hash; readonly aesKeyWrap: boolean } } =
  {
    RSAES_OAEP_SHA_1: { hash: SHA_1, aesKeyWrap: false },
    RSAES_OAEP_SHA_256: { hash: SHA_256, aesKeyWrap: false },
    RSA_AES_KEY_WRAP_SHA_1: { hash: SHA_1, aesKeyWrap: true },
    RSA_AES_KEY_WRAP_SHA_256: { hash: SHA_256, aesKeyWrap: true },
  };

/** RFC 5649's alternative initial value, which OpenSSL's id-aes*-wrap-pad takes as its 4-byte IV. */
const KWP_IV = Buffer.from('a65959a6', 'hex');
const AES_KEY_BITS = new Set([128, 192, 256]);

export interface WrappingKeyPair {
  /** DER PKCS#8: it never leaves kmslab unsealed (imports/parameters.ts seals it in the import token). */
  privateKey: Buffer;
  /** DER SubjectPublicKeyInfo, as GetParametersForImport answers PublicKey. */
  publicKey: Buffer;
}

export function generateWrappingKey(keySpec: WrappingKeySpec): WrappingKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: WRAPPING_KEY_BITS[keySpec] });
  return {
    privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }),
    publicKey: publicKey.export({ format: 'der', type: 'spki' }),
  };
}

function oaepDecrypt(privateKey: KeyObject, hash: Hash, ciphertext: Buffer): Buffer | undefined {
  try {
    return privateDecrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash.name },
      ciphertext,
    );
  } catch {
    return undefined;
  }
}

function aesKeyUnwrap(aesKey: Buffer, wrapped: Buffer): Buffer | undefined {
  if (!AES_KEY_BITS.has(aesKey.length * 8)) return undefined;
  try {
    const decipher = createDecipheriv(`id-aes${aesKey.length * 8}-wrap-pad`, aesKey, KWP_IV);
    return Buffer.concat([decipher.update(wrapped), decipher.final()]);
  } catch {
    return undefined;
  }
}

/**
 * The key material in `encrypted`, wrapped with `algorithm` under the public half of `privateKey` (DER PKCS#8);
 * undefined when it was not, whatever else it is.
 */
export function unwrapKeyMaterial(
  algorithm: WrappingAlgorithm,
  privateKey: Buffer,
  encrypted: Buffer,
): Buffer | undefined {
  const { hash, aesKeyWrap } = SCHEMES[algorithm];
  const key = createPrivateKey({ key: privateKey, format: 'der', type: 'pkcs8' });
  if (!aesKeyWrap) return oaepDecrypt(key, hash, encrypted);
  const modulusBytes = (key.asymmetricKeyDetails?.modulusLength ?? 0) / 8;
  if (encrypted.length <= modulusBytes) return undefined;
  const aesKey = oaepDecrypt(key, hash, encrypted.subarray(0, modulusBytes));
  return aesKey && aesKeyUnwrap(aesKey, encrypted.subarray(modulusBytes));
}

import type { KeySpec, KeyUsageType } from '../protocol/index.ts';

/**
 * The key usages CreateKey accepts for each KeySpec, the first being the form's default. A copy of the server's
 * key kinds (src/server/keys/kinds.ts), which the browser bundle must not import: test/console/key-specs.test.ts
 * checks that the two agree, and the mapped type makes a KeySpec that AWS's model gains fail to compile here.
 */
export const KEY_USAGES: { readonly [S in KeySpec]: readonly KeyUsageType[] } = {
  SYMMETRIC_DEFAULT: ['ENCRYPT_DECRYPT'],
  RSA_2048: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
  RSA_3072: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
  RSA_4096: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
  ECC_NIST_P256: ['SIGN_VERIFY', 'KEY_AGREEMENT'],
  ECC_NIST_P384: ['SIGN_VERIFY', 'KEY_AGREEMENT'],
  ECC_NIST_P521: ['SIGN_VERIFY', 'KEY_AGREEMENT'],
  ECC_SECG_P256K1: ['SIGN_VERIFY'],
  ECC_NIST_EDWARDS25519: ['SIGN_VERIFY'],
  SM2: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'KEY_AGREEMENT'],
  HMAC_224: ['GENERATE_VERIFY_MAC'],
  HMAC_256: ['GENERATE_VERIFY_MAC'],
  HMAC_384: ['GENERATE_VERIFY_MAC'],
  HMAC_512: ['GENERATE_VERIFY_MAC'],
  ML_DSA_44: ['SIGN_VERIFY'],
  ML_DSA_65: ['SIGN_VERIFY'],
  ML_DSA_87: ['SIGN_VERIFY'],
};

/** Every spec but SM2, which AWS offers in its China Regions only and kmslab not at all (the form says so). */
export const CREATABLE_KEY_SPECS = (Object.keys(KEY_USAGES) as KeySpec[]).filter((spec) => spec !== 'SM2');

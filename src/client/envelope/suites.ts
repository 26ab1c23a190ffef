// The algorithm suites of message format version 2 (the committing suites), as the AWS Encryption SDK names them.

export const AlgorithmSuiteIdentifier = {
  /** AES-256-GCM, HKDF-SHA512 key derivation and key commitment. */
  ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY: 0x0478,
  /** The same plus an ECDSA P-384 signature over the whole message: the AWS Encryption SDK's default. */
  ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384: 0x0578,
} as const;

export type AlgorithmSuiteId = (typeof AlgorithmSuiteIdentifier)[keyof typeof AlgorithmSuiteIdentifier];

const SIGNED_SUITE = 0x0578;
export const DEFAULT_SUITE: AlgorithmSuiteId = SIGNED_SUITE;

/** What both suites share: AES-256 keys from a 32-byte data key, 12-byte IVs, 16-byte tags, a 32-byte commitment. */
export const DATA_KEY_BYTES = 32;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;
export const COMMITMENT_BYTES = 32;
export const MESSAGE_ID_BYTES = 32;

/** The encryption context key under which a signed message carries its public key (base64 compressed point). */
export const PUBLIC_KEY_CONTEXT_KEY = 'aws-crypto-public-key';

export function isSuiteId(value: unknown): value is AlgorithmSuiteId {
  return (
    value === SIGNED_SUITE ||
    value === AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY
  );
}

export function isSigned(suiteId: AlgorithmSuiteId): boolean {
  return suiteId === SIGNED_SUITE;
}

import type {
  CustomerMasterKeySpec,
  EncryptionAlgorithmSpec,
  KeyAgreementAlgorithmSpec,
  KeySpec,
  KeyUsageType,
  MacAlgorithmSpec,
  SigningAlgorithmSpec,
} from '../../protocol/index.ts';
import type { KeyCrypto } from '../crypto/key-crypto.ts';
import { KEY_CRYPTO } from '../crypto/key-specs.ts';
import { Errors } from '../messages.ts';

/**
 * Key kinds: one per KeySpec of AWS's model. A kind says what a key of that spec holds, which key usages it can
 * be created with, and for each usage the algorithms DescribeKey lists and the cryptographic operations it allows.
 * Handlers ask the kind (through keys/key.ts); they never switch on a spec.
 *
 * The algorithms are AWS's, in the order DescribeKey lists them ("Key spec reference" of the AWS KMS developer
 * guide; the orders recorded in models/localstack-aws-validated-snapshots.json where it has them).
 */

/** The operations that use a key's material, which its usage and kind decide. */
export type CryptographicOperation =
  | 'Encrypt'
  | 'Decrypt'
  | 'ReEncrypt'
  | 'GenerateDataKey'
  | 'GenerateDataKeyWithoutPlaintext'
  | 'GenerateDataKeyPair'
  | 'GenerateDataKeyPairWithoutPlaintext'
  | 'Sign'
  | 'Verify'
  | 'GenerateMac'
  | 'VerifyMac'
  | 'GetPublicKey'
  | 'DeriveSharedSecret';

/** The algorithm families of KeyMetadata, by the member that lists them. */
export interface AlgorithmFamilies {
  EncryptionAlgorithms: EncryptionAlgorithmSpec;
  SigningAlgorithms: SigningAlgorithmSpec;
  MacAlgorithms: MacAlgorithmSpec;
  KeyAgreementAlgorithms: KeyAgreementAlgorithmSpec;
}

export type Algorithms = { readonly [F in keyof AlgorithmFamilies]?: readonly AlgorithmFamilies[F][] };

/** What a key of the kind can do under one key usage. */
export interface Usage {
  readonly algorithms: Algorithms;
  readonly operations: readonly CryptographicOperation[];
}

export interface KeyKind {
  readonly keySpec: KeySpec;
  /** DescribeKey's deprecated twin of KeySpec; its enum lacks the specs added after it was deprecated. */
  readonly customerMasterKeySpec?: CustomerMasterKeySpec;
  /**
   * What a key of the kind holds and how each of its algorithms works (crypto/key-specs.ts); absent for SM2,
   * which kmslab cannot do. A key of origin EXTERNAL holds nothing until its material is imported (kmslab does
   * not take EXTERNAL keys yet).
   */
  readonly crypto?: KeyCrypto;
  /** The usage CreateKey gives when the request names none; only symmetric encryption keys have one. */
  readonly defaultUsage?: KeyUsageType;
  /**
   * Whether KMS rotates the key's material (EnableKeyRotation, RotateKeyOnDemand): symmetric encryption keys
   * only. AWS refuses to rotate asymmetric and HMAC keys with an UnsupportedOperationException.
   */
  readonly rotates?: boolean;
  readonly usages: { readonly [U in KeyUsageType]?: Usage };
}

const SYMMETRIC_ENCRYPTION: readonly CryptographicOperation[] = [
  'Encrypt',
  'Decrypt',
  'ReEncrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
];
/** Asymmetric keys encrypt and decrypt small messages, and hand out their public key; they make no data keys. */
const PUBLIC_KEY_ENCRYPTION: readonly CryptographicOperation[] = [
  'Encrypt',
  'Decrypt',
  'ReEncrypt',
  'GetPublicKey',
];
const SIGNING: readonly CryptographicOperation[] = ['Sign', 'Verify', 'GetPublicKey'];
const MAC: readonly CryptographicOperation[] = ['GenerateMac', 'VerifyMac'];
const KEY_AGREEMENT: readonly CryptographicOperation[] = ['DeriveSharedSecret', 'GetPublicKey'];

const RSA_SIGNING: readonly SigningAlgorithmSpec[] = [
  'RSASSA_PKCS1_V1_5_SHA_256',
  'RSASSA_PKCS1_V1_5_SHA_384',
  'RSASSA_PKCS1_V1_5_SHA_512',
  'RSASSA_PSS_SHA_256',
  'RSASSA_PSS_SHA_384',
  'RSASSA_PSS_SHA_512',
];
const ECDH: Usage = { algorithms: { KeyAgreementAlgorithms: ['ECDH'] }, operations: KEY_AGREEMENT };

function rsa(keySpec: 'RSA_2048' | 'RSA_3072' | 'RSA_4096'): KeyKind {
  return {
    keySpec,
    customerMasterKeySpec: keySpec,
    crypto: KEY_CRYPTO[keySpec],
    usages: {
      ENCRYPT_DECRYPT: {
        algorithms: { EncryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] },
        operations: PUBLIC_KEY_ENCRYPTION,
      },
      SIGN_VERIFY: { algorithms: { SigningAlgorithms: RSA_SIGNING }, operations: SIGNING },
    },
  };
}

/** NIST curves sign with the ECDSA digest that matches the curve, and agree on keys with ECDH. */
function nistCurve(
  keySpec: 'ECC_NIST_P256' | 'ECC_NIST_P384' | 'ECC_NIST_P521',
  signing: SigningAlgorithmSpec,
): KeyKind {
  return {
    keySpec,
    customerMasterKeySpec: keySpec,
    crypto: KEY_CRYPTO[keySpec],
    usages: {
      SIGN_VERIFY: { algorithms: { SigningAlgorithms: [signing] }, operations: SIGNING },
      KEY_AGREEMENT: ECDH,
    },
  };
}

function hmac(
  keySpec: 'HMAC_224' | 'HMAC_256' | 'HMAC_384' | 'HMAC_512',
  algorithm: MacAlgorithmSpec,
): KeyKind {
  return {
    keySpec,
    customerMasterKeySpec: keySpec,
    crypto: KEY_CRYPTO[keySpec],
    usages: { GENERATE_VERIFY_MAC: { algorithms: { MacAlgorithms: [algorithm] }, operations: MAC } },
  };
}

function mlDsa(keySpec: 'ML_DSA_44' | 'ML_DSA_65' | 'ML_DSA_87'): KeyKind {
  return {
    keySpec,
    crypto: KEY_CRYPTO[keySpec],
    usages: { SIGN_VERIFY: { algorithms: { SigningAlgorithms: ['ML_DSA_SHAKE_256'] }, operations: SIGNING } },
  };
}

/** Every kind, by its KeySpec: a spec the model gains fails to compile until it has a kind. */
export const KEY_KINDS: { readonly [S in KeySpec]: KeyKind } = {
  SYMMETRIC_DEFAULT: {
    keySpec: 'SYMMETRIC_DEFAULT',
    customerMasterKeySpec: 'SYMMETRIC_DEFAULT',
    crypto: KEY_CRYPTO.SYMMETRIC_DEFAULT,
    defaultUsage: 'ENCRYPT_DECRYPT',
    rotates: true,
    usages: {
      ENCRYPT_DECRYPT: {
        algorithms: { EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] },
        operations: SYMMETRIC_ENCRYPTION,
      },
    },
  },
  RSA_2048: rsa('RSA_2048'),
  RSA_3072: rsa('RSA_3072'),
  RSA_4096: rsa('RSA_4096'),
  ECC_NIST_P256: nistCurve('ECC_NIST_P256', 'ECDSA_SHA_256'),
  ECC_NIST_P384: nistCurve('ECC_NIST_P384', 'ECDSA_SHA_384'),
  ECC_NIST_P521: nistCurve('ECC_NIST_P521', 'ECDSA_SHA_512'),
  ECC_SECG_P256K1: {
    keySpec: 'ECC_SECG_P256K1',
    customerMasterKeySpec: 'ECC_SECG_P256K1',
    crypto: KEY_CRYPTO.ECC_SECG_P256K1,
    usages: { SIGN_VERIFY: { algorithms: { SigningAlgorithms: ['ECDSA_SHA_256'] }, operations: SIGNING } },
  },
  ECC_NIST_EDWARDS25519: {
    keySpec: 'ECC_NIST_EDWARDS25519',
    crypto: KEY_CRYPTO.ECC_NIST_EDWARDS25519,
    usages: {
      SIGN_VERIFY: {
        algorithms: { SigningAlgorithms: ['ED25519_SHA_512', 'ED25519_PH_SHA_512'] },
        operations: SIGNING,
      },
    },
  },
  /** AWS offers SM2 in its China Regions only; kmslab has no SM2 crypto. */
  SM2: {
    keySpec: 'SM2',
    customerMasterKeySpec: 'SM2',
    usages: {
      ENCRYPT_DECRYPT: {
        algorithms: { EncryptionAlgorithms: ['SM2PKE'] },
        operations: PUBLIC_KEY_ENCRYPTION,
      },
      SIGN_VERIFY: { algorithms: { SigningAlgorithms: ['SM2DSA'] }, operations: SIGNING },
      KEY_AGREEMENT: ECDH,
    },
  },
  HMAC_224: hmac('HMAC_224', 'HMAC_SHA_224'),
  HMAC_256: hmac('HMAC_256', 'HMAC_SHA_256'),
  HMAC_384: hmac('HMAC_384', 'HMAC_SHA_384'),
  HMAC_512: hmac('HMAC_512', 'HMAC_SHA_512'),
  ML_DSA_44: mlDsa('ML_DSA_44'),
  ML_DSA_65: mlDsa('ML_DSA_65'),
  ML_DSA_87: mlDsa('ML_DSA_87'),
};

/**
 * The kind and usage of a key that CreateKey (or a seed) asks for, refused as AWS refuses it: a usage is required
 * for every spec but SYMMETRIC_DEFAULT and must be one the spec has; SM2, which AWS offers in its China Regions
 * only and kmslab not at all, is answered as AWS answers it elsewhere.
 */
export function requestedKind(
  keySpec: KeySpec,
  keyUsage: KeyUsageType | undefined,
): { kind: KeyKind; keyUsage: KeyUsageType } {
  const kind = KEY_KINDS[keySpec];
  const usage = keyUsage ?? kind.defaultUsage;
  if (usage === undefined) throw Errors.keyUsageRequired();
  if (!kind.crypto) throw Errors.notInRegion('KeySpec', kind.keySpec);
  if (!kind.usages[usage]) throw Errors.keyUsageIncompatible(usage, kind.keySpec);
  return { kind, keyUsage: usage };
}

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { SHAPES } from '../../../src/protocol/constraints.ts';
import type { KeyMetadata, KeySpec, KeyUsageType } from '../../../src/protocol/index.ts';
import { checkAlgorithm, checkUsage, keyMetadata } from '../../../src/server/keys/key.ts';
import { type CryptographicOperation, KEY_KINDS } from '../../../src/server/keys/kinds.ts';
import { awsError } from '../support.ts';
import { CRYPTOGRAPHIC_OPERATIONS, keyOf, thrown } from './keys.ts';

/** The wire values of one of the model's enums. */
function modelEnum(name: string): readonly string[] {
  const shape = SHAPES[name];
  assert.ok(shape?.type === 'enum', `${name} is an enum of the model`);
  return shape.values;
}

const ALGORITHM_FAMILIES = {
  EncryptionAlgorithms: 'EncryptionAlgorithmSpec',
  SigningAlgorithms: 'SigningAlgorithmSpec',
  MacAlgorithms: 'MacAlgorithmSpec',
  KeyAgreementAlgorithms: 'KeyAgreementAlgorithmSpec',
} as const;

/** Every (kind, usage) pair a key can be created with. */
const pairs = Object.values(KEY_KINDS).flatMap((kind) =>
  (Object.keys(kind.usages) as KeyUsageType[]).map((keyUsage) => ({ keySpec: kind.keySpec, keyUsage })),
);

/** Every KeyMetadata that real AWS KMS answered in the recorded LocalStack tests. */
function recordedMetadata(): KeyMetadata[] {
  const snapshots = JSON.parse(
    readFileSync(new URL('../../../models/localstack-aws-validated-snapshots.json', import.meta.url), 'utf8'),
  ) as unknown;
  const found: KeyMetadata[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === 'object' && value !== null) {
      const record = value as Record<string, unknown>;
      if (typeof record.KeySpec === 'string' && typeof record.KeyUsage === 'string' && 'Arn' in record)
        found.push(record as unknown as KeyMetadata);
      Object.values(record).forEach(walk);
    }
  };
  walk(snapshots);
  return found;
}

describe('key kinds', () => {
  test("there is one kind for every KeySpec of AWS's model, under its own name", () => {
    assert.deepEqual(Object.keys(KEY_KINDS).sort(), [...modelEnum('KeySpec')].sort());
    for (const [name, kind] of Object.entries(KEY_KINDS)) assert.equal(kind.keySpec, name);
  });

  test("usages and algorithms are values of the model's enums; CustomerMasterKeySpec where its enum has the spec", () => {
    const customerMasterKeySpecs = modelEnum('CustomerMasterKeySpec');
    for (const kind of Object.values(KEY_KINDS)) {
      const expected = customerMasterKeySpecs.includes(kind.keySpec) ? kind.keySpec : undefined;
      assert.equal(kind.customerMasterKeySpec, expected, kind.keySpec);
      for (const [usage, { algorithms }] of Object.entries(kind.usages)) {
        assert.ok(modelEnum('KeyUsageType').includes(usage), `${kind.keySpec} ${usage}`);
        assert.ok(Object.keys(algorithms).length > 0, `${kind.keySpec} ${usage} lists algorithms`);
        for (const [family, listed] of Object.entries(algorithms)) {
          const values = modelEnum(ALGORITHM_FAMILIES[family as keyof typeof ALGORITHM_FAMILIES]);
          for (const algorithm of listed)
            assert.ok(values.includes(algorithm), `${kind.keySpec} ${algorithm}`);
        }
      }
    }
  });

  test('DescribeKey lists what AWS lists for every key spec and usage it was recorded with', () => {
    const recorded = recordedMetadata();
    const specs = new Set(recorded.map((metadata) => metadata.KeySpec));
    assert.ok(specs.size >= 10, `recorded specs: ${[...specs]}`);
    const fields = (metadata: KeyMetadata) => ({
      KeySpec: metadata.KeySpec,
      CustomerMasterKeySpec: metadata.CustomerMasterKeySpec,
      KeyUsage: metadata.KeyUsage,
      EncryptionAlgorithms: metadata.EncryptionAlgorithms,
      SigningAlgorithms: metadata.SigningAlgorithms,
      MacAlgorithms: metadata.MacAlgorithms,
      KeyAgreementAlgorithms: metadata.KeyAgreementAlgorithms,
    });
    for (const aws of recorded) {
      const ours = keyMetadata(keyOf({ keySpec: aws.KeySpec, keyUsage: aws.KeyUsage }));
      assert.deepEqual(fields(ours), fields(aws), `${aws.KeySpec} ${aws.KeyUsage}`);
    }
  });

  test('an operation that the key usage does not allow is InvalidKeyUsageException, as AWS words it', () => {
    const recorded: [string, string, KeySpec, KeyUsageType, CryptographicOperation][] = [
      [
        'test_error_messaging_for_invalid_keys',
        'generate-mac-invalid-key-id',
        'SYMMETRIC_DEFAULT',
        'ENCRYPT_DECRYPT',
        'GenerateMac',
      ],
      [
        'test_error_messaging_for_invalid_keys',
        'sign-invalid-key-id',
        'HMAC_256',
        'GENERATE_VERIFY_MAC',
        'Sign',
      ],
      [
        'test_error_messaging_for_invalid_keys',
        'verify-invalid-key-id',
        'SYMMETRIC_DEFAULT',
        'ENCRYPT_DECRYPT',
        'Verify',
      ],
      [
        'test_error_messaging_for_invalid_keys',
        'encrypt-invalid-key-id',
        'ECC_NIST_P256',
        'SIGN_VERIFY',
        'Encrypt',
      ],
      [
        'test_derive_shared_secret',
        'response-invalid-key-usage',
        'ECC_NIST_P256',
        'SIGN_VERIFY',
        'DeriveSharedSecret',
      ],
      [
        'test_derive_shared_secret',
        'response-invalid-key',
        'SYMMETRIC_DEFAULT',
        'ENCRYPT_DECRYPT',
        'DeriveSharedSecret',
      ],
    ];
    for (const [testName, call, keySpec, keyUsage, operation] of recorded) {
      const key = keyOf({ keySpec, keyUsage });
      const aws = awsError(testName, call, { '<key-arn>': key.arn });
      const error = thrown(() => checkUsage(key, operation));
      assert.deepEqual({ type: error?.type, message: error?.message }, aws, `${testName} ${call}`);
    }
  });

  test('every usage allows its operations, and answers every other one in the same words', () => {
    const allowedBy: Record<KeyUsageType, CryptographicOperation[]> = {
      ENCRYPT_DECRYPT: ['Encrypt', 'Decrypt', 'ReEncrypt'],
      SIGN_VERIFY: ['Sign', 'Verify', 'GetPublicKey'],
      GENERATE_VERIFY_MAC: ['GenerateMac', 'VerifyMac'],
      KEY_AGREEMENT: ['DeriveSharedSecret', 'GetPublicKey'],
    };
    for (const { keySpec, keyUsage } of pairs) {
      const key = keyOf({ keySpec, keyUsage });
      for (const operation of CRYPTOGRAPHIC_OPERATIONS) {
        const error = thrown(() => checkUsage(key, operation));
        const allowed = KEY_KINDS[keySpec].usages[keyUsage]?.operations.includes(operation);
        if (allowedBy[keyUsage].includes(operation))
          assert.ok(allowed, `${keySpec} ${keyUsage} ${operation}`);
        if (allowed) assert.equal(error, undefined);
        else {
          assert.equal(error?.type, 'InvalidKeyUsageException');
          assert.equal(
            error?.message,
            `${key.arn} key usage is ${keyUsage} which is not valid for ${operation}.`,
          );
        }
      }
    }
  });

  test('only symmetric encryption keys make data keys and data key pairs', () => {
    for (const { keySpec, keyUsage } of pairs) {
      const makesDataKeys =
        thrown(() => checkUsage(keyOf({ keySpec, keyUsage }), 'GenerateDataKey')) === undefined;
      assert.equal(makesDataKeys, keySpec === 'SYMMETRIC_DEFAULT', keySpec);
    }
  });

  test('an algorithm the key does not offer is InvalidKeyUsageException, as AWS words it', () => {
    const aws = awsError('test_invalid_generate_mac[HMAC_224-HMAC_SHA_256]', 'generate-mac');
    const error = thrown(() =>
      checkAlgorithm(
        keyOf({ keySpec: 'HMAC_224', keyUsage: 'GENERATE_VERIFY_MAC' }),
        'MacAlgorithms',
        'HMAC_SHA_256',
      ),
    );
    assert.deepEqual({ type: error?.type, message: error?.message }, aws);
    assert.equal(
      thrown(() => checkAlgorithm(keyOf(), 'EncryptionAlgorithms', 'SYMMETRIC_DEFAULT')),
      undefined,
    );
    assert.equal(
      thrown(() => checkAlgorithm(keyOf(), 'EncryptionAlgorithms', 'RSAES_OAEP_SHA_256'))?.message,
      'Algorithm RSAES_OAEP_SHA_256 is incompatible with key spec SYMMETRIC_DEFAULT.',
    );
  });

  test("each kind's crypto implements every algorithm the kind lists, and a public key where GetPublicKey is allowed", () => {
    const FAMILIES = {
      EncryptionAlgorithms: 'encryption',
      SigningAlgorithms: 'signing',
      MacAlgorithms: 'mac',
      KeyAgreementAlgorithms: 'keyAgreement',
    } as const;
    for (const kind of Object.values(KEY_KINDS)) {
      if (kind.keySpec === 'SM2') {
        assert.equal(kind.crypto, undefined, 'kmslab has no SM2');
        continue;
      }
      const { crypto } = kind;
      assert.ok(crypto, kind.keySpec);
      for (const [usage, { algorithms, operations }] of Object.entries(kind.usages)) {
        for (const [family, listed] of Object.entries(algorithms) as [keyof typeof FAMILIES, string[]][]) {
          const implemented: Record<string, unknown> = crypto[FAMILIES[family]] ?? {};
          // Symmetric encryption is the ciphertext format of crypto/ciphertext.ts, not a key pair's.
          if (family === 'EncryptionAlgorithms' && kind.keySpec === 'SYMMETRIC_DEFAULT') continue;
          for (const algorithm of listed)
            assert.ok(implemented[algorithm], `${kind.keySpec} ${usage} ${algorithm}`);
        }
        if (operations.includes('GetPublicKey')) assert.ok(crypto.publicKey, `${kind.keySpec} ${usage}`);
      }
    }
  });

  test('only symmetric encryption keys have a default usage and rotate', () => {
    for (const kind of Object.values(KEY_KINDS)) {
      const symmetric = kind.keySpec === 'SYMMETRIC_DEFAULT';
      assert.equal(kind.defaultUsage, symmetric ? 'ENCRYPT_DECRYPT' : undefined, kind.keySpec);
      assert.equal(kind.rotates === true, symmetric, kind.keySpec);
    }
  });
});

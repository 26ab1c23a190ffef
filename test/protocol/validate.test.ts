import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadModel } from '../../scripts/gen-protocol.ts';
import type { KMSOperations, OperationName } from '../../src/protocol/index.ts';
import { serviceOperations } from '../../src/protocol/smithy-ast.ts';
import { KMSError } from '../../src/server/errors.ts';
import { isKnownOperation, validateInput } from '../../src/server/validate.ts';

interface RecordedError {
  Error: { Code: string; Message: string };
  ResponseMetadata: { HTTPStatusCode: number };
}

const snapshots = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../models/localstack-aws-validated-snapshots.json'), 'utf8'),
) as Record<string, { 'recorded-content': Record<string, RecordedError> }>;

/** The error that real AWS KMS answered in a recorded LocalStack test (`test_x[param]`) under `label`. */
function recorded(testName: string, label: string): RecordedError['Error'] {
  const key = Object.keys(snapshots).find((name) => name.endsWith(`::${testName}`));
  const error = key ? snapshots[key]?.['recorded-content'][label] : undefined;
  assert.ok(error, `no recorded answer ${testName} / ${label}`);
  assert.equal(error.ResponseMetadata.HTTPStatusCode, 400);
  return error.Error;
}

/** Typed so that each request below must at least have the operation's wire shape (checked by tsc). */
function validate<Op extends OperationName>(operation: Op, input: KMSOperations[Op]['input']): void {
  validateInput(operation, input);
}

/** The KMSError that validating `input` throws. */
function rejection(operation: OperationName, input: unknown): KMSError {
  try {
    validateInput(operation, input);
  } catch (error) {
    assert.ok(error instanceof KMSError, `expected a KMSError, got ${String(error)}`);
    assert.equal(error.status, 400);
    return error;
  }
  assert.fail(`${operation} ${JSON.stringify(input)} passed validation`);
}

function assertValidation(operation: OperationName, input: unknown, message: string): void {
  const error = rejection(operation, input);
  assert.deepEqual({ type: error.type, message: error.message }, { type: 'ValidationException', message });
}

const base64 = (bytes: number) => Buffer.alloc(bytes, 7).toString('base64');
const keyId = '1234abcd-12ab-34cd-56ef-1234567890ab';

describe('ValidationException messages are the ones real AWS KMS answers', () => {
  for (const [value, param] of [
    [0, '0'],
    [1025, '1025'],
  ] as const) {
    test(`GenerateRandom with NumberOfBytes ${value}`, () => {
      const aws = recorded(`test_generate_random_invalid_number_of_bytes[${param}]`, 'generate-random-exc');
      assertValidation('GenerateRandom', { NumberOfBytes: value }, aws.Message);
      assert.equal(aws.Code, 'ValidationException');
    });
  }

  test('a Plaintext over 4096 bytes: the limit applies to the decoded bytes, and the value is never shown', () => {
    const aws = recorded('test_plaintext_size_for_encrypt', 'invalid-plaintext-size-encrypt');
    assertValidation('Encrypt', { KeyId: keyId, Plaintext: base64(4097) }, aws.Message);
    // 4096 bytes take 5464 base64 characters: the encoded length must not count.
    validate('Encrypt', { KeyId: keyId, Plaintext: base64(4096) });
  });

  test('a tag value over 256 characters, at its path in the list of tags', () => {
    const aws = recorded('test_key_with_long_tag_value_raises_error', 'too-long-tag-value');
    assertValidation('CreateKey', { Tags: [{ TagKey: 'tag1', TagValue: 'v'.repeat(257) }] }, aws.Message);
  });

  test('a tag key over 128 characters', () => {
    const aws = recorded('test_create_key_with_invalid_tag_key[too_long_key]', 'invalid-tag-key');
    assertValidation('CreateKey', { Tags: [{ TagKey: 'a'.repeat(129), TagValue: 'v' }] }, aws.Message);
  });

  test('an unknown MacAlgorithm lists the enum in the order AWS lists it', () => {
    const generate = recorded('test_invalid_generate_mac[HMAC_256-INVALID]', 'generate-mac');
    assertValidation(
      'GenerateMac',
      { KeyId: keyId, Message: base64(8), MacAlgorithm: 'INVALID' },
      generate.Message,
    );
    const verify = recorded('test_invalid_verify_mac[HMAC_256-INVALID-some important message]', 'verify-mac');
    const input = { KeyId: keyId, Message: base64(8), MacAlgorithm: 'INVALID', Mac: base64(32) };
    assertValidation('VerifyMac', input, verify.Message);
  });

  test('an unknown KeyAgreementAlgorithm', () => {
    const aws = recorded('test_derive_shared_secret', 'response-invalid-key-agreement-algo');
    const input = { KeyId: keyId, KeyAgreementAlgorithm: 'INVALID', PublicKey: base64(91) };
    assertValidation('DeriveSharedSecret', input, aws.Message);
  });

  // AWS recorded these before the model gained values (KEY_AGREEMENT; SM2, ML-DSA, Ed25519): AWS's order for
  // the recorded values, then the newer ones in model order.
  test('an unknown KeySpec or KeyUsage: AWS order, then the values the model has gained since', () => {
    const spec = recorded('test_hmac_create_key_invalid_operations', 'create-hmac-key-invalid-spec');
    const newSpecs = ', SM2, ML_DSA_44, ML_DSA_65, ML_DSA_87, ECC_NIST_EDWARDS25519]';
    const input = { KeySpec: 'HMAC_random', KeyUsage: 'GENERATE_VERIFY_MAC' };
    assertValidation('CreateKey', input, spec.Message.replace(/\]$/, newSpecs));
    const usage = recorded('test_hmac_create_key_invalid_operations', 'create-hmac-key-invalid-key-usage');
    const message = usage.Message.replace(/\]$/, ', KEY_AGREEMENT]');
    assertValidation('CreateKey', { KeySpec: 'HMAC_256', KeyUsage: 'RANDOM' }, message);
  });

  test('GenerateRandom without NumberOfBytes passes: the model does not require it, the handler answers', () => {
    // AWS's answer, "NumberOfBytes is required.", is not a model constraint and so belongs to the handler.
    assert.equal(
      recorded('test_generate_random_invalid_number_of_bytes[None]', 'generate-random-exc').Message,
      'NumberOfBytes is required.',
    );
    validate('GenerateRandom', {});
  });
});

describe('ValidationException for the other constraints, in AWS format', () => {
  test('a missing required member', () => {
    assertValidation(
      'Encrypt',
      { Plaintext: base64(4) },
      "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null",
    );
    assertValidation(
      'DescribeKey',
      { KeyId: null },
      "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null",
    );
  });

  test('a ciphertext is required to decrypt or re-encrypt, although the model leaves it optional', () => {
    assertValidation(
      'Decrypt',
      {},
      "1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null",
    );
    assertValidation(
      'ReEncrypt',
      { DestinationKeyId: 'alias/x' },
      "1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null",
    );
  });

  test('a null member reaches the handler as absent', () => {
    const input: Record<string, unknown> = { KeyId: null, Limit: 10 };
    validateInput('ListAliases', input);
    assert.deepEqual(input, { Limit: 10 });
  });

  test('string length, both bounds', () => {
    assertValidation(
      'DescribeKey',
      { KeyId: '' },
      "1 validation error detected: Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    const long = 'k'.repeat(2049);
    assertValidation(
      'DescribeKey',
      { KeyId: long },
      `1 validation error detected: Value '${long}' at 'keyId' failed to satisfy constraint: Member must have length less than or equal to 2048`,
    );
    validate('DescribeKey', { KeyId: 'k'.repeat(2048) });
  });

  test('length counts characters, not UTF-16 code units', () => {
    validate('CreateKey', { Tags: [{ TagKey: '🔑'.repeat(128), TagValue: '' }] });
    assert.equal(
      rejection('CreateKey', { Tags: [{ TagKey: '🔑'.repeat(129), TagValue: '' }] }).type,
      'ValidationException',
    );
  });

  test('a pattern, as the model writes it', () => {
    assertValidation(
      'CreateAlias',
      { AliasName: 'alias/not valid!', TargetKeyId: keyId },
      "1 validation error detected: Value 'alias/not valid!' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$",
    );
  });

  test('blobs: an empty or too long CiphertextBlob shows the byte count, as AWS shows its ByteBuffer', () => {
    assertValidation(
      'Decrypt',
      { CiphertextBlob: '' },
      "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=0 cap=0]' at 'ciphertextBlob' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    assertValidation(
      'Decrypt',
      { CiphertextBlob: base64(6145) },
      "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=6145 cap=6145]' at 'ciphertextBlob' failed to satisfy constraint: Member must have length less than or equal to 6144",
    );
    validate('Decrypt', { CiphertextBlob: base64(6144) });
    validate('Decrypt', { CiphertextBlob: base64(1) });
    for (const unpadded of ['AQ', 'AQI']) validate('Decrypt', { CiphertextBlob: unpadded });
  });

  test('lists: their own length, and one error for the scalar members that break their constraints', () => {
    const tokens = Array.from({ length: 11 }, (_, i) => `t${i}`);
    assertValidation(
      'Decrypt',
      { CiphertextBlob: base64(16), GrantTokens: tokens },
      `1 validation error detected: Value '[${tokens.join(', ')}]' at 'grantTokens' failed to satisfy constraint: Member must have length less than or equal to 10`,
    );
    assertValidation(
      'UntagResource',
      { KeyId: keyId, TagKeys: ['ok', '', ''] },
      "1 validation error detected: Value '[ok, , ]' at 'tagKeys' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1]",
    );
  });

  test('every error is listed, in model order', () => {
    assertValidation(
      'ListAliases',
      { KeyId: '', Limit: 1001, Marker: '' },
      "3 validation errors detected: Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000; Value '' at 'marker' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    assertValidation(
      'CreateKey',
      { Tags: [{ TagKey: 'a' }, { TagValue: 'b' }] },
      "2 validation errors detected: Value null at 'tags.1.member.tagValue' failed to satisfy constraint: Member must not be null; Value null at 'tags.2.member.tagKey' failed to satisfy constraint: Member must not be null",
    );
  });
});

describe('SerializationException for values of the wrong JSON type', () => {
  const cases: [string, OperationName, unknown, RegExp][] = [
    [
      'a string for an integer',
      'GenerateRandom',
      { NumberOfBytes: '32' },
      /'numberOfBytes'.*integer.*string/,
    ],
    ['a fraction for an integer', 'GenerateRandom', { NumberOfBytes: 1.5 }, /'numberOfBytes'.*integer/],
    ['an out-of-range integer', 'GenerateRandom', { NumberOfBytes: 2 ** 31 }, /'numberOfBytes'.*integer/],
    ['a number for a string', 'DescribeKey', { KeyId: 42 }, /'keyId'.*string.*number/],
    ['a string for a boolean', 'CreateKey', { MultiRegion: 'true' }, /'multiRegion'.*boolean.*string/],
    ['an object for a list', 'CreateKey', { Tags: { TagKey: 'a' } }, /'tags'.*list.*object/],
    [
      'a string in a list of structures',
      'CreateKey',
      { Tags: ['a'] },
      /'tags\.1\.member'.*structure.*string/,
    ],
    [
      'a list for a map',
      'Encrypt',
      { KeyId: keyId, Plaintext: 'AA==', EncryptionContext: [] },
      /'encryptionContext'.*map/,
    ],
    [
      'a number in a map',
      'Decrypt',
      { CiphertextBlob: 'AA==', EncryptionContext: { a: 1 } },
      /'encryptionContext\.a'.*string.*number/,
    ],
    ['a number for an enum', 'CreateKey', { KeyUsage: 1 }, /'keyUsage'.*string.*number/],
    [
      'a string for a timestamp',
      'ImportKeyMaterial',
      { KeyId: keyId, ImportToken: 'AA==', EncryptedKeyMaterial: 'AA==', ValidTo: '2030-01-01' },
      /'validTo'.*epoch seconds/,
    ],
    [
      'a string for a structure',
      'GenerateRandom',
      { Recipient: 'enclave' },
      /'recipient'.*structure.*string/,
    ],
    ['invalid base64', 'Decrypt', { CiphertextBlob: 'not base64!' }, /'ciphertextBlob'.*base64/],
    [
      'base64 with one character too many',
      'Decrypt',
      { CiphertextBlob: 'AAAAA' },
      /'ciphertextBlob'.*base64/,
    ],
    ['base64 padded short', 'Decrypt', { CiphertextBlob: 'AA=' }, /'ciphertextBlob'.*base64/],
    ['base64 padded in the middle', 'Decrypt', { CiphertextBlob: 'AA==AA==' }, /'ciphertextBlob'.*base64/],
    ['base64 with three pads', 'Decrypt', { CiphertextBlob: 'A===' }, /'ciphertextBlob'.*base64/],
    ['a number for a blob', 'Decrypt', { CiphertextBlob: 12 }, /'ciphertextBlob'.*base64.*number/],
  ];
  for (const [name, operation, input, message] of cases) {
    test(name, () => {
      const error = rejection(operation, input);
      assert.equal(error.type, 'SerializationException');
      assert.match(error.message, message);
    });
  }

  test('a body that is not a JSON object', () => {
    for (const body of [null, [], 'CreateKey', 42, true]) {
      const error = rejection('CreateKey', body);
      assert.equal(error.type, 'SerializationException');
      assert.match(error.message, /JSON object/);
    }
  });

  test('a wrong type wins over constraint violations, as AWS reads before it validates', () => {
    assert.equal(rejection('Encrypt', { KeyId: '', Plaintext: 42 }).type, 'SerializationException');
  });

  test('no message ever contains the value of a Plaintext', () => {
    const secret = 'my secret!';
    assert.doesNotMatch(rejection('Encrypt', { KeyId: keyId, Plaintext: secret }).message, /secret/);
    const long = Buffer.from('top-secret'.repeat(500)).toString('base64');
    const error = rejection('Encrypt', { KeyId: keyId, Plaintext: long });
    assert.doesNotMatch(error.message, new RegExp(long.slice(0, 12)));
  });
});

describe('what validation accepts', () => {
  test('requests as AWS SDKs send them', () => {
    validate('GenerateDataKey', {
      KeyId: 'alias/my-key',
      NumberOfBytes: 32,
      EncryptionContext: { purpose: 'test', '': '' },
      GrantTokens: ['token'],
    });
    validate('CreateKey', {
      Description: '',
      KeyUsage: 'ENCRYPT_DECRYPT',
      KeySpec: 'SYMMETRIC_DEFAULT',
      Tags: [{ TagKey: 'team', TagValue: '' }],
      BypassPolicyLockoutSafetyCheck: false,
    });
    validate('ImportKeyMaterial', {
      KeyId: keyId,
      ImportToken: 'AA==',
      EncryptedKeyMaterial: 'AA',
      ValidTo: 1.9e9,
    });
    validate('ListKeys', {});
  });

  test('members the model does not know are ignored, and null is absent', () => {
    validateInput('DescribeKey', { KeyId: keyId, Unknown: { deeply: [1, 'x'] }, GrantTokens: null });
  });

  test('the operations are exactly the 54 of the model', () => {
    const names = serviceOperations(loadModel()).map((op) => op.name);
    assert.equal(names.length, 54);
    for (const name of names) assert.ok(isKnownOperation(name), name);
    for (const name of ['', 'toString', '__proto__', 'constructor', 'createKey', 'TrentService.CreateKey']) {
      assert.equal(isKnownOperation(name), false, name);
    }
  });
});

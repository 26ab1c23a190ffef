import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateAliasCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateRandomCommand,
  type KMSClient,
  ReEncryptCommand,
  type ReEncryptCommandInput,
} from '@aws-sdk/client-kms';
import { DEFAULT_CREDENTIALS } from '../../src/server/defaults.ts';
import { type Kmslab, startKmslab } from '../helpers/kmslab.ts';
import { awsError, bytes, createKey, rejects, text } from './support.ts';

const OTHER_ACCOUNT = {
  accessKeyId: 'AKIAKMSLABOTHERACCT0',
  secretAccessKey: 'kmslabOtherAccountSecretAccessKey000000000',
  accountId: '444455556666',
};

describe('cryptography: Encrypt, Decrypt, ReEncrypt, data keys, random', () => {
  let server: Kmslab;
  let kms: KMSClient;
  let keyId: string;
  let keyArn: string;
  before(async () => {
    server = await startKmslab({ credentials: [DEFAULT_CREDENTIALS, OTHER_ACCOUNT] });
    kms = server.sdk();
    keyId = await createKey(kms);
    keyArn = `arn:aws:kms:${server.region}:${server.accountId}:key/${keyId}`;
  });
  after(() => server.stop());

  test('Encrypt then Decrypt returns the plaintext, the key ARN and the key material ID', async () => {
    const encrypted = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('hello kms') }));
    assert.equal(encrypted.KeyId, keyArn);
    assert.equal(encrypted.EncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
    const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob }));
    assert.equal(text(decrypted.Plaintext), 'hello kms');
    assert.equal(decrypted.KeyId, keyArn);
    assert.equal(decrypted.EncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    assert.equal(decrypted.KeyMaterialId, KeyMetadata?.CurrentKeyMaterialId);
  });

  test('every key naming form works on the data plane: ID, ARN, alias name, alias ARN', async () => {
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/crypto-forms', TargetKeyId: keyId }));
    const names = [
      keyId,
      keyArn,
      'alias/crypto-forms',
      `arn:aws:kms:${server.region}:${server.accountId}:alias/crypto-forms`,
    ];
    for (const name of names) {
      const { CiphertextBlob, KeyId } = await kms.send(
        new EncryptCommand({ KeyId: name, Plaintext: bytes(name) }),
      );
      assert.equal(KeyId, keyArn);
      const { Plaintext } = await kms.send(new DecryptCommand({ CiphertextBlob, KeyId: name }));
      assert.equal(text(Plaintext), name);
    }
    await rejects(
      kms.send(new EncryptCommand({ KeyId: 'alias/no-such-alias', Plaintext: bytes('x') })),
      'NotFoundException',
      `Alias arn:aws:kms:${server.region}:${server.accountId}:alias/no-such-alias is not found.`,
    );
  });

  test('the encryption context is authenticated and unambiguous: {"ab":"c"} is not {"a":"bc"}', async () => {
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: bytes('ctx'), EncryptionContext: { ab: 'c' } }),
    );
    const expected = awsError(
      'test_encrypt_decrypt_encryption_context',
      'decrypt_response_without_encryption_context',
    );
    const wrong: Record<string, string>[] = [
      { a: 'bc' },
      {},
      { ab: 'c', extra: '' },
      { ab: 'C' },
      { abc: '' },
    ];
    for (const EncryptionContext of wrong) {
      await rejects(kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext })), expected.type);
    }
    await rejects(kms.send(new DecryptCommand({ CiphertextBlob })), expected.type);
    const { Plaintext } = await kms.send(
      new DecryptCommand({ CiphertextBlob, EncryptionContext: { ab: 'c' } }),
    );
    assert.equal(text(Plaintext), 'ctx');
  });

  test('the order of context pairs does not matter', async () => {
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: bytes('order'), EncryptionContext: { b: '2', a: '1' } }),
    );
    const { Plaintext } = await kms.send(
      new DecryptCommand({ CiphertextBlob, EncryptionContext: { a: '1', b: '2' } }),
    );
    assert.equal(text(Plaintext), 'order');
  });

  test('a tampered blob, at any byte, is InvalidCiphertextException', async () => {
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: bytes('tamper') }),
    );
    const blob = CiphertextBlob ?? assert.fail('no blob');
    const expected = awsError(
      'test_encrypt_decrypt_encryption_context',
      'decrypt_response_with_invalid_ciphertext',
    );
    for (let i = 0; i < blob.length; i += 7) {
      const tampered = Uint8Array.from(blob);
      tampered[i] = (tampered[i] ?? 0) ^ 0x01;
      await rejects(kms.send(new DecryptCommand({ CiphertextBlob: tampered })), expected.type);
    }
    await rejects(kms.send(new DecryptCommand({ CiphertextBlob: blob.subarray(0, 40) })), expected.type);
    await rejects(
      kms.send(new DecryptCommand({ CiphertextBlob: bytes('not a kmslab blob') })),
      expected.type,
    );
  });

  test('Decrypt with the KeyId of another key is IncorrectKeyException', async () => {
    const otherKey = await createKey(kms);
    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('mine') }));
    const expected = awsError('test_error_messaging_for_invalid_keys', 'decrypt-invalid-key-id');
    await rejects(
      kms.send(new DecryptCommand({ CiphertextBlob, KeyId: otherKey })),
      expected.type,
      expected.message,
    );
  });

  test("another account cannot decrypt with a key its policy doesn't share", async () => {
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: bytes('secret') }),
    );
    const other = server.sdk(OTHER_ACCOUNT);
    await rejects(
      other.send(new DecryptCommand({ CiphertextBlob })),
      'AccessDeniedException',
      `User: arn:aws:iam::${OTHER_ACCOUNT.accountId}:root is not authorized to perform: kms:Decrypt on resource: ${keyArn} because no resource-based policy allows the kms:Decrypt action`,
    );
  });

  test('GenerateDataKey: plaintext and ciphertext of the asked length; the ciphertext decrypts to it', async () => {
    for (const [input, length] of [
      [{ KeySpec: 'AES_256' as const }, 32],
      [{ KeySpec: 'AES_128' as const }, 16],
      [{ NumberOfBytes: 64 }, 64],
      [{ NumberOfBytes: 1 }, 1],
      [{ NumberOfBytes: 1024 }, 1024],
    ] as const) {
      const dataKey = await kms.send(
        new GenerateDataKeyCommand({ KeyId: keyId, ...input, EncryptionContext: { p: 'q' } }),
      );
      assert.equal(dataKey.Plaintext?.length, length);
      assert.equal(dataKey.KeyId, keyArn);
      assert.match(dataKey.KeyMaterialId ?? '', /^[0-9a-f]{64}$/);
      const { Plaintext } = await kms.send(
        new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob, EncryptionContext: { p: 'q' } }),
      );
      assert.deepEqual(Plaintext, dataKey.Plaintext);
    }
    const withoutPlaintext = await kms.send(
      new GenerateDataKeyWithoutPlaintextCommand({ KeyId: keyId, KeySpec: 'AES_256' }),
    );
    assert.equal((withoutPlaintext as { Plaintext?: unknown }).Plaintext, undefined);
    assert.equal(withoutPlaintext.KeyId, keyArn);
    const { Plaintext } = await kms.send(
      new DecryptCommand({ CiphertextBlob: withoutPlaintext.CiphertextBlob }),
    );
    assert.equal(Plaintext?.length, 32);
  });

  test('GenerateDataKey needs NumberOfBytes or KeySpec, not both', async () => {
    await rejects(kms.send(new GenerateDataKeyCommand({ KeyId: keyId })), 'ValidationException');
    await rejects(
      kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', NumberOfBytes: 32 })),
      'ValidationException',
    );
    await rejects(
      kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: keyId })),
      'ValidationException',
    );
  });

  test('DryRun answers DryRunOperationException and does nothing', async () => {
    const expected = awsError('test_generate_data_key_pair_dry_run', 'dryrun_exception');
    await rejects(
      kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', DryRun: true })),
      expected.type,
      expected.message,
    );
    await rejects(
      kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('x'), DryRun: true })),
      expected.type,
    );
  });

  test('ReEncrypt moves a ciphertext to another key and context; wrong SourceKeyId is IncorrectKeyException', async () => {
    const destination = await createKey(kms);
    const destinationArn = `arn:aws:kms:${server.region}:${server.accountId}:key/${destination}`;
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: bytes('move me'), EncryptionContext: { from: 'a' } }),
    );
    await kms.send(
      new CreateAliasCommand({ AliasName: 'alias/re-encrypt-destination', TargetKeyId: destination }),
    );
    const moved = await kms.send(
      new ReEncryptCommand({
        CiphertextBlob,
        SourceEncryptionContext: { from: 'a' },
        DestinationKeyId: 'alias/re-encrypt-destination',
        DestinationEncryptionContext: { to: 'b' },
      }),
    );
    assert.equal(moved.SourceKeyId, keyArn);
    assert.equal(moved.KeyId, destinationArn);
    assert.equal(moved.SourceEncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
    assert.equal(moved.DestinationEncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
    const decrypted = await kms.send(
      new DecryptCommand({ CiphertextBlob: moved.CiphertextBlob, EncryptionContext: { to: 'b' } }),
    );
    assert.equal(text(decrypted.Plaintext), 'move me');
    assert.equal(decrypted.KeyId, destinationArn);
    const reEncrypt = (input: Omit<ReEncryptCommandInput, 'CiphertextBlob'>) =>
      kms.send(new ReEncryptCommand({ CiphertextBlob, ...input }));
    const expected = awsError('test_re_encrypt_incorrect_source_key', 'incorrect-source-key');
    await rejects(
      reEncrypt({
        SourceEncryptionContext: { from: 'a' },
        SourceKeyId: destination,
        DestinationKeyId: destination,
      }),
      expected.type,
      expected.message,
    );
    await rejects(reEncrypt({ DestinationKeyId: destination }), 'InvalidCiphertextException');
    await kms.send(new DisableKeyCommand({ KeyId: destination }));
    await rejects(
      reEncrypt({ SourceEncryptionContext: { from: 'a' }, DestinationKeyId: destination }),
      'DisabledException',
      `${destinationArn} is disabled.`,
    );
  });

  test('Encrypt with an asymmetric algorithm is refused for a symmetric key', async () => {
    await rejects(
      kms.send(
        new EncryptCommand({
          KeyId: keyId,
          Plaintext: bytes('x'),
          EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
        }),
      ),
      'InvalidKeyUsageException',
      'Algorithm RSAES_OAEP_SHA_256 is incompatible with key spec SYMMETRIC_DEFAULT.',
    );
  });

  test('GenerateRandom returns the asked number of fresh random bytes; none asked is AWS ValidationException', async () => {
    for (const n of [1, 12, 1024]) {
      const { Plaintext } = await kms.send(new GenerateRandomCommand({ NumberOfBytes: n }));
      assert.equal(Plaintext?.length, n);
    }
    const [one, other] = await Promise.all([
      kms.send(new GenerateRandomCommand({ NumberOfBytes: 32 })),
      kms.send(new GenerateRandomCommand({ NumberOfBytes: 32 })),
    ]);
    assert.notDeepEqual(one.Plaintext, other.Plaintext);
    const expected = awsError('test_generate_random_invalid_number_of_bytes[None]', 'generate-random-exc');
    await rejects(kms.send(new GenerateRandomCommand({})), expected.type, expected.message);
  });
});

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CreateKeyCommand,
  type CreateKeyCommandOutput,
  DecryptCommand,
  DeriveSharedSecretCommand,
  DescribeKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyPairCommand,
  GenerateMacCommand,
  GetKeyLastUsageCommand,
  GetPublicKeyCommand,
  type KeyMetadata,
  type KeySpec,
  type KMSClient,
  ListKeysCommand,
  ReEncryptCommand,
  SignCommand,
  VerifyCommand,
} from '@aws-sdk/client-kms';
import type { KeyUsageType } from '../../src/protocol/index.ts';
import { KEY_KINDS, type KeyKind } from '../../src/server/keys/kinds.ts';
import { type Kmslab, startKmslab } from '../helpers/kmslab.ts';
import { bytes, createKey, rejects } from './support.ts';

const USAGES: KeyUsageType[] = ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'GENERATE_VERIFY_MAC', 'KEY_AGREEMENT'];
const MESSAGE = bytes('a message for every key spec');

describe('every key spec through the API', () => {
  let server: Kmslab;
  let kms: KMSClient;
  before(async () => {
    server = await startKmslab();
    kms = server.sdk();
  });
  after(() => server?.stop());

  const createAs = async (KeySpec: KeySpec, KeyUsage: KeyUsageType) =>
    (await kms.send(new CreateKeyCommand({ KeySpec, KeyUsage }))).KeyMetadata?.KeyId ??
    assert.fail('no KeyId');

  test('CreateKey makes every KeySpec/KeyUsage row AWS has, lists its algorithms, and refuses the other pairs', async () => {
    for (const kind of Object.values(KEY_KINDS) as KeyKind[]) {
      if (kind.keySpec === 'SM2') continue;
      for (const usage of USAGES) {
        const request: Promise<CreateKeyCommandOutput> = kms.send(
          new CreateKeyCommand({ KeySpec: kind.keySpec, KeyUsage: usage }),
        );
        const offered = kind.usages[usage];
        if (!offered) {
          await rejects(
            request,
            'ValidationException',
            `KeyUsage ${usage} is not compatible with KeySpec ${kind.keySpec}`,
          );
          continue;
        }
        const metadata: KeyMetadata | undefined = (await request).KeyMetadata;
        const described: KeyMetadata | undefined = (
          await kms.send(new DescribeKeyCommand({ KeyId: metadata?.KeyId }))
        ).KeyMetadata;
        const row: string = `${kind.keySpec} ${usage}`;
        assert.deepEqual(
          [described?.KeySpec, described?.KeyUsage, described?.CustomerMasterKeySpec],
          [kind.keySpec, usage, kind.customerMasterKeySpec],
          row,
        );
        for (const family of [
          'EncryptionAlgorithms',
          'SigningAlgorithms',
          'MacAlgorithms',
          'KeyAgreementAlgorithms',
        ] as const)
          assert.deepEqual(described?.[family], offered.algorithms[family], `${row} ${family}`);
      }
    }
  });

  test('an RSA_4096 key pair is made off the event loop: other requests are answered meanwhile', async () => {
    const creating = kms.send(new CreateKeyCommand({ KeySpec: 'RSA_4096', KeyUsage: 'SIGN_VERIFY' }));
    let created = false;
    void creating.then(() => {
      created = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (let i = 0; i < 3; i++) await kms.send(new ListKeysCommand({ Limit: 1 }));
    assert.equal(
      created,
      false,
      'the event loop waited for the RSA_4096 key before answering three ListKeys',
    );
    await creating;
  });

  test('RSA encryption: the algorithm is required to decrypt, no encryption context, ReEncrypt both ways', async () => {
    const rsa = await createAs('RSA_3072', 'ENCRYPT_DECRYPT');
    const symmetric = await createKey(kms);
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: rsa, Plaintext: MESSAGE, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }),
    );
    assert.equal(CiphertextBlob?.length, 384, 'the bare RSA-3072 output');
    await rejects(
      kms.send(new DecryptCommand({ KeyId: rsa, CiphertextBlob })),
      'InvalidKeyUsageException',
      'Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_3072.',
    );
    await rejects(
      kms.send(new DecryptCommand({ CiphertextBlob, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' })),
      'InvalidCiphertextException',
    );
    await rejects(
      kms.send(new DecryptCommand({ KeyId: rsa, CiphertextBlob, EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' })),
      'InvalidCiphertextException',
    );
    await rejects(
      kms.send(
        new EncryptCommand({
          KeyId: rsa,
          Plaintext: MESSAGE,
          EncryptionAlgorithm: 'RSAES_OAEP_SHA_1',
          EncryptionContext: { tenant: 'a' },
        }),
      ),
      'ValidationException',
      /EncryptionContext is not supported with asymmetric KMS keys/,
    );

    const toSymmetric = await kms.send(
      new ReEncryptCommand({
        CiphertextBlob,
        SourceKeyId: rsa,
        SourceEncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
        DestinationKeyId: symmetric,
        DestinationEncryptionContext: { tenant: 'a' },
      }),
    );
    const back = await kms.send(
      new ReEncryptCommand({
        CiphertextBlob: toSymmetric.CiphertextBlob,
        SourceEncryptionContext: { tenant: 'a' },
        DestinationKeyId: rsa,
        DestinationEncryptionAlgorithm: 'RSAES_OAEP_SHA_1',
      }),
    );
    assert.equal(back.SourceKeyId, toSymmetric.KeyId);
    const { Plaintext } = await kms.send(
      new DecryptCommand({
        KeyId: rsa,
        CiphertextBlob: back.CiphertextBlob,
        EncryptionAlgorithm: 'RSAES_OAEP_SHA_1',
      }),
    );
    assert.deepEqual(Buffer.from(Plaintext ?? []), Buffer.from(MESSAGE));
  });

  test('Sign: message types per algorithm, digest lengths, the 4096-byte limit; a bad signature is KMSInvalidSignature', async () => {
    const ed25519 = await createAs('ECC_NIST_EDWARDS25519', 'SIGN_VERIFY');
    const digest = createHash('sha512').update(MESSAGE).digest();
    const ph = { KeyId: ed25519, SigningAlgorithm: 'ED25519_PH_SHA_512', MessageType: 'DIGEST' } as const;
    const { Signature } = await kms.send(new SignCommand({ ...ph, Message: digest }));
    assert.equal(
      (await kms.send(new VerifyCommand({ ...ph, Message: digest, Signature }))).SignatureValid,
      true,
    );
    await rejects(
      kms.send(new SignCommand({ ...ph, MessageType: 'RAW', Message: MESSAGE })),
      'ValidationException',
      'Message type RAW is incompatible with algorithm ED25519_PH_SHA_512.',
    );
    await rejects(
      kms.send(new VerifyCommand({ ...ph, Message: digest, Signature: Buffer.alloc(64) })),
      'KMSInvalidSignatureException',
    );

    const mlDsa = await createAs('ML_DSA_44', 'SIGN_VERIFY');
    const mu = { KeyId: mlDsa, SigningAlgorithm: 'ML_DSA_SHAKE_256', MessageType: 'EXTERNAL_MU' } as const;
    await rejects(
      kms.send(new SignCommand({ ...mu, Message: randomBytes(32) })),
      'ValidationException',
      'External Mu is invalid length for algorithm ML_DSA_SHAKE_256.',
    );
    await rejects(
      kms.send(new SignCommand({ ...mu, MessageType: 'DIGEST', Message: randomBytes(64) })),
      'ValidationException',
      'Message type DIGEST is incompatible with key spec ML_DSA_44.',
    );
    const p256 = await createAs('ECC_NIST_P256', 'SIGN_VERIFY');
    await rejects(
      kms.send(
        new SignCommand({ KeyId: p256, SigningAlgorithm: 'ECDSA_SHA_256', Message: randomBytes(4097) }),
      ),
      'ValidationException',
      /Member must have length less than or equal to 4096/,
    );
    await rejects(
      kms.send(
        new SignCommand({
          KeyId: p256,
          SigningAlgorithm: 'ECDSA_SHA_256',
          MessageType: 'EXTERNAL_MU',
          Message: MESSAGE,
        }),
      ),
      'ValidationException',
      'Message type EXTERNAL_MU is incompatible with key spec ECC_NIST_P256.',
    );
  });

  test('keys outside their usage get InvalidKeyUsageException; rotation of asymmetric and HMAC keys is refused', async () => {
    const symmetric = await createKey(kms);
    const hmac = await createAs('HMAC_256', 'GENERATE_VERIFY_MAC');
    const rsa = await createAs('RSA_2048', 'SIGN_VERIFY');
    const arn = (keyId: string) => `arn:aws:kms:${server.region}:${server.accountId}:key/${keyId}`;
    await rejects(
      kms.send(new SignCommand({ KeyId: symmetric, SigningAlgorithm: 'ECDSA_SHA_256', Message: MESSAGE })),
      'InvalidKeyUsageException',
      `${arn(symmetric)} key usage is ENCRYPT_DECRYPT which is not valid for Sign.`,
    );
    await rejects(
      kms.send(new GetPublicKeyCommand({ KeyId: hmac })),
      'InvalidKeyUsageException',
      `${arn(hmac)} key usage is GENERATE_VERIFY_MAC which is not valid for GetPublicKey.`,
    );
    await rejects(
      kms.send(new GenerateDataKeyPairCommand({ KeyId: rsa, KeyPairSpec: 'ECC_NIST_P256' })),
      'InvalidKeyUsageException',
      `${arn(rsa)} key usage is SIGN_VERIFY which is not valid for GenerateDataKeyPair.`,
    );
    for (const KeyId of [hmac, rsa]) {
      await rejects(kms.send(new EnableKeyRotationCommand({ KeyId })), 'UnsupportedOperationException');
      await rejects(kms.send(new DisableKeyRotationCommand({ KeyId })), 'UnsupportedOperationException');
    }
  });

  test('GetKeyLastUsage records Sign, Verify, GenerateMac and DeriveSharedSecret; Recipient is refused clearly', async () => {
    const hmac = await createAs('HMAC_512', 'GENERATE_VERIFY_MAC');
    await kms.send(new GenerateMacCommand({ KeyId: hmac, MacAlgorithm: 'HMAC_SHA_512', Message: MESSAGE }));
    const lastUsage = async (KeyId: string) =>
      (await kms.send(new GetKeyLastUsageCommand({ KeyId }))).KeyLastUsage?.Operation;
    assert.equal(await lastUsage(hmac), 'GenerateMac');

    const signing = await createAs('ECC_NIST_P384', 'SIGN_VERIFY');
    const { Signature } = await kms.send(
      new SignCommand({ KeyId: signing, SigningAlgorithm: 'ECDSA_SHA_384', Message: MESSAGE }),
    );
    assert.equal(await lastUsage(signing), 'Sign');
    await kms.send(
      new VerifyCommand({ KeyId: signing, SigningAlgorithm: 'ECDSA_SHA_384', Message: MESSAGE, Signature }),
    );
    assert.equal(await lastUsage(signing), 'Verify');

    const agreeing = await createAs('ECC_NIST_P384', 'KEY_AGREEMENT');
    const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: agreeing }));
    await kms.send(
      new DeriveSharedSecretCommand({ KeyId: agreeing, KeyAgreementAlgorithm: 'ECDH', PublicKey }),
    );
    assert.equal(await lastUsage(agreeing), 'DeriveSharedSecret');

    const recipient = {
      AttestationDocument: Buffer.from('attestation'),
      KeyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
    } as const;
    await rejects(
      kms.send(
        new DeriveSharedSecretCommand({
          KeyId: agreeing,
          KeyAgreementAlgorithm: 'ECDH',
          PublicKey,
          Recipient: recipient,
        }),
      ),
      'UnsupportedOperationException',
      'Recipient (Nitro Enclaves attestation) is not supported by kmslab.',
    );
    await rejects(
      kms.send(
        new GenerateDataKeyPairCommand({
          KeyId: await createKey(kms),
          KeyPairSpec: 'RSA_2048',
          Recipient: recipient,
        }),
      ),
      'UnsupportedOperationException',
      'Recipient (Nitro Enclaves attestation) is not supported by kmslab.',
    );
  });
});

describe('asymmetric and HMAC key material across a restart', () => {
  const directory = mkdtempSync(join(tmpdir(), 'kmslab-key-specs-'));
  after(() => rmSync(directory, { recursive: true, force: true }));

  test('a key pair and an HMAC secret are sealed in the data dir and the same after a restart', async () => {
    const database = join(directory, 'kmslab.sqlite3');
    const rootKey = randomBytes(32);
    const first = await startKmslab({ database, rootKey });
    const kms = first.sdk();
    const signing = (await kms.send(new CreateKeyCommand({ KeySpec: 'ML_DSA_65', KeyUsage: 'SIGN_VERIFY' })))
      .KeyMetadata?.KeyId;
    const hmac = (
      await kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_224', KeyUsage: 'GENERATE_VERIFY_MAC' }))
    ).KeyMetadata?.KeyId;
    const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: signing }));
    const { Signature } = await kms.send(
      new SignCommand({ KeyId: signing, SigningAlgorithm: 'ML_DSA_SHAKE_256', Message: MESSAGE }),
    );
    const { Mac } = await kms.send(
      new GenerateMacCommand({ KeyId: hmac, MacAlgorithm: 'HMAC_SHA_224', Message: MESSAGE }),
    );
    await first.stop();

    const second = await startKmslab({ database, rootKey });
    try {
      const again = second.sdk();
      assert.deepEqual((await again.send(new GetPublicKeyCommand({ KeyId: signing }))).PublicKey, PublicKey);
      const verified = await again.send(
        new VerifyCommand({
          KeyId: signing,
          SigningAlgorithm: 'ML_DSA_SHAKE_256',
          Message: MESSAGE,
          Signature,
        }),
      );
      assert.equal(verified.SignatureValid, true);
      const mac = await again.send(
        new GenerateMacCommand({ KeyId: hmac, MacAlgorithm: 'HMAC_SHA_224', Message: MESSAGE }),
      );
      assert.deepEqual(mac.Mac, Mac);
    } finally {
      await second.stop();
    }
  });
});

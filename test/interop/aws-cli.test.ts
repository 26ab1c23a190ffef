import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateAliasCommand, CreateKeyCommand, ListKeysCommand } from '@aws-sdk/client-kms';
import { assertServiceError, type Cli, createCli, startCli } from '../helpers/aws-cli.ts';
import { type Kmslab, startKmslab } from '../helpers/kmslab.ts';

/**
 * The AWS CLI v2 from Debian (2.9.19, early 2023) driving kmslab. It is an independent client with its own
 * SigV4 signer, its own (older) model, its own paginator and its own error printing: what users type in their
 * shells must work. RotateKeyOnDemand, ListKeyRotations, GetKeyLastUsage and EnableKeyRotation's
 * RotationPeriodInDays are newer than this CLI, so test/interop/sdk.test.ts covers them.
 *
 * Each call costs about a second of Python start-up, so independent calls run two at a time (the CI machine
 * has two cores) and the assertions are grouped.
 */

function b64(value: unknown): Buffer {
  assert.equal(typeof value, 'string');
  return Buffer.from(value as string, 'base64');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// Three tests at a time: most steps wait on one CLI process, and both cores should stay busy.
describe('the AWS CLI v2 against kmslab', { concurrency: 3 }, () => {
  let server: Kmslab;
  let cli: Cli;
  let keyArnPrefix: string;
  let stop: (() => Promise<void>) | undefined;

  before(async () => {
    ({ server, cli, stop } = await startCli());
    keyArnPrefix = `arn:aws:kms:${server.region}:${server.accountId}:key/`;
  });
  after(() => stop?.());

  /** A fresh key made through the SDK, for tests whose subject is another operation. */
  async function sdkKey(description = 'made by the SDK', on: Kmslab = server): Promise<string> {
    const created = await on.sdk().send(new CreateKeyCommand({ Description: description }));
    return created.KeyMetadata?.KeyId ?? assert.fail('CreateKey returned no KeyId');
  }

  test('create-key with description, tags and policy; describe-key by id, ARN, alias and alias ARN', async () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'Enable IAM User Permissions',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${server.accountId}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    };
    await writeFile(join(cli.dir, 'policy.json'), JSON.stringify(policy));
    const created = await cli.json([
      'create-key',
      '--description',
      'made by the CLI',
      '--tags',
      'TagKey=team,TagValue=perf',
      'TagKey=env,TagValue=ci',
      '--policy',
      `file://${join(cli.dir, 'policy.json')}`,
    ]);
    const metadata = created.KeyMetadata as Record<string, unknown>;
    const keyId = metadata.KeyId as string;
    assert.match(keyId, UUID);
    assert.equal(metadata.Arn, `${keyArnPrefix}${keyId}`);
    assert.equal(metadata.AWSAccountId, server.accountId);
    assert.equal(metadata.Description, 'made by the CLI');
    assert.equal(metadata.Enabled, true);
    assert.equal(metadata.KeyState, 'Enabled');
    assert.equal(metadata.KeyUsage, 'ENCRYPT_DECRYPT');
    assert.equal(metadata.KeySpec, 'SYMMETRIC_DEFAULT');
    assert.equal(metadata.CustomerMasterKeySpec, 'SYMMETRIC_DEFAULT');
    assert.equal(metadata.Origin, 'AWS_KMS');
    assert.equal(metadata.KeyManager, 'CUSTOMER');
    assert.deepEqual(metadata.EncryptionAlgorithms, ['SYMMETRIC_DEFAULT']);
    // The CLI parses the timestamp (epoch seconds on the wire) and prints it as ISO 8601.
    assert.ok(Math.abs(Date.parse(metadata.CreationDate as string) - Date.now()) < 60_000);

    await server.sdk().send(new CreateAliasCommand({ AliasName: 'alias/cli-main', TargetKeyId: keyId }));

    const aliasArn = `arn:aws:kms:${server.region}:${server.accountId}:alias/cli-main`;
    const names = [keyId, `${keyArnPrefix}${keyId}`, 'alias/cli-main', aliasArn];
    const described = await Promise.all(names.map((name) => cli.json(['describe-key', '--key-id', name])));
    for (const [i, result] of described.entries()) {
      assert.deepEqual(result.KeyMetadata, metadata, `describe-key --key-id ${names[i]}`);
    }

    const [tags, storedPolicy, policyNames] = await Promise.all([
      cli.json(['list-resource-tags', '--key-id', keyId]),
      cli.json(['get-key-policy', '--key-id', keyId, '--policy-name', 'default']),
      cli.json(['list-key-policies', '--key-id', keyId]),
    ]);
    assert.deepEqual(
      [...(tags.Tags as { TagKey: string }[])].sort((a, b) => a.TagKey.localeCompare(b.TagKey)),
      [
        { TagKey: 'env', TagValue: 'ci' },
        { TagKey: 'team', TagValue: 'perf' },
      ],
    );
    assert.deepEqual(JSON.parse(storedPolicy.Policy as string), policy);
    assert.deepEqual(policyNames.PolicyNames, ['default']);
  });

  test('list-keys and list-aliases page through the CLI paginator (--page-size, --max-items, --starting-token)', async () => {
    // A server of its own: the other tests run alongside and create keys of their own.
    const server = await startKmslab();
    const cli = await createCli(server);
    try {
      await listing(server, cli);
    } finally {
      await server.stop();
      await rm(cli.dir, { recursive: true, force: true });
    }
  });

  async function listing(server: Kmslab, cli: Cli): Promise<void> {
    const made = await Promise.all(Array.from({ length: 7 }, (_, i) => sdkKey(`page ${i}`, server)));
    for (const [i, keyId] of made.slice(0, 5).entries()) {
      await server.sdk().send(new CreateAliasCommand({ AliasName: `alias/page-${i}`, TargetKeyId: keyId }));
    }

    // What the server holds, straight from the wire (the SDK does not paginate on its own).
    const listed = await server.sdk().send(new ListKeysCommand({ Limit: 1000 }));
    const allKeys = (listed.Keys ?? []).map(({ KeyId, KeyArn }) => ({ KeyId, KeyArn }));
    for (const keyId of made) {
      assert.deepEqual(
        allKeys.find((key) => key.KeyId === keyId),
        { KeyId: keyId, KeyArn: `${keyArnPrefix}${keyId}` },
      );
    }

    // --page-size: the CLI sends Limit=3 and follows NextMarker until Truncated is false.
    const listKeysRequests = () => server.logs.filter((entry) => entry.operation === 'ListKeys').length;
    const requestsBefore = listKeysRequests();
    const paged = await cli.json(['list-keys', '--page-size', '3']);
    assert.deepEqual(paged.Keys, allKeys);
    assert.equal(listKeysRequests() - requestsBefore, Math.ceil(allKeys.length / 3));

    // --max-items: the CLI hands out a NextToken (its own encoding of our NextMarker) and resumes from it.
    const collected: unknown[] = [];
    let token: string | undefined;
    do {
      const page = await cli.json([
        'list-keys',
        '--max-items',
        '4',
        '--page-size',
        '3',
        ...(token ? ['--starting-token', token] : []),
      ]);
      const keys = page.Keys as unknown[];
      assert.ok(keys.length <= 4);
      collected.push(...keys);
      token = page.NextToken as string | undefined;
    } while (token);
    assert.deepEqual(collected, allKeys);

    const [aliases, ofKey, badMarker] = await Promise.all([
      cli.json(['list-aliases', '--page-size', '2']),
      cli.json(['list-aliases', '--key-id', made[0] as string]),
      cli.kms(['list-keys', '--no-paginate', '--marker', 'not-a-marker-kmslab-gave']),
    ]);
    const aliasEntries = aliases.Aliases as { AliasName: string; AliasArn: string; TargetKeyId?: string }[];
    for (const [i, keyId] of made.slice(0, 5).entries()) {
      const entry = aliasEntries.find((alias) => alias.AliasName === `alias/page-${i}`);
      assert.equal(entry?.TargetKeyId, keyId);
      assert.equal(entry?.AliasArn, `arn:aws:kms:${server.region}:${server.accountId}:alias/page-${i}`);
    }
    const onlyPage0 = (ofKey.Aliases as { AliasName: string }[]).map((alias) => alias.AliasName);
    assert.deepEqual(onlyPage0, ['alias/page-0']);
    assertServiceError(badMarker, 'InvalidMarkerException');
  }

  test('update-alias moves an alias, delete-alias removes it', async () => {
    const [from, to] = await Promise.all([sdkKey('alias source'), sdkKey('alias target')]);
    const created = await cli.kms([
      'create-alias',
      '--alias-name',
      'alias/cli-moving',
      '--target-key-id',
      from,
    ]);
    assert.equal(created.code, 0, created.stderr);
    const updated = await cli.kms([
      'update-alias',
      '--alias-name',
      'alias/cli-moving',
      '--target-key-id',
      to,
    ]);
    assert.equal(updated.code, 0, updated.stderr);

    const [described, ofTo] = await Promise.all([
      cli.json(['describe-key', '--key-id', 'alias/cli-moving']),
      cli.json(['list-aliases', '--key-id', to]),
    ]);
    assert.equal((described.KeyMetadata as { KeyId: string }).KeyId, to);
    const entry = (ofTo.Aliases as Record<string, unknown>[])[0];
    assert.equal(entry?.AliasName, 'alias/cli-moving');
    assert.equal(entry?.TargetKeyId, to);
    assert.equal(typeof entry?.CreationDate, 'string');
    assert.equal(typeof entry?.LastUpdatedDate, 'string');

    const deleted = await cli.kms(['delete-alias', '--alias-name', 'alias/cli-moving']);
    assert.equal(deleted.code, 0, deleted.stderr);
    const gone = await cli.kms(['describe-key', '--key-id', 'alias/cli-moving']);
    assertServiceError(gone, 'NotFoundException', 'alias/cli-moving');
  });

  test('disable-key/enable-key and schedule-key-deletion/cancel-key-deletion change what the key can do', async () => {
    const keyId = await sdkKey('state machine');
    const keyArn = `${keyArnPrefix}${keyId}`;
    await writeFile(join(cli.dir, 'state.txt'), 'state machine');
    const encrypt = () =>
      cli.kms(['encrypt', '--key-id', keyId, '--plaintext', `fileb://${join(cli.dir, 'state.txt')}`]);
    const state = async () =>
      (await cli.json(['describe-key', '--key-id', keyId])).KeyMetadata as Record<string, unknown>;

    assert.equal((await cli.kms(['disable-key', '--key-id', keyId])).code, 0);
    const whileDisabled = await encrypt();
    assertServiceError(whileDisabled, 'DisabledException', `${keyArn} is disabled.`);

    assert.equal((await cli.kms(['enable-key', '--key-id', keyId])).code, 0);
    const afterEnable = await encrypt();
    assert.equal(afterEnable.code, 0, afterEnable.stderr);

    const [scheduled, tooShort] = await Promise.all([
      cli.json(['schedule-key-deletion', '--key-id', keyId, '--pending-window-in-days', '7']),
      cli.kms([
        'schedule-key-deletion',
        '--key-id',
        await sdkKey('too short'),
        '--pending-window-in-days',
        '6',
      ]),
    ]);
    assertServiceError(tooShort, 'ValidationException');
    assert.equal(scheduled.KeyId, keyArn);
    assert.equal(scheduled.KeyState, 'PendingDeletion');
    assert.equal(scheduled.PendingWindowInDays, 7);
    const deletionDate = Date.parse(scheduled.DeletionDate as string);
    assert.ok(Math.abs(deletionDate - (Date.now() + 7 * 86_400_000)) < 86_400_000 + 60_000);

    const whilePending = await encrypt();
    assertServiceError(whilePending, 'KMSInvalidStateException', `${keyArn} is pending deletion.`);

    const cancelled = await cli.json(['cancel-key-deletion', '--key-id', keyId]);
    assert.equal(cancelled.KeyId, keyArn);
    // AWS leaves a key whose deletion was cancelled disabled.
    const afterCancel = await state();
    assert.equal(afterCancel.KeyState, 'Disabled');
    assert.equal(afterCancel.DeletionDate, undefined);
  });

  test('update-key-description, tag-resource, untag-resource, put-key-policy', async () => {
    const keyId = await sdkKey('before');
    const newPolicy = {
      Version: '2012-10-17',
      Id: 'replaced',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${server.accountId}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    };
    await writeFile(join(cli.dir, 'policy2.json'), JSON.stringify(newPolicy));
    const results = await Promise.all([
      cli.kms(['update-key-description', '--key-id', keyId, '--description', 'after']),
      cli.kms([
        'tag-resource',
        '--key-id',
        keyId,
        '--tags',
        'TagKey=a,TagValue=1',
        'TagKey=b,TagValue=2',
        'TagKey=c,TagValue=3',
      ]),
      cli.kms([
        'put-key-policy',
        '--key-id',
        keyId,
        '--policy-name',
        'default',
        '--policy',
        `file://${join(cli.dir, 'policy2.json')}`,
      ]),
    ]);
    for (const result of results) {
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, '');
    }
    const untag = await cli.kms(['untag-resource', '--key-id', keyId, '--tag-keys', 'b']);
    assert.equal(untag.code, 0, untag.stderr);
    const [described, tags, policy, reserved] = await Promise.all([
      cli.json(['describe-key', '--key-id', keyId]),
      cli.json(['list-resource-tags', '--key-id', keyId]),
      cli.json(['get-key-policy', '--key-id', keyId, '--policy-name', 'default']),
      cli.kms(['tag-resource', '--key-id', keyId, '--tags', 'TagKey=aws:owner,TagValue=me']),
    ]);
    assert.equal((described.KeyMetadata as { Description: string }).Description, 'after');
    assert.deepEqual(
      [...(tags.Tags as { TagKey: string }[])].sort((x, y) => x.TagKey.localeCompare(y.TagKey)),
      [
        { TagKey: 'a', TagValue: '1' },
        { TagKey: 'c', TagValue: '3' },
      ],
    );
    assert.deepEqual(JSON.parse(policy.Policy as string), newPolicy);
    assertServiceError(reserved, 'TagException', 'Tags beginning with aws: are reserved');
  });

  test('encrypt/decrypt round trips through fileb:// and `--query ... --output text | base64 -d`', async () => {
    const keyId = await sdkKey('crypto');
    const otherKeyId = await sdkKey('crypto, other');
    await server.sdk().send(new CreateAliasCommand({ AliasName: 'alias/cli-crypto', TargetKeyId: keyId }));
    // Every byte value, so that no text conversion can go unnoticed.
    const plaintext = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));
    const files = {
      plain: join(cli.dir, 'plain.bin'),
      blob: join(cli.dir, 'blob.bin'),
      back: join(cli.dir, 'back.bin'),
      tampered: join(cli.dir, 'tampered.bin'),
    };
    await writeFile(files.plain, plaintext);

    const encrypted = await cli.json([
      'encrypt',
      '--key-id',
      'alias/cli-crypto',
      '--plaintext',
      `fileb://${files.plain}`,
      '--encryption-context',
      'purpose=interop,team=perf',
    ]);
    assert.equal(encrypted.KeyId, `${keyArnPrefix}${keyId}`);
    assert.equal(encrypted.EncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
    assert.ok(b64(encrypted.CiphertextBlob).length > plaintext.length);

    // The way the AWS documentation does it in a shell.
    const pipeline = await cli.shell(
      `"$AWS" kms encrypt --endpoint-url "$KMS_ENDPOINT" --region "$KMS_REGION" --key-id '${keyId}' ` +
        `--plaintext 'fileb://${files.plain}' --encryption-context purpose=interop,team=perf ` +
        `--query CiphertextBlob --output text | base64 -d > '${files.blob}' && ` +
        `"$AWS" kms decrypt --endpoint-url "$KMS_ENDPOINT" --region "$KMS_REGION" ` +
        `--ciphertext-blob 'fileb://${files.blob}' --encryption-context team=perf,purpose=interop ` +
        `--query Plaintext --output text | base64 -d > '${files.back}'`,
    );
    assert.equal(pipeline.code, 0, pipeline.stderr);
    assert.deepEqual(await readFile(files.back), plaintext);

    const blob = await readFile(files.blob);
    const tampered = Buffer.from(blob);
    tampered[tampered.length - 1] = (tampered.at(-1) ?? 0) ^ 1;
    await writeFile(files.tampered, tampered);
    const context = ['--encryption-context', 'purpose=interop,team=perf'];
    const [noContext, wrongKey, tamperedResult, decrypted] = await Promise.all([
      cli.kms(['decrypt', '--ciphertext-blob', `fileb://${files.blob}`]),
      cli.kms(['decrypt', '--ciphertext-blob', `fileb://${files.blob}`, '--key-id', otherKeyId, ...context]),
      cli.kms(['decrypt', '--ciphertext-blob', `fileb://${files.tampered}`, ...context]),
      cli.json([
        'decrypt',
        '--ciphertext-blob',
        `fileb://${files.blob}`,
        '--key-id',
        'alias/cli-crypto',
        ...context,
      ]),
    ]);
    assert.deepEqual(b64(decrypted.Plaintext), plaintext);
    assert.equal(decrypted.KeyId, `${keyArnPrefix}${keyId}`);
    assert.equal(decrypted.EncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
    assertServiceError(noContext, 'InvalidCiphertextException');
    assertServiceError(
      wrongKey,
      'IncorrectKeyException',
      'The key ID in the request does not identify a CMK that can perform this operation.',
    );
    assertServiceError(tamperedResult, 'InvalidCiphertextException');

    // re-encrypt: from the first key and context to the other key and a new context, without the plaintext
    // ever leaving KMS.
    const reEncrypted = await cli.json([
      're-encrypt',
      '--ciphertext-blob',
      `fileb://${files.blob}`,
      '--source-encryption-context',
      'purpose=interop,team=perf',
      '--destination-key-id',
      otherKeyId,
      '--destination-encryption-context',
      'stage=two',
    ]);
    assert.equal(reEncrypted.SourceKeyId, `${keyArnPrefix}${keyId}`);
    assert.equal(reEncrypted.KeyId, `${keyArnPrefix}${otherKeyId}`);
    assert.equal(reEncrypted.SourceEncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
    assert.equal(reEncrypted.DestinationEncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
    await writeFile(files.blob, b64(reEncrypted.CiphertextBlob));
    const [again, wrongSource] = await Promise.all([
      cli.json([
        'decrypt',
        '--ciphertext-blob',
        `fileb://${files.blob}`,
        '--encryption-context',
        'stage=two',
      ]),
      cli.kms([
        're-encrypt',
        '--ciphertext-blob',
        `fileb://${files.blob}`,
        '--source-key-id',
        keyId,
        '--source-encryption-context',
        'stage=two',
        '--destination-key-id',
        keyId,
      ]),
    ]);
    assert.deepEqual(b64(again.Plaintext), plaintext);
    assert.equal(again.KeyId, `${keyArnPrefix}${otherKeyId}`);
    assertServiceError(wrongSource, 'IncorrectKeyException');
  });

  test('generate-data-key, generate-data-key-without-plaintext and generate-random', async () => {
    const keyId = await sdkKey('data keys');
    const [aes256, withoutPlaintext, random, tooMany] = await Promise.all([
      cli.json([
        'generate-data-key',
        '--key-id',
        keyId,
        '--key-spec',
        'AES_256',
        '--encryption-context',
        'app=k6',
      ]),
      cli.json(['generate-data-key-without-plaintext', '--key-id', keyId, '--number-of-bytes', '64']),
      cli.json(['generate-random', '--number-of-bytes', '48']),
      cli.kms(['generate-random', '--number-of-bytes', '1025']),
    ]);
    assert.equal(b64(aes256.Plaintext).length, 32);
    assert.equal(aes256.KeyId, `${keyArnPrefix}${keyId}`);
    assert.equal(withoutPlaintext.Plaintext, undefined);
    assert.equal(withoutPlaintext.KeyId, `${keyArnPrefix}${keyId}`);
    assert.equal(b64(random.Plaintext).length, 48);
    assertServiceError(
      tooMany,
      'ValidationException',
      "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024",
    );

    // The data keys decrypt back (with their context) to what was handed out.
    await writeFile(join(cli.dir, 'dk1.bin'), b64(aes256.CiphertextBlob));
    await writeFile(join(cli.dir, 'dk2.bin'), b64(withoutPlaintext.CiphertextBlob));
    const [dk1, dk2] = await Promise.all([
      cli.json([
        'decrypt',
        '--ciphertext-blob',
        `fileb://${join(cli.dir, 'dk1.bin')}`,
        '--encryption-context',
        'app=k6',
      ]),
      cli.json(['decrypt', '--ciphertext-blob', `fileb://${join(cli.dir, 'dk2.bin')}`]),
    ]);
    assert.deepEqual(b64(dk1.Plaintext), b64(aes256.Plaintext));
    assert.equal(b64(dk2.Plaintext).length, 64);
  });

  test('enable-key-rotation, disable-key-rotation, get-key-rotation-status', async () => {
    const keyId = await sdkKey('rotation');
    const status = async () =>
      (await cli.json(['get-key-rotation-status', '--key-id', keyId])).KeyRotationEnabled;
    assert.equal(await status(), false);
    const enabled = await cli.kms(['enable-key-rotation', '--key-id', keyId]);
    assert.equal(enabled.code, 0, enabled.stderr);
    assert.equal(enabled.stdout, '');
    assert.equal(await status(), true);
    assert.equal((await cli.kms(['disable-key-rotation', '--key-id', keyId])).code, 0);
    assert.equal(await status(), false);
  });

  test('asymmetric and HMAC keys: create-key, get-public-key, sign/verify, RSA encrypt/decrypt, generate-mac/verify-mac, data key pairs', async () => {
    const [signing, encrypting, hmac, symmetric] = await Promise.all([
      cli.json(['create-key', '--key-spec', 'ECC_NIST_P384', '--key-usage', 'SIGN_VERIFY']),
      cli.json(['create-key', '--key-spec', 'RSA_2048', '--key-usage', 'ENCRYPT_DECRYPT']),
      cli.json(['create-key', '--key-spec', 'HMAC_256', '--key-usage', 'GENERATE_VERIFY_MAC']),
      sdkKey('wraps data key pairs'),
    ]);
    const keyIdOf = (created: Record<string, unknown>) => (created.KeyMetadata as { KeyId: string }).KeyId;
    const signingKey = keyIdOf(signing);
    assert.deepEqual((signing.KeyMetadata as { SigningAlgorithms: string[] }).SigningAlgorithms, [
      'ECDSA_SHA_384',
    ]);
    // The CLI reads blobs from files: `fileb://` of a file written here.
    const file = async (name: string, contents: Buffer | string) => {
      await writeFile(join(cli.dir, name), contents);
      return `fileb://${join(cli.dir, name)}`;
    };
    const message = await file('to-sign.txt', 'signed by the AWS CLI through kmslab');
    const signs = ['--key-id', signingKey, '--message', message, '--signing-algorithm', 'ECDSA_SHA_384'];
    const signed = await cli.json(['sign', ...signs]);
    const signature = await file('signature.bin', b64(signed.Signature));
    const badSignature = await file('bad-signature.bin', Buffer.alloc(b64(signed.Signature).length, 1));
    const [verified, refused, publicKey] = await Promise.all([
      cli.json(['verify', ...signs, '--signature', signature]),
      cli.kms(['verify', ...signs, '--signature', badSignature]),
      cli.json(['get-public-key', '--key-id', signingKey]),
    ]);
    assert.equal(verified.SignatureValid, true);
    assertServiceError(refused, 'KMSInvalidSignatureException');
    assert.deepEqual([publicKey.KeySpec, publicKey.KeyUsage], ['ECC_NIST_P384', 'SIGN_VERIFY']);

    const rsa = ['--key-id', keyIdOf(encrypting)];
    const oaep = ['--encryption-algorithm', 'RSAES_OAEP_SHA_256'];
    const encrypted = await cli.json(['encrypt', ...rsa, '--plaintext', message, ...oaep]);
    const decrypt = [
      'decrypt',
      ...rsa,
      '--ciphertext-blob',
      await file('rsa.bin', b64(encrypted.CiphertextBlob)),
    ];
    const [decrypted, withoutAlgorithm] = await Promise.all([
      cli.json([...decrypt, ...oaep]),
      cli.kms(decrypt),
    ]);
    assert.equal(b64(decrypted.Plaintext).toString(), 'signed by the AWS CLI through kmslab');
    assertServiceError(
      withoutAlgorithm,
      'InvalidKeyUsageException',
      'Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.',
    );

    const macs = ['--key-id', keyIdOf(hmac), '--mac-algorithm', 'HMAC_SHA_256'];
    const mac = await cli.json(['generate-mac', ...macs, '--message', message]);
    const verifyMac = ['verify-mac', ...macs, '--mac', await file('mac.bin', b64(mac.Mac))];
    const pairs = ['--key-id', symmetric, '--key-pair-spec'];
    const [macValid, otherMessage, pair, pairWithout] = await Promise.all([
      cli.json([...verifyMac, '--message', message]),
      cli.kms([...verifyMac, '--message', signature]),
      cli.json(['generate-data-key-pair', ...pairs, 'ECC_NIST_P256']),
      cli.json(['generate-data-key-pair-without-plaintext', ...pairs, 'RSA_2048']),
    ]);
    assert.equal(macValid.MacValid, true);
    assertServiceError(otherMessage, 'KMSInvalidMacException');
    assert.equal(pair.KeyPairSpec, 'ECC_NIST_P256');
    assert.ok(b64(pair.PrivateKeyPlaintext).length > 0 && b64(pair.PublicKey).length > 0);
    assert.equal(pairWithout.PrivateKeyPlaintext, undefined);
    assert.equal(pairWithout.KeyId, `${keyArnPrefix}${symmetric}`);
  });

  test('errors: unknown keys, bad names and bad credentials get AWS error types, exit code 254', async () => {
    const missing = '1234abcd-12ab-34cd-56ef-1234567890ab';
    const [unknownKey, invalidId, noPrefix, wrongSecret, unknownAccessKey] = await Promise.all([
      cli.kms(['describe-key', '--key-id', missing]),
      cli.kms(['describe-key', '--key-id', 'fake-key-id']),
      cli.kms(['create-alias', '--alias-name', 'no-prefix', '--target-key-id', missing]),
      cli.kms(['list-keys'], { AWS_SECRET_ACCESS_KEY: `${server.secretAccessKey}x` }),
      cli.kms(['list-keys'], { AWS_ACCESS_KEY_ID: 'AKIAUNKNOWNUNKNOWN00' }),
    ]);
    assertServiceError(unknownKey, 'NotFoundException', `Key '${keyArnPrefix}${missing}' does not exist`);
    assertServiceError(invalidId, 'NotFoundException', "Invalid keyId 'fake-key-id'");
    assertServiceError(
      noPrefix,
      'ValidationException',
      'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html',
    );
    assertServiceError(
      wrongSecret,
      'InvalidSignatureException',
      'The request signature we calculated does not match',
    );
    assertServiceError(
      unknownAccessKey,
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
    );
  });
});

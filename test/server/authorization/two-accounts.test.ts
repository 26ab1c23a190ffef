import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CreateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GetKeyPolicyCommand,
  type KMSClient,
  ListKeysCommand,
  PutKeyPolicyCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
  ScheduleKeyDeletionCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-kms';
import type { Kmslab } from '../../helpers/kmslab.ts';
import { bytes, rejects, text } from '../support.ts';
import {
  A,
  B,
  B_ROOT_CREDENTIALS,
  IDENTITIES,
  startWithIdentities,
  type TestIdentity,
} from './identities.ts';

/**
 * Authorization through the AWS SDK as real callers: account A shares a key with account B by its key policy;
 * B's users use it by key ARN as far as their IAM policies allow; every unshared path answers AWS's error; a
 * grantee without any policy permission uses exactly what its grant allows, until the grant goes; denials are
 * explained in x-kmslab-denial and at debug.
 */

const SHARED_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Enable IAM User Permissions',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${A}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
    {
      Sid: 'Allow use of the key by account B',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${B}:root` },
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      Resource: '*',
    },
  ],
});

/** The x-kmslab-denial header of a rejected SDK call. */
async function denial(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    const headers = (error as { $response?: { headers?: Record<string, string> } }).$response?.headers;
    return headers?.['x-kmslab-denial'] ?? '';
  }
  assert.fail('the call succeeded');
}

describe('two accounts: A shares a key with B by its key policy', () => {
  let server: Kmslab;
  let a: KMSClient;
  const as = (identity: TestIdentity) => server.sdk(identity);
  let sharedArn: string;
  let unsharedArn: string;
  let unsharedId: string;

  test('setup', async () => {
    server = await startWithIdentities();
    a = server.sdk();
    const shared = await a.send(new CreateKeyCommand({ Policy: SHARED_POLICY }));
    sharedArn = shared.KeyMetadata?.Arn ?? '';
    const unshared = await a.send(new CreateKeyCommand({}));
    unsharedArn = unshared.KeyMetadata?.Arn ?? '';
    unsharedId = unshared.KeyMetadata?.KeyId ?? '';
  });

  test("B's user with an IAM policy: Encrypt, GenerateDataKey and DescribeKey by key ARN, and Decrypt", async () => {
    const bob = as(IDENTITIES.bob);
    const encrypted = await bob.send(new EncryptCommand({ KeyId: sharedArn, Plaintext: bytes('from B') }));
    assert.equal(encrypted.KeyId, sharedArn);
    const dataKey = await bob.send(new GenerateDataKeyCommand({ KeyId: sharedArn, KeySpec: 'AES_256' }));
    assert.equal(dataKey.Plaintext?.length, 32);
    const described = await bob.send(new DescribeKeyCommand({ KeyId: sharedArn }));
    assert.equal(described.KeyMetadata?.Arn, sharedArn);
    const decrypted = await bob.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob }));
    assert.equal(text(decrypted.Plaintext), 'from B');
    assert.equal(decrypted.KeyId, sharedArn);
    // A decrypts what B encrypted, and B what A encrypted.
    const fromA = await a.send(new EncryptCommand({ KeyId: sharedArn, Plaintext: bytes('from A') }));
    const opened = await bob.send(new DecryptCommand({ CiphertextBlob: fromA.CiphertextBlob }));
    assert.equal(text(opened.Plaintext), 'from A');
  });

  test("B's root needs no IAM policy; B's user without one is denied by its identity-based policies", async () => {
    const root = as(B_ROOT_CREDENTIALS);
    await root.send(new EncryptCommand({ KeyId: sharedArn, Plaintext: bytes('x') }));
    await rejects(
      as(IDENTITIES.carol).send(new EncryptCommand({ KeyId: sharedArn, Plaintext: bytes('x') })),
      'AccessDeniedException',
      `User: ${IDENTITIES.carol.arn} is not authorized to perform: kms:Encrypt on resource: ${sharedArn} because no identity-based policy allows the kms:Encrypt action`,
    );
  });

  test('every unshared path is denied as AWS denies it', async () => {
    const bob = as(IDENTITIES.bob);
    // An action the key policy doesn't give B, though B's IAM policy allows it.
    await rejects(
      bob.send(new ScheduleKeyDeletionCommand({ KeyId: sharedArn, PendingWindowInDays: 7 })),
      'AccessDeniedException',
      `User: ${IDENTITIES.bob.arn} is not authorized to perform: kms:ScheduleKeyDeletion on resource: ${sharedArn} because no resource-based policy allows the kms:ScheduleKeyDeletion action`,
    );
    // A key A doesn't share, by ARN: AccessDenied; by key ID: B has no such key.
    await rejects(
      bob.send(new EncryptCommand({ KeyId: unsharedArn, Plaintext: bytes('x') })),
      'AccessDeniedException',
      `User: ${IDENTITIES.bob.arn} is not authorized to perform: kms:Encrypt on resource: ${unsharedArn} because no resource-based policy allows the kms:Encrypt action`,
    );
    await rejects(
      bob.send(new EncryptCommand({ KeyId: unsharedId, Plaintext: bytes('x') })),
      'NotFoundException',
      `Key 'arn:aws:kms:${server.region}:${B}:key/${unsharedId}' does not exist`,
    );
    // A ciphertext of the unshared key.
    const { CiphertextBlob } = await a.send(
      new EncryptCommand({ KeyId: unsharedArn, Plaintext: bytes('x') }),
    );
    await rejects(bob.send(new DecryptCommand({ CiphertextBlob })), 'AccessDeniedException');
    // Keyless operations are for IAM alone: B's root lists B's keys (none), bob may not list.
    const listed = await as(B_ROOT_CREDENTIALS).send(new ListKeysCommand({}));
    assert.deepEqual(listed.Keys, []);
    await rejects(
      bob.send(new ListKeysCommand({})),
      'AccessDeniedException',
      `User: ${IDENTITIES.bob.arn} is not authorized to perform: kms:ListKeys on resource: * because no identity-based policy allows the kms:ListKeys action`,
    );
  });

  test('a denial is explained in x-kmslab-denial and at debug, naming the closest statement', async () => {
    const explanation = await denial(
      as(IDENTITIES.bob).send(new EncryptCommand({ KeyId: unsharedArn, Plaintext: bytes('secret') })),
    );
    assert.match(explanation, /No statement of the key policy allows arn:aws:iam::444455556666:user\/bob/);
    assert.match(explanation, /statement "Enable IAM User Permissions" of the key policy/);
    assert.ok(!explanation.includes('secret'));
    assert.ok(
      server.debugLines.some((line) => line.startsWith(`Encrypt on ${unsharedArn} denied: No statement`)),
    );
  });

  test('PutKeyPolicy: MalformedPolicyDocumentException for a bad policy or one that locks the caller out', async () => {
    const { KeyMetadata } = await a.send(new CreateKeyCommand({}));
    const KeyId = KeyMetadata?.KeyId ?? '';
    await rejects(
      a.send(new PutKeyPolicyCommand({ KeyId, Policy: '{"Statement":[{"Effect":"Allow"}]}' })),
      'MalformedPolicyDocumentException',
    );
    const lockout = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: IDENTITIES.alice.arn }, Action: 'kms:*', Resource: '*' },
      ],
    });
    await rejects(
      a.send(new PutKeyPolicyCommand({ KeyId, Policy: lockout })),
      'MalformedPolicyDocumentException',
      'The new key policy will not allow you to update the key policy in the future.',
    );
    await rejects(a.send(new CreateKeyCommand({ Policy: lockout })), 'MalformedPolicyDocumentException');
    // With the bypass, the root locks itself out: the policy is now the only control.
    await a.send(new PutKeyPolicyCommand({ KeyId, Policy: lockout, BypassPolicyLockoutSafetyCheck: true }));
    await rejects(a.send(new GetKeyPolicyCommand({ KeyId })), 'AccessDeniedException');
    const alice = as(IDENTITIES.alice);
    assert.equal((await alice.send(new GetKeyPolicyCommand({ KeyId }))).Policy, lockout);
  });

  test('a grantee with no policy permission uses exactly what its grant allows, until it is retired or revoked', async () => {
    const { KeyMetadata } = await a.send(new CreateKeyCommand({}));
    const keyArn = KeyMetadata?.Arn ?? '';
    const alice = as(IDENTITIES.alice);
    await rejects(
      alice.send(new EncryptCommand({ KeyId: keyArn, Plaintext: bytes('x') })),
      'AccessDeniedException',
    );
    const granted = await a.send(
      new CreateGrantCommand({
        KeyId: keyArn,
        GranteePrincipal: IDENTITIES.alice.arn,
        RetiringPrincipal: IDENTITIES.alice.arn,
        Operations: ['Encrypt'],
        Constraints: { EncryptionContextSubset: { purpose: 'test' } },
      }),
    );
    const encrypt = (context?: Record<string, string>) =>
      alice.send(new EncryptCommand({ KeyId: keyArn, Plaintext: bytes('x'), EncryptionContext: context }));
    await encrypt({ purpose: 'test', more: 'yes' });
    await rejects(encrypt({ purpose: 'other' }), 'AccessDeniedException');
    await rejects(encrypt(), 'AccessDeniedException');
    await rejects(alice.send(new DescribeKeyCommand({ KeyId: keyArn })), 'AccessDeniedException');
    // The grant token works at once, for the caller that carries it.
    const tokenGrant = await a.send(
      new CreateGrantCommand({
        KeyId: keyArn,
        GranteePrincipal: IDENTITIES.alice.arn,
        Operations: ['DescribeKey'],
      }),
    );
    await alice.send(new DescribeKeyCommand({ KeyId: keyArn, GrantTokens: [tokenGrant.GrantToken ?? ''] }));
    await a.send(new RevokeGrantCommand({ KeyId: keyArn, GrantId: tokenGrant.GrantId }));
    await rejects(
      alice.send(new DescribeKeyCommand({ KeyId: keyArn, GrantTokens: [tokenGrant.GrantToken ?? ''] })),
      'AccessDeniedException',
    );
    await alice.send(new RetireGrantCommand({ KeyId: keyArn, GrantId: granted.GrantId }));
    await rejects(encrypt({ purpose: 'test' }), 'AccessDeniedException');
  });

  test('a role session must send its session token', async () => {
    const { worker } = IDENTITIES;
    const { KeyMetadata } = await a.send(new CreateKeyCommand({}));
    await as(worker).send(new EncryptCommand({ KeyId: KeyMetadata?.KeyId, Plaintext: bytes('x') }));
    const { sessionToken: _, ...withoutToken } = worker;
    await rejects(
      as(withoutToken).send(new EncryptCommand({ KeyId: KeyMetadata?.KeyId, Plaintext: bytes('x') })),
      'UnrecognizedClientException',
    );
  });

  test('aliases: the IAM policy must allow the action on the alias ARN too, and UpdateAlias on both keys', async () => {
    const aliaser = as(IDENTITIES.aliaser);
    const first = (await a.send(new CreateKeyCommand({}))).KeyMetadata?.Arn ?? '';
    const second = (await a.send(new CreateKeyCommand({}))).KeyMetadata?.Arn ?? '';
    await aliaser.send(new CreateAliasCommand({ AliasName: 'alias/app-orders', TargetKeyId: first }));
    const otherAlias = `arn:aws:kms:us-east-1:${A}:alias/other`;
    await rejects(
      aliaser.send(new CreateAliasCommand({ AliasName: 'alias/other', TargetKeyId: first })),
      'AccessDeniedException',
      `User: ${IDENTITIES.aliaser.arn} is not authorized to perform: kms:CreateAlias on resource: ${otherAlias} because no identity-based policy allows the kms:CreateAlias action`,
    );
    await aliaser.send(new UpdateAliasCommand({ AliasName: 'alias/app-orders', TargetKeyId: second }));
    // The alias's current key must allow UpdateAlias too: a key whose policy allows only its account's root
    // (no delegation to IAM) keeps the alias where it is.
    const rootOnly = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${A}:root` },
          Action: 'kms:*',
          Resource: '*',
          Condition: { StringEquals: { 'aws:PrincipalArn': `arn:aws:iam::${A}:root` } },
        },
      ],
    });
    await a.send(new PutKeyPolicyCommand({ KeyId: second, PolicyName: 'default', Policy: rootOnly }));
    await rejects(
      aliaser.send(new UpdateAliasCommand({ AliasName: 'alias/app-orders', TargetKeyId: first })),
      'AccessDeniedException',
      `User: ${IDENTITIES.aliaser.arn} is not authorized to perform: kms:UpdateAlias on resource: ${second} because no resource-based policy allows the kms:UpdateAlias action`,
    );
    await rejects(
      aliaser.send(new DeleteAliasCommand({ AliasName: 'alias/app-orders' })),
      'AccessDeniedException',
    );
    await a.send(new DeleteAliasCommand({ AliasName: 'alias/app-orders' }));
  });

  test('teardown', () => server.stop());
});

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import {
  ConnectCustomKeyStoreCommand,
  CreateCustomKeyStoreCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DeleteCustomKeyStoreCommand,
  DescribeKeyCommand,
  DisconnectCustomKeyStoreCommand,
  GenerateRandomCommand,
  paginateDescribeCustomKeyStores,
  paginateListGrants,
  paginateListRetirableGrants,
  RetireGrantCommand,
  RevokeGrantCommand,
  UpdateCustomKeyStoreCommand,
} from '@aws-sdk/client-kms';
import { assertServiceError, type Cli, startCli } from '../helpers/aws-cli.ts';
import { kmslabForSuite } from '../helpers/kmslab.ts';
import { TRUST_ANCHOR } from '../server/support.ts';

/**
 * Grants, custom key stores and AWS managed keys driven end to end by the AWS CLI v2 and by @aws-sdk/client-kms
 * (with its paginators): the commands users type and the calls SDK code makes.
 */

const ACCOUNT = '111122223333';
const GRANTEE = `arn:aws:iam::${ACCOUNT}:role/interop-app`;
const RETIRING = `arn:aws:iam::${ACCOUNT}:role/interop-retirer`;
/** How long kmslab's emulated CONNECTING lasts, and a little more. */
const SETTLE_MS = 1_100;

describe('grants, custom key stores and AWS managed keys through the AWS CLI v2', () => {
  let cli: Cli;
  let stop: (() => Promise<void>) | undefined;

  before(async () => {
    ({ cli, stop } = await startCli());
  });
  after(() => stop?.());

  test('create-grant, encrypt with its token, list-grants (paged), list-retirable-grants, retire-grant, revoke-grant', async () => {
    const { KeyMetadata } = (await cli.json(['create-key'])) as {
      KeyMetadata: { KeyId: string; Arn: string };
    };
    const KeyId = KeyMetadata.KeyId;
    const created = await cli.json([
      'create-grant',
      '--key-id',
      KeyId,
      '--grantee-principal',
      GRANTEE,
      '--retiring-principal',
      RETIRING,
      '--operations',
      'Encrypt',
      'Decrypt',
      '--constraints',
      'EncryptionContextSubset={Department=IT}',
      '--name',
      'cli-grant',
    ]);
    const token = String(created.GrantToken);
    assert.match(String(created.GrantId), /^[0-9a-f]{64}$/);
    const second = await cli.json([
      'create-grant',
      '--key-id',
      KeyId,
      '--grantee-principal',
      GRANTEE,
      '--operations',
      'DescribeKey',
    ]);
    await writeFile(join(cli.dir, 'plain.txt'), 'hello');
    const encrypted = await cli.json([
      'encrypt',
      '--key-id',
      KeyId,
      '--plaintext',
      `fileb://${join(cli.dir, 'plain.txt')}`,
      '--encryption-context',
      'Department=IT',
      '--grant-tokens',
      token,
    ]);
    assert.equal(encrypted.KeyId, KeyMetadata.Arn);
    // --page-size 1: the CLI follows NextMarker page by page.
    const listed = (await cli.json(['list-grants', '--key-id', KeyId, '--page-size', '1'])) as {
      Grants: { GrantId: string; Name: string; Constraints?: unknown }[];
    };
    assert.deepEqual(
      listed.Grants.map((g) => [g.GrantId, g.Name]),
      [
        [created.GrantId, 'cli-grant'],
        [second.GrantId, ''],
      ],
    );
    assert.deepEqual(listed.Grants[0]?.Constraints, { EncryptionContextSubset: { Department: 'IT' } });
    const retirable = (await cli.json(['list-retirable-grants', '--retiring-principal', RETIRING])) as {
      Grants: { GrantId: string }[];
    };
    assert.deepEqual(
      retirable.Grants.map((g) => g.GrantId),
      [created.GrantId],
    );
    await cli.json(['retire-grant', '--grant-token', token]);
    await cli.json(['revoke-grant', '--key-id', KeyId, '--grant-id', String(second.GrantId)]);
    assert.deepEqual((await cli.json(['list-grants', '--key-id', KeyId])).Grants, []);
    assertServiceError(
      await cli.kms(['revoke-grant', '--key-id', KeyId, '--grant-id', String(second.GrantId)]),
      'NotFoundException',
    );
    assertServiceError(
      await cli.kms(['describe-key', '--key-id', KeyId, '--grant-tokens', 'not-a-token']),
      'InvalidGrantTokenException',
    );
  });

  test('create-custom-key-store, connect, create-key and generate-random in it, update, disconnect, delete', async () => {
    const anchor = join(cli.dir, 'customerCA.crt');
    await writeFile(anchor, TRUST_ANCHOR);
    const { CustomKeyStoreId } = await cli.json([
      'create-custom-key-store',
      '--custom-key-store-name',
      'cli-hsm',
      '--cloud-hsm-cluster-id',
      'cluster-234abcdefgh',
      '--trust-anchor-certificate',
      `file://${anchor}`,
      '--key-store-password',
      'kmsuser-password',
    ]);
    const id = String(CustomKeyStoreId);
    const state = async () =>
      (
        (await cli.json(['describe-custom-key-stores', '--custom-key-store-id', id])) as {
          CustomKeyStores: { ConnectionState: string; CustomKeyStoreName: string }[];
        }
      ).CustomKeyStores[0];
    assert.equal((await state())?.ConnectionState, 'DISCONNECTED');
    assertServiceError(
      await cli.kms(['create-key', '--custom-key-store-id', id, '--origin', 'AWS_CLOUDHSM']),
      'CustomKeyStoreInvalidStateException',
    );
    await cli.json(['connect-custom-key-store', '--custom-key-store-id', id]);
    await delay(SETTLE_MS);
    assert.equal((await state())?.ConnectionState, 'CONNECTED');
    const { KeyMetadata } = (await cli.json([
      'create-key',
      '--custom-key-store-id',
      id,
      '--origin',
      'AWS_CLOUDHSM',
    ])) as {
      KeyMetadata: { Origin: string; CustomKeyStoreId: string; CloudHsmClusterId: string; KeyId: string };
    };
    assert.deepEqual(
      [KeyMetadata.Origin, KeyMetadata.CustomKeyStoreId, KeyMetadata.CloudHsmClusterId],
      ['AWS_CLOUDHSM', id, 'cluster-234abcdefgh'],
    );
    const random = await cli.json([
      'generate-random',
      '--number-of-bytes',
      '16',
      '--custom-key-store-id',
      id,
    ]);
    assert.equal(Buffer.from(String(random.Plaintext), 'base64').length, 16);
    await cli.json([
      'update-custom-key-store',
      '--custom-key-store-id',
      id,
      '--new-custom-key-store-name',
      'cli-hsm-2',
    ]);
    assert.equal((await state())?.CustomKeyStoreName, 'cli-hsm-2');
    await cli.json(['disconnect-custom-key-store', '--custom-key-store-id', id]);
    await delay(SETTLE_MS);
    assertServiceError(
      await cli.kms(['delete-custom-key-store', '--custom-key-store-id', id]),
      'CustomKeyStoreHasCMKsException',
    );
    const empty = await cli.json([
      'create-custom-key-store',
      '--custom-key-store-name',
      'cli-empty',
      '--cloud-hsm-cluster-id',
      'cluster-345abcdefgh',
      '--trust-anchor-certificate',
      `file://${anchor}`,
      '--key-store-password',
      'kmsuser-password',
    ]);
    await cli.json(['delete-custom-key-store', '--custom-key-store-id', String(empty.CustomKeyStoreId)]);
    assertServiceError(
      await cli.kms(['describe-custom-key-stores', '--custom-key-store-id', String(empty.CustomKeyStoreId)]),
      'CustomKeyStoreNotFoundException',
    );
  });

  test('list-aliases shows alias/aws/s3; describe-key creates its AWS managed key; disable-key is denied', async () => {
    const before = (await cli.json(['list-aliases'])) as {
      Aliases: { AliasName: string; TargetKeyId?: string }[];
    };
    const s3 = before.Aliases.find((a) => a.AliasName === 'alias/aws/s3');
    assert.ok(s3 && s3.TargetKeyId === undefined, JSON.stringify(s3));
    const { KeyMetadata } = (await cli.json(['describe-key', '--key-id', 'alias/aws/s3'])) as {
      KeyMetadata: { KeyManager: string; KeyId: string };
    };
    assert.equal(KeyMetadata.KeyManager, 'AWS');
    const after = (await cli.json(['list-aliases', '--key-id', KeyMetadata.KeyId])) as {
      Aliases: { AliasName: string; TargetKeyId?: string }[];
    };
    assert.deepEqual(
      after.Aliases.map((a) => [a.AliasName, a.TargetKeyId]),
      [['alias/aws/s3', KeyMetadata.KeyId]],
    );
    assertServiceError(
      await cli.kms(['disable-key', '--key-id', KeyMetadata.KeyId]),
      'AccessDeniedException',
    );
  });
});

describe('grants and custom key stores through @aws-sdk/client-kms and its paginators', () => {
  const suite = kmslabForSuite();

  test('paginateListGrants and paginateListRetirableGrants walk every page; RetireGrant and RevokeGrant', async () => {
    const { KeyMetadata } = await suite.kms.send(new CreateKeyCommand({}));
    const KeyId = KeyMetadata?.KeyId ?? '';
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { GrantId } = await suite.kms.send(
        new CreateGrantCommand({
          KeyId,
          GranteePrincipal: GRANTEE,
          RetiringPrincipal: RETIRING,
          Operations: ['Decrypt'],
        }),
      );
      made.push(GrantId ?? '');
    }
    const pages: number[] = [];
    const listed: string[] = [];
    for await (const page of paginateListGrants({ client: suite.kms, pageSize: 2 }, { KeyId })) {
      pages.push(page.Grants?.length ?? 0);
      listed.push(...(page.Grants ?? []).map((g) => g.GrantId ?? ''));
    }
    assert.deepEqual(pages, [2, 2, 1]);
    assert.deepEqual(listed, made);
    const retirable: string[] = [];
    for await (const page of paginateListRetirableGrants(
      { client: suite.kms, pageSize: 3 },
      { RetiringPrincipal: RETIRING },
    ))
      retirable.push(...(page.Grants ?? []).map((g) => g.GrantId ?? ''));
    assert.deepEqual(retirable, made);
    await suite.kms.send(new RetireGrantCommand({ KeyId, GrantId: made[0] }));
    await suite.kms.send(new RevokeGrantCommand({ KeyId, GrantId: made[1] }));
    const left: string[] = [];
    for await (const page of paginateListGrants({ client: suite.kms, pageSize: 2 }, { KeyId }))
      left.push(...(page.Grants ?? []).map((g) => g.GrantId ?? ''));
    assert.deepEqual(left, made.slice(2));
  });

  test('paginateDescribeCustomKeyStores; a key and GenerateRandom in a connected store; the store deleted once empty', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { CustomKeyStoreId } = await suite.kms.send(
        new CreateCustomKeyStoreCommand({
          CustomKeyStoreName: `sdk-store-${i}`,
          CloudHsmClusterId: `cluster-${'abc'.slice(i)}defghijk234`,
          TrustAnchorCertificate: TRUST_ANCHOR,
          KeyStorePassword: 'kmsuser-password',
        }),
      );
      ids.push(CustomKeyStoreId ?? '');
    }
    const listed: string[] = [];
    for await (const page of paginateDescribeCustomKeyStores({ client: suite.kms, pageSize: 2 }, {}))
      listed.push(...(page.CustomKeyStores ?? []).map((s) => s.CustomKeyStoreId ?? ''));
    assert.deepEqual(listed, ids);
    const [id = ''] = ids;
    await suite.kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    await delay(SETTLE_MS);
    const { KeyMetadata } = await suite.kms.send(
      new CreateKeyCommand({ CustomKeyStoreId: id, Origin: 'AWS_CLOUDHSM' }),
    );
    const described = await suite.kms.send(new DescribeKeyCommand({ KeyId: KeyMetadata?.KeyId }));
    assert.equal(described.KeyMetadata?.CustomKeyStoreId, id);
    const random = await suite.kms.send(
      new GenerateRandomCommand({ NumberOfBytes: 32, CustomKeyStoreId: id }),
    );
    assert.equal(random.Plaintext?.length, 32);
    await suite.kms.send(
      new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: id, NewCustomKeyStoreName: 'sdk-renamed' }),
    );
    await suite.kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
    await suite.kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: ids[2] }));
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CreateGrantCommand,
  type CreateGrantCommandInput,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  ListGrantsCommand,
  ListRetirableGrantsCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { kmslabForSuite } from '../helpers/kmslab.ts';
import { bytes, createKey, DAY_MS, rejects } from './support.ts';

/**
 * Grants through the AWS SDK: CreateGrant's rules, name-based retries, grant tokens that work at once, ListGrants'
 * filters and pages, ListRetirableGrants, RetireGrant by token or by key and grant ID, RevokeGrant, and grants
 * that go with their key.
 */

const ACCOUNT = '111122223333';
const USER = `arn:aws:iam::${ACCOUNT}:user/app`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/retirer`;
const GRANT_ID = /^[0-9a-f]{64}$/;

describe('grants', () => {
  const suite = kmslabForSuite();

  async function grant(input: Partial<CreateGrantCommandInput> & { KeyId: string }) {
    const created = await suite.kms.send(
      new CreateGrantCommand({ GranteePrincipal: USER, Operations: ['Decrypt'], ...input }),
    );
    assert.match(created.GrantId ?? '', GRANT_ID);
    assert.ok(created.GrantToken);
    return { grantId: created.GrantId ?? '', token: created.GrantToken ?? '' };
  }

  test('CreateGrant answers a grant ID and token; ListGrants shows the grant as AWS lists it', async () => {
    const keyId = await createKey(suite.kms);
    const { KeyMetadata } = await suite.kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    const { grantId } = await grant({
      KeyId: KeyMetadata?.Arn ?? '',
      RetiringPrincipal: ROLE,
      Operations: ['Encrypt', 'Decrypt', 'DescribeKey'],
      Constraints: { EncryptionContextSubset: { Department: 'IT' } },
    });
    const { Grants, Truncated } = await suite.kms.send(new ListGrantsCommand({ KeyId: keyId }));
    assert.equal(Truncated, false);
    assert.equal(Grants?.length, 1);
    const [listed] = Grants ?? [];
    assert.ok(listed?.CreationDate instanceof Date);
    assert.deepEqual(
      { ...listed, CreationDate: undefined },
      {
        KeyId: KeyMetadata?.Arn,
        GrantId: grantId,
        Name: '',
        CreationDate: undefined,
        GranteePrincipal: USER,
        RetiringPrincipal: ROLE,
        IssuingAccount: `arn:aws:iam::${ACCOUNT}:root`,
        Operations: ['Encrypt', 'Decrypt', 'DescribeKey'],
        Constraints: { EncryptionContextSubset: { Department: 'IT' } },
      },
    );
  });

  test("CreateGrant refuses what AWS refuses: operations the key's kind lacks, CreateGrant alone, two constraints, too many pairs, bad principals, aliases", async () => {
    const KeyId = await createKey(suite.kms);
    const create = (input: Partial<CreateGrantCommandInput>) =>
      suite.kms.send(
        new CreateGrantCommand({ KeyId, GranteePrincipal: USER, Operations: ['Decrypt'], ...input }),
      );
    await rejects(create({ Operations: ['Sign'] }), 'ValidationException', /Sign/);
    await rejects(
      create({ Operations: ['CreateGrant'] }),
      'ValidationException',
      'Grants must not contain only the CreateGrant operation.',
    );
    await rejects(
      create({ Constraints: { EncryptionContextSubset: { a: 'b' }, EncryptionContextEquals: { c: 'd' } } }),
      'ValidationException',
      'More than one constraint supplied',
    );
    const nine = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, 'v']));
    await rejects(create({ Constraints: { EncryptionContextEquals: nine } }), 'ValidationException');
    await rejects(create({ GranteePrincipal: 'not-a-principal' }), 'InvalidArnException');
    await rejects(create({ RetiringPrincipal: 'arn:aws:s3:::bucket' }), 'InvalidArnException');
    await rejects(create({ KeyId: 'alias/none' }), 'InvalidArnException');
    await rejects(create({ DryRun: true }), 'DryRunOperationException');
    assert.deepEqual(
      (await suite.kms.send(new ListGrantsCommand({ KeyId }))).Grants,
      [],
      'nothing was created',
    );
    // A service principal is a grantee too.
    await grant({ KeyId, GranteePrincipal: 'dynamodb.us-east-1.amazonaws.com' });
  });

  test('a named CreateGrant retried with the same fields answers the same grant; other fields make a new one', async () => {
    const KeyId = await createKey(suite.kms);
    const first = await grant({ KeyId, Name: 'retry-me', Operations: ['Encrypt', 'Decrypt'] });
    const again = await grant({ KeyId, Name: 'retry-me', Operations: ['Decrypt', 'Encrypt'] });
    assert.equal(again.grantId, first.grantId);
    assert.notEqual(again.token, first.token, 'each answer has a token of its own');
    const other = await grant({ KeyId, Name: 'retry-me', Operations: ['Encrypt'] });
    assert.notEqual(other.grantId, first.grantId);
    const { Grants } = await suite.kms.send(new ListGrantsCommand({ KeyId }));
    assert.deepEqual(
      Grants?.map((g) => [g.Name, g.GrantId]),
      [
        ['retry-me', first.grantId],
        ['retry-me', other.grantId],
      ],
    );
  });

  test('a grant token works at once in every operation that takes one; anything else is InvalidGrantTokenException', async () => {
    const KeyId = await createKey(suite.kms);
    const { token } = await grant({ KeyId, Operations: ['Encrypt', 'GenerateDataKey', 'DescribeKey'] });
    const encrypted = await suite.kms.send(
      new EncryptCommand({ KeyId, Plaintext: bytes('x'), GrantTokens: [token] }),
    );
    assert.ok(encrypted.CiphertextBlob);
    await suite.kms.send(
      new GenerateDataKeyCommand({ KeyId, NumberOfBytes: 16, GrantTokens: [token, token] }),
    );
    await suite.kms.send(new DescribeKeyCommand({ KeyId, GrantTokens: [token] }));
    await suite.kms.send(
      new CreateGrantCommand({
        KeyId,
        GranteePrincipal: USER,
        Operations: ['Decrypt'],
        GrantTokens: [token],
      }),
    );
    const forged = Buffer.from(token, 'base64');
    forged[forged.length - 1] = (forged[forged.length - 1] ?? 0) ^ 1;
    for (const bad of ['not a token', forged.toString('base64')])
      await rejects(
        suite.kms.send(new EncryptCommand({ KeyId, Plaintext: bytes('x'), GrantTokens: [token, bad] })),
        'InvalidGrantTokenException',
      );
  });

  test('a grant made with a token that allows CreateGrant stays within its parent', async () => {
    const KeyId = await createKey(suite.kms);
    const parent = await grant({
      KeyId,
      GranteePrincipal: `arn:aws:iam::${ACCOUNT}:root`,
      Operations: ['Decrypt', 'CreateGrant'],
      Constraints: { EncryptionContextSubset: { tenant: 'a' } },
    });
    const child = (Operations: CreateGrantCommandInput['Operations'], Constraints = {}) =>
      suite.kms.send(
        new CreateGrantCommand({
          KeyId,
          GranteePrincipal: USER,
          Operations,
          Constraints,
          GrantTokens: [parent.token],
        }),
      );
    await rejects(child(['Encrypt'], { EncryptionContextSubset: { tenant: 'a' } }), 'AccessDeniedException');
    await rejects(child(['Decrypt']), 'AccessDeniedException');
    await child(['Decrypt'], { EncryptionContextEquals: { tenant: 'a' } });
  });

  test('ListGrants filters by grant ID and grantee, pages with Limit and Marker, and checks grant IDs', async () => {
    const KeyId = await createKey(suite.kms);
    const made: string[] = [];
    for (let i = 0; i < 5; i++)
      made.push((await grant({ KeyId, GranteePrincipal: i % 2 === 0 ? USER : ROLE })).grantId);
    const pages: string[][] = [];
    let Marker: string | undefined;
    do {
      const page = await suite.kms.send(new ListGrantsCommand({ KeyId, Limit: 2, Marker }));
      assert.equal(page.Truncated, page.NextMarker !== undefined);
      pages.push((page.Grants ?? []).map((g) => g.GrantId ?? ''));
      Marker = page.NextMarker;
    } while (Marker);
    assert.deepEqual(pages, [made.slice(0, 2), made.slice(2, 4), made.slice(4)]);
    const byGrantee = await suite.kms.send(new ListGrantsCommand({ KeyId, GranteePrincipal: ROLE }));
    assert.deepEqual(
      byGrantee.Grants?.map((g) => g.GrantId),
      [made[1], made[3]],
    );
    const byId = await suite.kms.send(new ListGrantsCommand({ KeyId, GrantId: made[2] }));
    assert.deepEqual(
      byId.Grants?.map((g) => g.GrantId),
      [made[2]],
    );
    await rejects(
      suite.kms.send(new ListGrantsCommand({ KeyId, GrantId: 'nope' })),
      'InvalidGrantIdException',
    );
    await rejects(
      suite.kms.send(new ListGrantsCommand({ KeyId, Marker: 'bogus' })),
      'InvalidMarkerException',
    );
    // The model lets Limit go to 1000; a page holds 100 grants at most, as ListGrants documents.
    assert.equal((await suite.kms.send(new ListGrantsCommand({ KeyId, Limit: 1000 }))).Grants?.length, 5);
  });

  test('ListRetirableGrants lists the grants of a retiring principal across keys', async () => {
    const retiring = `arn:aws:iam::${ACCOUNT}:role/list-retirable`;
    const a = await createKey(suite.kms);
    const b = await createKey(suite.kms);
    const first = await grant({ KeyId: a, RetiringPrincipal: retiring });
    await grant({ KeyId: a });
    const second = await grant({ KeyId: b, RetiringPrincipal: retiring });
    const { Grants } = await suite.kms.send(new ListRetirableGrantsCommand({ RetiringPrincipal: retiring }));
    assert.deepEqual(
      Grants?.map((g) => [g.GrantId, g.KeyId?.endsWith(g.GrantId === first.grantId ? a : b)]),
      [
        [first.grantId, true],
        [second.grantId, true],
      ],
    );
    await rejects(
      suite.kms.send(new ListRetirableGrantsCommand({ RetiringPrincipal: 'nobody' })),
      'InvalidArnException',
    );
  });

  test('RetireGrant by token or by key and grant ID; RevokeGrant; a grant that is gone is NotFoundException', async () => {
    const KeyId = await createKey(suite.kms);
    const byToken = await grant({ KeyId, RetiringPrincipal: ROLE });
    const byId = await grant({ KeyId });
    const revoked = await grant({ KeyId });
    await suite.kms.send(new RetireGrantCommand({ GrantToken: byToken.token }));
    await suite.kms.send(new RetireGrantCommand({ KeyId, GrantId: byId.grantId }));
    await rejects(
      suite.kms.send(new RevokeGrantCommand({ KeyId, GrantId: revoked.grantId, DryRun: true })),
      'DryRunOperationException',
    );
    await suite.kms.send(new RevokeGrantCommand({ KeyId, GrantId: revoked.grantId }));
    assert.deepEqual((await suite.kms.send(new ListGrantsCommand({ KeyId }))).Grants, []);
    await rejects(suite.kms.send(new RetireGrantCommand({ GrantToken: byToken.token })), 'NotFoundException');
    await rejects(
      suite.kms.send(new RevokeGrantCommand({ KeyId, GrantId: revoked.grantId })),
      'NotFoundException',
    );
    await rejects(suite.kms.send(new RevokeGrantCommand({ KeyId, GrantId: 'x' })), 'InvalidGrantIdException');
    await rejects(suite.kms.send(new RetireGrantCommand({ KeyId })), 'ValidationException');
    await rejects(
      suite.kms.send(new RetireGrantCommand({ GrantToken: 'garbage' })),
      'InvalidGrantTokenException',
    );
  });

  test('grants go with their key when its deletion comes', async () => {
    const KeyId = await createKey(suite.kms);
    const retiring = `arn:aws:iam::${ACCOUNT}:role/deleted-key`;
    await grant({ KeyId, RetiringPrincipal: retiring });
    await suite.kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
    // A key pending deletion still lists its grants, and takes no new ones.
    assert.equal((await suite.kms.send(new ListGrantsCommand({ KeyId }))).Grants?.length, 1);
    await rejects(grant({ KeyId }), 'KMSInvalidStateException');
    await suite.server.service.runDueWork(new Date(Date.now() + 8 * DAY_MS));
    await rejects(suite.kms.send(new ListGrantsCommand({ KeyId })), 'NotFoundException');
    const { Grants } = await suite.kms.send(new ListRetirableGrantsCommand({ RetiringPrincipal: retiring }));
    assert.deepEqual(Grants, []);
  });
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { SHAPES } from '../../../src/protocol/constraints.ts';
import type { CreateGrantRequest, GrantOperation } from '../../../src/protocol/index.ts';
import { deriveSecret } from '../../../src/server/crypto/tokens.ts';
import { checkChildGrant, grantAllows, satisfiesConstraints } from '../../../src/server/grants/authorize.ts';
import {
  checkGrantLimit,
  checkGrantRequest,
  checkRetire,
  findRetriedGrant,
  type GrantRecord,
  grantListEntry,
  grantOperationsOf,
  MAX_GRANTS_PER_KEY,
  newGrant,
  retireTarget,
} from '../../../src/server/grants/grant.ts';
import { grantOfToken, grantsOfTokens, grantToken } from '../../../src/server/grants/token.ts';
import { KEY_KINDS } from '../../../src/server/keys/kinds.ts';
import { keyOf, thrown } from './keys.ts';

const ACCOUNT = '111122223333';
const USER = `arn:aws:iam::${ACCOUNT}:user/exampleUser`;
const ADMIN_ROLE = `arn:aws:iam::${ACCOUNT}:role/adminRole`;
const symmetric = keyOf();
const signing = keyOf({ keySpec: 'RSA_2048', keyUsage: 'SIGN_VERIFY' });

function request(fields: Partial<CreateGrantRequest> = {}): CreateGrantRequest {
  return { KeyId: symmetric.record.keyId, GranteePrincipal: USER, Operations: ['Decrypt'], ...fields };
}

function grant(fields: Partial<CreateGrantRequest> = {}, key = symmetric): GrantRecord {
  return newGrant(checkGrantRequest(request(fields), key), key, ACCOUNT, new Date(1.7e12));
}

describe('grant operations by key kind', () => {
  const enumValues = (SHAPES.GrantOperation as { values: readonly string[] }).values;

  test("every kind's grant operations are values of the model's GrantOperation enum, with the key operations", () => {
    for (const kind of Object.values(KEY_KINDS)) {
      for (const keyUsage of Object.keys(kind.usages) as (keyof typeof kind.usages)[]) {
        const operations = grantOperationsOf(keyOf({ keySpec: kind.keySpec, keyUsage }));
        for (const operation of operations)
          assert.ok(enumValues.includes(operation), `${kind.keySpec} ${operation}`);
        for (const operation of ['DescribeKey', 'CreateGrant', 'RetireGrant'] as const)
          assert.ok(operations.includes(operation), `${kind.keySpec} ${keyUsage} ${operation}`);
      }
    }
  });

  test('a symmetric key grants data keys and both halves of ReEncrypt, not Sign; a signing key the reverse', () => {
    const ofSymmetric = grantOperationsOf(symmetric);
    for (const operation of [
      'GenerateDataKey',
      'ReEncryptFrom',
      'ReEncryptTo',
      'GenerateDataKeyPair',
    ] as const)
      assert.ok(ofSymmetric.includes(operation), operation);
    for (const operation of ['Sign', 'GetPublicKey', 'GenerateMac'] as const)
      assert.ok(!ofSymmetric.includes(operation), operation);
    assert.deepEqual(
      grantOperationsOf(signing).sort(),
      ['CreateGrant', 'DescribeKey', 'GetPublicKey', 'RetireGrant', 'Sign', 'Verify'].sort(),
    );
    const agreement = grantOperationsOf(keyOf({ keySpec: 'ECC_NIST_P256', keyUsage: 'KEY_AGREEMENT' }));
    assert.ok(agreement.includes('DeriveSharedSecret') && !agreement.includes('Sign'));
    const mac = grantOperationsOf(keyOf({ keySpec: 'HMAC_256', keyUsage: 'GENERATE_VERIFY_MAC' }));
    assert.ok(mac.includes('GenerateMac') && mac.includes('VerifyMac') && !mac.includes('Encrypt'));
  });
});

describe('CreateGrant rules', () => {
  test('an operation the key cannot do is a ValidationException naming it', () => {
    const error = thrown(() => checkGrantRequest(request({ Operations: ['Decrypt', 'Sign'] }), symmetric));
    assert.equal(error?.type, 'ValidationException');
    assert.match(error?.message ?? '', /Sign/);
    assert.doesNotMatch(error?.message ?? '', /Decrypt/);
    assert.equal(
      thrown(() => checkGrantRequest(request({ Operations: ['GenerateDataKey'] }), signing))?.type,
      'ValidationException',
    );
  });

  test("CreateGrant alone is refused in AWS's reported words; with another operation it is allowed", () => {
    const error = thrown(() => checkGrantRequest(request({ Operations: ['CreateGrant'] }), symmetric));
    assert.deepEqual(
      [error?.type, error?.message],
      ['ValidationException', 'Grants must not contain only the CreateGrant operation.'],
    );
    assert.equal(
      thrown(() => checkGrantRequest(request({ Operations: ['CreateGrant', 'Decrypt'] }), symmetric)),
      undefined,
    );
    assert.equal(
      thrown(() => checkGrantRequest(request({ Operations: [] }), symmetric))?.type,
      'ValidationException',
    );
  });

  test('duplicate operations are kept once', () => {
    assert.deepEqual(
      checkGrantRequest(request({ Operations: ['Decrypt', 'Decrypt', 'Encrypt'] }), symmetric).operations,
      ['Decrypt', 'Encrypt'],
    );
  });

  test('both constraints at once: "More than one constraint supplied"', () => {
    const error = thrown(() =>
      checkGrantRequest(
        request({
          Constraints: { EncryptionContextEquals: { a: 'b' }, EncryptionContextSubset: { c: 'd' } },
        }),
        symmetric,
      ),
    );
    assert.deepEqual(
      [error?.type, error?.message],
      ['ValidationException', 'More than one constraint supplied'],
    );
  });

  test('constraints only with operations that take an encryption context, on a symmetric encryption key', () => {
    const constraints = { EncryptionContextSubset: { Department: 'IT' } };
    const accepted = checkGrantRequest(
      request({
        Operations: ['Decrypt', 'DescribeKey', 'RetireGrant', 'CreateGrant'],
        Constraints: constraints,
      }),
      symmetric,
    );
    assert.deepEqual(accepted.constraints, constraints);
    assert.equal(
      thrown(() => checkGrantRequest(request({ Operations: ['Sign'], Constraints: constraints }), signing))
        ?.type,
      'ValidationException',
    );
    const rsaEncryption = keyOf({ keySpec: 'RSA_2048', keyUsage: 'ENCRYPT_DECRYPT' });
    assert.equal(
      thrown(() =>
        checkGrantRequest(request({ Operations: ['Decrypt'], Constraints: constraints }), rsaEncryption),
      )?.type,
      'ValidationException',
    );
  });

  test('an empty constraint map constrains nothing', () => {
    assert.equal(
      checkGrantRequest(request({ Constraints: { EncryptionContextSubset: {} } }), symmetric).constraints,
      undefined,
    );
  });

  test('the documented limits: 8 pairs and 384 characters per constraint', () => {
    const pairs = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
    assert.equal(
      thrown(() =>
        checkGrantRequest(request({ Constraints: { EncryptionContextSubset: pairs(8) } }), symmetric),
      ),
      undefined,
    );
    assert.equal(
      thrown(() =>
        checkGrantRequest(request({ Constraints: { EncryptionContextSubset: pairs(9) } }), symmetric),
      )?.type,
      'ValidationException',
    );
    const long = (n: number) => ({ EncryptionContextEquals: { k: 'v'.repeat(n - 1) } });
    assert.equal(
      thrown(() => checkGrantRequest(request({ Constraints: long(384) }), symmetric)),
      undefined,
    );
    assert.equal(
      thrown(() => checkGrantRequest(request({ Constraints: long(385) }), symmetric))?.type,
      'ValidationException',
    );
  });

  test('principals: IAM and STS ARNs and service principals are taken; anything else is InvalidArnException', () => {
    for (const principal of [
      USER,
      ADMIN_ROLE,
      `arn:aws:iam::${ACCOUNT}:root`,
      `arn:aws:iam::${ACCOUNT}:role/service-role/path/Worker`,
      `arn:aws:sts::${ACCOUNT}:assumed-role/adminRole/session-1`,
      `arn:aws-us-gov:iam::${ACCOUNT}:user/x`,
      'dynamodb.us-west-2.amazonaws.com',
    ])
      assert.equal(
        thrown(() => checkGrantRequest(request({ GranteePrincipal: principal }), symmetric)),
        undefined,
        principal,
      );
    for (const principal of [
      'exampleUser',
      ACCOUNT,
      `arn:aws:s3:::bucket`,
      `arn:aws:iam::${ACCOUNT}:group/admins`,
    ]) {
      const error = thrown(() => checkGrantRequest(request({ GranteePrincipal: principal }), symmetric));
      assert.equal(error?.type, 'InvalidArnException', principal);
      assert.match(error?.message ?? '', /GranteePrincipal/);
    }
    assert.equal(
      thrown(() => checkGrantRequest(request({ RetiringPrincipal: 'nobody' }), symmetric))?.type,
      'InvalidArnException',
    );
  });

  test('the quota of grants per key', () => {
    assert.equal(
      thrown(() => checkGrantLimit(MAX_GRANTS_PER_KEY - 1, symmetric.arn)),
      undefined,
    );
    assert.equal(
      thrown(() => checkGrantLimit(MAX_GRANTS_PER_KEY, symmetric.arn))?.type,
      'LimitExceededException',
    );
  });
});

describe('grant records and listings', () => {
  test('a new grant has a 64-hex ID, the key ARN and the issuing account root; IDs differ', () => {
    const a = grant({ Name: 'n', RetiringPrincipal: ADMIN_ROLE });
    assert.match(a.grantId, /^[0-9a-f]{64}$/);
    assert.notEqual(a.grantId, grant().grantId);
    assert.deepEqual(grantListEntry(a), {
      KeyId: symmetric.arn,
      GrantId: a.grantId,
      Name: 'n',
      CreationDate: 1.7e9,
      GranteePrincipal: USER,
      RetiringPrincipal: ADMIN_ROLE,
      IssuingAccount: `arn:aws:iam::${ACCOUNT}:root`,
      Operations: ['Decrypt'],
      Constraints: undefined,
    });
    assert.equal(grantListEntry(grant()).Name, '', 'AWS lists an unnamed grant with an empty Name');
  });

  test('a named retry with the same fields finds the grant; other fields or no name make a new one', () => {
    const original = grant({
      Name: 'retry',
      Operations: ['Decrypt', 'Encrypt'],
      Constraints: { EncryptionContextSubset: { a: 'b' } },
    });
    const again = (fields: Partial<CreateGrantRequest>) =>
      findRetriedGrant(
        [original],
        checkGrantRequest(
          request({
            Name: 'retry',
            Operations: ['Encrypt', 'Decrypt'],
            Constraints: { EncryptionContextSubset: { a: 'b' } },
            ...fields,
          }),
          symmetric,
        ),
      );
    assert.equal(again({}), original);
    assert.equal(again({ Operations: ['Decrypt'] }), undefined);
    assert.equal(again({ Constraints: { EncryptionContextSubset: { a: 'c' } } }), undefined);
    assert.equal(again({ Constraints: undefined }), undefined);
    assert.equal(again({ RetiringPrincipal: ADMIN_ROLE }), undefined);
    assert.equal(again({ Name: 'other' }), undefined);
    const unnamed = grant();
    assert.equal(findRetriedGrant([unnamed], checkGrantRequest(request(), symmetric)), undefined);
  });
});

describe('who may retire a grant', () => {
  const other = { arn: 'arn:aws:iam::444455556666:user/stranger', accountId: '444455556666' };
  const crossAccount = (fields: Partial<CreateGrantRequest>) =>
    newGrant(checkGrantRequest(request(fields), symmetric), symmetric, '999988887777', new Date());

  test('the retiring principal, also through a session of its role', () => {
    const g = crossAccount({ RetiringPrincipal: ADMIN_ROLE });
    assert.equal(
      thrown(() => checkRetire(g, { arn: ADMIN_ROLE, accountId: ACCOUNT })),
      undefined,
    );
    assert.equal(
      thrown(() =>
        checkRetire(g, { arn: `arn:aws:sts::${ACCOUNT}:assumed-role/adminRole/s`, accountId: ACCOUNT }),
      ),
      undefined,
    );
  });

  test('the grantee only when the grant allows RetireGrant', () => {
    const caller = { arn: USER, accountId: ACCOUNT };
    assert.equal(thrown(() => checkRetire(crossAccount({}), caller))?.type, 'AccessDeniedException');
    assert.equal(
      thrown(() => checkRetire(crossAccount({ Operations: ['Decrypt', 'RetireGrant'] }), caller)),
      undefined,
    );
  });

  test('the issuing account; anyone else is AccessDeniedException naming the action and key', () => {
    assert.equal(
      thrown(() => checkRetire(grant(), { arn: `arn:aws:iam::${ACCOUNT}:user/admin`, accountId: ACCOUNT })),
      undefined,
    );
    const error = thrown(() => checkRetire(grant(), other));
    assert.equal(error?.type, 'AccessDeniedException');
    assert.equal(
      error?.message,
      `User: ${other.arn} is not authorized to perform: kms:RetireGrant on resource: ${symmetric.arn} because no resource-based policy allows the kms:RetireGrant action`,
    );
  });

  test('RetireGrant names its grant by token, or by key and grant ID', () => {
    assert.deepEqual(retireTarget({ GrantToken: 't', KeyId: 'k' }), { grantToken: 't' });
    const grantId = 'ab'.repeat(32);
    assert.deepEqual(retireTarget({ KeyId: 'k', GrantId: grantId }), { keyId: 'k', grantId });
    assert.equal(thrown(() => retireTarget({ KeyId: 'k' }))?.type, 'ValidationException');
    assert.equal(thrown(() => retireTarget({ KeyId: 'k', GrantId: 'x' }))?.type, 'InvalidGrantIdException');
  });
});

describe('whether a grant allows a request', () => {
  const caller = { arn: USER, accountId: ACCOUNT };
  const allows = (g: GrantRecord, operation: GrantOperation, encryptionContext?: Record<string, string>) =>
    grantAllows(g, { caller, keyArn: symmetric.arn, operation, encryptionContext });

  test("EncryptionContextSubset: the developer guide's examples", () => {
    const g = grant({
      Operations: ['GenerateDataKey', 'Decrypt'],
      Constraints: { EncryptionContextSubset: { Department: 'Finance', Classification: 'Public' } },
    });
    for (const context of <Record<string, string>[]>[
      { Department: 'Finance', Classification: 'Public' },
      { Classification: 'Public', Department: 'Finance' },
      { Customer: '12345', Department: 'Finance', Classification: 'Public', Purpose: 'Test' },
      { department: 'Finance', classification: 'Public' },
    ])
      assert.equal(allows(g, 'Decrypt', context), true, JSON.stringify(context));
    for (const context of <(Record<string, string> | undefined)[]>[
      { Department: 'Finance' },
      { department: 'finance', classification: 'public' },
      { Classification: 'Public', Customer: '12345' },
      undefined,
    ])
      assert.equal(allows(g, 'Decrypt', context), false, JSON.stringify(context));
  });

  test('EncryptionContextEquals: the same pairs and no others; DescribeKey is not constrained', () => {
    const g = grant({
      Operations: ['Decrypt', 'DescribeKey'],
      Constraints: { EncryptionContextEquals: { Department: 'IT' } },
    });
    assert.equal(allows(g, 'Decrypt', { Department: 'IT' }), true);
    assert.equal(allows(g, 'Decrypt', { DEPARTMENT: 'IT' }), true);
    assert.equal(allows(g, 'Decrypt', { Department: 'IT', Purpose: 'Test' }), false);
    assert.equal(allows(g, 'Decrypt', {}), false);
    assert.equal(allows(g, 'DescribeKey'), true);
  });

  test('only for its operations, its key and its grantee', () => {
    const g = grant({ Operations: ['Decrypt'] });
    assert.equal(allows(g, 'Decrypt'), true);
    assert.equal(allows(g, 'Encrypt'), false);
    assert.equal(grantAllows(g, { caller, keyArn: `${symmetric.arn}0`, operation: 'Decrypt' }), false);
    assert.equal(
      grantAllows(g, {
        caller: { arn: ADMIN_ROLE, accountId: ACCOUNT },
        keyArn: symmetric.arn,
        operation: 'Decrypt',
      }),
      false,
    );
  });

  test('a constraint without pairs never restricts', () => {
    assert.equal(satisfiesConstraints(undefined, { any: 'thing' }), true);
  });

  test('a grant made from a parent grant: a subset of its operations, constraints at least as strict', () => {
    const parent = grant({
      Operations: ['GenerateDataKey', 'Decrypt', 'CreateGrant'],
      Constraints: { EncryptionContextSubset: { Department: 'IT' } },
    });
    const child = (fields: Partial<CreateGrantRequest>) => () =>
      checkChildGrant(
        parent,
        checkGrantRequest(request({ Operations: ['CreateGrant', 'Decrypt'], ...fields }), symmetric),
      );
    assert.equal(
      thrown(child({ Constraints: { EncryptionContextEquals: { Department: 'IT' } } })),
      undefined,
    );
    assert.equal(
      thrown(child({ Constraints: { EncryptionContextSubset: { Department: 'IT', Team: 'a' } } })),
      undefined,
    );
    assert.equal(thrown(child({ Constraints: undefined }))?.type, 'AccessDeniedException');
    assert.equal(
      thrown(child({ Constraints: { EncryptionContextSubset: { Team: 'a' } } }))?.type,
      'AccessDeniedException',
    );
    assert.equal(
      thrown(
        child({
          Operations: ['ReEncryptFrom'],
          Constraints: { EncryptionContextSubset: { Department: 'IT' } },
        }),
      )?.type,
      'AccessDeniedException',
    );
    const equalsParent = grant({
      Operations: ['Decrypt', 'CreateGrant'],
      Constraints: { EncryptionContextEquals: { Department: 'IT' } },
    });
    assert.throws(() =>
      checkChildGrant(
        equalsParent,
        checkGrantRequest(
          request({ Constraints: { EncryptionContextSubset: { Department: 'IT' } } }),
          symmetric,
        ),
      ),
    );
  });
});

describe('grant tokens', () => {
  const secret = deriveSecret(randomBytes(32), 'grant token');

  test('a token opens to its grant at once; every token is different; all open to the same grant', () => {
    const g = grant({ Name: 'n', Constraints: { EncryptionContextSubset: { a: 'b' } } });
    const first = grantToken(secret, g);
    const second = grantToken(secret, g);
    assert.notEqual(first, second);
    assert.deepEqual(grantOfToken(secret, first), g);
    assert.deepEqual(grantsOfTokens(secret, [first, second]), [g, g]);
    assert.deepEqual(grantsOfTokens(secret, undefined), []);
  });

  test('the token reveals nothing of the grant in clear', () => {
    const g = grant({ Name: 'secret-name' });
    const raw = Buffer.from(grantToken(secret, g), 'base64').toString('latin1');
    for (const visible of ['secret-name', g.grantId, 'exampleUser', 'Decrypt'])
      assert.ok(!raw.includes(visible), visible);
  });

  test('a changed, foreign or malformed token is InvalidGrantTokenException', () => {
    const token = Buffer.from(grantToken(secret, grant()), 'base64');
    token[token.length >> 1] = (token[token.length >> 1] ?? 0) ^ 1;
    const foreign = grantToken(deriveSecret(randomBytes(32), 'grant token'), grant());
    const otherPurpose = grantToken(deriveSecret(randomBytes(32), 'import token'), grant());
    for (const bad of [token.toString('base64'), foreign, otherPurpose, 'not base64!', '', 'AAAA'])
      assert.equal(thrown(() => grantOfToken(secret, bad))?.type, 'InvalidGrantTokenException', bad);
  });

  test("the largest grant makes a token within the model's 8192 characters", () => {
    const pairs = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`k${i}`, 'v'.repeat(44)]));
    const operations = grantOperationsOf(symmetric);
    const largest = grant({
      Name: 'n'.repeat(256),
      GranteePrincipal: `arn:aws:iam::${ACCOUNT}:role/${'r'.repeat(220)}`,
      RetiringPrincipal: `arn:aws:iam::${ACCOUNT}:role/${'s'.repeat(220)}`,
      Operations: operations,
      Constraints: { EncryptionContextSubset: pairs },
    });
    assert.ok(grantToken(secret, largest).length <= 8192);
  });
});

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: policy variables are written as policies write them
/**
 * The policy language: what KMS and IAM refuse (with their messages), and what each element means: Principal
 * and NotPrincipal in their every form, Action/NotAction and Resource/NotResource with wildcards, Statement as
 * an object or a list, statements without Action or Resource.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  authorize,
  compileIdentityPolicy,
  compileKeyPolicy,
  createPrincipal,
  KEY_POLICY_MAX_LENGTH,
  type KeyPolicyOptions,
  type Principal,
} from '../../../src/server/access/index.ts';
import { defaultKeyPolicy } from '../../../src/server/keys/policy.ts';
import {
  ACCOUNT,
  decide,
  identityPolicy,
  KEY_ARN,
  keyPolicy,
  OTHER_ACCOUNT,
  root,
  type Statement,
  session,
  user,
} from './support.ts';

const allow = (extra: Statement): Statement => ({
  Effect: 'Allow',
  Principal: '*',
  Action: 'kms:Decrypt',
  Resource: '*',
  ...extra,
});
const doc = (statement: unknown, top: Record<string, unknown> = { Version: '2012-10-17' }) =>
  JSON.stringify({ ...top, Statement: statement });

function refuses(compile: () => unknown, type: string, message: string): void {
  assert.throws(compile, (error: unknown) => {
    assert.equal((error as { type?: string }).type, type);
    assert.equal((error as Error).message, message);
    return true;
  });
}

describe('key policies KMS refuses', () => {
  const malformed = 'MalformedPolicyDocumentException';
  const cases: [string, string, string, KeyPolicyOptions?][] = [
    ['not JSON', '{"Statement": [', 'The key policy is not a valid JSON document.'],
    ['a JSON array', '[]', 'The key policy is not a valid JSON document.'],
    ['no Statement', '{"Version": "2012-10-17"}', 'The key policy must contain at least one Statement.'],
    ['an empty Statement list', doc([]), 'The key policy must contain at least one Statement.'],
    [
      'a misspelt top element',
      JSON.stringify({ Statements: [] }),
      'The policy has an unknown element "Statements".',
    ],
    [
      'an unknown Version',
      doc([allow({})], { Version: '2020-01-01' }),
      'The policy Version "2020-01-01" is not valid: use "2012-10-17" (or "2008-10-17").',
    ],
    ['an Id that is not a string', doc([allow({})], { Id: 7 }), 'Id in the policy must be a string.'],
    [
      'a statement that is not an object',
      doc(['Allow']),
      'Statement in the policy must be an object or a list of objects.',
    ],
    [
      'a misspelt statement element',
      doc([{ ...allow({}), Principals: '*' }]),
      'Statement 1 has an unknown element "Principals".',
    ],
    ['a Sid that is not a string', doc([allow({ Sid: 3 })]), 'Sid in statement 1 must be a string.'],
    [
      'Effect in the wrong case',
      doc([allow({ Effect: 'allow' })]),
      'Effect in statement 1 must be "Allow" or "Deny", not "allow".',
    ],
    [
      'no Effect',
      doc([{ Principal: '*', Action: 'kms:*', Resource: '*' }]),
      'Effect in statement 1 must be "Allow" or "Deny", not undefined.',
    ],
    [
      'no Principal',
      doc([{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }]),
      'Policy contains a statement with no principal.',
    ],
    [
      'an empty principal list',
      doc([allow({ Principal: { AWS: [] } })]),
      'Policy contains a statement with no principal.',
    ],
    [
      'a wildcard in a principal ARN',
      doc([allow({ Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/*` } })]),
      'Policy contains a statement with one or more invalid principals.',
    ],
    [
      'a malformed account',
      doc([allow({ Principal: { AWS: 'arn:aws:iam::1234:root' } })]),
      'Policy contains a statement with one or more invalid principals.',
    ],
    [
      'an unknown principal type',
      doc([allow({ Principal: { CanonicalUser: 'abc' } })]),
      'Policy contains a statement with one or more invalid principals.',
    ],
    [
      'a principal that is a number',
      doc([allow({ Principal: { AWS: 111122223333 } })]),
      'Policy contains a statement with one or more invalid principals.',
    ],
    [
      'a principal that does not exist',
      doc([allow({ Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/Ghost` } })]),
      'Policy contains a statement with one or more invalid principals.',
      { principalExists: (arn) => !arn.endsWith('/Ghost') },
    ],
    [
      'Principal and NotPrincipal',
      doc([allow({ NotPrincipal: { AWS: ACCOUNT } })]),
      'Statement 1 has both Principal and NotPrincipal: use one of them.',
    ],
    [
      'Action and NotAction',
      doc([allow({ NotAction: 'kms:Encrypt' })]),
      'Statement 1 has both Action and NotAction: use one of them.',
    ],
    [
      'an action without a vendor',
      doc([allow({ Action: 'Encrypt' })]),
      'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
    ],
    [
      'an action with two colons',
      doc([allow({ Action: 'kms:Encrypt:now' })]),
      'Actions/Condition can contain only one colon.',
    ],
    ['an action with a bad vendor', doc([allow({ Action: 'km s:Encrypt' })]), 'Vendor km s is not valid'],
    [
      'an action that is a number',
      doc([allow({ Action: [1] })]),
      'Action in statement 1 must be a string or a list of strings.',
    ],
    [
      'a resource that is no ARN',
      doc([allow({ Resource: 'key/1234' })]),
      'Resource key/1234 must be in ARN format or "*".',
    ],
    [
      'an unknown condition operator',
      doc([allow({ Sid: 'S', Condition: { StringEqualz: { 'kms:CallerAccount': ACCOUNT } } })]),
      'Statement "S" has an unknown condition operator "StringEqualz".',
    ],
    [
      'NullIfExists',
      doc([allow({ Condition: { NullIfExists: { 'test:k': 'true' } } })]),
      'Statement 1 has an unknown condition operator "NullIfExists".',
    ],
    [
      'a set operator on Null',
      doc([allow({ Condition: { 'ForAnyValue:Null': { 'test:k': 'true' } } })]),
      'Statement 1 has an unknown condition operator "ForAnyValue:Null".',
    ],
    [
      'two set operators',
      doc([allow({ Condition: { 'ForAnyValue:ForAllValues:StringEquals': { 'test:k': 'a' } } })]),
      'Statement 1 has an unknown condition operator "ForAnyValue:ForAllValues:StringEquals".',
    ],
    [
      'a condition value that is an object',
      doc([allow({ Condition: { StringEquals: { 'test:k': { a: 1 } } } })]),
      'Condition StringEquals test:k in statement 1 must be a string, number or boolean, or a list of them.',
    ],
    [
      'a condition that is a list',
      doc([allow({ Condition: [] })]),
      'Condition in statement 1 must be an object.',
    ],
    [
      'a date that is no date',
      doc([allow({ Condition: { DateLessThan: { 'aws:CurrentTime': 'tomorrow' } } })]),
      'DateLessThan in statement 1 has "tomorrow", which is not a date: use ISO 8601 (2025-01-31T12:00:00Z) or epoch seconds.',
    ],
    [
      'ForAllValues with kms:EncryptionContext:<key>',
      doc([
        allow({ Condition: { 'ForAllValues:StringEquals': { 'kms:EncryptionContext:Department': 'IT' } } }),
      ]),
      'OverlyPermissiveCondition:EncryptionContext: Using the ForAllValues set operator with a single-valued condition key matches requests without the specified encryption context or with an unspecified encryption context. To fix, remove ForAllValues.',
    ],
    [
      'ForAllValues with aws:RequestTag/<key>',
      doc([allow({ Condition: { 'ForAllValues:StringLike': { 'aws:RequestTag/Purpose': 'Test*' } } })]),
      'OverlyPermissiveCondition:RequestTag: Using the ForAllValues set operator with a single-valued condition key matches requests without the specified tag or with an unspecified tag. To fix, remove ForAllValues.',
    ],
  ];
  for (const [name, text, message, options] of cases) {
    test(name, () => refuses(() => compileKeyPolicy(text, options), malformed, message));
  }

  test('a key policy over 32768 bytes is LimitExceededException', () => {
    const padding = 'x'.repeat(KEY_POLICY_MAX_LENGTH);
    const text = doc([
      allow({ Sid: padding.slice(0, KEY_POLICY_MAX_LENGTH - doc([allow({ Sid: '' })]).length) }),
    ]);
    assert.equal(text.length, KEY_POLICY_MAX_LENGTH);
    compileKeyPolicy(text);
    refuses(
      () => compileKeyPolicy(`${text} `),
      'LimitExceededException',
      'The key policy is 32769 bytes long: a key policy can be at most 32768 bytes.',
    );
  });
});

describe('identity-based policies IAM refuses', () => {
  const cases: [string, string, string][] = [
    ['a Principal', doc([allow({})]), 'Policy document should not specify a principal.'],
    ['no Action', doc([{ Effect: 'Allow', Resource: '*' }]), 'Policy statement must contain actions.'],
    [
      'an empty Action list',
      doc([{ Effect: 'Allow', Action: [], Resource: '*' }]),
      'Policy statement must contain actions.',
    ],
    ['no Resource', doc([{ Effect: 'Allow', Action: 'kms:*' }]), 'Policy statement must contain resources.'],
    [
      'no Version',
      doc([{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }], {}),
      'Policy document must be version 2012-10-17 or greater.',
    ],
    [
      'Version 2008-10-17',
      doc([{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }], { Version: '2008-10-17' }),
      'Policy document must be version 2012-10-17 or greater.',
    ],
    [
      'two statements with one Sid',
      doc([
        { Sid: 'A', Effect: 'Allow', Action: 'kms:Encrypt', Resource: '*' },
        { Sid: 'A', Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' },
      ]),
      'Statement IDs (SID) in a single policy must be unique.',
    ],
  ];
  for (const [name, text, message] of cases) {
    test(name, () =>
      refuses(() => compileIdentityPolicy(text, 'p'), 'MalformedPolicyDocumentException', message),
    );
  }
  test("ForAllValues with kms:EncryptionContext:<key> is KMS's check of key policies only", () => {
    compileIdentityPolicy(
      doc([
        {
          Effect: 'Allow',
          Action: 'kms:*',
          Resource: '*',
          Condition: { 'ForAllValues:StringEquals': { 'kms:EncryptionContext:a': 'b' } },
        },
      ]),
      'p',
    );
  });
});

describe('what KMS accepts', () => {
  test('the default key policy kmslab writes lets the root user do everything and delegates to IAM', () => {
    const policy = compileKeyPolicy(defaultKeyPolicy(ACCOUNT));
    assert.equal(
      authorize({ principal: root(), action: 'kms:PutKeyPolicy', resource: KEY_ARN, keyPolicy: policy })
        .allowed,
      true,
    );
    assert.equal(
      authorize({ principal: user('u'), action: 'kms:Encrypt', resource: KEY_ARN, keyPolicy: policy })
        .allowed,
      false,
    );
  });

  test('Statement may be a single object', () => {
    const policy = compileKeyPolicy(JSON.stringify({ Statement: allow({}) }));
    assert.equal(decide({ principal: user('u'), action: 'kms:Decrypt', keyPolicy: policy }).allowed, true);
  });

  test('a statement without Action or Resource is accepted and never applies, even a Deny', () => {
    const policy = keyPolicy(
      { Effect: 'Allow', Principal: '*', Resource: '*' },
      { Effect: 'Allow', Principal: '*', Action: 'kms:*' },
      { Effect: 'Deny', Principal: '*', Resource: '*' },
    );
    const decision = decide({ principal: root(), action: 'kms:Decrypt', keyPolicy: policy });
    assert.equal(decision.allowed, false);
    if (!decision.allowed)
      assert.match(decision.explanation, /statement 2 of the key policy: it has no Resource/);
  });

  test('a key policy statement naming another key never applies', () => {
    const policy = keyPolicy(allow({ Resource: 'arn:aws:kms:us-west-2:111122223333:key/other' }));
    assert.equal(decide({ principal: root(), action: 'kms:Decrypt', keyPolicy: policy }).allowed, false);
  });
});

describe('principals', () => {
  const roleArn = `arn:aws:iam::${ACCOUNT}:role/Engineering`;
  const sessionArn = `arn:aws:sts::${ACCOUNT}:assumed-role/Engineering/bob`;
  const pathUser = createPrincipal({ arn: `arn:aws:iam::${ACCOUNT}:user/division/team/carol` });
  const pathRoleSession = createPrincipal({
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Deployer/ci`,
    roleArn: `arn:aws:iam::${ACCOUNT}:role/service/Deployer`,
  });
  const cases: [string, unknown, Principal, boolean][] = [
    ['"*" covers anyone', '*', user('u'), true],
    ['{"AWS": "*"} covers anyone', { AWS: '*' }, root(OTHER_ACCOUNT), true],
    ['an account ID covers its root user', { AWS: ACCOUNT }, root(), true],
    ['a root ARN covers its root user', { AWS: `arn:aws:iam::${ACCOUNT}:root` }, root(), true],
    ['an account alone does not let its users in without IAM policies', { AWS: ACCOUNT }, user('u'), false],
    ['a user ARN covers that user', { AWS: `arn:aws:iam::${ACCOUNT}:user/u` }, user('u'), true],
    ['and no other', { AWS: `arn:aws:iam::${ACCOUNT}:user/u` }, user('v'), false],
    ['a user ARN with its path', { AWS: `arn:aws:iam::${ACCOUNT}:user/division/team/carol` }, pathUser, true],
    ['a role ARN covers its sessions', { AWS: roleArn }, session('Engineering', 'bob'), true],
    [
      'a role ARN with its path covers its sessions',
      { AWS: `arn:aws:iam::${ACCOUNT}:role/service/Deployer` },
      pathRoleSession,
      true,
    ],
    ['a session ARN covers that session', { AWS: sessionArn }, session('Engineering', 'bob'), true],
    ['and not another session of the role', { AWS: sessionArn }, session('Engineering', 'eve'), false],
    [
      'a role ARN of another account',
      { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:role/Engineering` },
      session('Engineering', 'bob'),
      false,
    ],
    ['a service principal is no local caller', { Service: 'ec2.amazonaws.com' }, root(), false],
    [
      'a list of types and values',
      { AWS: [`arn:aws:iam::${ACCOUNT}:user/x`, roleArn], Service: ['s3.amazonaws.com'] },
      session('Engineering', 'b'),
      true,
    ],
  ];
  for (const [name, principal, caller, expected] of cases) {
    test(name, () => {
      const policy = keyPolicy(allow({ Principal: principal }));
      assert.equal(decide({ principal: caller, action: 'kms:Decrypt', keyPolicy: policy }).allowed, expected);
    });
  }

  describe('NotPrincipal with Deny spares a principal only when its account, role and session are all listed', () => {
    const policy = (notPrincipal: string[]) =>
      keyPolicy(allow({}), {
        Effect: 'Deny',
        NotPrincipal: { AWS: notPrincipal },
        Action: 'kms:*',
        Resource: '*',
      });
    const cases: [string, string[], Principal, boolean][] = [
      [
        'the session named with its role and account',
        [sessionArn, roleArn, `arn:aws:iam::${ACCOUNT}:root`],
        session('Engineering', 'bob'),
        true,
      ],
      [
        'another session of that role',
        [sessionArn, roleArn, `arn:aws:iam::${ACCOUNT}:root`],
        session('Engineering', 'eve'),
        false,
      ],
      ['the session without its account listed', [sessionArn, roleArn], session('Engineering', 'bob'), false],
      ['a user with its account', [`arn:aws:iam::${ACCOUNT}:user/Bob`, ACCOUNT], user('Bob'), true],
      ['the root user of a listed account', [ACCOUNT], root(), true],
      [
        'a user of another account',
        [`arn:aws:iam::${ACCOUNT}:user/Bob`, ACCOUNT],
        user('Bob', { account: OTHER_ACCOUNT }),
        false,
      ],
    ];
    for (const [name, notPrincipal, caller, expected] of cases) {
      test(`${name}: ${expected ? 'spared' : 'denied'}`, () => {
        assert.equal(
          decide({ principal: caller, action: 'kms:Decrypt', keyPolicy: policy(notPrincipal) }).allowed,
          expected,
        );
      });
    }
  });

  test('createPrincipal refuses what is not a root, user or session ARN, naming it', () => {
    for (const arn of ['arn:aws:iam::111122223333:role/R', 'alice', 'arn:aws:iam::1:root']) {
      assert.throws(() => createPrincipal({ arn }), new RegExp(arn));
    }
    assert.throws(
      () => createPrincipal({ arn: sessionArn, roleArn: `arn:aws:iam::${ACCOUNT}:role/Other` }),
      /is not the ARN of the role of session/,
    );
  });
});

describe('actions and resources', () => {
  const cases: [string, Statement, string, string, boolean][] = [
    ['kms:Describe* covers DescribeKey', { Action: 'kms:Describe*' }, 'kms:DescribeKey', KEY_ARN, true],
    [
      'kms:*Key* covers ScheduleKeyDeletion',
      { Action: 'kms:*Key*' },
      'kms:ScheduleKeyDeletion',
      KEY_ARN,
      true,
    ],
    ['kms:?ncrypt covers Encrypt', { Action: 'kms:?ncrypt' }, 'kms:Encrypt', KEY_ARN, true],
    ['kms:?ncrypt does not cover Decrypt', { Action: 'kms:?ncrypt' }, 'kms:Decrypt', KEY_ARN, false],
    ['"*" covers every action', { Action: '*' }, 'kms:CreateGrant', KEY_ARN, true],
    ["another service's actions never cover KMS", { Action: 's3:*' }, 'kms:Decrypt', KEY_ARN, false],
    [
      "NotAction covers what it doesn't list",
      { NotAction: 'kms:ScheduleKeyDeletion' },
      'kms:Encrypt',
      KEY_ARN,
      true,
    ],
    ['and not what it lists', { NotAction: ['kms:Schedule*'] }, 'kms:ScheduleKeyDeletion', KEY_ARN, false],
    ['key/* in the account', { Resource: `arn:aws:kms:*:${ACCOUNT}:key/*` }, 'kms:Decrypt', KEY_ARN, true],
    [
      'key/* of another account',
      { Resource: `arn:aws:kms:*:${OTHER_ACCOUNT}:key/*` },
      'kms:Decrypt',
      KEY_ARN,
      false,
    ],
    [
      'a region wildcard does not span parts',
      { Resource: 'arn:aws:kms:*:key/*' },
      'kms:Decrypt',
      KEY_ARN,
      false,
    ],
    [
      'a key ARN does not cover the "*" of CreateKey',
      { Resource: `arn:aws:kms:*:${ACCOUNT}:key/*`, Action: 'kms:CreateKey' },
      'kms:CreateKey',
      '*',
      false,
    ],
    ['"*" covers the "*" of CreateKey', { Action: 'kms:CreateKey' }, 'kms:CreateKey', '*', true],
    [
      'an alias ARN for alias operations',
      { Action: 'kms:CreateAlias', Resource: `arn:aws:kms:us-west-2:${ACCOUNT}:alias/app-*` },
      'kms:CreateAlias',
      `arn:aws:kms:us-west-2:${ACCOUNT}:alias/app-one`,
      true,
    ],
    ['NotResource', { NotResource: `arn:aws:kms:*:${ACCOUNT}:key/secret-*` }, 'kms:Decrypt', KEY_ARN, true],
    [
      'a variable in the resource part',
      { Resource: `arn:aws:kms:us-west-2:${ACCOUNT}:key/\${aws:PrincipalTag/key}` },
      'kms:Decrypt',
      KEY_ARN,
      true,
    ],
  ];
  const tagged = (policy: Statement) =>
    createPrincipal({
      arn: `arn:aws:iam::${ACCOUNT}:user/u`,
      tags: { key: '1234abcd-12ab-34cd-56ef-1234567890ab' },
      policies: [
        identityPolicy('p', {
          Effect: 'Allow',
          ...(policy.NotAction ? {} : { Action: 'kms:*' }),
          ...(policy.NotResource ? {} : { Resource: '*' }),
          ...policy,
        }),
      ],
    });
  for (const [name, statement, action, resource, expected] of cases) {
    test(`${name}: ${expected}`, () => {
      // The default key policy delegates to IAM, so the identity-based policy decides.
      const keyPolicy = resource === KEY_ARN ? compileKeyPolicy(defaultKeyPolicy(ACCOUNT)) : undefined;
      const decision = authorize({ principal: tagged(statement), action, resource, keyPolicy });
      assert.equal(decision.allowed, expected, decision.allowed ? '' : decision.explanation);
    });
  }
});

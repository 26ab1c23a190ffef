/**
 * The policy examples of AWS's KMS Developer Guide (default key policy, key administrators, key users, grants
 * for AWS resources, encryption context, grant conditions, other accounts, aliases, ABAC, explicit deny,
 * kms:ViaService), each with the decision AWS documents for it and the reason kmslab gives.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type {
  ApplicableGrant,
  CompiledPolicy,
  ConditionContext,
  Principal,
} from '../../../src/server/access/index.ts';
import {
  ACCOUNT,
  assertDecision,
  because,
  consoleStatements,
  decide,
  type Expectation,
  identityPolicy,
  KEY_ARN,
  keyPolicy,
  OTHER_ACCOUNT,
  OTHER_KEY_ARN,
  root,
  rootStatement,
  type Statement,
  session,
  user,
} from './support.ts';

interface Case {
  name: string;
  principal?: Principal;
  action?: string;
  resource?: string;
  context?: ConditionContext;
  grants?: ApplicableGrant[];
  expect: Expectation;
}

/** One test per case; `defaults` gives the principal and action that the cases share. */
function table(policy: CompiledPolicy, cases: Case[], defaults: Partial<Case> = {}): void {
  for (const c of cases) {
    const { principal, action, resource, context, grants, expect } = { ...defaults, ...c };
    test(c.name, () => {
      assert.ok(principal && action, 'a case needs a principal and an action');
      assertDecision(
        decide({ principal, action, resource: resource ?? KEY_ARN, keyPolicy: policy, context, grants }),
        expect,
      );
    });
  }
}

describe('the default key policy (one statement: the account may use IAM policies)', () => {
  const bobsPolicy = identityPolicy('UseTheKey', {
    Effect: 'Allow',
    Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey*'],
    Resource: KEY_ARN,
  });
  const anyKeyInAccount = identityPolicy('AllKeys', {
    Effect: 'Allow',
    Action: 'kms:*',
    Resource: `arn:aws:kms:*:${ACCOUNT}:key/*`,
  });
  table(keyPolicy(rootStatement()), [
    {
      name: 'the account root may do everything',
      principal: root(),
      action: 'kms:ScheduleKeyDeletion',
      expect: { allowed: true },
    },
    {
      name: 'Alice, a user without IAM policies, is denied (the guide\'s "Example 1")',
      principal: user('Alice'),
      action: 'kms:Encrypt',
      expect: {
        allowed: false,
        because: because.noIdentityPolicy('kms:Encrypt'),
        explains: ['lets account 111122223333 delegate kms:Encrypt', 'has no identity-based policy'],
      },
    },
    {
      name: 'a user whose IAM policy allows the key may use it',
      principal: user('bob', { policies: [bobsPolicy] }),
      action: 'kms:GenerateDataKey',
      expect: { allowed: true },
    },
    {
      name: 'that IAM policy does not reach another key',
      principal: user('bob', { policies: [bobsPolicy] }),
      action: 'kms:Encrypt',
      resource: OTHER_KEY_ARN,
      expect: {
        allowed: false,
        because: because.noIdentityPolicy('kms:Encrypt'),
        explains: [`its Resource does not include ${OTHER_KEY_ARN}`],
      },
    },
    {
      name: 'nor another action',
      principal: user('bob', { policies: [bobsPolicy] }),
      action: 'kms:ScheduleKeyDeletion',
      expect: { allowed: false, explains: ['its Action does not include kms:ScheduleKeyDeletion'] },
    },
    {
      name: 'a role session allowed key/* in the account may use it',
      principal: session('Ops', 'night', { policies: [anyKeyInAccount] }),
      action: 'kms:DisableKey',
      expect: { allowed: true },
    },
  ]);
});

describe("key administrators and key users (the console's default key policy)", () => {
  const policy = keyPolicy(
    rootStatement(),
    consoleStatements.keyAdministrators,
    consoleStatements.keyUsers,
    consoleStatements.persistentResources,
  );
  table(policy, [
    {
      name: 'an administrator may change the key policy',
      principal: user('KMSAdminUser'),
      action: 'kms:PutKeyPolicy',
      expect: { allowed: true },
    },
    {
      name: 'an administrator may schedule deletion',
      principal: session('KMSAdminRole', 'admin'),
      action: 'kms:ScheduleKeyDeletion',
      expect: { allowed: true },
    },
    {
      name: 'kms:Create* gives administrators CreateGrant',
      principal: user('KMSAdminUser'),
      action: 'kms:CreateGrant',
      expect: { allowed: true },
    },
    {
      name: 'administrators may not use the key in cryptographic operations',
      principal: user('KMSAdminUser'),
      action: 'kms:Decrypt',
      expect: { allowed: false, because: because.noIdentityPolicy('kms:Decrypt') },
    },
    {
      name: 'a key user may encrypt',
      principal: session('EncryptionApp', 'i-0abc'),
      action: 'kms:Encrypt',
      expect: { allowed: true },
    },
    {
      name: 'kms:GenerateDataKey* covers GenerateDataKeyPairWithoutPlaintext',
      principal: session('EncryptionApp', 'i-0abc'),
      action: 'kms:GenerateDataKeyPairWithoutPlaintext',
      expect: { allowed: true },
    },
    {
      name: 'kms:ReEncrypt* covers ReEncryptFrom',
      principal: session('EncryptionApp', 'i-0abc'),
      action: 'kms:ReEncryptFrom',
      expect: { allowed: true },
    },
    {
      name: 'a key user may not disable the key',
      principal: session('EncryptionApp', 'i-0abc'),
      action: 'kms:DisableKey',
      expect: { allowed: false, because: because.noIdentityPolicy('kms:DisableKey') },
    },
    {
      name: 'a key user calling CreateGrant itself is denied: only AWS services get kms:GrantIsForAWSResource',
      principal: session('EncryptionApp', 'i-0abc'),
      action: 'kms:CreateGrant',
      context: { 'kms:GrantIsForAWSResource': false },
      expect: {
        allowed: false,
        explains: [
          'statement "Allow attachment of persistent resources" of the key policy: condition Bool {"kms:GrantIsForAWSResource": "true"} is not met: the request has "false"',
        ],
      },
    },
    {
      name: 'CreateGrant on behalf of an AWS service is allowed',
      principal: session('EncryptionApp', 'i-0abc'),
      action: 'kms:CreateGrant',
      context: { 'kms:GrantIsForAWSResource': true },
      expect: { allowed: true },
    },
  ]);
});

describe('encryption context conditions', () => {
  const role = `arn:aws:iam::${ACCOUNT}:role/RoleForExampleApp`;
  const require = (
    condition: Record<string, unknown>,
    action: string | string[] = 'kms:GenerateDataKey',
  ): Statement => ({
    Effect: 'Allow',
    Principal: { AWS: role },
    Action: action,
    Resource: '*',
    Condition: condition,
  });
  const app = session('RoleForExampleApp', 's');
  const appTable = (policy: CompiledPolicy, cases: Case[]) =>
    table(policy, cases, { principal: app, action: 'kms:GenerateDataKey' });
  const withContext = (context: Record<string, string>): ConditionContext => ({
    ...Object.fromEntries(Object.entries(context).map(([k, v]) => [`kms:EncryptionContext:${k}`, v])),
    'kms:EncryptionContextKeys': Object.keys(context),
  });

  describe('StringEquals kms:EncryptionContext:AppName requires the pair, allows others', () => {
    appTable(keyPolicy(require({ StringEquals: { 'kms:EncryptionContext:AppName': 'ExampleApp' } })), [
      {
        name: 'the pair and another',
        context: withContext({ AppName: 'ExampleApp', Project: 'Alpha' }),
        expect: { allowed: true },
      },
      {
        name: 'another value',
        context: withContext({ AppName: 'Other' }),
        expect: {
          allowed: false,
          because: because.noResourcePolicy('kms:GenerateDataKey'),
          explains: [
            'condition StringEquals {"kms:EncryptionContext:AppName": "ExampleApp"} is not met: the request has "Other"',
          ],
        },
      },
      {
        name: 'the value in another case (values are case-sensitive)',
        context: withContext({ AppName: 'exampleapp' }),
        expect: { allowed: false },
      },
      {
        name: 'no encryption context',
        expect: { allowed: false, explains: ['the request has no kms:EncryptionContext:AppName'] },
      },
    ]);
  });

  describe('the condition key name is not case-sensitive (kms:EncryptionContext:Appname)', () => {
    appTable(
      keyPolicy(require({ StringEquals: { 'kms:EncryptionContext:Appname': 'ExampleApp' } }, 'kms:Decrypt')),
      [
        {
          name: 'AppName in the request',
          action: 'kms:Decrypt',
          context: withContext({ AppName: 'ExampleApp' }),
          expect: { allowed: true },
        },
      ],
    );
  });

  describe('with ForAllValues:StringEquals kms:EncryptionContextKeys, no other pair is allowed', () => {
    const policy = keyPolicy(
      require({
        StringEquals: { 'kms:EncryptionContext:AppName': 'ExampleApp' },
        'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['AppName'] },
      }),
    );
    appTable(policy, [
      {
        name: 'only the pair',
        context: withContext({ AppName: 'ExampleApp' }),
        expect: { allowed: true },
      },
      {
        name: 'the pair and another',
        context: withContext({ AppName: 'ExampleApp', Project: 'Alpha' }),
        expect: {
          allowed: false,
          explains: [
            'ForAllValues:StringEquals {"kms:EncryptionContextKeys": "AppName"} is not met: the request has ["AppName","Project"]',
          ],
        },
      },
    ]);
  });

  describe('two pairs required (ANDed), or one of two statements (ORed)', () => {
    appTable(
      keyPolicy(
        require({
          StringEquals: {
            'kms:EncryptionContext:Department': 'IT',
            'kms:EncryptionContext:Project': 'Alpha',
          },
        }, 'kms:Decrypt'),
      ),
      [
        {
          name: 'both pairs',
          action: 'kms:Decrypt',
          context: withContext({ Department: 'IT', Project: 'Alpha' }),
          expect: { allowed: true },
        },
        {
          name: 'one pair',
          action: 'kms:Decrypt',
          context: withContext({ Department: 'IT' }),
          expect: { allowed: false },
        },
      ],
    );
    appTable(
      keyPolicy(
        require({ StringEquals: { 'kms:EncryptionContext:Department': 'IT' } }),
        require({ StringEquals: { 'kms:EncryptionContext:Project': 'Alpha' } }),
      ),
      [
        {
          name: 'either pair',
          context: withContext({ Project: 'Alpha' }),
          expect: { allowed: true },
        },
        {
          name: 'neither',
          context: withContext({ Stage: 'Test' }),
          expect: { allowed: false },
        },
      ],
    );
  });

  describe('Deny Stage=Restricted or Stage=Production (values ORed)', () => {
    const policy = keyPolicy(
      rootStatement(),
      { Effect: 'Allow', Principal: { AWS: role }, Action: 'kms:GenerateDataKey', Resource: '*' },
      {
        Sid: 'DenyRestricted',
        Effect: 'Deny',
        Principal: { AWS: role },
        Action: 'kms:GenerateDataKey',
        Resource: '*',
        Condition: { StringEquals: { 'kms:EncryptionContext:Stage': ['Restricted', 'Production'] } },
      },
    );
    appTable(policy, [
      {
        name: 'Stage=Production',
        context: withContext({ Stage: 'Production' }),
        expect: {
          allowed: false,
          because: because.explicitDenyInKeyPolicy,
          explains: ['Denied by statement "DenyRestricted" of the key policy'],
        },
      },
      {
        name: 'Stage=Test',
        context: withContext({ Stage: 'Test' }),
        expect: { allowed: true },
      },
      {
        name: 'the deny binds the account root too? no: it names the role only',
        principal: root(),
        context: withContext({ Stage: 'Production' }),
        expect: { allowed: true },
      },
    ]);
  });

  describe('ForAnyValue:StringEquals kms:EncryptionContextKeys and Null checks', () => {
    appTable(
      keyPolicy(
        require({ 'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': 'AppName' } }, [
          'kms:Encrypt',
          'kms:GenerateDataKey*',
        ]),
      ),
      [
        {
          name: 'AppName=Helper and Project=Alpha',
          action: 'kms:Encrypt',
          context: withContext({ AppName: 'Helper', Project: 'Alpha' }),
          expect: { allowed: true },
        },
        {
          name: 'only Project=Alpha',
          action: 'kms:Encrypt',
          context: withContext({ Project: 'Alpha' }),
          expect: { allowed: false },
        },
        { name: 'no encryption context', principal: app, action: 'kms:Encrypt', expect: { allowed: false } },
      ],
    );
    appTable(keyPolicy(require({ Null: { 'kms:EncryptionContextKeys': false } }, 'kms:Encrypt')), [
      {
        name: 'any encryption context satisfies Null: false',
        action: 'kms:Encrypt',
        context: withContext({ x: 'y' }),
        expect: { allowed: true },
      },
      {
        name: 'none does not',
        action: 'kms:Encrypt',
        context: withContext({}),
        expect: { allowed: false },
      },
    ]);
  });

  describe('the aws:username variable in the value: each user decrypts only what they encrypted', () => {
    const policy = keyPolicy(rootStatement(), {
      Effect: 'Allow',
      Principal: { AWS: [`arn:aws:iam::${ACCOUNT}:user/bob`, `arn:aws:iam::${ACCOUNT}:user/alice`] },
      Action: ['kms:Decrypt', 'kms:Encrypt'],
      Resource: '*',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a policy variable
      Condition: { StringEquals: { 'kms:EncryptionContext:user': '${aws:username}' } },
    });
    appTable(policy, [
      {
        name: 'bob with user=bob',
        principal: user('bob'),
        action: 'kms:Decrypt',
        context: withContext({ user: 'bob' }),
        expect: { allowed: true },
      },
      {
        name: 'alice with user=bob',
        principal: user('alice'),
        action: 'kms:Decrypt',
        context: withContext({ user: 'bob' }),
        expect: { allowed: false },
      },
    ]);
  });
});

describe('grant conditions', () => {
  const example = `arn:aws:iam::${ACCOUNT}:user/ExampleUser`;
  const grantPolicy = (condition: Record<string, unknown>) =>
    keyPolicy({
      Effect: 'Allow',
      Principal: { AWS: example },
      Action: 'kms:CreateGrant',
      Resource: '*',
      Condition: condition,
    });
  const exampleUser = user('ExampleUser');
  const grantTable = (policy: CompiledPolicy, cases: Case[]) =>
    table(policy, cases, { principal: exampleUser, action: 'kms:CreateGrant' });
  describe('ForAllValues:StringEquals kms:GrantOperations limits the operations granted', () => {
    grantTable(
      grantPolicy({ 'ForAllValues:StringEquals': { 'kms:GrantOperations': ['Encrypt', 'ReEncryptTo'] } }),
      [
        {
          name: 'Encrypt',
          context: { 'kms:GrantOperations': ['Encrypt'] },
          expect: { allowed: true },
        },
        {
          name: 'Encrypt and ReEncryptTo',
          context: { 'kms:GrantOperations': ['ReEncryptTo', 'Encrypt'] },
          expect: { allowed: true },
        },
        {
          name: 'Encrypt and Decrypt',
          context: { 'kms:GrantOperations': ['Encrypt', 'Decrypt'] },
          expect: { allowed: false },
        },
      ],
    );
  });
  describe('ForAnyValue requires one of them and allows others', () => {
    grantTable(
      grantPolicy({ 'ForAnyValue:StringEquals': { 'kms:GrantOperations': ['Encrypt', 'ReEncryptTo'] } }),
      [
        {
          name: 'Encrypt and Decrypt',
          context: { 'kms:GrantOperations': ['Encrypt', 'Decrypt'] },
          expect: { allowed: true },
        },
        {
          name: 'Decrypt only',
          context: { 'kms:GrantOperations': ['Decrypt'] },
          expect: { allowed: false },
        },
      ],
    );
  });
  describe('kms:GranteePrincipal, kms:RetiringPrincipal, kms:GrantConstraintType', () => {
    grantTable(
      grantPolicy({
        StringEquals: { 'kms:GranteePrincipal': `arn:aws:iam::${ACCOUNT}:role/LimitedAdminRole` },
      }),
      [
        {
          name: 'the named grantee',
          context: { 'kms:GranteePrincipal': `arn:aws:iam::${ACCOUNT}:role/LimitedAdminRole` },
          expect: { allowed: true },
        },
        {
          name: 'another grantee',
          context: { 'kms:GranteePrincipal': `arn:aws:iam::${ACCOUNT}:role/Other` },
          expect: { allowed: false },
        },
      ],
    );
    grantTable(
      grantPolicy({
        StringEquals: {
          'kms:RetiringPrincipal': [
            `arn:aws:iam::${ACCOUNT}:role/LimitedAdminRole`,
            `arn:aws:iam::${ACCOUNT}:user/OpsAdmin`,
          ],
        },
      }),
      [
        {
          name: 'one of the retiring principals',
          context: { 'kms:RetiringPrincipal': `arn:aws:iam::${ACCOUNT}:user/OpsAdmin` },
          expect: { allowed: true },
        },
      ],
    );
    grantTable(grantPolicy({ StringEquals: { 'kms:GrantConstraintType': 'EncryptionContextEquals' } }), [
      {
        name: 'EncryptionContextEquals',
        context: { 'kms:GrantConstraintType': 'EncryptionContextEquals' },
        expect: { allowed: true },
      },
      {
        name: 'EncryptionContextSubset',
        context: { 'kms:GrantConstraintType': 'EncryptionContextSubset' },
        expect: { allowed: false },
      },
      {
        name: 'no constraint',
        expect: { allowed: false },
      },
    ]);
  });
  describe('a grant allows its grantee exactly its operations', () => {
    const grant = { grantId: 'g-1', operations: ['Decrypt', 'DescribeKey'] };
    grantTable(keyPolicy(rootStatement()), [
      {
        name: 'Decrypt through the grant',
        principal: session('Worker', 'w'),
        action: 'kms:Decrypt',
        grants: [grant],
        expect: { allowed: true },
      },
      {
        name: 'Encrypt is not granted',
        principal: session('Worker', 'w'),
        action: 'kms:Encrypt',
        grants: [grant],
        expect: { allowed: false, because: because.noIdentityPolicy('kms:Encrypt') },
      },
    ]);
  });
});

describe('other accounts (the guide\'s "Example 2" and "Allowing users in other accounts")', () => {
  const externalAccount: Statement = {
    Sid: 'Allow an external account to use this KMS key',
    Effect: 'Allow',
    Principal: { AWS: [`arn:aws:iam::${OTHER_ACCOUNT}:root`] },
    Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
    Resource: '*',
  };
  const externalRole: Statement = {
    ...externalAccount,
    Sid: 'Allow ExampleRole',
    Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:role/ExampleRole` },
  };
  const useTheKey = identityPolicy('UseKeyIn111122223333', {
    Effect: 'Allow',
    Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
    Resource: KEY_ARN,
  });
  const engineering = (policies: CompiledPolicy[] = [useTheKey]) =>
    session('Engineering', 'bob', { account: OTHER_ACCOUNT, policies });
  describe('the key policy allows the other account', () => {
    table(keyPolicy(rootStatement(), externalAccount), [
      {
        name: 'a role there whose IAM policy allows the key',
        principal: engineering(),
        action: 'kms:GenerateDataKey',
        expect: { allowed: true },
      },
      {
        name: 'a role there without IAM permission',
        principal: engineering([]),
        action: 'kms:Decrypt',
        expect: {
          allowed: false,
          because: because.noIdentityPolicy('kms:Decrypt'),
          explains: ['lets account 444455556666 delegate kms:Decrypt'],
        },
      },
      {
        name: 'an action the key policy does not give the account, even with IAM allowing it',
        principal: engineering([identityPolicy('All', { Effect: 'Allow', Action: 'kms:*', Resource: '*' })]),
        action: 'kms:ScheduleKeyDeletion',
        expect: { allowed: false, because: because.noResourcePolicy('kms:ScheduleKeyDeletion') },
      },
      {
        name: "the other account's root",
        principal: root(OTHER_ACCOUNT),
        action: 'kms:Encrypt',
        expect: { allowed: true },
      },
    ]);
  });
  describe('the key policy names a role of the other account', () => {
    table(keyPolicy(rootStatement(), externalRole), [
      {
        name: 'that role, with its IAM policy',
        principal: session('ExampleRole', 's', { account: OTHER_ACCOUNT, policies: [useTheKey] }),
        action: 'kms:Encrypt',
        expect: { allowed: true },
      },
      {
        name: 'that role, without an IAM policy: both accounts must agree',
        principal: session('ExampleRole', 's', { account: OTHER_ACCOUNT }),
        action: 'kms:Encrypt',
        expect: {
          allowed: false,
          because: because.noIdentityPolicy('kms:Encrypt'),
          explains: ['the key is in another account'],
        },
      },
      {
        name: 'another role of that account, even with an IAM policy',
        principal: session('Other', 's', { account: OTHER_ACCOUNT, policies: [useTheKey] }),
        action: 'kms:Encrypt',
        expect: { allowed: false, because: because.noResourcePolicy('kms:Encrypt') },
      },
    ]);
  });
  describe('the key policy does not mention the other account', () => {
    table(keyPolicy(rootStatement()), [
      {
        name: 'its role is denied by the key policy',
        principal: engineering(),
        action: 'kms:Encrypt',
        expect: {
          allowed: false,
          because: because.noResourcePolicy('kms:Encrypt'),
          explains: [
            'No statement of the key policy allows arn:aws:sts::444455556666:assumed-role/Engineering/bob',
          ],
        },
      },
      {
        name: 'its root too',
        principal: root(OTHER_ACCOUNT),
        action: 'kms:Encrypt',
        expect: { allowed: false, because: because.noResourcePolicy('kms:Encrypt') },
      },
    ]);
  });
});

describe('aliases: kms:RequestAlias and kms:ResourceAliases', () => {
  table(
    keyPolicy({
      Sid: 'Key policy using a request alias condition',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/developer` },
      Action: 'kms:GenerateDataKey',
      Resource: '*',
      Condition: { StringEquals: { 'kms:RequestAlias': 'alias/finance-key' } },
    }),
    [
      {
        name: 'KeyId alias/finance-key',
        principal: session('developer', 'd'),
        action: 'kms:GenerateDataKey',
        context: { 'kms:RequestAlias': 'alias/finance-key' },
        expect: { allowed: true },
      },
      {
        name: 'the key ID of the same key',
        principal: session('developer', 'd'),
        action: 'kms:GenerateDataKey',
        expect: { allowed: false, explains: ['the request has no kms:RequestAlias'] },
      },
    ],
  );
  const financeKeys = identityPolicy('AliasBasedIAMPolicy', {
    Effect: 'Allow',
    Action: 'kms:GenerateDataKey',
    Resource: [`arn:aws:kms:*:${ACCOUNT}:key/*`, `arn:aws:kms:*:${OTHER_ACCOUNT}:key/*`],
    Condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/finance-key' } },
  });
  const testKeys = identityPolicy('TestKeysOnly', {
    Effect: 'Allow',
    Action: ['kms:EnableKey', 'kms:DisableKey'],
    Resource: `arn:aws:kms:*:${ACCOUNT}:key/*`,
    Condition: {
      'ForAllValues:StringLike': { 'kms:ResourceAliases': ['alias/*Test*'] },
      'ForAnyValue:StringLike': { 'kms:ResourceAliases': ['alias/*Test*'] },
    },
  });
  table(keyPolicy(rootStatement()), [
    {
      name: 'a key with alias/finance-key among its aliases, by key ID',
      principal: user('analyst', { policies: [financeKeys] }),
      action: 'kms:GenerateDataKey',
      context: { 'kms:ResourceAliases': ['alias/other', 'alias/finance-key'] },
      expect: { allowed: true },
    },
    {
      name: 'a key without it',
      principal: user('analyst', { policies: [financeKeys] }),
      action: 'kms:GenerateDataKey',
      context: { 'kms:ResourceAliases': ['alias/other'] },
      expect: { allowed: false },
    },
    {
      name: 'all aliases contain Test',
      principal: user('tester', { policies: [testKeys] }),
      action: 'kms:DisableKey',
      context: { 'kms:ResourceAliases': ['alias/Test1', 'alias/MyTestKey'] },
      expect: { allowed: true },
    },
    {
      name: 'one alias without Test',
      principal: user('tester', { policies: [testKeys] }),
      action: 'kms:DisableKey',
      context: { 'kms:ResourceAliases': ['alias/Test1', 'alias/prod'] },
      expect: { allowed: false },
    },
    {
      name: 'no alias at all (ForAnyValue requires one)',
      principal: user('tester', { policies: [testKeys] }),
      action: 'kms:DisableKey',
      expect: { allowed: false },
    },
  ]);
});

describe('ABAC with tags: aws:ResourceTag, aws:PrincipalTag, aws:RequestTag, aws:TagKeys', () => {
  const purposeTest = identityPolicy('PurposeTest', {
    Effect: 'Allow',
    Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
    Resource: `arn:aws:kms:*:${ACCOUNT}:key/*`,
    Condition: { StringEquals: { 'aws:ResourceTag/Purpose': 'Test' } },
  });
  const sameProject = identityPolicy('SameProject', {
    Effect: 'Allow',
    Action: 'kms:Decrypt',
    Resource: '*',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a policy variable
    Condition: { StringEquals: { 'aws:ResourceTag/Project': '${aws:PrincipalTag/Project}' } },
  });
  const tagging = identityPolicy(
    'Tagging',
    {
      Effect: 'Allow',
      Action: ['kms:TagResource', 'kms:UntagResource'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:RequestTag/Purpose': 'Test' } },
    },
    {
      Effect: 'Deny',
      Action: ['kms:TagResource', 'kms:UntagResource'],
      Resource: '*',
      Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'Restricted' } },
    },
  );
  table(keyPolicy(rootStatement()), [
    {
      name: 'a key tagged Purpose=Test',
      principal: user('dev', { policies: [purposeTest] }),
      action: 'kms:Encrypt',
      context: { 'aws:ResourceTag/Purpose': 'Test' },
      expect: { allowed: true },
    },
    {
      name: 'a key tagged Purpose=Prod',
      principal: user('dev', { policies: [purposeTest] }),
      action: 'kms:Encrypt',
      context: { 'aws:ResourceTag/Purpose': 'Prod' },
      expect: {
        allowed: false,
        explains: [
          'condition StringEquals {"aws:ResourceTag/Purpose": "Test"} is not met: the request has "Prod"',
        ],
      },
    },
    {
      name: "the key's Project tag equals the role's",
      principal: session('Team', 't', { policies: [sameProject], tags: { Project: 'Alpha' } }),
      action: 'kms:Decrypt',
      context: { 'aws:ResourceTag/Project': 'Alpha' },
      expect: { allowed: true },
    },
    {
      name: 'it does not',
      principal: session('Team', 't', { policies: [sameProject], tags: { Project: 'Beta' } }),
      action: 'kms:Decrypt',
      context: { 'aws:ResourceTag/Project': 'Alpha' },
      expect: { allowed: false },
    },
    {
      name: 'a principal without the tag: the variable has no value',
      principal: session('Team', 't', { policies: [sameProject] }),
      action: 'kms:Decrypt',
      context: { 'aws:ResourceTag/Project': 'Alpha' },
      expect: { allowed: false },
    },
    {
      name: 'tagging Purpose=Test',
      principal: user('tagger', { policies: [tagging] }),
      action: 'kms:TagResource',
      context: { 'aws:RequestTag/Purpose': 'Test', 'aws:TagKeys': ['Purpose'] },
      expect: { allowed: true },
    },
    {
      name: 'tagging a Restricted key as well is explicitly denied',
      principal: user('tagger', { policies: [tagging] }),
      action: 'kms:TagResource',
      context: {
        'aws:RequestTag/Purpose': 'Test',
        'aws:RequestTag/Restricted': 'yes',
        'aws:TagKeys': ['Purpose', 'Restricted'],
      },
      expect: {
        allowed: false,
        because: because.explicitDenyInIdentityPolicy,
        explains: ['statement 2 of identity-based policy "Tagging"'],
      },
    },
  ]);
});

describe('explicit deny, kms:ViaService and kms:CallerAccount', () => {
  const onlyOaep = keyPolicy(rootStatement(), {
    Sid: 'Allow only one encryption algorithm with this asymmetric KMS key',
    Effect: 'Deny',
    Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/ExampleRole` },
    Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*'],
    Resource: '*',
    Condition: { StringNotEquals: { 'kms:EncryptionAlgorithm': 'RSAES_OAEP_SHA_256' } },
  });
  const everything = identityPolicy('Everything', { Effect: 'Allow', Action: 'kms:*', Resource: '*' });
  table(onlyOaep, [
    {
      name: 'another algorithm is denied however the IAM policy allows it',
      principal: session('ExampleRole', 's', { policies: [everything] }),
      action: 'kms:Encrypt',
      context: { 'kms:EncryptionAlgorithm': 'RSAES_OAEP_SHA_1' },
      expect: { allowed: false, because: because.explicitDenyInKeyPolicy },
    },
    {
      name: 'and a grant does not override the deny',
      principal: session('ExampleRole', 's'),
      action: 'kms:Decrypt',
      context: { 'kms:EncryptionAlgorithm': 'RSAES_OAEP_SHA_1' },
      grants: [{ grantId: 'g', operations: ['Decrypt'] }],
      expect: { allowed: false, because: because.explicitDenyInKeyPolicy },
    },
    {
      name: 'the named algorithm is allowed',
      principal: session('ExampleRole', 's', { policies: [everything] }),
      action: 'kms:Encrypt',
      context: { 'kms:EncryptionAlgorithm': 'RSAES_OAEP_SHA_256' },
      expect: { allowed: true },
    },
  ]);
  const symmetricOnly = identityPolicy(
    'AllowOnlySymmetricAlgorithm',
    { Effect: 'Allow', Action: 'kms:*', Resource: '*' },
    {
      Sid: 'AllowOnlySymmetricAlgorithm',
      Effect: 'Deny',
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'],
      Resource: `arn:aws:kms:us-west-2:${ACCOUNT}:key/*`,
      Condition: { StringNotEquals: { 'kms:EncryptionAlgorithm': 'SYMMETRIC_DEFAULT' } },
    },
  );
  table(keyPolicy(rootStatement()), [
    {
      name: 'an IAM deny of asymmetric algorithms',
      principal: user('u', { policies: [symmetricOnly] }),
      action: 'kms:Encrypt',
      context: { 'kms:EncryptionAlgorithm': 'RSAES_OAEP_SHA_256' },
      expect: {
        allowed: false,
        because: because.explicitDenyInIdentityPolicy,
        explains: [
          'statement "AllowOnlySymmetricAlgorithm" of identity-based policy "AllowOnlySymmetricAlgorithm"',
        ],
      },
    },
    {
      name: 'SYMMETRIC_DEFAULT passes',
      principal: user('u', { policies: [symmetricOnly] }),
      action: 'kms:GenerateDataKey',
      context: { 'kms:EncryptionAlgorithm': 'SYMMETRIC_DEFAULT' },
      expect: { allowed: true },
    },
  ]);
  const ebs = keyPolicy({
    Sid: 'Allow access through EBS for all principals in the account that are authorized to use EBS',
    Effect: 'Allow',
    Principal: { AWS: '*' },
    Condition: {
      StringEquals: { 'kms:CallerAccount': ACCOUNT, 'kms:ViaService': 'ec2.us-west-2.amazonaws.com' },
    },
    Action: [
      'kms:Encrypt',
      'kms:Decrypt',
      'kms:ReEncrypt*',
      'kms:GenerateDataKey*',
      'kms:CreateGrant',
      'kms:DescribeKey',
    ],
    Resource: '*',
  });
  table(ebs, [
    {
      name: "an AWS managed key's policy: no request comes through EBS locally, so kms:ViaService is absent",
      principal: user('u'),
      action: 'kms:Decrypt',
      expect: {
        allowed: false,
        because: because.noResourcePolicy('kms:Decrypt'),
        explains: ['the request has no kms:ViaService'],
      },
    },
  ]);
  const callerAccount = keyPolicy({
    Effect: 'Allow',
    Principal: { AWS: '*' },
    Action: 'kms:DescribeKey',
    Resource: '*',
    Condition: { StringEquals: { 'kms:CallerAccount': ACCOUNT } },
  });
  table(callerAccount, [
    {
      name: 'kms:CallerAccount with Principal "*": any principal of the account',
      principal: session('Anyone', 'x'),
      action: 'kms:DescribeKey',
      expect: { allowed: true },
    },
    {
      name: 'but not of another account',
      principal: root(OTHER_ACCOUNT),
      action: 'kms:DescribeKey',
      expect: { allowed: false },
    },
  ]);
  const noLambda = keyPolicy(rootStatement(), {
    Effect: 'Deny',
    Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/ExampleUser` },
    Action: ['kms:Encrypt'],
    Resource: '*',
    Condition: { StringEquals: { 'kms:ViaService': ['lambda.us-west-2.amazonaws.com'] } },
  });
  table(noLambda, [
    {
      name: 'a Deny on kms:ViaService does not apply to direct calls',
      principal: user('ExampleUser', { policies: [everything] }),
      action: 'kms:Encrypt',
      expect: { allowed: true },
    },
  ]);
});

describe('operations without a key are decided by IAM policies alone', () => {
  const noBypass = identityPolicy(
    'CreateKeysSafely',
    { Effect: 'Allow', Action: ['kms:CreateKey', 'kms:ListKeys', 'kms:ListAliases'], Resource: '*' },
    {
      Effect: 'Deny',
      Action: ['kms:CreateKey', 'kms:PutKeyPolicy'],
      Resource: '*',
      Condition: { Bool: { 'kms:BypassPolicyLockoutSafetyCheck': true } },
    },
    {
      Effect: 'Allow',
      Action: 'kms:CreateKey',
      Resource: '*',
      Condition: { StringLike: { 'kms:KeySpec': 'RSA_*' } },
    },
  );
  const cases: [string, Principal, string, ConditionContext | undefined, Expectation][] = [
    ['the root user creates keys', root(), 'kms:CreateKey', undefined, { allowed: true }],
    [
      'a user with kms:CreateKey',
      user('maker', { policies: [noBypass] }),
      'kms:CreateKey',
      { 'kms:BypassPolicyLockoutSafetyCheck': false },
      { allowed: true },
    ],
    [
      'bypassing the lockout check is explicitly denied',
      user('maker', { policies: [noBypass] }),
      'kms:CreateKey',
      { 'kms:BypassPolicyLockoutSafetyCheck': true },
      { allowed: false, because: because.explicitDenyInIdentityPolicy },
    ],
    [
      'a user without IAM policies may not list keys',
      user('nobody'),
      'kms:ListKeys',
      undefined,
      {
        allowed: false,
        because: because.noIdentityPolicy('kms:ListKeys'),
        explains: ['has no identity-based policy'],
      },
    ],
    [
      'GenerateRandom is not allowed by kms:CreateKey',
      user('maker', { policies: [noBypass] }),
      'kms:GenerateRandom',
      undefined,
      { allowed: false },
    ],
  ];
  for (const [name, principal, action, context, expect] of cases) {
    test(name, () => assertDecision(decide({ principal, action, resource: '*', context }), expect));
  }
  test('the message names resource "*", as AWS does for CreateKey', () => {
    const decision = decide({ principal: user('nobody'), action: 'kms:CreateKey', resource: '*' });
    assert.equal(decision.allowed, false);
    if (!decision.allowed) {
      assert.equal(
        decision.error.message,
        `User: arn:aws:iam::${ACCOUNT}:user/nobody is not authorized to perform: kms:CreateKey on resource: * because no identity-based policy allows the kms:CreateKey action`,
      );
    }
  });
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  type KMSClient,
  KMSServiceException,
  TagResourceCommand,
} from '@aws-sdk/client-kms';
import type { Kmslab } from '../../helpers/kmslab.ts';
import {
  A,
  B,
  B_ROOT_CREDENTIALS,
  IDENTITIES,
  startWithIdentities,
  type TestIdentity,
} from './identities.ts';

/**
 * Policy examples of AWS's KMS Developer Guide (key users, encryption context, grant conditions, other accounts,
 * aliases, ABAC, explicit deny), each with the callers it must allow and deny, through two real callers: the
 * AWS SDK for JavaScript and boto3. Each example's key is made by A's root with the example's policy.
 */

const ROOT_A = `arn:aws:iam::${A}:root`;
const rootStatement = {
  Sid: 'Enable IAM User Permissions',
  Effect: 'Allow',
  Principal: { AWS: ROOT_A },
  Action: 'kms:*',
  Resource: '*',
};

interface Call {
  caller: TestIdentity;
  /** The operation, as KMS names it; its input's KeyId is the example's key unless `by` says otherwise. */
  operation: 'Encrypt' | 'GenerateDataKey' | 'DescribeKey' | 'CreateGrant' | 'GetKeyRotationStatus';
  input?: Record<string, unknown>;
  /** How the call names the key: its ID (default), its ARN, or its alias. */
  by?: 'id' | 'arn' | 'alias';
  allowed: boolean;
}

interface Example {
  name: string;
  statements: object[];
  tags?: Record<string, string>;
  alias?: string;
  calls: Call[];
}

const { alice, dev, worker, bob, carol } = IDENTITIES;
const PRINCIPAL_TEAM = ['$', '{aws:PrincipalTag/team}'].join('');
const plaintext = { Plaintext: 'hello' };

const EXAMPLES: Example[] = [
  {
    name: 'the default key policy: the account delegates to IAM policies',
    statements: [rootStatement],
    calls: [
      { caller: dev, operation: 'Encrypt', input: plaintext, allowed: true },
      { caller: dev, operation: 'GetKeyRotationStatus', allowed: true },
      { caller: alice, operation: 'Encrypt', input: plaintext, allowed: false },
      { caller: worker, operation: 'GenerateDataKey', input: { KeySpec: 'AES_256' }, allowed: true },
      { caller: worker, operation: 'GetKeyRotationStatus', allowed: false },
    ],
  },
  {
    name: 'key users: the key policy names the user, who needs no IAM policy',
    statements: [
      rootStatement,
      {
        Sid: 'Allow use of the key',
        Effect: 'Allow',
        Principal: { AWS: alice.arn },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
        Resource: '*',
      },
    ],
    calls: [
      { caller: alice, operation: 'Encrypt', input: plaintext, allowed: true },
      { caller: alice, operation: 'DescribeKey', allowed: true },
      { caller: alice, operation: 'GetKeyRotationStatus', allowed: false },
    ],
  },
  {
    name: 'encryption context: kms:EncryptionContext:AppName for the role',
    statements: [
      {
        Effect: 'Allow',
        Principal: { AWS: ROOT_A },
        Action: ['kms:PutKeyPolicy', 'kms:GetKeyPolicy', 'kms:DescribeKey'],
        Resource: '*',
      },
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${A}:role/app` },
        Action: 'kms:Encrypt',
        Resource: '*',
        Condition: { StringEquals: { 'kms:EncryptionContext:AppName': 'ExampleApp' } },
      },
    ],
    calls: [
      {
        caller: worker,
        operation: 'Encrypt',
        input: { ...plaintext, EncryptionContext: { AppName: 'ExampleApp' } },
        allowed: true,
      },
      {
        caller: worker,
        operation: 'Encrypt',
        input: { ...plaintext, EncryptionContext: { AppName: 'Other' } },
        allowed: false,
      },
      { caller: worker, operation: 'Encrypt', input: plaintext, allowed: false },
    ],
  },
  {
    name: 'grant conditions: kms:GrantOperations and kms:GrantIsForAWSResource',
    statements: [
      rootStatement,
      {
        Effect: 'Allow',
        Principal: { AWS: alice.arn },
        Action: 'kms:CreateGrant',
        Resource: '*',
        Condition: { 'ForAllValues:StringEquals': { 'kms:GrantOperations': ['Encrypt', 'Decrypt'] } },
      },
    ],
    calls: [
      {
        caller: alice,
        operation: 'CreateGrant',
        input: { GranteePrincipal: dev.arn, Operations: ['Decrypt'] },
        allowed: true,
      },
      {
        caller: alice,
        operation: 'CreateGrant',
        input: { GranteePrincipal: dev.arn, Operations: ['Decrypt', 'RetireGrant'] },
        allowed: false,
      },
    ],
  },
  {
    name: 'other accounts: the key policy names account B, whose users need IAM policies too',
    statements: [
      rootStatement,
      {
        Sid: 'Allow an external account to use this KMS key',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${B}:root` },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
        Resource: '*',
      },
    ],
    calls: [
      { caller: bob, operation: 'Encrypt', input: plaintext, by: 'arn', allowed: true },
      { caller: bob, operation: 'DescribeKey', by: 'arn', allowed: true },
      { caller: carol, operation: 'Encrypt', input: plaintext, by: 'arn', allowed: false },
      {
        caller: B_ROOT_CREDENTIALS,
        operation: 'GenerateDataKey',
        input: { KeySpec: 'AES_256' },
        by: 'arn',
        allowed: true,
      },
    ],
  },
  {
    name: 'aliases: kms:RequestAlias lets the role use the key only through its alias',
    alias: 'alias/finance-key',
    statements: [
      rootStatement,
      {
        Effect: 'Allow',
        Principal: { AWS: alice.arn },
        Action: 'kms:Encrypt',
        Resource: '*',
        Condition: { StringEquals: { 'kms:RequestAlias': 'alias/finance-key' } },
      },
      {
        Effect: 'Allow',
        Principal: { AWS: alice.arn },
        Action: 'kms:DescribeKey',
        Resource: '*',
        Condition: { 'ForAnyValue:StringLike': { 'kms:ResourceAliases': 'alias/finance-*' } },
      },
    ],
    calls: [
      { caller: alice, operation: 'Encrypt', input: plaintext, by: 'alias', allowed: true },
      { caller: alice, operation: 'Encrypt', input: plaintext, allowed: false },
      { caller: alice, operation: 'DescribeKey', allowed: true },
    ],
  },
  {
    name: "ABAC: the key's tag must match the caller's",
    tags: { team: 'payments' },
    statements: [
      rootStatement,
      {
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 'kms:Encrypt',
        Resource: '*',
        Condition: {
          // A policy variable, not a template.
          StringEquals: { 'aws:ResourceTag/team': PRINCIPAL_TEAM, 'kms:CallerAccount': A },
        },
      },
    ],
    calls: [
      { caller: alice, operation: 'Encrypt', input: plaintext, allowed: true },
      { caller: worker, operation: 'Encrypt', input: plaintext, allowed: true },
      { caller: bob, operation: 'Encrypt', input: plaintext, by: 'arn', allowed: false },
    ],
  },
  {
    name: 'explicit deny: no encryption without an encryption context, even for an IAM admin',
    statements: [
      rootStatement,
      {
        Effect: 'Deny',
        Principal: '*',
        Action: ['kms:Encrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: { Null: { 'kms:EncryptionContextKeys': 'true' } },
      },
    ],
    calls: [
      { caller: dev, operation: 'Encrypt', input: plaintext, allowed: false },
      {
        caller: dev,
        operation: 'Encrypt',
        input: { ...plaintext, EncryptionContext: { a: 'b' } },
        allowed: true,
      },
      { caller: worker, operation: 'GenerateDataKey', input: { KeySpec: 'AES_256' }, allowed: false },
      { caller: dev, operation: 'DescribeKey', allowed: true },
    ],
  },
];

/** One call as both callers make it: the identity, the operation and its input, key named and all. */
interface PreparedCall {
  name: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  operation: string;
  input: Record<string, unknown>;
  allowed: boolean;
}

const BOTO3_CALLER = `
import json, sys, boto3, botocore
from botocore.config import Config
endpoint, region = sys.argv[1], sys.argv[2]
results = []
for call in json.load(sys.stdin):
    client = boto3.client('kms', endpoint_url=endpoint, region_name=region,
        aws_access_key_id=call['accessKeyId'], aws_secret_access_key=call['secretAccessKey'],
        aws_session_token=call.get('sessionToken'), config=Config(retries={'max_attempts': 1}))
    params = dict(call['input'])
    if 'Plaintext' in params:
        params['Plaintext'] = params['Plaintext'].encode()
    try:
        getattr(client, botocore.xform_name(call['operation']))(**params)
        results.append('allowed')
    except botocore.exceptions.ClientError as error:
        results.append(error.response['Error']['Code'])
print(json.dumps(results))
`;

describe('the Developer Guide policy examples, through the AWS SDK and boto3', () => {
  let server: Kmslab;
  let a: KMSClient;
  const calls: PreparedCall[] = [];

  before(async () => {
    server = await startWithIdentities();
    a = server.sdk();
    for (const example of EXAMPLES) {
      const Policy = JSON.stringify({ Version: '2012-10-17', Statement: example.statements });
      const created = await a.send(new CreateKeyCommand({ Policy, BypassPolicyLockoutSafetyCheck: true }));
      const keyId = created.KeyMetadata?.KeyId ?? '';
      const names = { id: keyId, arn: created.KeyMetadata?.Arn ?? '', alias: example.alias ?? '' };
      if (example.tags) {
        const Tags = Object.entries(example.tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
        await a.send(new TagResourceCommand({ KeyId: keyId, Tags }));
      }
      if (example.alias)
        await a.send(new CreateAliasCommand({ AliasName: example.alias, TargetKeyId: keyId }));
      example.calls.forEach((call, index) => {
        calls.push({
          name: `${example.name}, call ${index + 1}: ${call.caller.arn} ${call.operation}`,
          accessKeyId: call.caller.accessKeyId,
          secretAccessKey: call.caller.secretAccessKey,
          ...(call.caller.sessionToken ? { sessionToken: call.caller.sessionToken } : {}),
          operation: call.operation,
          input: { KeyId: names[call.by ?? 'id'], ...call.input },
          allowed: call.allowed,
        });
      });
    }
  });
  after(() => server.stop());

  test('the AWS SDK for JavaScript: each call allowed or AccessDeniedException as the example says', async () => {
    const sdk = await import('@aws-sdk/client-kms');
    for (const call of calls) {
      const client = server.sdk(call);
      const Command = (sdk as unknown as Record<string, new (input: object) => never>)[
        `${call.operation}Command`
      ];
      assert.ok(Command);
      const input = { ...call.input };
      if (typeof input.Plaintext === 'string') input.Plaintext = new TextEncoder().encode(input.Plaintext);
      let outcome = 'allowed';
      try {
        await client.send(new Command(input));
      } catch (error) {
        assert.ok(error instanceof KMSServiceException, String(error));
        outcome = error.name;
      }
      assert.equal(outcome, call.allowed ? 'allowed' : 'AccessDeniedException', call.name);
    }
  });

  test('boto3: the same calls, the same answers', async () => {
    // Asynchronously: the server runs in this process.
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = execFile(
        'python3',
        ['-c', BOTO3_CALLER, server.endpoint, server.region],
        { timeout: 120_000 },
        (error, out) => (error ? reject(error) : resolve(out)),
      );
      child.stdin?.end(JSON.stringify(calls));
    });
    const answers = JSON.parse(stdout) as string[];
    assert.equal(answers.length, calls.length);
    calls.forEach((call, index) => {
      assert.equal(answers[index], call.allowed ? 'allowed' : 'AccessDeniedException', call.name);
    });
  });
});

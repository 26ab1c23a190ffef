import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { OperationName } from '../../../src/protocol/index.ts';
import { compileKeyPolicy } from '../../../src/server/access/index.ts';
import {
  AWS_MANAGED_SERVICES,
  awsManagedKeyPolicy,
  awsManagedKeyRecord,
  awsManagedService,
  checkAwsAliasChange,
  checkAwsManagedKey,
  predefinedAliases,
} from '../../../src/server/keys/aws-managed.ts';
import { DAY_MS, keyMetadata, loadedKey } from '../../../src/server/keys/key.ts';
import { awsPolicyJson } from '../../../src/server/keys/policy.ts';
import { keyOf, thrown } from './keys.ts';

const ACCOUNT = '111122223333';
const CALLER = `arn:aws:iam::${ACCOUNT}:user/admin`;
const NOW = new Date(1.7e12);
const record = awsManagedKeyRecord(ACCOUNT, 'us-east-1', 's3', '0987dcba-09fe-87dc-65ba-ab0987654321', NOW);
const managed = loadedKey(record, [
  { materialId: 'ab'.repeat(32), bytes: Buffer.alloc(32), createdAt: NOW.getTime() },
]);

describe('predefined aliases', () => {
  test("a fresh account lists each service's alias/aws/ alias, name and ARN only, without TargetKeyId", () => {
    const entries = predefinedAliases(ACCOUNT, 'eu-west-1', new Set());
    assert.deepEqual(
      entries.map((e) => e.AliasName),
      Object.keys(AWS_MANAGED_SERVICES).map((s) => `alias/aws/${s}`),
    );
    assert.equal(entries.length, 14);
    assert.deepEqual(
      entries.find((e) => e.AliasName === 'alias/aws/ebs'),
      {
        AliasName: 'alias/aws/ebs',
        AliasArn: `arn:aws:kms:eu-west-1:${ACCOUNT}:alias/aws/ebs`,
      },
    );
  });

  test('an alias that has its key is left to the ordinary listing', () => {
    const names = predefinedAliases(ACCOUNT, 'us-east-1', new Set(['alias/aws/s3'])).map((e) => e.AliasName);
    assert.equal(names.length, 13);
    assert.ok(!names.includes('alias/aws/s3'));
  });

  test('only the predefined services name an AWS managed key', () => {
    assert.equal(awsManagedService('alias/aws/s3'), 's3');
    for (const name of [
      'alias/aws/unknown',
      'alias/aws/',
      'alias/s3',
      'alias/aws/toString',
      'alias/aws/s3/x',
    ])
      assert.equal(awsManagedService(name), undefined, name);
  });
});

describe('the AWS managed key', () => {
  test('KeyManager AWS, symmetric, enabled, with a service description and yearly rotation', () => {
    const metadata = keyMetadata(managed);
    assert.deepEqual(
      [metadata.KeyManager, metadata.KeySpec, metadata.KeyState, metadata.Origin, metadata.MultiRegion],
      ['AWS', 'SYMMETRIC_DEFAULT', 'Enabled', 'AWS_KMS', false],
    );
    assert.equal(
      metadata.Description,
      'Default key that protects my S3 objects when no other key is defined',
    );
    assert.equal(record.rotationPeriodInDays, 365);
    assert.equal(record.nextRotationDate, NOW.getTime() + 365 * DAY_MS);
  });

  test("its policy: use through the service by the account's principals, direct access to metadata only", () => {
    const policy = awsManagedKeyPolicy(ACCOUNT, 'us-west-2', 'ebs');
    compileKeyPolicy(policy);
    const document = JSON.parse(policy) as {
      Statement: { Condition?: unknown; Principal: unknown; Action: string[] }[];
    };
    assert.deepEqual(document.Statement[0]?.Condition, {
      StringEquals: { 'kms:CallerAccount': ACCOUNT, 'kms:ViaService': 'ec2.us-west-2.amazonaws.com' },
    });
    assert.deepEqual(document.Statement[0]?.Principal, { AWS: '*' });
    assert.deepEqual(document.Statement[1]?.Principal, { AWS: `arn:aws:iam::${ACCOUNT}:root` });
    assert.deepEqual(document.Statement[1]?.Action, [
      'kms:Describe*',
      'kms:Get*',
      'kms:List*',
      'kms:RevokeGrant',
    ]);
    assert.match(awsManagedKeyPolicy(ACCOUNT, 'cn-north-1', 's3'), /s3\.cn-north-1\.amazonaws\.com\.cn/);
    assert.match(awsManagedKeyPolicy(ACCOUNT, 'cn-north-1', 's3'), /arn:aws-cn:iam::/);
  });

  test("policies are written in AWS's own formatting (an AWS managed key's policy as AWS answered GetKeyPolicy)", () => {
    // The policy of an aws/lambda key, as returned by GetKeyPolicy (quoted in a public test fixture).
    const answered = [
      '{',
      '  "Version" : "2012-10-17",',
      '  "Id" : "auto-awslambda",',
      '  "Statement" : [ {',
      '    "Sid" : "Allow access through AWS Lambda for all principals in the account that are authorized to use AWS Lambda",',
      '    "Effect" : "Allow",',
      '    "Principal" : {',
      '      "AWS" : "*"',
      '    },',
      '    "Action" : [ "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey" ],',
      '    "Resource" : "*",',
      '    "Condition" : {',
      '      "StringEquals" : {',
      '        "kms:CallerAccount" : "857418155548",',
      '        "kms:ViaService" : "lambda.us-west-2.amazonaws.com"',
      '      }',
      '    }',
      '  }, {',
      '    "Sid" : "Allow direct access to key metadata to the account",',
      '    "Effect" : "Allow",',
      '    "Principal" : {',
      '      "AWS" : "arn:aws:iam::857418155548:root"',
      '    },',
      '    "Action" : "kms:Describe*",',
      '    "Resource" : "*"',
      '  } ]',
      '}',
    ].join('\n');
    assert.equal(awsPolicyJson(JSON.parse(answered)), answered);
    const ours = awsManagedKeyPolicy('857418155548', 'us-west-2', 'lambda');
    assert.equal(ours.split('\n').slice(3, 17).join('\n'), answered.split('\n').slice(3, 17).join('\n'));
    assert.equal(awsPolicyJson({ a: [] }), '{\n  "a" : [ ]\n}');
  });
});

describe('what an AWS managed key refuses', () => {
  const refused = (
    'DisableKey EnableKey ScheduleKeyDeletion CancelKeyDeletion PutKeyPolicy EnableKeyRotation DisableKeyRotation ' +
    'RotateKeyOnDemand UpdateKeyDescription TagResource UntagResource CreateAlias UpdateAlias ReplicateKey ImportKeyMaterial'
  ).split(' ') as OperationName[];
  const allowed = (
    'DescribeKey GetKeyPolicy GetKeyRotationStatus ListGrants ListKeyPolicies ListResourceTags ListKeyRotations ' +
    'RevokeGrant Encrypt Decrypt ReEncrypt GenerateDataKey GenerateDataKeyWithoutPlaintext GenerateDataKeyPair CreateGrant'
  ).split(' ') as OperationName[];

  test('every change is AccessDeniedException, in the words of an AWS policy refusal', () => {
    for (const operation of refused) {
      const error = thrown(() => checkAwsManagedKey(managed, operation, CALLER));
      assert.equal(error?.type, 'AccessDeniedException', operation);
      assert.equal(
        error?.message,
        `User: ${CALLER} is not authorized to perform: kms:${operation} on resource: ${managed.arn} because no resource-based policy allows the kms:${operation} action`,
      );
    }
  });

  test("what its policy allows passes (the service conditions are the authorization step's), and customer keys pass", () => {
    for (const operation of allowed)
      assert.equal(
        thrown(() => checkAwsManagedKey(managed, operation, CALLER)),
        undefined,
        operation,
      );
    for (const operation of refused)
      assert.equal(
        thrown(() => checkAwsManagedKey(keyOf(), operation, CALLER)),
        undefined,
        operation,
      );
  });

  test('its alias can be neither retargeted nor deleted', () => {
    for (const operation of ['UpdateAlias', 'DeleteAlias'] as const) {
      const error = thrown(() =>
        checkAwsAliasChange('alias/aws/s3', operation, CALLER, ACCOUNT, 'us-east-1'),
      );
      assert.equal(error?.type, 'AccessDeniedException');
      assert.match(
        error?.message ?? '',
        new RegExp(`kms:${operation} on resource: arn:aws:kms:us-east-1:${ACCOUNT}:alias/aws/s3`),
      );
      assert.equal(
        thrown(() => checkAwsAliasChange('alias/mine', operation, CALLER, ACCOUNT, 'us-east-1')),
        undefined,
      );
    }
  });
});

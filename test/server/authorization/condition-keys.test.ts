import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as sdk from '@aws-sdk/client-kms';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  type CreateKeyCommandInput,
  KMSServiceException,
  TagResourceCommand,
} from '@aws-sdk/client-kms';
import type { Kmslab } from '../../helpers/kmslab.ts';
import { A, IDENTITIES, startWithIdentities } from './identities.ts';

/**
 * Every condition key that kmslab computes from the request or the key reaches the key policy with the
 * request's value: for each, a key whose policy lets alice (who has no IAM policy) call one operation only under
 * a condition on that key, and calls through the AWS SDK that meet it (allowed) and that don't
 * (AccessDeniedException). Condition key names are case-insensitive, the deprecated kms:CustomerMasterKeySpec
 * included.
 */

const { alice, dev } = IDENTITIES;

interface Case {
  key: string;
  operation: string;
  condition: Record<string, Record<string, unknown>>;
  /** How the case's key is made, and what it has. */
  create?: CreateKeyCommandInput;
  tags?: Record<string, string>;
  alias?: string;
  /** Each call's input (KeyId is the case's key, by ID unless `byAlias`) and whether it is allowed. */
  calls: { input?: Record<string, unknown>; byAlias?: boolean; allowed: boolean }[];
}

const bytes = (text: string) => new TextEncoder().encode(text);
const encrypt = { Plaintext: bytes('hello') };
const ecc = { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' } as const;
/** A CreateGrant input: alice may use Encrypt, with what `more` adds or replaces. */
const grant = (more: Record<string, unknown> = {}) => ({
  GranteePrincipal: alice.arn,
  Operations: ['Encrypt'],
  ...more,
});

/** A case of one Encrypt call, allowed or not. */
const encryptOnce = (key: string, condition: Case['condition'], allowed: boolean): Case => ({
  key,
  operation: 'Encrypt',
  condition,
  calls: [{ input: encrypt, allowed }],
});

const CASES: Case[] = [
  {
    key: 'kms:EncryptionContext:AppName',
    operation: 'Encrypt',
    condition: { StringEquals: { 'kms:EncryptionContext:AppName': 'ExampleApp' } },
    calls: [
      { input: { ...encrypt, EncryptionContext: { AppName: 'ExampleApp' } }, allowed: true },
      { input: { ...encrypt, EncryptionContext: { appname: 'ExampleApp' } }, allowed: true },
      { input: { ...encrypt, EncryptionContext: { AppName: 'OtherApp' } }, allowed: false },
      { input: encrypt, allowed: false },
    ],
  },
  {
    key: 'kms:EncryptionContextKeys',
    operation: 'Encrypt',
    condition: { 'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': 'Tenant' } },
    calls: [
      { input: { ...encrypt, EncryptionContext: { Tenant: 't1', AppName: 'a' } }, allowed: true },
      { input: { ...encrypt, EncryptionContext: { AppName: 'a' } }, allowed: false },
    ],
  },
  {
    key: 'kms:EncryptionAlgorithm',
    operation: 'Encrypt',
    condition: { StringEquals: { 'kms:EncryptionAlgorithm': 'SYMMETRIC_DEFAULT' } },
    calls: [
      { input: { ...encrypt, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' }, allowed: true },
      { input: encrypt, allowed: false },
    ],
  },
  {
    key: 'kms:KeySpec, kms:KeyUsage, kms:KeyOrigin, kms:MultiRegion',
    operation: 'GenerateDataKey',
    condition: {
      StringEquals: {
        'kms:KeySpec': 'SYMMETRIC_DEFAULT',
        'kms:keyusage': 'ENCRYPT_DECRYPT',
        'kms:KeyOrigin': 'AWS_KMS',
      },
      Bool: { 'kms:MultiRegion': 'false' },
    },
    calls: [{ input: { KeySpec: 'AES_256' }, allowed: true }],
  },
  {
    key: 'kms:CustomerMasterKeySpec (deprecated, read as kms:KeySpec)',
    operation: 'GenerateDataKey',
    condition: { StringEquals: { 'kms:CustomerMasterKeySpec': 'RSA_2048' } },
    calls: [{ input: { KeySpec: 'AES_256' }, allowed: false }],
  },
  {
    key: 'kms:MultiRegion of a multi-Region key',
    operation: 'GenerateDataKey',
    condition: { Bool: { 'kms:MultiRegion': 'true' } },
    create: { MultiRegion: true },
    calls: [{ input: { KeySpec: 'AES_256' }, allowed: true }],
  },
  {
    key: 'kms:RequestAlias',
    operation: 'Encrypt',
    condition: { StringEquals: { 'kms:RequestAlias': 'alias/condition-keys-request' } },
    alias: 'alias/condition-keys-request',
    calls: [
      { input: encrypt, byAlias: true, allowed: true },
      { input: encrypt, allowed: false },
    ],
  },
  {
    key: 'kms:ResourceAliases',
    operation: 'Encrypt',
    condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/condition-keys-resource' } },
    alias: 'alias/condition-keys-resource',
    calls: [{ input: encrypt, allowed: true }],
  },
  {
    key: 'kms:ResourceAliases of a key without that alias',
    operation: 'Encrypt',
    condition: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/condition-keys-resource' } },
    calls: [{ input: encrypt, allowed: false }],
  },
  {
    key: 'aws:ResourceTag/Project',
    operation: 'Encrypt',
    condition: { StringEquals: { 'aws:ResourceTag/project': 'blue' } },
    tags: { Project: 'blue' },
    calls: [{ input: encrypt, allowed: true }],
  },
  {
    key: 'aws:ResourceTag/Project of a key tagged otherwise',
    operation: 'Encrypt',
    condition: { StringEquals: { 'aws:ResourceTag/Project': 'blue' } },
    tags: { Project: 'red' },
    calls: [{ input: encrypt, allowed: false }],
  },
  {
    key: 'aws:RequestTag/Project',
    operation: 'TagResource',
    condition: { StringEquals: { 'aws:RequestTag/Project': 'blue' } },
    calls: [
      { input: { Tags: [{ TagKey: 'Project', TagValue: 'blue' }] }, allowed: true },
      { input: { Tags: [{ TagKey: 'Project', TagValue: 'red' }] }, allowed: false },
    ],
  },
  {
    key: 'aws:TagKeys',
    operation: 'UntagResource',
    condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': 'Project' } },
    calls: [
      { input: { TagKeys: ['Project'] }, allowed: true },
      { input: { TagKeys: ['Project', 'Owner'] }, allowed: false },
    ],
  },
  {
    key: 'kms:GrantOperations, kms:GranteePrincipal, kms:RetiringPrincipal',
    operation: 'CreateGrant',
    condition: {
      'ForAllValues:StringEquals': { 'kms:GrantOperations': ['Encrypt', 'Decrypt'] },
      StringEquals: { 'kms:GranteePrincipal': alice.arn, 'kms:RetiringPrincipal': dev.arn },
    },
    calls: [
      { input: grant({ RetiringPrincipal: dev.arn }), allowed: true },
      { input: grant({ RetiringPrincipal: dev.arn, Operations: ['ReEncryptFrom'] }), allowed: false },
      { input: grant({ RetiringPrincipal: dev.arn, GranteePrincipal: dev.arn }), allowed: false },
      { input: grant(), allowed: false },
    ],
  },
  {
    key: 'kms:GrantConstraintType, kms:GrantIsForAWSResource',
    operation: 'CreateGrant',
    condition: {
      StringEquals: { 'kms:GrantConstraintType': 'EncryptionContextSubset' },
      Bool: { 'kms:GrantIsForAWSResource': 'false' },
    },
    calls: [
      { input: grant({ Constraints: { EncryptionContextSubset: { Tenant: 't1' } } }), allowed: true },
      { input: grant({ Constraints: { EncryptionContextEquals: { Tenant: 't1' } } }), allowed: false },
      { input: grant(), allowed: false },
    ],
  },
  encryptOnce(
    'aws:CurrentTime, aws:EpochTime',
    {
      DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' },
      NumericGreaterThan: { 'aws:EpochTime': '1577836800' },
    },
    true,
  ),
  encryptOnce(
    'aws:CurrentTime in the past',
    { DateLessThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } },
    false,
  ),
  encryptOnce(
    'aws:SourceIp, aws:SecureTransport, aws:RequestedRegion',
    {
      IpAddress: { 'aws:SourceIp': '127.0.0.0/8' },
      Bool: { 'aws:SecureTransport': 'false' },
      StringEquals: { 'aws:RequestedRegion': 'us-east-1' },
    },
    true,
  ),
  encryptOnce('aws:SourceIp outside the range', { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }, false),
  encryptOnce('kms:ViaService, never present locally', { Null: { 'kms:ViaService': 'true' } }, true),
  {
    key: 'kms:SigningAlgorithm, kms:MessageType',
    operation: 'Sign',
    condition: {
      StringEquals: { 'kms:SigningAlgorithm': 'ECDSA_SHA_256', 'kms:MessageType': 'RAW' },
    },
    create: ecc,
    calls: [
      {
        input: { Message: bytes('m'), SigningAlgorithm: 'ECDSA_SHA_256', MessageType: 'RAW' },
        allowed: true,
      },
      { input: { Message: bytes('m'), SigningAlgorithm: 'ECDSA_SHA_256' }, allowed: false },
    ],
  },
  {
    key: 'kms:MacAlgorithm',
    operation: 'GenerateMac',
    condition: { StringEquals: { 'kms:MacAlgorithm': 'HMAC_SHA_256' } },
    create: { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' },
    calls: [{ input: { Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_256' }, allowed: true }],
  },
  {
    key: 'kms:DataKeyPairSpec',
    operation: 'GenerateDataKeyPairWithoutPlaintext',
    condition: { StringEquals: { 'kms:DataKeyPairSpec': 'ECC_NIST_P256' } },
    calls: [
      { input: { KeyPairSpec: 'ECC_NIST_P256' }, allowed: true },
      { input: { KeyPairSpec: 'RSA_2048' }, allowed: false },
    ],
  },
  {
    key: 'kms:RotationPeriodInDays',
    operation: 'EnableKeyRotation',
    condition: { NumericLessThanEquals: { 'kms:RotationPeriodInDays': '365' } },
    calls: [
      { input: { RotationPeriodInDays: 400 }, allowed: false },
      { input: { RotationPeriodInDays: 90 }, allowed: true },
    ],
  },
  {
    key: 'kms:ScheduleKeyDeletionPendingWindowInDays',
    operation: 'ScheduleKeyDeletion',
    condition: { NumericGreaterThanEquals: { 'kms:ScheduleKeyDeletionPendingWindowInDays': '20' } },
    calls: [
      { input: { PendingWindowInDays: 7 }, allowed: false },
      { input: { PendingWindowInDays: 30 }, allowed: true },
    ],
  },
];

const rootStatement = {
  Sid: 'Enable IAM User Permissions',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${A}:root` },
  Action: 'kms:*',
  Resource: '*',
};

describe('condition keys of the request and the key, as the key policy sees them', () => {
  let server: Kmslab;
  const keyIds = new Map<Case, string>();

  before(async () => {
    server = await startWithIdentities();
    const root = server.sdk();
    for (const example of CASES) {
      const Policy = JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          rootStatement,
          {
            Sid: 'Alice under the condition',
            Effect: 'Allow',
            Principal: { AWS: alice.arn },
            Action: `kms:${example.operation}`,
            Resource: '*',
            Condition: example.condition,
          },
        ],
      });
      const created = await root.send(new CreateKeyCommand({ ...example.create, Policy }));
      const keyId = created.KeyMetadata?.KeyId ?? '';
      keyIds.set(example, keyId);
      if (example.tags) {
        const Tags = Object.entries(example.tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
        await root.send(new TagResourceCommand({ KeyId: keyId, Tags }));
      }
      if (example.alias)
        await root.send(new CreateAliasCommand({ AliasName: example.alias, TargetKeyId: keyId }));
    }
  });
  after(() => server.stop());

  for (const example of CASES) {
    test(example.key, async () => {
      const client = server.sdk(alice);
      const Command = (sdk as unknown as Record<string, new (input: object) => never>)[
        `${example.operation}Command`
      ];
      assert.ok(Command);
      for (const [index, call] of example.calls.entries()) {
        const KeyId = call.byAlias ? example.alias : keyIds.get(example);
        let outcome = 'allowed';
        try {
          await client.send(new Command({ KeyId, ...call.input }));
        } catch (error) {
          assert.ok(error instanceof KMSServiceException, String(error));
          outcome = `${error.name}: ${error.message}`;
        }
        assert.equal(
          outcome.split(':')[0],
          call.allowed ? 'allowed' : 'AccessDeniedException',
          `call ${index + 1}: ${outcome}`,
        );
      }
    });
  }
});

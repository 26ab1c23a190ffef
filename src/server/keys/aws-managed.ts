import type { AliasListEntry, OperationName } from '../../protocol/index.ts';
import { partitionOf } from '../../protocol/regions.ts';
import { accessDenied } from '../messages.ts';
import { accountRootArn, aliasArn } from './arn.ts';
import {
  DAY_MS,
  DEFAULT_ROTATION_PERIOD_DAYS,
  type KeyAttributes,
  type KeyRecord,
  type LoadedKey,
} from './key.ts';
import { awsPolicyJson } from './policy.ts';

/**
 * AWS managed keys: the keys AWS services create in an account, named `alias/aws/<service>` ("AWS managed keys"
 * in the developer guide's concepts). A fresh account's ListAliases already shows the aliases of the services
 * that have one, without TargetKeyId ("predefined aliases that AWS has created but has not yet associated with a
 * KMS key"); the first reference to one makes its key: a SYMMETRIC_DEFAULT key with KeyManager AWS, the service's
 * key policy, and automatic rotation every year that no one can change.
 *
 * The key policy is what makes an AWS managed key unchangeable in AWS: it lets the account's principals use the
 * key only through the service (kms:ViaService, kms:CallerAccount) and read its metadata, and allows nothing
 * else. Every other operation (DisableKey, ScheduleKeyDeletion, PutKeyPolicy, EnableKeyRotation, TagResource,
 * CreateAlias...) is an AccessDeniedException from the policy; checkAwsManagedKey answers those here, from the
 * policy's own actions, until the authorization step evaluates policies.
 */

interface ServiceFacts {
  readonly name: string;
  readonly protects: string;
  readonly viaService?: string;
}

/**
 * The services whose aliases a fresh account lists (the list that moto, an independent emulator, keeps), with
 * the service's name in the policy's statement, what the key protects, in the words of AWS's key descriptions
 * ("Default key that protects my S3 objects when no other key is defined"), and the service endpoint that
 * kms:ViaService names where it is not the alias's (EBS goes through EC2).
 */
export const AWS_MANAGED_SERVICES = {
  acm: { name: 'ACM', protects: 'ACM private keys' },
  dynamodb: { name: 'DynamoDB', protects: 'DynamoDB data' },
  ebs: { name: 'EBS', protects: 'EBS volumes', viaService: 'ec2' },
  elasticfilesystem: { name: 'EFS', protects: 'EFS filesystems' },
  es: { name: 'Elasticsearch', protects: 'Elasticsearch data' },
  glue: { name: 'Glue', protects: 'Glue data' },
  kinesisvideo: { name: 'Kinesis Video Streams', protects: 'Kinesis Video Streams data' },
  lambda: { name: 'AWS Lambda', protects: 'Lambda functions' },
  rds: { name: 'RDS', protects: 'RDS database volumes' },
  redshift: { name: 'Redshift', protects: 'Redshift data' },
  s3: { name: 'S3', protects: 'S3 objects' },
  secretsmanager: { name: 'AWS Secrets Manager', protects: 'Secrets Manager secrets' },
  ssm: { name: 'SSM', protects: 'SSM parameters' },
  xray: { name: 'X-Ray', protects: 'X-Ray data' },
} as const satisfies Record<string, ServiceFacts>;

export type AwsManagedService = keyof typeof AWS_MANAGED_SERVICES;

const ALIAS_PREFIX = 'alias/aws/';

/** The service of an `alias/aws/<service>` name, when AWS predefines it. */
export function awsManagedService(aliasName: string): AwsManagedService | undefined {
  const service = aliasName.startsWith(ALIAS_PREFIX) ? aliasName.slice(ALIAS_PREFIX.length) : '';
  return Object.hasOwn(AWS_MANAGED_SERVICES, service) ? (service as AwsManagedService) : undefined;
}

/**
 * ListAliases's entries for the predefined aliases not associated with a key yet: name and ARN only. `associated`
 * holds the alias names that already have their key (and are listed as any alias).
 */
export function predefinedAliases(
  accountId: string,
  region: string,
  associated: ReadonlySet<string>,
): AliasListEntry[] {
  return Object.keys(AWS_MANAGED_SERVICES)
    .map((service) => `${ALIAS_PREFIX}${service}`)
    .filter((aliasName) => !associated.has(aliasName))
    .map((aliasName) => ({ AliasName: aliasName, AliasArn: aliasArn(accountId, region, aliasName) }));
}

/** The actions an AWS managed key's policy allows: through the service, and on the key's metadata directly. */
const THROUGH_SERVICE = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncrypt*',
  'kms:GenerateDataKey*',
  'kms:CreateGrant',
  'kms:DescribeKey',
];
const DIRECT = ['kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:RevokeGrant'];

/** The key policy of a service's AWS managed key, in AWS's formatting. */
export function awsManagedKeyPolicy(accountId: string, region: string, service: AwsManagedService): string {
  const facts: ServiceFacts = AWS_MANAGED_SERVICES[service];
  const { name, viaService = service } = facts;
  const domain = partitionOf(region) === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  return awsPolicyJson({
    Version: '2012-10-17',
    Id: `auto-${service}`,
    Statement: [
      {
        Sid: `Allow access through ${name} for all principals in the account that are authorized to use ${name}`,
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: THROUGH_SERVICE,
        Resource: '*',
        Condition: {
          StringEquals: {
            'kms:CallerAccount': accountId,
            'kms:ViaService': `${viaService}.${region}.${domain}`,
          },
        },
      },
      {
        Sid: 'Allow direct access to key metadata to the account',
        Effect: 'Allow',
        Principal: { AWS: accountRootArn(accountId, region) },
        Action: DIRECT,
        Resource: '*',
      },
    ],
  });
}

/** A new AWS managed key for `service`: yearly rotation, which its policy lets no one change. */
export function awsManagedKeyRecord(
  accountId: string,
  region: string,
  service: AwsManagedService,
  keyId: string,
  now: Date,
): KeyRecord & KeyAttributes {
  return {
    accountId,
    region,
    keyId,
    keySpec: 'SYMMETRIC_DEFAULT',
    keyUsage: 'ENCRYPT_DECRYPT',
    origin: 'AWS_KMS',
    multiRegion: false,
    keyManager: 'AWS',
    description: `Default key that protects my ${AWS_MANAGED_SERVICES[service].protects} when no other key is defined`,
    keyState: 'Enabled',
    creationDate: now.getTime(),
    policy: awsManagedKeyPolicy(accountId, region, service),
    rotationPeriodInDays: DEFAULT_ROTATION_PERIOD_DAYS,
    nextRotationDate: now.getTime() + DEFAULT_ROTATION_PERIOD_DAYS * DAY_MS,
    onDemandRotations: 0,
  };
}

function matches(pattern: string, action: string): boolean {
  return pattern.endsWith('*') ? action.startsWith(pattern.slice(0, -1)) : pattern === action;
}

/** Whether an AWS managed key's policy has any statement allowing `operation` (its conditions aside). */
export function awsManagedKeyAllows(operation: OperationName): boolean {
  return [...THROUGH_SERVICE, ...DIRECT].some((pattern) => matches(pattern, `kms:${operation}`));
}

/**
 * Refuses, as AWS's policy evaluation does, an operation that an AWS managed key's policy does not allow:
 * disabling, deleting, changing the policy, description, tags or rotation, pointing an alias at it. Customer
 * managed keys pass.
 */
export function checkAwsManagedKey(
  key: Pick<LoadedKey, 'arn' | 'record'>,
  operation: OperationName,
  callerArn: string,
): void {
  if (key.record.keyManager === 'AWS' && !awsManagedKeyAllows(operation))
    throw accessDenied(callerArn, operation, key.arn);
}

/**
 * UpdateAlias and DeleteAlias of an `alias/aws/` alias: AWS's aliases are AWS's, and no policy gives them away.
 * (CreateAlias refuses the prefix earlier, in keys/alias.ts.)
 */
export function checkAwsAliasChange(
  aliasName: string,
  operation: 'UpdateAlias' | 'DeleteAlias',
  callerArn: string,
  accountId: string,
  region: string,
): void {
  if (aliasName.startsWith(ALIAS_PREFIX))
    throw accessDenied(callerArn, operation, aliasArn(accountId, region, aliasName));
}

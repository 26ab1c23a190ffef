import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CreateKeyCommand, type CreateKeyCommandInput, type KMSClient } from '@aws-sdk/client-kms';

/**
 * What the service tests share: asserting an AWS error by type and message, and reading the messages that real
 * AWS KMS gave (models/localstack-aws-validated-snapshots.json) so that tests compare against AWS, not against
 * our own strings.
 */

interface SnapshotError {
  Error?: { Code: string; Message: string };
}

const snapshots = JSON.parse(
  readFileSync(new URL('../../models/localstack-aws-validated-snapshots.json', import.meta.url), 'utf8'),
) as Record<string, { 'recorded-content': Record<string, SnapshotError> }>;

/**
 * AWS's error for one recorded call, with the snapshot's placeholders (`<key-arn>`, `<region>`...) replaced by
 * this test's values.
 */
export function awsError(
  testName: string,
  call: string,
  placeholders: Record<string, string> = {},
): { type: string; message: string } {
  const entry = Object.entries(snapshots).find(([name]) => name.endsWith(`::${testName}`))?.[1];
  const error = entry?.['recorded-content'][call]?.Error;
  if (!error) throw new Error(`no recorded error ${testName} / ${call}`);
  let message = error.Message;
  for (const [placeholder, value] of Object.entries(placeholders))
    message = message.split(placeholder).join(value);
  return { type: error.Code, message };
}

/** Awaits a rejected SDK call and checks AWS's error type and, when given, the exact message. */
export async function rejects(
  call: Promise<unknown>,
  type: string,
  message?: string | RegExp,
): Promise<void> {
  await assert.rejects(call, (error: Error) => {
    assert.equal(error.name, type, `expected ${type}, got ${error.name}: ${error.message}`);
    if (typeof message === 'string') assert.equal(error.message, message);
    else if (message) assert.match(error.message, message);
    return true;
  });
}

export const DAY_MS = 24 * 60 * 60 * 1000;

/** A CloudHSM cluster's trust anchor certificate (customerCA.crt), for CreateCustomKeyStore. */
export const TRUST_ANCHOR = readFileSync(
  new URL('../fixtures/custom-key-stores/customerCA.crt', import.meta.url),
  'utf8',
);

/**
 * The aliases a fresh AWS account lists before any AWS managed key exists (moto keeps the same list), by name:
 * `alias/aws/<service>`, without TargetKeyId.
 */
export const PREDEFINED_ALIASES = [
  'acm',
  'dynamodb',
  'ebs',
  'elasticfilesystem',
  'es',
  'glue',
  'kinesisvideo',
  'lambda',
  'rds',
  'redshift',
  's3',
  'secretsmanager',
  'ssm',
  'xray',
].map((service) => `alias/aws/${service}`);

export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function text(data: Uint8Array | undefined): string {
  return new TextDecoder().decode(data);
}

/** Creates a key through the SDK and returns its ID. */
export async function createKey(kms: KMSClient, input: CreateKeyCommandInput = {}): Promise<string> {
  const { KeyMetadata } = await kms.send(new CreateKeyCommand(input));
  return KeyMetadata?.KeyId ?? assert.fail('no KeyId');
}

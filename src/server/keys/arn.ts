import { PARTITIONS, partitionOf } from '../../protocol/regions.ts';
import { Errors } from '../messages.ts';
import { ALIAS_PREFIX } from './alias.ts';

/** The ways a request can name a KMS key. */
export type KeyReference =
  | { kind: 'keyId'; keyId: string }
  | { kind: 'keyArn'; keyId: string; accountId: string; region: string }
  | { kind: 'aliasName'; aliasName: string }
  | { kind: 'aliasArn'; aliasName: string; accountId: string; region: string };

function partition(region: string): string {
  return partitionOf(region) ?? 'aws';
}

export function keyArn(accountId: string, region: string, keyId: string): string {
  return `arn:${partition(region)}:kms:${region}:${accountId}:key/${keyId}`;
}

export function aliasArn(accountId: string, region: string, aliasName: string): string {
  return `arn:${partition(region)}:kms:${region}:${accountId}:${aliasName}`;
}

/** An AWS account ID: 12 digits (the model's AccountIdType). */
const ACCOUNT_ID = '\\d{12}';

const ACCOUNT_ID_ALONE = new RegExp(`^${ACCOUNT_ID}$`);

export function isAccountId(value: string): boolean {
  return ACCOUNT_ID_ALONE.test(value);
}

/**
 * A KMS key or alias ARN. Its region field is read as the ARN writes it; whether the caller may use that region is
 * for resolve.ts to say (AWS answers a key ARN of another region NotFound, not a malformed ARN).
 */
const ARN = new RegExp(
  `^arn:(${Object.keys(PARTITIONS).join('|')}):kms:([a-z0-9-]+):(${ACCOUNT_ID}):(key\\/.+|alias\\/.+)$`,
);

const ARN_PREFIX = 'arn:';

/** Parses a KeyId-style input; an ARN that is not a KMS key or alias ARN is InvalidArnException. */
export function parseKeyReference(value: string): KeyReference {
  if (value.startsWith(ARN_PREFIX)) {
    const match = ARN.exec(value);
    if (!match) throw Errors.malformedArn(value);
    const [, , region, accountId, resource] = match as unknown as [string, string, string, string, string];
    if (resource.startsWith('key/')) return { kind: 'keyArn', keyId: resource.slice(4), accountId, region };
    return { kind: 'aliasArn', aliasName: resource, accountId, region };
  }
  if (value.startsWith(ALIAS_PREFIX)) return { kind: 'aliasName', aliasName: value };
  return { kind: 'keyId', keyId: value };
}

/**
 * The rule for a key ID that kmslab gives a key (CreateKey makes UUIDs; a seed chooses its own): every request
 * that names it must read it as a key ID, not as an ARN or an alias name. Its length is the model's (KeyIdType),
 * which validation checks.
 */
export function checkKeyId(keyId: string): void {
  for (const prefix of [ARN_PREFIX, ALIAS_PREFIX]) {
    if (keyId.startsWith(prefix)) throw Errors.keyIdReadAsOther(keyId, prefix);
  }
}

const KEY_ID_FORMAT = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;

/**
 * Whether a key ID has the shape of one KMS generates. AWS answers an unknown well-formed ID with
 * "Key '<arn>' does not exist" and anything else with "Invalid keyId"; seeded keys may have any ID, so this
 * only chooses the message for keys that don't exist.
 */
export function isGeneratedKeyIdFormat(keyId: string): boolean {
  return KEY_ID_FORMAT.test(keyId);
}

/** The ARN of an account's root user, as AWS names an account in IssuingAccount and in key policies. */
export function accountRootArn(accountId: string, region: string): string {
  return `arn:${partition(region)}:iam::${accountId}:root`;
}

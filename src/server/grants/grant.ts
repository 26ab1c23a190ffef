import { randomBytes } from 'node:crypto';
import type {
  CreateGrantRequest,
  GrantConstraints,
  GrantListEntry,
  GrantOperation,
} from '../../protocol/index.ts';
import { accountRootArn } from '../keys/arn.ts';
import type { LoadedKey } from '../keys/key.ts';
import type { CryptographicOperation } from '../keys/kinds.ts';
import { accessDenied, GrantErrors } from '../messages.ts';
import { accountOf, type GrantCaller, isPrincipal, principalCovers } from './principals.ts';

/**
 * Grants (the "Grants in AWS KMS" chapter of the developer guide and the CreateGrant, ListGrants,
 * ListRetirableGrants, RetireGrant and RevokeGrant references): what a grant holds, the rules CreateGrant applies,
 * name-based retries, the listings and who may retire a grant. Whether a grant allows a request is in
 * authorize.ts; grant tokens are in token.ts.
 */

/** A grant as kept; dates are epoch milliseconds. */
export interface GrantRecord {
  /** 64 lowercase hex characters, as AWS's grant IDs. */
  grantId: string;
  /** The key's ARN: ListGrants answers it as KeyId. */
  keyArn: string;
  name?: string;
  creationDate: number;
  granteePrincipal: string;
  retiringPrincipal?: string;
  /** The ARN of the root of the account that created the grant: `arn:aws:iam::111122223333:root`. */
  issuingAccount: string;
  operations: GrantOperation[];
  constraints?: GrantConstraints;
}

/** What a CreateGrant request asks for, once checked. */
export type GrantRequest = Pick<
  GrantRecord,
  'name' | 'granteePrincipal' | 'retiringPrincipal' | 'operations' | 'constraints'
>;

/** AWS's quota of grants per KMS key (resource quotas, "Grants per KMS key: 50,000"). */
export const MAX_GRANTS_PER_KEY = 50_000;
/** "Each constraint value can include up to 8 encryption context pairs ... cannot exceed 384 characters." */
export const MAX_CONSTRAINT_PAIRS = 8;
export const MAX_CONSTRAINT_CHARACTERS = 384;

/** Operations a grant can allow on any key. */
const KEY_GRANT_OPERATIONS: readonly GrantOperation[] = ['DescribeKey', 'CreateGrant', 'RetireGrant'];

/**
 * The grant operations that take an encryption context, and so the only ones a grant constraint limits
 * (DescribeKey, RetireGrant and CreateGrant may share a grant with a constraint, which does not apply to them).
 */
export const CONTEXT_GRANT_OPERATIONS: readonly GrantOperation[] = [
  'Encrypt',
  'Decrypt',
  'ReEncryptFrom',
  'ReEncryptTo',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
];

/** A grant allows ReEncrypt by its two halves: decrypting under the source key and encrypting under the destination. */
function grantOperations(operation: CryptographicOperation): GrantOperation[] {
  return operation === 'ReEncrypt' ? ['ReEncryptFrom', 'ReEncryptTo'] : [operation];
}

/** The grant operations a key supports: those of its kind under its usage, and the key operations. */
export function grantOperationsOf(key: LoadedKey): GrantOperation[] {
  const usage = key.kind.usages[key.record.keyUsage];
  return [...(usage?.operations ?? []).flatMap(grantOperations), ...KEY_GRANT_OPERATIONS];
}

/** Whether the key takes an encryption context: symmetric encryption keys do, asymmetric and HMAC keys don't. */
function takesEncryptionContext(key: LoadedKey): boolean {
  const usage = key.kind.usages[key.record.keyUsage];
  return usage?.algorithms.EncryptionAlgorithms?.includes('SYMMETRIC_DEFAULT') ?? false;
}

type ConstraintName = keyof GrantConstraints;

/** The constraint with pairs in it (an empty map constrains nothing), or undefined. */
function normalizeConstraints(constraints: GrantConstraints | undefined): GrantConstraints | undefined {
  const given = (['EncryptionContextSubset', 'EncryptionContextEquals'] as const).filter(
    (name) => Object.keys(constraints?.[name] ?? {}).length > 0,
  );
  if (given.length > 1) throw GrantErrors.moreThanOneConstraint();
  const [name] = given;
  if (!name || !constraints) return undefined;
  const context = constraints[name] ?? {};
  const pairs = Object.keys(context).length;
  if (pairs > MAX_CONSTRAINT_PAIRS) throw GrantErrors.constraintTooManyPairs(name, pairs);
  const characters = Object.entries(context).reduce((sum, [k, v]) => sum + k.length + v.length, 0);
  if (characters > MAX_CONSTRAINT_CHARACTERS) throw GrantErrors.constraintTooLong(name, characters);
  return { [name]: { ...context } } as Record<ConstraintName, Record<string, string>>;
}

/**
 * CreateGrant's rules beyond the model's constraints, in the order AWS applies them as far as known: the
 * principals, the operations (at least one, not CreateGrant alone, each supported by the key), then the
 * constraints (one kind, within the documented limits, only on operations that take an encryption context).
 */
export function checkGrantRequest(input: CreateGrantRequest, key: LoadedKey): GrantRequest {
  if (!isPrincipal(input.GranteePrincipal))
    throw GrantErrors.invalidPrincipal('GranteePrincipal', input.GranteePrincipal);
  if (input.RetiringPrincipal !== undefined && !isPrincipal(input.RetiringPrincipal))
    throw GrantErrors.invalidPrincipal('RetiringPrincipal', input.RetiringPrincipal);

  const operations = [...new Set(input.Operations)];
  if (operations.length === 0) throw GrantErrors.noOperations();
  if (operations.every((operation) => operation === 'CreateGrant')) throw GrantErrors.onlyCreateGrant();
  const supported = grantOperationsOf(key);
  const unsupported = operations.filter((operation) => !supported.includes(operation));
  if (unsupported.length > 0)
    throw GrantErrors.operationsNotSupported(unsupported, key.kind.keySpec, key.record.keyUsage);

  const constraints = normalizeConstraints(input.Constraints);
  if (constraints) {
    const unconstrainable = takesEncryptionContext(key)
      ? operations.filter(
          (operation) =>
            !CONTEXT_GRANT_OPERATIONS.includes(operation) && !KEY_GRANT_OPERATIONS.includes(operation),
        )
      : operations.filter((operation) => !KEY_GRANT_OPERATIONS.includes(operation));
    if (unconstrainable.length > 0) throw GrantErrors.constraintsNotSupported(unconstrainable);
  }
  const request: GrantRequest = { granteePrincipal: input.GranteePrincipal, operations };
  if (input.Name !== undefined) request.name = input.Name;
  if (input.RetiringPrincipal !== undefined) request.retiringPrincipal = input.RetiringPrincipal;
  if (constraints) request.constraints = constraints;
  return request;
}

function sameContext(
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>> | undefined,
) {
  const left = Object.entries(a ?? {});
  return left.length === Object.keys(b ?? {}).length && left.every(([k, v]) => b?.[k] === v);
}

function sameRequest(grant: GrantRecord, request: GrantRequest): boolean {
  return (
    grant.name === request.name &&
    grant.granteePrincipal === request.granteePrincipal &&
    grant.retiringPrincipal === request.retiringPrincipal &&
    grant.operations.length === request.operations.length &&
    request.operations.every((operation) => grant.operations.includes(operation)) &&
    sameContext(grant.constraints?.EncryptionContextSubset, request.constraints?.EncryptionContextSubset) &&
    sameContext(grant.constraints?.EncryptionContextEquals, request.constraints?.EncryptionContextEquals)
  );
}

/**
 * The existing grant that a named CreateGrant retries: the key's grant with the same name and the same grantee,
 * retiring principal, operations and constraints. AWS then answers the original GrantId (with a new token). A
 * request without a name is never a retry, and a name is no identifier: the same name with other fields makes a
 * new grant.
 */
export function findRetriedGrant(
  grants: readonly GrantRecord[],
  request: GrantRequest,
): GrantRecord | undefined {
  if (request.name === undefined) return undefined;
  return grants.find((grant) => sameRequest(grant, request));
}

export function checkGrantLimit(grantsOfKey: number, keyArn: string): void {
  if (grantsOfKey >= MAX_GRANTS_PER_KEY) throw GrantErrors.tooManyGrants(keyArn, MAX_GRANTS_PER_KEY);
}

/** A new grant on `key` made by a caller of `issuingAccountId`; its ID is random, 64 hex characters. */
export function newGrant(
  request: GrantRequest,
  key: Pick<LoadedKey, 'arn' | 'record'>,
  issuingAccountId: string,
  now: Date,
): GrantRecord {
  return {
    grantId: randomBytes(32).toString('hex'),
    keyArn: key.arn,
    creationDate: now.getTime(),
    issuingAccount: accountRootArn(issuingAccountId, key.record.region),
    ...request,
  };
}

/**
 * A grant as ListGrants and ListRetirableGrants answer it. AWS's recorded listings (developer guide, "Managing
 * grants") show `"Name": ""` for a grant made without a name.
 */
export function grantListEntry(grant: GrantRecord): GrantListEntry {
  return {
    KeyId: grant.keyArn,
    GrantId: grant.grantId,
    Name: grant.name ?? '',
    CreationDate: grant.creationDate / 1000,
    GranteePrincipal: grant.granteePrincipal,
    RetiringPrincipal: grant.retiringPrincipal,
    IssuingAccount: grant.issuingAccount,
    Operations: [...grant.operations],
    Constraints: grant.constraints,
  };
}

const GRANT_ID = /^[0-9a-f]{64}$/;

/** Refuses a grant ID that cannot be one (InvalidGrantIdException); a well-formed unknown one is left to the caller. */
export function checkGrantId(grantId: string): void {
  if (!GRANT_ID.test(grantId)) throw GrantErrors.invalidGrantId(grantId);
}

/**
 * Who may retire a grant ("Retiring and revoking grants"): its retiring principal; its grantee principal if the
 * grant allows RetireGrant; and, as a backup, the account in which the grant was created. (IAM may narrow the
 * account's principals further: that is the authorization issue's.)
 */
export function checkRetire(grant: GrantRecord, caller: GrantCaller): void {
  const allowed =
    (grant.retiringPrincipal !== undefined && principalCovers(grant.retiringPrincipal, caller)) ||
    (grant.operations.includes('RetireGrant') && principalCovers(grant.granteePrincipal, caller)) ||
    accountOf(grant.issuingAccount) === caller.accountId;
  if (!allowed) throw accessDenied(caller.arn, 'RetireGrant', grant.keyArn);
}

/** How a RetireGrant request names its grant: by token, or by key and grant ID. */
export type RetireTarget = { grantToken: string } | { keyId: string; grantId: string };

export function retireTarget(input: { GrantToken?: string; KeyId?: string; GrantId?: string }): RetireTarget {
  if (input.GrantToken !== undefined) return { grantToken: input.GrantToken };
  if (input.KeyId !== undefined && input.GrantId !== undefined) {
    checkGrantId(input.GrantId);
    return { keyId: input.KeyId, grantId: input.GrantId };
  }
  throw GrantErrors.retireTarget();
}

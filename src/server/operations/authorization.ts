import {
  type ApplicableGrant,
  authorize,
  type CompiledPolicy,
  type ConditionContext,
  compileKeyPolicy,
  type Decision,
} from '../access/index.ts';
import type { OperationContext } from '../context.ts';
import { parseCiphertext } from '../crypto/ciphertext.ts';
import type { KMSError } from '../errors.ts';
import { grantAllows } from '../grants/authorize.ts';
import type { GrantRecord } from '../grants/grant.ts';
import { aliasArn, parseKeyReference } from '../keys/arn.ts';
import type { LoadedKey } from '../keys/key.ts';
import { defaultKeyPolicy } from '../keys/policy.ts';
import { LruCache } from '../store/lru.ts';
import type { Store } from '../store/store.ts';
import { findCiphertextKey, resolveKey } from './resolve.ts';

/**
 * The authorization step: before its handler, every request is decided as AWS KMS decides it (access/authorize.ts)
 * from the caller's principal, the key's policy, the caller's identity-based policies and the grants, with the
 * condition keys of the request. The handler then does the operation's own checks: a request that names a key
 * that doesn't exist is answered by the handler (NotFoundException...), as the key has no policy to deny with.
 */

/** The keys a request acts on, each with the action AWS authorizes on it. */
interface KeyAccess {
  /** How the request names it (a key ID, key ARN, alias name or alias ARN); undefined for a ciphertext's key. */
  reference: string | undefined;
  key: LoadedKey;
  action: string;
}

// biome-ignore lint/suspicious/noExplicitAny: the input of the operation that the run-time name selects
type Input = any;

/** How many compiled key policies stay in memory: a key's is compiled again when it was dropped. */
const POLICY_CACHE_SIZE = 10_000;
/** The most grants of a key a denied request looks through (AWS allows 50 000 per key; few have more than a handful). */
const GRANTS_CONSIDERED = 1000;

interface CachedPolicy {
  text: string;
  policy: CompiledPolicy;
  /** Whether it reads the key's tags or aliases, which cost the store a query per request. */
  readsKeyFacts: boolean;
}

/** The condition keys (and policy variables) that need the key's tags or aliases from the store. */
const KEY_FACTS = /resourcetag\/|resourcealiases/i;

const identityFacts = new WeakMap<CompiledPolicy, boolean>();

/** Whether an identity-based policy's conditions read the key's tags or aliases; remembered per policy. */
function identityReadsKeyFacts(policy: CompiledPolicy): boolean {
  let reads = identityFacts.get(policy);
  if (reads === undefined) {
    reads = policy.statements.some((statement) =>
      statement.conditions.some(
        (condition) =>
          KEY_FACTS.test(condition.key) || condition.values.some((value) => KEY_FACTS.test(value)),
      ),
    );
    identityFacts.set(policy, reads);
  }
  return reads;
}

export interface Authorization {
  /** Throws AccessDeniedException (with its `denial` explanation) when the request is not allowed. */
  check(
    operation: string,
    input: Input,
    context: OperationContext,
    tokenGrants: readonly GrantRecord[],
  ): void;
}

export function createAuthorization(
  store: Store,
  accounts: readonly string[],
  debug: (message: string) => void,
): Authorization {
  const policies = new LruCache<string, CachedPolicy>(POLICY_CACHE_SIZE);

  /** A key's compiled policy, compiled once per policy text. */
  function keyPolicy(key: LoadedKey): CachedPolicy {
    const text = key.record.policy;
    const cached = policies.get(key.arn);
    if (cached?.text === text) return cached;
    let policy: CompiledPolicy;
    try {
      policy = compileKeyPolicy(text);
    } catch (error) {
      // Only a data dir written before policies were checked in full can hold one: it acts as the default.
      debug(`the key policy of ${key.arn} is not valid (${(error as KMSError).message}); using the default`);
      policy = compileKeyPolicy(defaultKeyPolicy(key.record.accountId));
    }
    const entry = { text, policy, readsKeyFacts: KEY_FACTS.test(text) };
    policies.set(key.arn, entry);
    return entry;
  }

  /** The key a reference names, or undefined when it names none the handler would find (the handler says why). */
  function tryResolve(reference: unknown, context: OperationContext): LoadedKey | undefined {
    if (typeof reference !== 'string') return undefined;
    try {
      return resolveKey(store, context.caller, reference, 'key-or-alias', context.now);
    } catch {
      return undefined;
    }
  }

  function ciphertextKey(input: Input, context: OperationContext, given: LoadedKey | undefined) {
    if (given) return given;
    if (typeof input.CiphertextBlob !== 'string') return undefined;
    const parsed = parseCiphertext(Buffer.from(input.CiphertextBlob, 'base64'));
    return parsed && findCiphertextKey(store, context.caller, parsed.keyId, accounts);
  }

  function keysOf(operation: string, input: Input, context: OperationContext): KeyAccess[] | undefined {
    const access = (reference: unknown, action = operation): KeyAccess[] => {
      const key = tryResolve(reference, context);
      return key ? [{ reference: reference as string, key, action: `kms:${action}` }] : [];
    };
    switch (operation) {
      case 'Decrypt': {
        const key = ciphertextKey(input, context, tryResolve(input.KeyId, context));
        return key ? [{ reference: input.KeyId, key, action: 'kms:Decrypt' }] : [];
      }
      case 'ReEncrypt': {
        const source = ciphertextKey(input, context, tryResolve(input.SourceKeyId, context));
        return [
          ...(source ? [{ reference: input.SourceKeyId, key: source, action: 'kms:ReEncryptFrom' }] : []),
          ...access(input.DestinationKeyId, 'ReEncryptTo'),
        ];
      }
      // The alias's keys (its alias ARN is checked apart, by IAM: see aliasResource): the target, and for
      // UpdateAlias also the key the alias names until then.
      case 'CreateAlias':
        return access(input.TargetKeyId);
      case 'UpdateAlias':
        return [...access(input.AliasName), ...access(input.TargetKeyId)];
      case 'DeleteAlias':
        return access(input.AliasName);
      // The retiring principal retires its grants whatever the policies say (the handler checks who may).
      case 'RetireGrant':
        return [];
      // Decided by IAM alone, even when it names a key.
      case 'ListAliases':
        return undefined;
      default:
        return typeof input.KeyId === 'string' ? access(input.KeyId) : undefined;
    }
  }

  /** The grants that allow the request on the key: the key's own for the caller, and those of its grant tokens. */
  function grantsFor(
    { key, action }: KeyAccess,
    input: Input,
    context: OperationContext,
    tokenGrants: readonly GrantRecord[],
  ): ApplicableGrant[] {
    const caller = { arn: context.caller.principal.arn, accountId: context.caller.accountId };
    const request = {
      caller,
      keyArn: key.arn,
      operation: action.slice('kms:'.length) as GrantRecord['operations'][number],
      encryptionContext: input.EncryptionContext ?? input.SourceEncryptionContext,
    };
    const stored = store.listGrants(key, undefined, GRANTS_CONSIDERED, {});
    // A token's grant counts until it is retired or revoked, which removes it from the store.
    const tokens = tokenGrants.filter((grant) => store.findGrant(key, grant.grantId) !== undefined);
    return [...stored, ...tokens]
      .filter((grant) => grantAllows(grant, request))
      .map((grant) => ({ grantId: grant.grantId, operations: grant.operations }));
  }

  function deny(decision: Decision & { allowed: false }, operation: string, resource: string): never {
    const error = decision.error;
    error.denial = decision.explanation;
    debug(`${operation} on ${resource} denied: ${decision.explanation}`);
    throw error;
  }

  return {
    check(operation, input, context, tokenGrants) {
      const { principal } = context.caller;
      const alias = aliasResource(operation, input, context);
      if (alias !== undefined) {
        // An alias has no policy of its own: the caller's IAM policies must allow the action on its ARN.
        const decision = authorize({
          principal,
          action: `kms:${operation}`,
          resource: alias,
          context: () => requestContext(input, context, undefined, undefined),
        });
        if (!decision.allowed) deny(decision, operation, alias);
      }
      const keys = keysOf(operation, input, context);
      if (keys === undefined) {
        const decision = authorize({
          principal,
          action: `kms:${operation}`,
          resource: '*',
          context: () => requestContext(input, context, undefined, undefined),
        });
        if (!decision.allowed) deny(decision, operation, '*');
        return;
      }
      for (const access of keys) {
        const { policy, readsKeyFacts } = keyPolicy(access.key);
        const facts = readsKeyFacts || principal.policies.some(identityReadsKeyFacts) ? store : undefined;
        const request = {
          principal,
          action: access.action,
          resource: access.key.arn,
          keyPolicy: policy,
          context: () => requestContext(input, context, access, facts),
        };
        let decision = authorize(request);
        if (!decision.allowed && !decision.explicit) {
          const grants = grantsFor(access, input, context, tokenGrants);
          if (grants.length > 0) decision = authorize({ ...request, grants });
        }
        if (!decision.allowed) deny(decision, operation, access.key.arn);
      }
    },
  };
}

/**
 * The alias ARN that CreateAlias, UpdateAlias and DeleteAlias act on: AWS authorizes these on the alias as well as
 * on its keys (KMS Developer Guide, "Controlling access to aliases").
 */
function aliasResource(operation: string, input: Input, { caller }: OperationContext): string | undefined {
  if (operation !== 'CreateAlias' && operation !== 'UpdateAlias' && operation !== 'DeleteAlias')
    return undefined;
  return typeof input.AliasName === 'string'
    ? aliasArn(caller.accountId, caller.region, input.AliasName)
    : undefined;
}

function isAlias(reference: string | undefined): reference is string {
  if (reference === undefined) return false;
  const kind = parseKeyReference(reference).kind;
  return kind === 'aliasName' || kind === 'aliasArn';
}

/**
 * The condition keys of a request, as KMS documents them: the request's own (encryption context, algorithms,
 * grant and tag parameters...), the key's (spec, usage, origin, aliases, tags), and the global ones that make
 * sense locally. Built only when a condition reads one (access/context.ts).
 */
function requestContext(
  input: Input,
  { caller, now, sourceIp }: OperationContext,
  access: KeyAccess | undefined,
  store: Store | undefined,
): ConditionContext {
  const values: Record<string, string | number | boolean | readonly string[] | undefined> = {
    'aws:CurrentTime': now.toISOString(),
    'aws:EpochTime': Math.floor(now.getTime() / 1000),
    'aws:SecureTransport': false,
    'aws:RequestedRegion': caller.region,
    'aws:SourceIp': sourceIp,
    'kms:EncryptionAlgorithm': input.EncryptionAlgorithm ?? input.DestinationEncryptionAlgorithm,
    'kms:SigningAlgorithm': input.SigningAlgorithm,
    'kms:MacAlgorithm': input.MacAlgorithm,
    'kms:MessageType': input.MessageType,
    'kms:KeyAgreementAlgorithm': input.KeyAgreementAlgorithm,
    'kms:DataKeyPairSpec': input.KeyPairSpec,
    'kms:WrappingAlgorithm': input.WrappingAlgorithm,
    'kms:WrappingKeySpec': input.WrappingKeySpec,
    'kms:ExpirationModel': input.ExpirationModel,
    'kms:ReplicaRegion': input.ReplicaRegion,
    'kms:PrimaryRegion': input.PrimaryRegion,
    'kms:RotationPeriodInDays': input.RotationPeriodInDays,
    'kms:ScheduleKeyDeletionPendingWindowInDays': input.PendingWindowInDays,
    'kms:BypassPolicyLockoutSafetyCheck': input.BypassPolicyLockoutSafetyCheck,
    'kms:GrantOperations': input.Operations,
    'kms:GranteePrincipal': input.GranteePrincipal,
    'kms:RetiringPrincipal': input.RetiringPrincipal,
    'kms:GrantIsForAWSResource': input.GranteePrincipal === undefined ? undefined : false,
    'kms:GrantConstraintType': grantConstraintType(input.Constraints),
  };
  const encryptionContext: Record<string, string> | undefined =
    input.EncryptionContext ?? input.SourceEncryptionContext;
  if (encryptionContext) {
    values['kms:EncryptionContextKeys'] = Object.keys(encryptionContext);
    for (const [name, value] of Object.entries(encryptionContext))
      values[`kms:EncryptionContext:${name}`] = value;
  }
  const requestTags: { TagKey: string; TagValue: string }[] | undefined = input.Tags;
  if (requestTags) {
    values['aws:TagKeys'] = requestTags.map((tag) => tag.TagKey);
    for (const tag of requestTags) values[`aws:RequestTag/${tag.TagKey}`] = tag.TagValue;
  } else if (Array.isArray(input.TagKeys)) values['aws:TagKeys'] = input.TagKeys;
  if (access) {
    const { key } = access;
    values['kms:KeySpec'] = key.record.keySpec;
    values['kms:KeyUsage'] = key.record.keyUsage;
    values['kms:KeyOrigin'] = key.record.origin;
    values['kms:MultiRegion'] = key.record.multiRegion;
    if (isAlias(access.reference)) {
      const reference = access.reference;
      values['kms:RequestAlias'] = reference.startsWith('arn:')
        ? reference.slice(reference.indexOf(':alias/') + 1)
        : reference;
    }
  }
  if (access && store) {
    const { key } = access;
    values['kms:ResourceAliases'] = store
      .listAliases(key.record, undefined, 100, key)
      .map((alias) => alias.aliasName);
    for (const tag of store.tags(key)) values[`aws:ResourceTag/${tag.TagKey}`] = tag.TagValue;
  }
  return values;
}

function grantConstraintType(constraints: Input): string | undefined {
  if (constraints?.EncryptionContextEquals) return 'EncryptionContextEquals';
  if (constraints?.EncryptionContextSubset) return 'EncryptionContextSubset';
  return undefined;
}

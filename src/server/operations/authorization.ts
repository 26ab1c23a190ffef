import {
  type ApplicableGrant,
  authorize,
  type CompiledPolicy,
  type ContextReader,
  type ContextValue,
  canonicalKey,
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
import type { Tag } from '../keys/tags.ts';
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
  function keyPolicy(key: LoadedKey): CompiledPolicy {
    const text = key.record.policy;
    const cached = policies.get(key.arn);
    if (cached?.text === text) return cached.policy;
    let policy: CompiledPolicy;
    try {
      policy = compileKeyPolicy(text);
    } catch (error) {
      // Only a data dir written before policies were checked in full can hold one: it acts as the default.
      debug(`the key policy of ${key.arn} is not valid (${(error as KMSError).message}); using the default`);
      policy = compileKeyPolicy(defaultKeyPolicy(key.record.accountId));
    }
    policies.set(key.arn, { text, policy });
    return policy;
  }

  /** The key a reference names, or undefined when it names none the handler would find (the handler says why). */
  function tryResolve(reference: unknown, context: OperationContext): LoadedKey | undefined {
    if (typeof reference !== 'string') return undefined;
    try {
      return resolveKey(store, context, reference, 'key-or-alias');
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
          context: requestReader(input, context, undefined, store),
        });
        if (!decision.allowed) deny(decision, operation, alias);
      }
      const keys = keysOf(operation, input, context);
      if (keys === undefined) {
        const decision = authorize({
          principal,
          action: `kms:${operation}`,
          resource: '*',
          context: requestReader(input, context, undefined, store),
        });
        if (!decision.allowed) deny(decision, operation, '*');
        return;
      }
      for (const access of keys) {
        const request = {
          principal,
          action: access.action,
          resource: access.key.arn,
          keyPolicy: keyPolicy(access.key),
          context: requestReader(input, context, access, store),
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

/** What one request's condition keys are read from. */
interface RequestFacts {
  readonly input: Input;
  readonly context: OperationContext;
  /** The key the request acts on; undefined for an operation that has none (CreateKey, ListKeys...). */
  readonly access: KeyAccess | undefined;
  readonly store: Store;
  /** The key's tags and aliases, each read from the store once, when a condition first asks. */
  resourceTags?: Named;
  resourceAliases?: readonly string[];
}

type ReadValue = (facts: RequestFacts) => ContextValue | undefined;

/** The table of condition keys by canonical name, from names as AWS writes them. */
function byCanonicalName<T>(table: Readonly<Record<string, T>>): ReadonlyMap<string, T> {
  return new Map(Object.entries(table).map(([name, value]) => [canonicalKey(name), value]));
}

const encryptionContextOf = (input: Input): Record<string, string> | undefined =>
  input.EncryptionContext ?? input.SourceEncryptionContext;

/**
 * The condition keys of a request, as KMS documents them: the request's own (encryption context, algorithms,
 * grant and tag parameters...), the key's (spec, usage, origin, aliases, tags), and the global ones that make
 * sense locally. Each is computed only when a condition reads it, so a request pays for the keys its policies
 * name, and a store query (the key's tags or aliases) only when one names those.
 */
const REQUEST_KEYS = byCanonicalName<ReadValue>({
  'aws:CurrentTime': ({ context }) => context.now.toISOString(),
  'aws:EpochTime': ({ context }) => Math.floor(context.now.getTime() / 1000),
  'aws:SecureTransport': () => false,
  'aws:RequestedRegion': ({ context }) => context.caller.region,
  'aws:SourceIp': ({ context }) => context.sourceIp,
  'kms:EncryptionAlgorithm': ({ input }) => input.EncryptionAlgorithm ?? input.DestinationEncryptionAlgorithm,
  'kms:SigningAlgorithm': ({ input }) => input.SigningAlgorithm,
  'kms:MacAlgorithm': ({ input }) => input.MacAlgorithm,
  'kms:MessageType': ({ input }) => input.MessageType,
  'kms:KeyAgreementAlgorithm': ({ input }) => input.KeyAgreementAlgorithm,
  'kms:DataKeyPairSpec': ({ input }) => input.KeyPairSpec,
  'kms:WrappingAlgorithm': ({ input }) => input.WrappingAlgorithm,
  'kms:WrappingKeySpec': ({ input }) => input.WrappingKeySpec,
  'kms:ExpirationModel': ({ input }) => input.ExpirationModel,
  'kms:ReplicaRegion': ({ input }) => input.ReplicaRegion,
  'kms:PrimaryRegion': ({ input }) => input.PrimaryRegion,
  'kms:RotationPeriodInDays': ({ input }) => input.RotationPeriodInDays,
  'kms:ScheduleKeyDeletionPendingWindowInDays': ({ input }) => input.PendingWindowInDays,
  'kms:BypassPolicyLockoutSafetyCheck': ({ input }) => input.BypassPolicyLockoutSafetyCheck,
  'kms:GrantOperations': ({ input }) => input.Operations,
  'kms:GranteePrincipal': ({ input }) => input.GranteePrincipal,
  'kms:RetiringPrincipal': ({ input }) => input.RetiringPrincipal,
  'kms:GrantIsForAWSResource': ({ input }) => (input.GranteePrincipal === undefined ? undefined : false),
  'kms:GrantConstraintType': ({ input }) => grantConstraintType(input.Constraints),
  'kms:EncryptionContextKeys': ({ input }) => {
    const encryptionContext = encryptionContextOf(input);
    return encryptionContext && Object.keys(encryptionContext);
  },
  'aws:TagKeys': ({ input }) => {
    const requestTags: { TagKey: string }[] | undefined = input.Tags;
    if (requestTags) return requestTags.map((tag) => tag.TagKey);
    return Array.isArray(input.TagKeys) ? input.TagKeys : undefined;
  },
  'kms:KeySpec': ({ access }) => access?.key.record.keySpec,
  'kms:KeyUsage': ({ access }) => access?.key.record.keyUsage,
  'kms:KeyOrigin': ({ access }) => access?.key.record.origin,
  'kms:MultiRegion': ({ access }) => access?.key.record.multiRegion,
  'kms:RequestAlias': ({ access }) => {
    const reference = access?.reference;
    if (!isAlias(reference)) return undefined;
    return reference.startsWith('arn:') ? reference.slice(reference.indexOf(':alias/') + 1) : reference;
  },
  'kms:ResourceAliases': (facts) => {
    const { access, store } = facts;
    if (!access) return undefined;
    facts.resourceAliases ??= store
      .listAliases(access.key.record, undefined, 100, access.key)
      .map((alias) => alias.aliasName);
    return facts.resourceAliases;
  },
});

/** Name-value pairs of the request or its key, as condition keys with a name part read them. */
type Named = readonly (readonly [name: string, value: string])[];

const tagEntries = (tags: readonly Tag[]): Named => tags.map((tag) => [tag.TagKey, tag.TagValue]);

/** The keys that end in a name of the request's or the key's (`kms:EncryptionContext:AppName`...), by prefix. */
const NAMED_KEYS = [
  ...byCanonicalName<(facts: RequestFacts) => Named | undefined>({
    'kms:EncryptionContext:': ({ input }) => {
      const encryptionContext = encryptionContextOf(input);
      return encryptionContext && Object.entries(encryptionContext);
    },
    'aws:RequestTag/': ({ input }) => input.Tags && tagEntries(input.Tags),
    'aws:ResourceTag/': (facts) => {
      if (!facts.access) return undefined;
      facts.resourceTags ??= tagEntries(facts.store.tags(facts.access.key));
      return facts.resourceTags;
    },
  }),
];

/**
 * The value of the last entry whose condition key (`prefix` and the entry's name) is `key`: condition key names
 * are case-insensitive, so names that differ only in case name one key, and the last one counts.
 */
function namedValue(key: string, prefix: string, entries: Named): string | undefined {
  let found: string | undefined;
  for (const [name, value] of entries) if (canonicalKey(prefix + name) === key) found = value;
  return found;
}

/** Reads the condition keys of one request (see REQUEST_KEYS) as the policy engine asks for them. */
function requestReader(
  input: Input,
  context: OperationContext,
  access: KeyAccess | undefined,
  store: Store,
): ContextReader {
  const facts: RequestFacts = { input, context, access, store };
  return (key) => {
    const read = REQUEST_KEYS.get(key);
    if (read) return read(facts);
    for (const [prefix, entries] of NAMED_KEYS) {
      if (key.startsWith(prefix)) {
        const named = entries(facts);
        return named && namedValue(key, prefix, named);
      }
    }
    return undefined;
  };
}

function grantConstraintType(constraints: Input): string | undefined {
  if (constraints?.EncryptionContextEquals) return 'EncryptionContextEquals';
  if (constraints?.EncryptionContextSubset) return 'EncryptionContextSubset';
  return undefined;
}

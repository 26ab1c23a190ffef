import { randomUUID } from 'node:crypto';
import type { Caller, OperationContext } from '../context.ts';
import { type CustomKeyStoreRecord, checkKeyUsable, settled } from '../custom-key-stores/custom-key-store.ts';
import type { GrantCaller } from '../grants/principals.ts';
import {
  aliasArn,
  isGeneratedKeyIdFormat,
  type KeyReference,
  keyArn,
  parseKeyReference,
} from '../keys/arn.ts';
import { awsManagedKeyRecord, awsManagedService } from '../keys/aws-managed.ts';
import { type LoadedKey, symmetricMaterial } from '../keys/key.ts';
import { CustomKeyStoreErrors, Errors } from '../messages.ts';
import type { Scope, Store } from '../store/store.ts';

/** Whether an operation accepts alias names and alias ARNs, or only key IDs and key ARNs (as AWS documents). */
export type Naming = 'key-or-alias' | 'key-only';

/** Who calls, as grants and AWS's refusals name a principal: its account root, IAM user or role session. */
export function callerPrincipal(caller: Caller): GrantCaller {
  return { arn: caller.principal.arn, accountId: caller.accountId };
}

function missingKey(caller: Caller, keyId: string, given: string): never {
  if (!isGeneratedKeyIdFormat(keyId)) throw Errors.invalidKeyId(keyId);
  throw Errors.keyNotFound(given.startsWith('arn:') ? given : keyArn(caller.accountId, caller.region, keyId));
}

/**
 * The AWS managed key of an `alias/aws/<service>` alias that has none yet: AWS creates it on the first reference,
 * with the alias, in one transaction.
 */
function createAwsManagedKey(
  store: Store,
  caller: Caller,
  aliasName: string,
  now: Date,
): LoadedKey | undefined {
  const service = awsManagedService(aliasName);
  if (!service) return undefined;
  const record = awsManagedKeyRecord(caller.accountId, caller.region, service, randomUUID(), now);
  return store.transaction(() => {
    const key = store.createKey(record, [symmetricMaterial(now.getTime())], []);
    store.createAlias(aliasName, key, now.getTime());
    return key;
  });
}

/**
 * Finds the key a request names, within the caller's region only: a key ID or alias names a key of the
 * caller's account; a key ARN of another account names that account's key, which the authorization step lets
 * the caller use only when the key policy shares it (AccessDeniedException otherwise, as AWS answers). An
 * alias ARN of another account names nothing the caller can see. Where aliases are allowed, naming an
 * `alias/aws/<service>` alias that has no key yet creates its AWS managed key, at the request's time.
 *
 * A reference names the same key throughout a request: the key found is remembered in the request's context,
 * so that the handler reuses the key the authorization step found instead of looking it up again.
 */
export function resolveKey(
  store: Store,
  context: OperationContext,
  value: string,
  naming: Naming,
): LoadedKey {
  const reference = parseKeyReference(value);
  checkReference(context.caller, reference, naming);
  context.resolvedKeys ??= new Map();
  let key = context.resolvedKeys.get(value);
  if (key === undefined) {
    key = findReferencedKey(store, context, reference, value);
    context.resolvedKeys.set(value, key);
  }
  return key;
}

/** What a reference can't name, whatever the store holds: aliases where they aren't allowed, other Regions. */
function checkReference(caller: Caller, reference: KeyReference, naming: Naming): void {
  if (reference.kind === 'keyId') return;
  if (reference.kind !== 'keyArn' && naming === 'key-only') throw Errors.aliasesNotSupported();
  if (reference.kind !== 'aliasName' && reference.region !== caller.region)
    throw Errors.otherRegionArn(reference.region);
}

function findReferencedKey(
  store: Store,
  { caller, now }: OperationContext,
  reference: KeyReference,
  value: string,
): LoadedKey {
  if (reference.kind === 'keyId')
    return store.findKey(caller, reference.keyId) ?? missingKey(caller, reference.keyId, value);
  if (reference.kind === 'keyArn') {
    const owner = { accountId: reference.accountId, region: caller.region };
    return store.findKey(owner, reference.keyId) ?? missingKey(caller, reference.keyId, value);
  }
  // Errors are built only when thrown: capturing a stack trace per request would dominate the data plane.
  const notFound = () => Errors.aliasNotFound(aliasArn(caller.accountId, caller.region, reference.aliasName));
  if (reference.kind === 'aliasArn' && reference.accountId !== caller.accountId) throw notFound();
  const target = store.aliasTarget(caller, reference.aliasName);
  const key =
    target === undefined
      ? createAwsManagedKey(store, caller, reference.aliasName, now)
      : store.findKey(caller, target);
  if (!key) throw notFound();
  return key;
}

/**
 * The key a ciphertext names by ID: the caller's, or else one of another account the server knows (`accounts`),
 * for ciphertexts of keys shared across accounts; the authorization step decides whether the caller may use it.
 */
export function findCiphertextKey(
  store: Store,
  caller: Caller,
  keyId: string,
  accounts: readonly string[],
): LoadedKey | undefined {
  const own = store.findKey(caller, keyId);
  if (own) return own;
  for (const accountId of accounts) {
    if (accountId === caller.accountId) continue;
    const key = store.findKey({ accountId, region: caller.region }, keyId);
    if (key) return key;
  }
  return undefined;
}

/** A custom key store of the scope, its emulated connection state as of `now`. */
export function findCustomKeyStore(
  store: Store,
  scope: Scope,
  customKeyStoreId: string,
  now: Date,
): CustomKeyStoreRecord {
  const found = store.customKeyStores(scope).find((entry) => entry.customKeyStoreId === customKeyStoreId);
  if (!found) throw CustomKeyStoreErrors.notFound(customKeyStoreId);
  return settled(found, now);
}

/** A key in a custom key store is usable in cryptographic operations only while its store is connected. */
export function checkKeyStoreConnected(store: Store, key: LoadedKey, now: Date): void {
  const { customKeyStoreId } = key.record;
  if (customKeyStoreId !== undefined)
    checkKeyUsable(findCustomKeyStore(store, key.record, customKeyStoreId, now), key.arn);
}

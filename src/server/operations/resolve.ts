import { randomUUID } from 'node:crypto';
import type { Caller } from '../context.ts';
import { type CustomKeyStoreRecord, checkKeyUsable, settled } from '../custom-key-stores/custom-key-store.ts';
import type { GrantCaller } from '../grants/principals.ts';
import { aliasArn, isGeneratedKeyIdFormat, keyArn, parseKeyReference } from '../keys/arn.ts';
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
 * alias ARN of another account names nothing the caller can see. Operations that take an alias give the request's
 * time, `now`: naming an `alias/aws/<service>` alias that has no key yet then creates its AWS managed key.
 */
export function resolveKey(
  store: Store,
  caller: Caller,
  value: string,
  naming: Naming,
  now?: Date,
): LoadedKey {
  const reference = parseKeyReference(value);
  if (reference.kind === 'keyId' || reference.kind === 'keyArn') {
    if (reference.kind === 'keyArn') {
      if (reference.region !== caller.region) throw Errors.otherRegionArn(reference.region);
      const owner = { accountId: reference.accountId, region: caller.region };
      return store.findKey(owner, reference.keyId) ?? missingKey(caller, reference.keyId, value);
    }
    return store.findKey(caller, reference.keyId) ?? missingKey(caller, reference.keyId, value);
  }
  if (naming === 'key-only') throw Errors.aliasesNotSupported();
  // Errors are built only when thrown: capturing a stack trace per request would dominate the data plane.
  const notFound = () => Errors.aliasNotFound(aliasArn(caller.accountId, caller.region, reference.aliasName));
  if (reference.kind === 'aliasArn') {
    if (reference.region !== caller.region) throw Errors.otherRegionArn(reference.region);
    if (reference.accountId !== caller.accountId) throw notFound();
  }
  const target = store.aliasTarget(caller, reference.aliasName);
  const key =
    target === undefined
      ? now && createAwsManagedKey(store, caller, reference.aliasName, now)
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

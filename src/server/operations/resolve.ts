import type { Caller } from '../context.ts';
import { aliasArn, isGeneratedKeyIdFormat, keyArn, parseKeyReference } from '../keys/arn.ts';
import type { LoadedKey } from '../keys/key.ts';
import { Errors } from '../messages.ts';
import type { Store } from '../store/store.ts';

/** Whether an operation accepts alias names and alias ARNs, or only key IDs and key ARNs (as AWS documents). */
export type Naming = 'key-or-alias' | 'key-only';

function missingKey(caller: Caller, keyId: string, given: string): never {
  if (!isGeneratedKeyIdFormat(keyId)) throw Errors.invalidKeyId(keyId);
  throw Errors.keyNotFound(given.startsWith('arn:') ? given : keyArn(caller.accountId, caller.region, keyId));
}

/**
 * Finds the key a request names, within the caller's account and region only: a key ARN or alias ARN of
 * another region or account names nothing the caller can see.
 */
export function resolveKey(store: Store, caller: Caller, value: string, naming: Naming): LoadedKey {
  const reference = parseKeyReference(value);
  if (reference.kind === 'keyId' || reference.kind === 'keyArn') {
    if (reference.kind === 'keyArn') {
      if (reference.region !== caller.region) throw Errors.otherRegionArn(reference.region);
      if (reference.accountId !== caller.accountId) missingKey(caller, reference.keyId, value);
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
  const key = target === undefined ? undefined : store.findKey(caller, target);
  if (!key) throw notFound();
  return key;
}

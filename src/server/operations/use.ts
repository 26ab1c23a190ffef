import type { KeyLastUsageTrackingOperation } from '../../protocol/index.ts';
import type { OperationContext } from '../context.ts';
import type { KeyCrypto } from '../crypto/key-crypto.ts';
import { checkAlgorithm, checkUsage, currentMaterial, type LoadedKey } from '../keys/key.ts';
import type { AlgorithmFamilies, CryptographicOperation } from '../keys/kinds.ts';
import { checkState } from '../keys/states.ts';
import type { Store } from '../store/store.ts';
import { checkKeyStoreConnected, resolveKey } from './resolve.ts';

/**
 * What every operation that uses a key's material does around its cryptography: find the key (aliases allowed,
 * as for every data-plane operation; naming an AWS managed key's alias creates the key), check that its state, its
 * usage and (for a key in a custom key store) its store's connection allow the operation and that it offers the
 * algorithm asked for, and record the use for GetKeyLastUsage.
 */

/** The key's state, its usage and its custom key store's connection allow the operation. */
export function checkUsable(
  store: Store,
  key: LoadedKey,
  operation: CryptographicOperation,
  now: Date,
): void {
  checkState(key, operation);
  checkUsage(key, operation);
  checkKeyStoreConnected(store, key, now);
}

/** The key a request names, once its state and usage allow the operation. */
export function usableKey(
  store: Store,
  context: OperationContext,
  keyId: string,
  operation: CryptographicOperation,
): LoadedKey {
  const key = resolveKey(store, context, keyId, 'key-or-alias');
  checkUsable(store, key, operation, context.now);
  return key;
}

/**
 * The key a request names, its current material and the implementation of the algorithm asked for, once the key
 * allows the operation and offers the algorithm (AWS's InvalidKeyUsageException otherwise). `schemes` picks the
 * family's implementations from the key's crypto, which implements every algorithm its kind offers.
 */
export function keyForAlgorithm<F extends keyof AlgorithmFamilies, T>(
  store: Store,
  context: OperationContext,
  request: { keyId: string; operation: CryptographicOperation; family: F; algorithm: AlgorithmFamilies[F] },
  schemes: (crypto: KeyCrypto) => Readonly<Partial<Record<string, T>>> | undefined,
): { key: LoadedKey; material: Buffer; scheme: T } {
  const key = usableKey(store, context, request.keyId, request.operation);
  checkAlgorithm(key, request.family, request.algorithm);
  const scheme = key.kind.crypto && schemes(key.kind.crypto)?.[request.algorithm];
  if (!scheme) throw new Error(`${key.kind.keySpec} offers ${request.algorithm} but does not implement it`);
  return { key, material: currentMaterial(key).bytes, scheme };
}

export function recordUse(
  store: Store,
  key: LoadedKey,
  operation: KeyLastUsageTrackingOperation,
  { now, requestId }: OperationContext,
): void {
  store.recordUsage(key, { operation, timestamp: now.getTime(), requestId });
}

import type { KeyLastUsageTrackingOperation } from '../../protocol/index.ts';
import type { Caller, OperationContext } from '../context.ts';
import { checkAlgorithm, checkUsage, currentMaterial, type LoadedKey } from '../keys/key.ts';
import type { AlgorithmFamilies, CryptographicOperation } from '../keys/kinds.ts';
import { checkState } from '../keys/states.ts';
import type { Store } from '../store/store.ts';
import { resolveKey } from './resolve.ts';

/**
 * What every operation that uses a key's material does around its cryptography: find the key (aliases allowed,
 * as for every data-plane operation), check that its state and usage allow the operation and that it offers the
 * algorithm asked for, and record the use for GetKeyLastUsage.
 */

/** The key's state and usage allow the operation. */
export function checkUsable(key: LoadedKey, operation: CryptographicOperation): void {
  checkState(key, operation);
  checkUsage(key, operation);
}

/** The key a request names, once its state and usage allow the operation. */
export function usableKey(
  store: Store,
  caller: Caller,
  keyId: string,
  operation: CryptographicOperation,
): LoadedKey {
  const key = resolveKey(store, caller, keyId, 'key-or-alias');
  checkUsable(key, operation);
  return key;
}

/**
 * The key a request names with the current material and the algorithm asked for, once the key allows the
 * operation and offers the algorithm (AWS's InvalidKeyUsageException otherwise).
 */
export function keyForAlgorithm<F extends keyof AlgorithmFamilies>(
  store: Store,
  caller: Caller,
  keyId: string,
  operation: CryptographicOperation,
  family: F,
  algorithm: AlgorithmFamilies[F],
): { key: LoadedKey; material: Buffer } {
  const key = usableKey(store, caller, keyId, operation);
  checkAlgorithm(key, family, algorithm);
  return { key, material: currentMaterial(key).bytes };
}

/**
 * The implementation of an algorithm that the key offers (checked before): a kind's crypto implements every
 * algorithm the kind lists, so a missing one is a kmslab bug, not a request's fault.
 */
export function implementation<T>(
  key: LoadedKey,
  schemes: Readonly<Partial<Record<string, T>>> | undefined,
  algorithm: string,
): T {
  const scheme = schemes?.[algorithm];
  if (!scheme) throw new Error(`${key.kind.keySpec} offers ${algorithm} but does not implement it`);
  return scheme;
}

export function recordUse(
  store: Store,
  key: LoadedKey,
  operation: KeyLastUsageTrackingOperation,
  { now, requestId }: OperationContext,
): void {
  store.recordUsage(key, { operation, timestamp: now.getTime(), requestId });
}

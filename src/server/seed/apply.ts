import { checkNewAliasName } from '../keys/alias.ts';
import {
  generateMaterial,
  type KeyMaterial,
  type LoadedKey,
  SYMMETRIC_CUSTOMER_KEY,
  seededMaterial,
} from '../keys/key.ts';
import { defaultKeyPolicy } from '../keys/policy.ts';
import { checkTags } from '../keys/tags.ts';
import type { Store } from '../store/store.ts';
import type { SeedKey, SeedSpec } from './spec.ts';

interface Scope {
  accountId: string;
  region: string;
}

function seedMaterials(seed: SeedKey, now: number): KeyMaterial[] {
  if (!seed.materials || seed.materials.length === 0) return [generateMaterial(now)];
  const materials = seed.materials.map((bytes, index) => ({
    ...seededMaterial(bytes, now),
    // Versions after the first stand for rotations that happened before the seed was written.
    rotationType: index === 0 ? undefined : ('AUTOMATIC' as const),
  }));
  if (new Set(materials.map((m) => m.materialId)).size !== materials.length) {
    throw new Error(`seed key ${seed.keyId}: the same key material is listed twice`);
  }
  return materials;
}

function checkSeedKeyId(keyId: string): void {
  if (keyId.length === 0 || keyId.length > 2048 || keyId.startsWith('arn:') || keyId.startsWith('alias/')) {
    throw new Error(
      `seed key ID '${keyId}' can't name a key: it must be 1-2048 characters, not an ARN or alias`,
    );
  }
}

function seedKey(store: Store, seed: SeedKey, scope: Scope, now: number): LoadedKey {
  const tags = seed.tags ?? [];
  checkTags(tags);
  const existing = store.findKey(scope, seed.keyId);
  if (existing) {
    const present = new Set(store.tags(existing).map((t) => t.TagKey));
    const missing = tags.filter((t) => !present.has(t.TagKey));
    if (missing.length > 0) store.replaceTags(existing, [...store.tags(existing), ...missing]);
    return existing;
  }
  checkSeedKeyId(seed.keyId);
  return store.createKey(
    {
      accountId: scope.accountId,
      region: scope.region,
      keyId: seed.keyId,
      description: seed.description ?? '',
      keyState: seed.enabled === false ? 'Disabled' : 'Enabled',
      creationDate: now,
      policy: defaultKeyPolicy(scope.accountId),
      onDemandRotations: 0,
      ...SYMMETRIC_CUSTOMER_KEY,
    },
    seedMaterials(seed, now),
    tags,
  );
}

function seedAlias(store: Store, aliasName: string, key: LoadedKey, now: number): void {
  checkNewAliasName(aliasName);
  if (!store.findAlias(key.record, aliasName)) store.createAlias(aliasName, key, now);
}

/**
 * Creates the keys, aliases and tags a seed declares and that don't exist yet; what exists is left as it is, so
 * applying a seed at every start changes nothing after the first.
 */
export function applySeed(store: Store, spec: SeedSpec, defaults: Scope, now: Date): void {
  const time = now.getTime();
  store.transaction(() => {
    for (const seed of spec.keys) {
      const scope = {
        accountId: seed.accountId ?? defaults.accountId,
        region: seed.region ?? defaults.region,
      };
      const key = seedKey(store, seed, scope, time);
      for (const aliasName of seed.aliases ?? []) seedAlias(store, aliasName, key, time);
    }
    for (const alias of spec.aliases ?? []) {
      const accountId = alias.accountId ?? defaults.accountId;
      const region = alias.region ?? defaults.region;
      const key = store.findKey({ accountId, region }, alias.targetKeyId);
      if (!key) {
        throw new Error(
          `seed alias ${alias.aliasName}: no key '${alias.targetKeyId}' in ${accountId} ${region}`,
        );
      }
      seedAlias(store, alias.aliasName, key, time);
    }
  });
}

import type { KeyUsageType, OperationName } from '../../protocol/index.ts';
import { partitionOf } from '../../protocol/regions.ts';
import { KMSError } from '../errors.ts';
import { checkNewAliasName } from '../keys/alias.ts';
import { checkKeyId, isAccountId } from '../keys/arn.ts';
import {
  generateMaterial,
  type KeyMaterial,
  type LoadedKey,
  SYMMETRIC_CUSTOMER_KEY,
  seededMaterial,
} from '../keys/key.ts';
import { type KeyKind, requestedKind } from '../keys/kinds.ts';
import { defaultKeyPolicy } from '../keys/policy.ts';
import { checkTags } from '../keys/tags.ts';
import type { Scope, Store } from '../store/store.ts';
import { validateInput } from '../validate.ts';
import { SeedError, type SeedKey, type SeedSpec } from './spec.ts';

/**
 * Applying a seed: first it is checked whole, by the rules the API applies to the same requests (a key as
 * CreateKey would take its description and tags, each alias as CreateAlias would take it: the model's constraints
 * through validation, then the domain's rules), so that a seed creates nothing the API would refuse, and a seed
 * file fails with what the API would answer. Then what it declares and is missing is created, in one transaction.
 */

/** Where in the seed a problem is: `seed.yaml: key "k1": alias "alias/x"`. */
type Where = string;

function fail(where: Where, problem: string): never {
  throw new SeedError(`${where}: ${problem}`);
}

/** Runs one of the API's checks; its error becomes the seed's, in the API's words. */
function asTheApi(where: Where, check: () => void): void {
  try {
    check();
  } catch (error) {
    if (error instanceof KMSError) fail(where, `${error.type}: ${error.message}`);
    throw error;
  }
}

/** The model's constraints on the members of `operation`'s request that the seed gives. */
function validateAs(operation: OperationName, members: Record<string, unknown>): void {
  validateInput(operation, Object.fromEntries(Object.entries(members).filter(([, v]) => v !== undefined)));
}

function checkScope(where: Where, accountId: string | undefined, region: string | undefined): void {
  if (accountId !== undefined && !isAccountId(accountId)) {
    fail(where, `account "${accountId}" is not a 12-digit AWS account ID`);
  }
  // Requests are signed for a region AWS KMS runs in only: a key in any other could never be reached.
  if (region !== undefined && !partitionOf(region)) {
    fail(where, `region "${region}" is not a region AWS KMS runs in, such as us-east-1`);
  }
}

function checkAlias(where: Where, aliasName: string, targetKeyId: string): void {
  asTheApi(`${where}: alias "${aliasName}"`, () => {
    validateAs('CreateAlias', { AliasName: aliasName, TargetKeyId: targetKeyId });
    checkNewAliasName(aliasName);
  });
}

function checkKey(where: Where, key: SeedKey): void {
  checkScope(where, key.accountId, key.region);
  asTheApi(where, () => {
    validateAs('DescribeKey', { KeyId: key.keyId });
    checkKeyId(key.keyId);
  });
  asTheApi(where, () => {
    validateAs('CreateKey', {
      Description: key.description,
      Tags: key.tags,
      KeySpec: key.keySpec,
      KeyUsage: key.keyUsage,
    });
    checkTags(key.tags ?? []);
  });
  let kind: KeyKind | undefined;
  asTheApi(where, () => {
    kind = seedKind(key).kind;
  });
  const materials = (key.materials ?? []).map((bytes) => Buffer.from(bytes).toString('hex'));
  if (new Set(materials).size !== materials.length) fail(where, 'the same key material is listed twice');
  if (kind && !kind.rotates && materials.length > 1)
    fail(where, `a ${kind.keySpec} key has one material: it does not rotate`);
  for (const bytes of key.materials ?? []) {
    if (kind && !seededMaterial(bytes, 0, kind))
      fail(where, `the material is not ${kind.keySpec} key material`);
  }
  for (const aliasName of key.aliases ?? []) checkAlias(where, aliasName, key.keyId);
}

/**
 * Refuses a seed that declares what the API would refuse, or a key ID or alias name twice in one account and
 * region; the message names `source`, the key or alias, and the problem.
 */
export function checkSeed(spec: SeedSpec, source: string, defaults: Scope): void {
  const keyIds = new Set<string>();
  const aliasNames = new Set<string>();
  const scoped = (accountId: string | undefined, region: string | undefined, name: string) =>
    `${accountId ?? defaults.accountId}/${region ?? defaults.region}/${name}`;
  const claimAlias = (where: Where, name: string, accountId?: string, region?: string) => {
    const id = scoped(accountId, region, name);
    if (aliasNames.has(id)) fail(where, `alias "${name}" is declared more than once`);
    aliasNames.add(id);
  };
  for (const key of spec.keys) {
    const where = `${source}: key "${key.keyId}"`;
    checkKey(where, key);
    const id = scoped(key.accountId, key.region, key.keyId);
    if (keyIds.has(id)) fail(where, 'the key ID is declared more than once');
    keyIds.add(id);
    for (const name of key.aliases ?? []) claimAlias(where, name, key.accountId, key.region);
  }
  for (const alias of spec.aliases ?? []) {
    const where = `${source}: alias "${alias.aliasName}"`;
    checkScope(where, alias.accountId, alias.region);
    checkAlias(source, alias.aliasName, alias.targetKeyId);
    claimAlias(where, alias.aliasName, alias.accountId, alias.region);
  }
}

/** The kind and usage a seeded key asks for, by CreateKey's rules (a symmetric encryption key by default). */
function seedKind(seed: SeedKey): { kind: KeyKind; keyUsage: KeyUsageType } {
  return requestedKind(seed.keySpec ?? 'SYMMETRIC_DEFAULT', seed.keyUsage);
}

async function seedMaterials(seed: SeedKey, now: number): Promise<KeyMaterial[]> {
  const { kind } = seedKind(seed);
  if (!seed.materials || seed.materials.length === 0) return [await generateMaterial(now, { kind })];
  return seed.materials.map((bytes, index) => ({
    // checkSeed found every material to be material of the kind.
    ...(seededMaterial(bytes, now, kind) as KeyMaterial),
    // Versions after the first stand for rotations that happened before the seed was written.
    rotationType: index === 0 ? undefined : ('AUTOMATIC' as const),
  }));
}

function seedKey(
  store: Store,
  seed: SeedKey,
  scope: Scope,
  now: number,
  materials: readonly KeyMaterial[] | undefined,
): LoadedKey {
  const tags = seed.tags ?? [];
  const existing = store.findKey(scope, seed.keyId);
  if (existing) {
    const present = new Set(store.tags(existing).map((t) => t.TagKey));
    const missing = tags.filter((t) => !present.has(t.TagKey));
    if (missing.length > 0) store.replaceTags(existing, [...store.tags(existing), ...missing]);
    return existing;
  }
  // applySeed made material for every key that was missing when it began.
  if (!materials) throw new Error(`no material was made for seed key ${seed.keyId}`);
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
      ...(({ kind, keyUsage }) => ({ keySpec: kind.keySpec, keyUsage }))(seedKind(seed)),
    },
    materials,
    tags,
  );
}

function seedAlias(store: Store, aliasName: string, key: LoadedKey, now: number): void {
  if (!store.findAlias(key.record, aliasName)) store.createAlias(aliasName, key, now);
}

/**
 * Checks the seed (checkSeed), then creates the keys, aliases and tags it declares that don't exist yet, in one
 * transaction; what exists is left as it is, so applying a seed at every start changes nothing after the first.
 */
export async function applySeed(
  store: Store,
  spec: SeedSpec,
  source: string,
  defaults: Scope,
  now: Date,
): Promise<void> {
  checkSeed(spec, source, defaults);
  const time = now.getTime();
  const scopeOf = (seed: SeedKey): Scope => ({
    accountId: seed.accountId ?? defaults.accountId,
    region: seed.region ?? defaults.region,
  });
  // Material is made (off the event loop, for key pairs) before the transaction, for the missing keys only.
  const materials = new Map<SeedKey, KeyMaterial[]>();
  for (const seed of spec.keys) {
    if (!store.findKey(scopeOf(seed), seed.keyId)) materials.set(seed, await seedMaterials(seed, time));
  }
  store.transaction(() => {
    for (const seed of spec.keys) {
      const key = seedKey(store, seed, scopeOf(seed), time, materials.get(seed));
      for (const aliasName of seed.aliases ?? []) seedAlias(store, aliasName, key, time);
    }
    for (const alias of spec.aliases ?? []) {
      const scope = {
        accountId: alias.accountId ?? defaults.accountId,
        region: alias.region ?? defaults.region,
      };
      const key = store.findKey(scope, alias.targetKeyId);
      if (!key) {
        fail(
          `${source}: alias "${alias.aliasName}"`,
          `no key "${alias.targetKeyId}" in account ${scope.accountId}, region ${scope.region}`,
        );
      }
      seedAlias(store, alias.aliasName, key, time);
    }
  });
}

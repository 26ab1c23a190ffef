import type { CustomKeyStoreRecord } from '../../custom-key-stores/custom-key-store.ts';
import type { GrantRecord } from '../../grants/grant.ts';
import { keyArn } from '../../keys/arn.ts';
import {
  type ImportedMaterial,
  type KeyMaterial,
  type KeyRecord,
  type LoadedKey,
  loadedKey,
} from '../../keys/key.ts';
import type { MultiRegionSet } from '../../keys/multi-region.ts';
import type { Tag } from '../../keys/tags.ts';
import { LruCache } from '../lru.ts';
import type {
  AliasRecord,
  GrantFilters,
  ImportedMaterialUpdate,
  KeyChanges,
  Listed,
  Scope,
  Store,
  UsageRecord,
} from '../store.ts';
import { AliasTable } from './aliases.ts';
import { CustomKeyStoreTable } from './custom-key-stores.ts';
import { type Connection, openConnection, Transactions } from './database.ts';
import { GrantTable } from './grants.ts';
import { ImportedMaterialTable } from './imported-materials.ts';
import { type KeyRow, KeyTable, recordOf } from './keys.ts';
import { MaterialTable } from './materials.ts';
import { type Migrated, migrate } from './migrations.ts';
import { MultiRegionTable } from './multi-region.ts';
import { RootKeySealer, recordRootKey, verifyRootKey } from './sealing.ts';
import { TagTable } from './tags.ts';
import { UsageTable } from './usage.ts';

interface SqliteStoreOptions {
  /** How many keys (with their decrypted material) stay in memory; the least recently used are dropped. */
  keyCacheSize?: number;
}

/** Enough for the hot keys of any load test; each cached key costs a few KB. */
const DEFAULT_KEY_CACHE_SIZE = 10_000;

interface OpenedStore {
  store: Store;
  /** The schema versions the database was migrated between, when it was. */
  migrated: Migrated | undefined;
}

function scopeKey(scope: Scope, name: string): string {
  return `${scope.accountId}\u0000${scope.region}\u0000${name}`;
}

/**
 * Opens the SQLite database at `path` (':memory:' for a throwaway store) under `rootKey`: refuses a root key other
 * than the one it was created with, then migrates its schema to this release's.
 */
export function openSqliteStore(
  path: string,
  rootKey: Uint8Array,
  options: SqliteStoreOptions = {},
): OpenedStore {
  const sealer = new RootKeySealer(rootKey);
  const db = openConnection(path);
  try {
    verifyRootKey(db, sealer);
    const migrated = migrate(db, path);
    recordRootKey(db, sealer);
    return { store: new SqliteStore(db, sealer, options.keyCacheSize ?? DEFAULT_KEY_CACHE_SIZE), migrated };
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * The Store on SQLite: a module per table, joined here with the caches of what the data plane reads (a key with
 * its decrypted material, an alias's target), bounded LRU caches kept up to date by every write that goes
 * through this class, and changed only once that write has committed.
 */
class SqliteStore implements Store {
  readonly #db: Connection;
  readonly #transactions: Transactions;
  readonly #keys: KeyTable;
  readonly #materials: MaterialTable;
  readonly #imported: ImportedMaterialTable;
  readonly #multiRegion: MultiRegionTable;
  readonly #aliases: AliasTable;
  readonly #tags: TagTable;
  readonly #grants: GrantTable;
  readonly #customKeyStores: CustomKeyStoreTable;
  readonly #usage: UsageTable;
  readonly #cachedKeys: LruCache<string, LoadedKey>;
  readonly #aliasTargets: LruCache<string, string>;
  /** The row id of every key this store handed out: the rest of kmslab never sees it. */
  readonly #rowIds = new WeakMap<LoadedKey, number>();

  constructor(db: Connection, sealer: RootKeySealer, cacheSize: number) {
    this.#db = db;
    this.#transactions = new Transactions(db);
    this.#keys = new KeyTable(db);
    this.#materials = new MaterialTable(db, sealer);
    this.#imported = new ImportedMaterialTable(db);
    this.#multiRegion = new MultiRegionTable(db);
    this.#aliases = new AliasTable(db);
    this.#tags = new TagTable(db);
    this.#grants = new GrantTable(db);
    this.#customKeyStores = new CustomKeyStoreTable(db, sealer);
    this.#usage = new UsageTable(db, this.#transactions);
    this.#cachedKeys = new LruCache(cacheSize);
    this.#aliasTargets = new LruCache(cacheSize);
  }

  transaction<T>(work: () => T): T {
    return this.#transactions.run(work);
  }

  #rowId(key: LoadedKey): number {
    const pk = this.#rowIds.get(key);
    if (pk === undefined) throw new Error(`key ${key.arn} was not handed out by this store`);
    return pk;
  }

  // Keys

  findKey(scope: Scope, keyId: string): LoadedKey | undefined {
    const cached = this.#cachedKeys.get(scopeKey(scope, keyId));
    if (cached) return cached;
    const row = this.#keys.find(scope, keyId);
    return row ? this.#load(row) : undefined;
  }

  #load(row: KeyRow, record = recordOf(row)): LoadedKey {
    const imported = record.origin === 'EXTERNAL' ? this.#imported.all(row.pk) : undefined;
    return this.#remember(row.pk, record, this.#materials.all(row.pk, record), imported);
  }

  /**
   * Caches a key as it is on disk once the running transaction (if any) commits, and hides the old version now. A
   * key of origin EXTERNAL has import records (none at first).
   */
  #remember(
    pk: number,
    record: KeyRecord,
    materials: readonly KeyMaterial[],
    imported: readonly ImportedMaterial[] | undefined = record.origin === 'EXTERNAL' ? [] : undefined,
  ): LoadedKey {
    const key = loadedKey(record, materials, imported);
    this.#rowIds.set(key, pk);
    const cacheKey = scopeKey(record, record.keyId);
    this.#cachedKeys.delete(cacheKey);
    this.#transactions.whenCommitted(() => this.#cachedKeys.set(cacheKey, key));
    return key;
  }

  listKeys(scope: Scope, after: string | undefined, limit: number): Listed<{ keyId: string }>[] {
    return this.#keys.page(scope, after, limit);
  }

  createKey(record: KeyRecord, materials: readonly KeyMaterial[], tags: readonly Tag[]): LoadedKey {
    return this.transaction(() => {
      const pk = this.#keys.insert(record);
      materials.forEach((material, seq) => {
        this.#materials.insert(pk, seq, record, material);
      });
      this.#tags.replace(pk, tags);
      return this.#remember(pk, record, materials);
    });
  }

  updateKey(key: LoadedKey, changes: KeyChanges): LoadedKey {
    const pk = this.#rowId(key);
    const record: KeyRecord = { ...key.record, ...changes };
    return this.transaction(() => {
      this.#keys.update(pk, record);
      return this.#remember(pk, record, key.materials, key.imported);
    });
  }

  addMaterial(key: LoadedKey, material: KeyMaterial, changes: KeyChanges = {}): LoadedKey {
    const pk = this.#rowId(key);
    const record: KeyRecord = { ...key.record, ...changes };
    return this.transaction(() => {
      this.#materials.insert(pk, this.#materials.nextSeq(pk), record, material);
      this.#keys.update(pk, record);
      return this.#remember(pk, record, [...key.materials, material], key.imported);
    });
  }

  updateImportedMaterials(key: LoadedKey, update: ImportedMaterialUpdate): LoadedKey {
    const pk = this.#rowId(key);
    const record: KeyRecord = { ...key.record, ...update.changes };
    const removed = new Set(update.remove ?? []);
    const materials = key.materials.filter((m) => !removed.has(m.materialId));
    if (update.add) materials.push(update.add);
    return this.transaction(() => {
      for (const materialId of removed) this.#materials.delete(pk, materialId);
      if (update.add) this.#materials.insert(pk, this.#materials.nextSeq(pk), record, update.add);
      this.#imported.replace(pk, update.imported);
      this.#keys.update(pk, record);
      return this.#remember(pk, record, materials, update.imported);
    });
  }

  keysWithExpiredMaterial(now: number, limit: number): LoadedKey[] {
    return this.#imported.dueForExpiry(now, limit).flatMap((pk) => this.#byRowId(pk) ?? []);
  }

  // Multi-Region keys

  multiRegionSet(accountId: string, keyId: string): MultiRegionSet | undefined {
    return this.#multiRegion.find(accountId, keyId);
  }

  saveMultiRegionSet(accountId: string, keyId: string, set: MultiRegionSet | undefined): void {
    this.transaction(() => this.#multiRegion.save(accountId, keyId, set));
  }

  deleteKey(key: LoadedKey): void {
    const pk = this.#rowId(key);
    this.transaction(() => {
      const aliases = this.#aliases.namesOfKey(pk);
      // The foreign keys cascade: material, aliases, tags, grants and usage go with the key's row.
      this.#keys.delete(pk);
      // Dropping cache entries is always safe: they reload from disk if the transaction rolls back.
      this.#cachedKeys.delete(scopeKey(key.record, key.record.keyId));
      for (const alias of aliases) this.#aliasTargets.delete(scopeKey(key.record, alias));
      this.#transactions.whenCommitted(() => this.#usage.forget(pk));
    });
  }

  #byRowId(pk: number): LoadedKey | undefined {
    const row = this.#keys.byPk(pk);
    if (!row) return undefined;
    const record = recordOf(row);
    return this.#cachedKeys.get(scopeKey(record, record.keyId)) ?? this.#load(row, record);
  }

  keysDueForDeletion(now: number, limit: number): LoadedKey[] {
    return this.#keys.dueForDeletion(now, limit).flatMap((pk) => this.#byRowId(pk) ?? []);
  }

  keysCreatingSince(createdBy: number, limit: number): LoadedKey[] {
    return this.#keys.creatingSince(createdBy, limit).flatMap((pk) => this.#byRowId(pk) ?? []);
  }

  keysDueForRotation(now: number, limit: number): LoadedKey[] {
    return this.#keys.dueForRotation(now, limit).flatMap((pk) => this.#byRowId(pk) ?? []);
  }

  // Aliases

  findAlias(scope: Scope, aliasName: string): AliasRecord | undefined {
    return this.#aliases.find(scope, aliasName);
  }

  aliasTarget(scope: Scope, aliasName: string): string | undefined {
    const cacheKey = scopeKey(scope, aliasName);
    const cached = this.#aliasTargets.get(cacheKey);
    if (cached !== undefined) return cached;
    const target = this.#aliases.find(scope, aliasName)?.targetKeyId;
    if (target !== undefined) this.#rememberAlias(cacheKey, target);
    return target;
  }

  #rememberAlias(cacheKey: string, targetKeyId: string): void {
    this.#aliasTargets.delete(cacheKey);
    this.#transactions.whenCommitted(() => this.#aliasTargets.set(cacheKey, targetKeyId));
  }

  listAliases(
    scope: Scope,
    after: string | undefined,
    limit: number,
    key?: LoadedKey,
  ): Listed<AliasRecord>[] {
    return this.#aliases.page(scope, after, limit, key && this.#rowId(key));
  }

  createAlias(aliasName: string, key: LoadedKey, now: number): void {
    const pk = this.#rowId(key);
    this.transaction(() => {
      this.#aliases.insert(key.record, aliasName, pk, now);
      this.#rememberAlias(scopeKey(key.record, aliasName), key.record.keyId);
    });
  }

  retargetAlias(aliasName: string, key: LoadedKey, now: number): void {
    const pk = this.#rowId(key);
    this.transaction(() => {
      this.#aliases.retarget(key.record, aliasName, pk, now);
      this.#rememberAlias(scopeKey(key.record, aliasName), key.record.keyId);
    });
  }

  deleteAlias(scope: Scope, aliasName: string): void {
    this.transaction(() => {
      this.#aliases.delete(scope, aliasName);
      this.#aliasTargets.delete(scopeKey(scope, aliasName));
    });
  }

  // Tags

  tags(key: LoadedKey): Tag[] {
    return this.#tags.all(this.#rowId(key));
  }

  replaceTags(key: LoadedKey, tags: readonly Tag[]): void {
    const pk = this.#rowId(key);
    this.transaction(() => this.#tags.replace(pk, tags));
  }

  // Grants

  listGrants(
    key: LoadedKey,
    after: string | undefined,
    limit: number,
    filters: GrantFilters,
  ): Listed<GrantRecord>[] {
    return this.#grants.page(this.#rowId(key), key.arn, after, limit, filters);
  }

  listRetirableGrants(
    scope: Scope,
    principal: string,
    after: string | undefined,
    limit: number,
  ): Listed<GrantRecord>[] {
    return this.#grants.retirable(scope, principal, after, limit, (pk) => {
      const row = this.#keys.byPk(pk);
      return row ? keyArn(row.account_id as string, row.region as string, row.key_id as string) : '';
    });
  }

  findGrant(key: LoadedKey, grantId: string): GrantRecord | undefined {
    return this.#grants.find(this.#rowId(key), key.arn, grantId);
  }

  grantsNamed(key: LoadedKey, name: string): GrantRecord[] {
    return this.#grants.named(this.#rowId(key), key.arn, name);
  }

  grantCount(key: LoadedKey): number {
    return this.#grants.count(this.#rowId(key));
  }

  createGrant(key: LoadedKey, grant: GrantRecord): void {
    const pk = this.#rowId(key);
    this.transaction(() => this.#grants.insert(pk, grant));
  }

  deleteGrant(key: LoadedKey, grantId: string): void {
    const pk = this.#rowId(key);
    this.transaction(() => this.#grants.delete(pk, grantId));
  }

  // Custom key stores

  customKeyStores(scope: Scope): CustomKeyStoreRecord[] {
    return this.#customKeyStores.all(scope);
  }

  createCustomKeyStore(scope: Scope, record: CustomKeyStoreRecord): void {
    this.transaction(() => this.#customKeyStores.insert(scope, record));
  }

  updateCustomKeyStore(scope: Scope, record: CustomKeyStoreRecord): void {
    this.transaction(() => this.#customKeyStores.update(scope, record));
  }

  deleteCustomKeyStore(scope: Scope, customKeyStoreId: string): void {
    this.transaction(() => this.#customKeyStores.delete(scope, customKeyStoreId));
  }

  keysInCustomKeyStore(scope: Scope, customKeyStoreId: string): { keyId: string; xksKeyId?: string }[] {
    return this.#keys.inCustomKeyStore(scope, customKeyStoreId);
  }

  // Last usage

  recordUsage(key: LoadedKey, usage: UsageRecord): void {
    this.#usage.record(this.#rowId(key), usage);
  }

  lastUsage(key: LoadedKey): UsageRecord | undefined {
    return this.#usage.last(this.#rowId(key));
  }

  flushUsage(): void {
    this.#usage.flush();
  }

  close(): void {
    if (!this.#db.open) return;
    try {
      this.flushUsage();
    } finally {
      this.#db.close();
    }
  }
}

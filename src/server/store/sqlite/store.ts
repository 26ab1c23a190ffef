import { type KeyMaterial, type KeyRecord, type LoadedKey, loadedKey } from '../../keys/key.ts';
import type { Tag } from '../../keys/tags.ts';
import { LruCache } from '../lru.ts';
import type { AliasRecord, KeyChanges, Listed, Scope, Store, UsageRecord } from '../store.ts';
import { AliasTable } from './aliases.ts';
import { type Connection, openConnection, Transactions } from './database.ts';
import { type KeyRow, KeyTable, recordOf } from './keys.ts';
import { MaterialTable } from './materials.ts';
import { type Migrated, migrate } from './migrations.ts';
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
  readonly #aliases: AliasTable;
  readonly #tags: TagTable;
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
    this.#aliases = new AliasTable(db);
    this.#tags = new TagTable(db);
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
    return this.#remember(row.pk, record, this.#materials.all(row.pk, record));
  }

  /** Caches a key as it is on disk once the running transaction (if any) commits, and hides the old version now. */
  #remember(pk: number, record: KeyRecord, materials: readonly KeyMaterial[]): LoadedKey {
    const key = loadedKey(record, materials);
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
      return this.#remember(pk, record, key.materials);
    });
  }

  addMaterial(key: LoadedKey, material: KeyMaterial, changes: KeyChanges = {}): LoadedKey {
    const pk = this.#rowId(key);
    const record: KeyRecord = { ...key.record, ...changes };
    return this.transaction(() => {
      this.#materials.insert(pk, key.materials.length, record, material);
      this.#keys.update(pk, record);
      return this.#remember(pk, record, [...key.materials, material]);
    });
  }

  deleteKey(key: LoadedKey): void {
    const pk = this.#rowId(key);
    this.transaction(() => {
      const aliases = this.#aliases.namesOfKey(pk);
      // The foreign keys cascade: material, aliases, tags and usage go with the key's row.
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

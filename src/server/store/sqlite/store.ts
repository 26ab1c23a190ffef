import Database from 'better-sqlite3';
import {
  type KeyMaterial,
  type KeyRecord,
  type KeyState,
  type LoadedKey,
  loadedKey,
  type RotationType,
} from '../../keys/key.ts';
import type { Tag } from '../../keys/tags.ts';
import { Errors } from '../../messages.ts';
import { LruCache } from '../lru.ts';
import { SCHEMA, SCHEMA_VERSION } from './migrations.ts';
import { RootKeySealer } from './sealing.ts';

/** A key as the store hands it out: the domain view plus its row id. */
export interface StoredKey extends LoadedKey {
  readonly pk: number;
}

export interface AliasRecord {
  accountId: string;
  region: string;
  aliasName: string;
  targetKeyId: string;
  creationDate: number;
  lastUpdatedDate: number;
}

/** An item of a listing with the opaque cursor that continues the listing after it. */
export type Listed<T> = T & { cursor: string };

export interface KeyUsage {
  operation: string;
  timestamp: number;
  requestId: string;
}

interface KeyRow {
  pk: number;
  account_id: string;
  region: string;
  key_id: string;
  description: string;
  key_state: string;
  creation_date: number;
  deletion_date: number | null;
  pending_window_days: number | null;
  policy: string;
  rotation_period_days: number | null;
  next_rotation_date: number | null;
  on_demand_rotations: number;
}

interface MaterialRow {
  material_id: string;
  sealed: Buffer;
  created_at: number;
  rotation_type: string | null;
}

interface AliasRow {
  account_id: string;
  region: string;
  alias_name: string;
  key_id: string;
  creation_date: number;
  last_updated_date: number;
}

const ROOT_KEY_CHECK = 'root-key-check';
const ROOT_KEY_CHECK_TEXT = 'kmslab root key check';

function scopeKey(accountId: string, region: string, name: string): string {
  return `${accountId}\u0000${region}\u0000${name}`;
}

function materialBinding(record: KeyRecord, materialId: string): string {
  return `kmslab key material\u0000${record.accountId}\u0000${record.region}\u0000${record.keyId}\u0000${materialId}`;
}

function recordFromRow(row: KeyRow): KeyRecord {
  return {
    accountId: row.account_id,
    region: row.region,
    keyId: row.key_id,
    description: row.description,
    keyState: row.key_state as KeyState,
    creationDate: row.creation_date,
    deletionDate: row.deletion_date ?? undefined,
    pendingWindowInDays: row.pending_window_days ?? undefined,
    policy: row.policy,
    rotationPeriodInDays: row.rotation_period_days ?? undefined,
    nextRotationDate: row.next_rotation_date ?? undefined,
    onDemandRotations: row.on_demand_rotations,
  };
}

function mutableColumns(record: KeyRecord) {
  return {
    description: record.description,
    key_state: record.keyState,
    deletion_date: record.deletionDate ?? null,
    pending_window_days: record.pendingWindowInDays ?? null,
    policy: record.policy,
    rotation_period_days: record.rotationPeriodInDays ?? null,
    next_rotation_date: record.nextRotationDate ?? null,
    on_demand_rotations: record.onDemandRotations,
  };
}

function aliasFromRow(row: AliasRow): AliasRecord {
  return {
    accountId: row.account_id,
    region: row.region,
    aliasName: row.alias_name,
    targetKeyId: row.key_id,
    creationDate: row.creation_date,
    lastUpdatedDate: row.last_updated_date,
  };
}

export interface KeyStoreOptions {
  /** How many keys (with their decrypted material) stay in memory; the least recently used are dropped. */
  keyCacheSize?: number;
}

/** Enough for the hot keys of any load test; each cached key costs a few KB. */
export const DEFAULT_KEY_CACHE_SIZE = 10_000;

/**
 * Keys, material, aliases, tags and usage in SQLite. Reads that the data plane makes (a key with its decrypted
 * material, an alias's target) are cached in memory, in bounded LRU caches, and kept up to date by every write that
 * goes through this class. Memory follows disk: every write runs in a transaction and reaches the caches only
 * once it has committed. Last-usage records are kept in memory until flushUsage() writes them in one batch.
 */
export class KeyStore {
  readonly #db: Database.Database;
  readonly #sealer: RootKeySealer;
  readonly #keys: LruCache<string, StoredKey>;
  readonly #aliasTargets: LruCache<string, string>;
  readonly #unflushedUsage = new Map<number, KeyUsage>();
  /** Cache changes waiting for the running transaction to commit; undefined outside a transaction. */
  #onCommit: (() => void)[] | undefined;
  readonly #statements;

  constructor(path: string, rootKey: Uint8Array, options: KeyStoreOptions = {}) {
    this.#sealer = new RootKeySealer(rootKey);
    const cacheSize = options.keyCacheSize ?? DEFAULT_KEY_CACHE_SIZE;
    this.#keys = new LruCache(cacheSize);
    this.#aliasTargets = new LruCache(cacheSize);
    this.#db = new Database(path);
    try {
      if (path !== ':memory:' && path !== '') this.#db.pragma('journal_mode = WAL');
      this.#db.pragma('foreign_keys = ON');
      this.#db.pragma('synchronous = NORMAL');
      this.#db.exec(SCHEMA);
      this.#checkRootKey();
    } catch (error) {
      this.#db.close();
      throw error;
    }
    const db = this.#db;
    this.#statements = {
      keyByScope: db.prepare<[string, string, string], KeyRow>(
        'SELECT * FROM keys WHERE account_id = ? AND region = ? AND key_id = ?',
      ),
      keyByPk: db.prepare<[number], KeyRow>('SELECT * FROM keys WHERE pk = ?'),
      keysPage: db.prepare<[string, string, number, number], { pk: number; key_id: string }>(
        'SELECT pk, key_id FROM keys WHERE account_id = ? AND region = ? AND pk > ? ORDER BY pk LIMIT ?',
      ),
      insertKey: db.prepare(
        `INSERT INTO keys (account_id, region, key_id, description, key_state, creation_date, deletion_date,
           pending_window_days, policy, rotation_period_days, next_rotation_date, on_demand_rotations)
         VALUES (@account_id, @region, @key_id, @description, @key_state, @creation_date, @deletion_date,
           @pending_window_days, @policy, @rotation_period_days, @next_rotation_date, @on_demand_rotations)`,
      ),
      updateKey: db.prepare(
        `UPDATE keys SET description = @description, key_state = @key_state, deletion_date = @deletion_date,
           pending_window_days = @pending_window_days, policy = @policy, rotation_period_days = @rotation_period_days,
           next_rotation_date = @next_rotation_date, on_demand_rotations = @on_demand_rotations
         WHERE pk = @pk`,
      ),
      deleteKey: db.prepare<[number]>('DELETE FROM keys WHERE pk = ?'),
      // Both walk their partial index in date order: the earliest due first, never the whole table.
      dueForDeletion: db.prepare<[number, number], { pk: number }>(
        `SELECT pk FROM keys WHERE key_state = 'PendingDeletion' AND deletion_date <= ?
         ORDER BY deletion_date LIMIT ?`,
      ),
      dueForRotation: db.prepare<[number, number], { pk: number }>(
        `SELECT pk FROM keys WHERE key_state = 'Enabled' AND next_rotation_date <= ?
         ORDER BY next_rotation_date LIMIT ?`,
      ),
      materials: db.prepare<[number], MaterialRow>(
        'SELECT material_id, sealed, created_at, rotation_type FROM key_materials WHERE key_pk = ? ORDER BY seq',
      ),
      insertMaterial: db.prepare(
        `INSERT INTO key_materials (key_pk, seq, material_id, sealed, created_at, rotation_type)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      alias: db.prepare<[string, string, string], AliasRow>(
        `SELECT a.*, k.key_id FROM aliases a JOIN keys k ON k.pk = a.key_pk
         WHERE a.account_id = ? AND a.region = ? AND a.alias_name = ?`,
      ),
      aliasesPage: db.prepare<[string, string, string, number], AliasRow>(
        `SELECT a.*, k.key_id FROM aliases a JOIN keys k ON k.pk = a.key_pk
         WHERE a.account_id = ? AND a.region = ? AND a.alias_name > ? ORDER BY a.alias_name LIMIT ?`,
      ),
      aliasesOfKeyPage: db.prepare<[number, string, number], AliasRow>(
        `SELECT a.*, k.key_id FROM aliases a JOIN keys k ON k.pk = a.key_pk
         WHERE a.key_pk = ? AND a.alias_name > ? ORDER BY a.alias_name LIMIT ?`,
      ),
      aliasNamesOfKey: db.prepare<[number], { alias_name: string }>(
        'SELECT alias_name FROM aliases WHERE key_pk = ?',
      ),
      insertAlias: db.prepare(
        `INSERT INTO aliases (account_id, region, alias_name, key_pk, creation_date, last_updated_date)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      retargetAlias: db.prepare(
        'UPDATE aliases SET key_pk = ?, last_updated_date = ? WHERE account_id = ? AND region = ? AND alias_name = ?',
      ),
      deleteAlias: db.prepare('DELETE FROM aliases WHERE account_id = ? AND region = ? AND alias_name = ?'),
      tags: db.prepare<[number], { tag_key: string; tag_value: string }>(
        'SELECT tag_key, tag_value FROM tags WHERE key_pk = ? ORDER BY tag_key',
      ),
      deleteTags: db.prepare<[number]>('DELETE FROM tags WHERE key_pk = ?'),
      insertTag: db.prepare('INSERT INTO tags (key_pk, tag_key, tag_value) VALUES (?, ?, ?)'),
      usage: db.prepare<[number], { operation: string; timestamp: number; request_id: string }>(
        'SELECT operation, timestamp, request_id FROM key_last_usage WHERE key_pk = ?',
      ),
      upsertUsage: db.prepare(
        `INSERT INTO key_last_usage (key_pk, operation, timestamp, request_id) VALUES (?, ?, ?, ?)
         ON CONFLICT (key_pk) DO UPDATE SET operation = excluded.operation, timestamp = excluded.timestamp,
           request_id = excluded.request_id`,
      ),
    };
  }

  /** Refuses to start with a root key other than the one the database was created with. */
  #checkRootKey(): void {
    const row = this.#db
      .prepare<[string], { value: Buffer }>('SELECT value FROM meta WHERE name = ?')
      .get(ROOT_KEY_CHECK);
    if (!row) {
      const insert = this.#db.prepare('INSERT INTO meta (name, value) VALUES (?, ?)');
      this.transaction(() => {
        insert.run(ROOT_KEY_CHECK, this.#sealer.seal(Buffer.from(ROOT_KEY_CHECK_TEXT), ROOT_KEY_CHECK));
        insert.run('schema-version', Buffer.from(String(SCHEMA_VERSION)));
      });
      return;
    }
    if (!this.#sealer.open(row.value, ROOT_KEY_CHECK)) throw new RootKeyMismatch();
  }

  /**
   * Runs `work` in one SQLite transaction, or as part of the running one. The caches change only once the
   * transaction has committed: a write that fails (a full disk) leaves memory and disk as they were.
   */
  transaction<T>(work: () => T): T {
    if (this.#onCommit) return work();
    const onCommit: (() => void)[] = [];
    this.#onCommit = onCommit;
    let result: T;
    try {
      result = this.#db.transaction(work)();
    } finally {
      this.#onCommit = undefined;
    }
    for (const change of onCommit) change();
    return result;
  }

  #whenCommitted(change: () => void): void {
    if (this.#onCommit) this.#onCommit.push(change);
    else change();
  }

  // Keys

  findKey(accountId: string, region: string, keyId: string): StoredKey | undefined {
    const cached = this.#keys.get(scopeKey(accountId, region, keyId));
    if (cached) return cached;
    const row = this.#statements.keyByScope.get(accountId, region, keyId);
    return row ? this.#load(row) : undefined;
  }

  #load(row: KeyRow): StoredKey {
    const record = recordFromRow(row);
    const materials = this.#statements.materials.all(row.pk).map((m): KeyMaterial => {
      const bytes = this.#sealer.open(m.sealed, materialBinding(record, m.material_id));
      if (!bytes) throw new Error(`key material ${m.material_id} of key ${record.keyId} does not open`);
      return {
        materialId: m.material_id,
        bytes,
        createdAt: m.created_at,
        rotationType: (m.rotation_type ?? undefined) as RotationType | undefined,
      };
    });
    return this.#remember(row.pk, record, materials);
  }

  /** Caches a key as it is on disk once the running transaction (if any) commits, and hides the old version now. */
  #remember(pk: number, record: KeyRecord, materials: KeyMaterial[]): StoredKey {
    const key: StoredKey = { ...loadedKey(record, materials), pk };
    const cacheKey = scopeKey(record.accountId, record.region, record.keyId);
    this.#keys.delete(cacheKey);
    this.#whenCommitted(() => this.#keys.set(cacheKey, key));
    return key;
  }

  /** Key IDs in creation order, `limit` at most, after the key whose cursor is given. */
  listKeys(
    accountId: string,
    region: string,
    after: string | undefined,
    limit: number,
  ): Listed<{ keyId: string }>[] {
    return this.#statements.keysPage
      .all(accountId, region, after === undefined ? 0 : keyCursor(after), limit)
      .map((r) => ({ keyId: r.key_id, cursor: String(r.pk) }));
  }

  createKey(record: KeyRecord, materials: KeyMaterial[], tags: readonly Tag[]): StoredKey {
    return this.transaction(() => {
      const { lastInsertRowid } = this.#statements.insertKey.run({
        account_id: record.accountId,
        region: record.region,
        key_id: record.keyId,
        creation_date: record.creationDate,
        ...mutableColumns(record),
      });
      const pk = Number(lastInsertRowid);
      materials.forEach((material, seq) => {
        this.#insertMaterial(pk, seq, record, material);
      });
      this.#writeTags(pk, tags);
      return this.#remember(pk, record, materials);
    });
  }

  #insertMaterial(pk: number, seq: number, record: KeyRecord, material: KeyMaterial): void {
    this.#statements.insertMaterial.run(
      pk,
      seq,
      material.materialId,
      this.#sealer.seal(material.bytes, materialBinding(record, material.materialId)),
      material.createdAt,
      material.rotationType ?? null,
    );
  }

  updateKey(
    key: StoredKey,
    changes: Partial<Omit<KeyRecord, 'accountId' | 'region' | 'keyId' | 'creationDate'>>,
  ): StoredKey {
    const record: KeyRecord = { ...key.record, ...changes };
    return this.transaction(() => {
      this.#statements.updateKey.run({ pk: key.pk, ...mutableColumns(record) });
      return this.#remember(key.pk, record, [...key.materials]);
    });
  }

  /** Adds a material version, which becomes current, and records the change to the key in the same transaction. */
  rotate(key: StoredKey, material: KeyMaterial, changes: Partial<KeyRecord> = {}): StoredKey {
    const record: KeyRecord = { ...key.record, ...changes };
    return this.transaction(() => {
      this.#insertMaterial(key.pk, key.materials.length, key.record, material);
      this.#statements.updateKey.run({ pk: key.pk, ...mutableColumns(record) });
      return this.#remember(key.pk, record, [...key.materials, material]);
    });
  }

  /** Deletes the key with its material, aliases, tags and usage (the foreign keys cascade). */
  deleteKey(key: StoredKey): void {
    const { accountId, region, keyId } = key.record;
    this.transaction(() => {
      const aliases = this.#statements.aliasNamesOfKey.all(key.pk);
      this.#statements.deleteKey.run(key.pk);
      // Dropping cache entries is always safe: they reload from disk if the transaction rolls back.
      this.#keys.delete(scopeKey(accountId, region, keyId));
      for (const alias of aliases) this.#aliasTargets.delete(scopeKey(accountId, region, alias.alias_name));
      this.#whenCommitted(() => this.#unflushedUsage.delete(key.pk));
    });
  }

  #byPk(pk: number): StoredKey | undefined {
    const row = this.#statements.keyByPk.get(pk);
    if (!row) return undefined;
    return this.#keys.get(scopeKey(row.account_id, row.region, row.key_id)) ?? this.#load(row);
  }

  /** Keys whose deletion date has come, the earliest first, `limit` at most. */
  keysDueForDeletion(now: number, limit: number): StoredKey[] {
    return this.#statements.dueForDeletion.all(now, limit).flatMap((r) => this.#byPk(r.pk) ?? []);
  }

  /** Enabled keys whose automatic rotation date has come, the earliest first, `limit` at most. */
  keysDueForRotation(now: number, limit: number): StoredKey[] {
    return this.#statements.dueForRotation.all(now, limit).flatMap((r) => this.#byPk(r.pk) ?? []);
  }

  // Aliases

  findAlias(accountId: string, region: string, aliasName: string): AliasRecord | undefined {
    const row = this.#statements.alias.get(accountId, region, aliasName);
    return row ? aliasFromRow(row) : undefined;
  }

  /** The key ID an alias points to; cached, since the data plane resolves aliases on every request. */
  aliasTarget(accountId: string, region: string, aliasName: string): string | undefined {
    const cacheKey = scopeKey(accountId, region, aliasName);
    const cached = this.#aliasTargets.get(cacheKey);
    if (cached !== undefined) return cached;
    const target = this.findAlias(accountId, region, aliasName)?.targetKeyId;
    if (target !== undefined) this.#rememberAlias(cacheKey, target);
    return target;
  }

  #rememberAlias(cacheKey: string, targetKeyId: string): void {
    this.#aliasTargets.delete(cacheKey);
    this.#whenCommitted(() => this.#aliasTargets.set(cacheKey, targetKeyId));
  }

  /**
   * Aliases by name, `limit` at most, after the alias whose cursor is given; only those of `key` when it is
   * given.
   */
  listAliases(
    accountId: string,
    region: string,
    after: string | undefined,
    limit: number,
    key?: StoredKey,
  ): Listed<AliasRecord>[] {
    const rows = key
      ? this.#statements.aliasesOfKeyPage.all(key.pk, after ?? '', limit)
      : this.#statements.aliasesPage.all(accountId, region, after ?? '', limit);
    return rows.map((row) => ({ ...aliasFromRow(row), cursor: row.alias_name }));
  }

  createAlias(aliasName: string, key: StoredKey, now: number): void {
    const { accountId, region, keyId } = key.record;
    this.transaction(() => {
      this.#statements.insertAlias.run(accountId, region, aliasName, key.pk, now, now);
      this.#rememberAlias(scopeKey(accountId, region, aliasName), keyId);
    });
  }

  retargetAlias(aliasName: string, key: StoredKey, now: number): void {
    const { accountId, region, keyId } = key.record;
    this.transaction(() => {
      this.#statements.retargetAlias.run(key.pk, now, accountId, region, aliasName);
      this.#rememberAlias(scopeKey(accountId, region, aliasName), keyId);
    });
  }

  deleteAlias(accountId: string, region: string, aliasName: string): void {
    this.transaction(() => {
      this.#statements.deleteAlias.run(accountId, region, aliasName);
      this.#aliasTargets.delete(scopeKey(accountId, region, aliasName));
    });
  }

  // Tags

  tags(key: StoredKey): Tag[] {
    return this.#statements.tags.all(key.pk).map((r) => ({ TagKey: r.tag_key, TagValue: r.tag_value }));
  }

  replaceTags(key: StoredKey, tags: readonly Tag[]): void {
    this.transaction(() => this.#writeTags(key.pk, tags));
  }

  #writeTags(pk: number, tags: readonly Tag[]): void {
    this.#statements.deleteTags.run(pk);
    for (const tag of tags) this.#statements.insertTag.run(pk, tag.TagKey, tag.TagValue);
  }

  // Last usage

  recordUsage(key: StoredKey, usage: KeyUsage): void {
    this.#unflushedUsage.set(key.pk, usage);
  }

  lastUsage(key: StoredKey): KeyUsage | undefined {
    const unflushed = this.#unflushedUsage.get(key.pk);
    if (unflushed) return unflushed;
    const row = this.#statements.usage.get(key.pk);
    return row && { operation: row.operation, timestamp: row.timestamp, requestId: row.request_id };
  }

  /** Writes the usage recorded since the last flush, in one transaction; kept in memory until it commits. */
  flushUsage(): void {
    if (this.#unflushedUsage.size === 0) return;
    this.transaction(() => {
      for (const [pk, usage] of this.#unflushedUsage)
        this.#statements.upsertUsage.run(pk, usage.operation, usage.timestamp, usage.requestId);
      this.#whenCommitted(() => this.#unflushedUsage.clear());
    });
  }

  /** Writes the unflushed usage and closes the database, even when that write fails. */
  close(): void {
    if (!this.#db.open) return;
    try {
      this.flushUsage();
    } finally {
      this.#db.close();
    }
  }
}

/** The database was created under another root key (the message is the fix, for the operator). */
export class RootKeyMismatch extends Error {
  constructor() {
    super('the root key does not match the one this database was created with');
    this.name = 'RootKeyMismatch';
  }
}

/** A key listing's cursor is the row id of the last key listed: keys are listed in creation order. */
function keyCursor(cursor: string): number {
  const pk = /^\d{1,16}$/.test(cursor) ? Number(cursor) : Number.NaN;
  if (!Number.isSafeInteger(pk)) throw Errors.invalidMarker();
  return pk;
}

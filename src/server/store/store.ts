import type { CustomKeyStoreRecord } from '../custom-key-stores/custom-key-store.ts';
import type { GrantRecord } from '../grants/grant.ts';
import type { ImportedMaterial, KeyAttributes, KeyMaterial, KeyRecord, LoadedKey } from '../keys/key.ts';
import type { MultiRegionSet } from '../keys/multi-region.ts';
import type { Tag } from '../keys/tags.ts';

/**
 * What the operations keep and read, whatever keeps it: the one interface they see (store/sqlite/ implements it
 * on SQLite). Keys are named by their scope (account and region: seeded keys may reuse an ID in several) and key
 * ID; a key handed out by the store is the domain's LoadedKey, and the store recognises its own when it gets one
 * back. Lists come a page at a time after an opaque cursor that only the store makes and reads.
 *
 * Every write is one transaction, and what the store holds in memory changes only once it has committed: a write
 * that fails (a full disk) leaves memory and disk as they were.
 */

/** The account and region a key or alias belongs to (an operation's Caller is one). */
export interface Scope {
  readonly accountId: string;
  readonly region: string;
}

export interface AliasRecord {
  accountId: string;
  region: string;
  aliasName: string;
  targetKeyId: string;
  creationDate: number;
  lastUpdatedDate: number;
}

/** An item of a listing with the cursor that continues the listing after it: a string only the store reads. */
export type Listed<T> = T & { cursor: string };

/** The last cryptographic operation a key was used in (GetKeyLastUsage). */
export interface UsageRecord {
  operation: string;
  timestamp: number;
  requestId: string;
}

/** ListGrants's filters: a grant ID, a grantee principal, or both. */
export interface GrantFilters {
  grantId?: string | undefined;
  granteePrincipal?: string | undefined;
}

/** What a key may change over its life: not its identity, creation date or attributes. */
export type KeyChanges = Partial<
  Omit<KeyRecord, 'accountId' | 'region' | 'keyId' | 'creationDate' | keyof KeyAttributes>
>;

export interface ImportedMaterialUpdate {
  imported: readonly ImportedMaterial[];
  /** Bytes of a material the key does not hold now. */
  add?: KeyMaterial;
  /** IDs of materials whose bytes go. */
  remove?: readonly string[];
  changes?: KeyChanges;
}

export interface Store {
  /** Runs `work` in one transaction (or as part of the running one): all of its writes commit, or none. */
  transaction<T>(work: () => T): T;

  // Keys and their material. A key's policy (its only one, `default`) is part of its record: read from the
  // record, written with updateKey.

  findKey(scope: Scope, keyId: string): LoadedKey | undefined;
  /** Key IDs in creation order, `limit` at most, after the key whose cursor is given. */
  listKeys(scope: Scope, after: string | undefined, limit: number): Listed<{ keyId: string }>[];
  /** A new key with its material versions (oldest first) and tags. */
  createKey(record: KeyRecord, materials: readonly KeyMaterial[], tags: readonly Tag[]): LoadedKey;
  updateKey(key: LoadedKey, changes: KeyChanges): LoadedKey;
  /** Adds a material version, which becomes current, and the changes that go with it, in one transaction. */
  addMaterial(key: LoadedKey, material: KeyMaterial, changes?: KeyChanges): LoadedKey;
  /**
   * A key of origin EXTERNAL after an import, a deletion or an expiry of its material, in one transaction: its
   * import records, the bytes of a material added, those of materials removed, and the changes to its record.
   */
  updateImportedMaterials(key: LoadedKey, update: ImportedMaterialUpdate): LoadedKey;
  /** Keys holding imported material whose ValidTo has come, the earliest first, `limit` at most. */
  keysWithExpiredMaterial(now: number, limit: number): LoadedKey[];
  /** Deletes the key with all that is its: material, aliases, tags, grants, usage. */
  deleteKey(key: LoadedKey): void;
  /** Keys whose deletion date has come, the earliest first, `limit` at most. */
  keysDueForDeletion(now: number, limit: number): LoadedKey[];
  /** Keys in state Creating (multi-Region replicas) created by `createdBy`, the earliest first, `limit` at most. */
  keysCreatingSince(createdBy: number, limit: number): LoadedKey[];
  /** Enabled keys whose automatic rotation date has come, the earliest first, `limit` at most. */
  keysDueForRotation(now: number, limit: number): LoadedKey[];

  // Multi-Region keys: the Regions of the related keys of one key ID (each one a key of its own Region).

  multiRegionSet(accountId: string, keyId: string): MultiRegionSet | undefined;
  /** Records where the related keys are; undefined when none is left. */
  saveMultiRegionSet(accountId: string, keyId: string, set: MultiRegionSet | undefined): void;

  // Aliases

  findAlias(scope: Scope, aliasName: string): AliasRecord | undefined;
  /** The key ID an alias points to: what the data plane resolves on every request that names an alias. */
  aliasTarget(scope: Scope, aliasName: string): string | undefined;
  /** Aliases by name, `limit` at most, after the alias whose cursor is given; only those of `key` if given. */
  listAliases(scope: Scope, after: string | undefined, limit: number, key?: LoadedKey): Listed<AliasRecord>[];
  createAlias(aliasName: string, key: LoadedKey, now: number): void;
  /** Points an existing alias of the key's scope at the key. */
  retargetAlias(aliasName: string, key: LoadedKey, now: number): void;
  deleteAlias(scope: Scope, aliasName: string): void;

  // Tags

  tags(key: LoadedKey): Tag[];
  replaceTags(key: LoadedKey, tags: readonly Tag[]): void;

  // Grants: a grant belongs to a key and is deleted with it.

  /** The key's grants in creation order, `limit` at most, after the grant whose cursor is given. */
  listGrants(
    key: LoadedKey,
    after: string | undefined,
    limit: number,
    filters: GrantFilters,
  ): Listed<GrantRecord>[];
  /** The grants of the scope's keys whose retiring principal is `principal`, in creation order. */
  listRetirableGrants(
    scope: Scope,
    principal: string,
    after: string | undefined,
    limit: number,
  ): Listed<GrantRecord>[];
  findGrant(key: LoadedKey, grantId: string): GrantRecord | undefined;
  /** The key's grants with this name (CreateGrant's retries). */
  grantsNamed(key: LoadedKey, name: string): GrantRecord[];
  grantCount(key: LoadedKey): number;
  createGrant(key: LoadedKey, grant: GrantRecord): void;
  deleteGrant(key: LoadedKey, grantId: string): void;

  // Custom key stores: a handful per scope (AWS's quota is 10), each with the keys created in it.

  customKeyStores(scope: Scope): CustomKeyStoreRecord[];
  createCustomKeyStore(scope: Scope, record: CustomKeyStoreRecord): void;
  updateCustomKeyStore(scope: Scope, record: CustomKeyStoreRecord): void;
  deleteCustomKeyStore(scope: Scope, customKeyStoreId: string): void;
  /** The keys created in a custom key store (in any state), with their external keys. */
  keysInCustomKeyStore(scope: Scope, customKeyStoreId: string): { keyId: string; xksKeyId?: string }[];

  // Last usage: recorded in memory on the data plane, written by flushUsage (the durability window).

  recordUsage(key: LoadedKey, usage: UsageRecord): void;
  lastUsage(key: LoadedKey): UsageRecord | undefined;
  /** Writes the usage recorded since the last flush, in one transaction. */
  flushUsage(): void;

  /** Writes the unflushed usage and closes the store, even when that write fails. */
  close(): void;
}

import { type Connection, readMeta, writeMeta } from './database.ts';

/**
 * The SQLite schema, as the ordered migrations that build it. A database records its schema version in `meta`;
 * opening it applies every migration after that version, in order, each in a transaction of its own with the new
 * version number, so that one that fails leaves the file at the version before it. Keys are identified inside the
 * database by `pk` (never reused, thanks to AUTOINCREMENT), outside by (account, region, key ID). Dates are epoch
 * milliseconds.
 *
 * A migration, once released, never changes: data dirs in the field were built by it. Change the schema by adding
 * one.
 */

interface Migration {
  /** The schema version of a database once this migration has run: its place in the list, from 1. */
  readonly version: number;
  /** What it changes, for the message if it fails. */
  readonly change: string;
  readonly sql: string;
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    change: 'keys, material versions, aliases, tags and last usage',
    // As kmslab up to ca05dcf created it (IF NOT EXISTS: it ran at every start).
    sql: `
      CREATE TABLE IF NOT EXISTS meta (
        name TEXT PRIMARY KEY,
        value BLOB NOT NULL
      );
      CREATE TABLE IF NOT EXISTS keys (
        pk INTEGER PRIMARY KEY AUTOINCREMENT,
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        key_id TEXT NOT NULL,
        description TEXT NOT NULL,
        key_state TEXT NOT NULL,
        creation_date INTEGER NOT NULL,
        deletion_date INTEGER,
        pending_window_days INTEGER,
        policy TEXT NOT NULL,
        rotation_period_days INTEGER,
        next_rotation_date INTEGER,
        on_demand_rotations INTEGER NOT NULL DEFAULT 0,
        UNIQUE (account_id, region, key_id)
      );
      CREATE INDEX IF NOT EXISTS keys_deletion ON keys (deletion_date) WHERE deletion_date IS NOT NULL;
      CREATE INDEX IF NOT EXISTS keys_rotation ON keys (next_rotation_date) WHERE next_rotation_date IS NOT NULL;
      CREATE TABLE IF NOT EXISTS key_materials (
        key_pk INTEGER NOT NULL REFERENCES keys (pk) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        material_id TEXT NOT NULL,
        sealed BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        rotation_type TEXT,
        PRIMARY KEY (key_pk, seq)
      );
      CREATE TABLE IF NOT EXISTS aliases (
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        alias_name TEXT NOT NULL,
        key_pk INTEGER NOT NULL REFERENCES keys (pk) ON DELETE CASCADE,
        creation_date INTEGER NOT NULL,
        last_updated_date INTEGER NOT NULL,
        PRIMARY KEY (account_id, region, alias_name)
      );
      CREATE INDEX IF NOT EXISTS aliases_key ON aliases (key_pk);
      CREATE TABLE IF NOT EXISTS tags (
        key_pk INTEGER NOT NULL REFERENCES keys (pk) ON DELETE CASCADE,
        tag_key TEXT NOT NULL,
        tag_value TEXT NOT NULL,
        PRIMARY KEY (key_pk, tag_key)
      );
      CREATE TABLE IF NOT EXISTS key_last_usage (
        key_pk INTEGER PRIMARY KEY REFERENCES keys (pk) ON DELETE CASCADE,
        operation TEXT NOT NULL,
        timestamp INTEGER NOT NULL,
        request_id TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    change: "each key's KeySpec, KeyUsage, Origin, MultiRegion and KeyManager; the index ListKeys reads",
    // Every key stored before is a symmetric encryption key that KMS made for a customer. The releases between
    // ca05dcf and this migration created keys_listing at start-up, without a new version: hence IF NOT EXISTS.
    sql: `
      ALTER TABLE keys ADD COLUMN key_spec TEXT NOT NULL DEFAULT 'SYMMETRIC_DEFAULT';
      ALTER TABLE keys ADD COLUMN key_usage TEXT NOT NULL DEFAULT 'ENCRYPT_DECRYPT';
      ALTER TABLE keys ADD COLUMN origin TEXT NOT NULL DEFAULT 'AWS_KMS';
      ALTER TABLE keys ADD COLUMN multi_region INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE keys ADD COLUMN key_manager TEXT NOT NULL DEFAULT 'CUSTOMER';
      -- ListKeys reads a page of a scope in creation (pk) order from this index alone (key_id is in it).
      CREATE INDEX IF NOT EXISTS keys_listing ON keys (account_id, region, pk, key_id);
    `,
  },
  {
    version: 3,
    change: 'imported key material (its state and expiry) and the Regions of multi-Region keys',
    sql: `
      CREATE TABLE imported_materials (
        key_pk INTEGER NOT NULL REFERENCES keys (pk) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        material_id TEXT NOT NULL,
        description TEXT,
        import_state TEXT NOT NULL,
        key_material_state TEXT NOT NULL,
        expiration_model TEXT,
        valid_to INTEGER,
        PRIMARY KEY (key_pk, seq)
      );
      CREATE INDEX imported_materials_expiry ON imported_materials (valid_to)
        WHERE import_state = 'IMPORTED' AND valid_to IS NOT NULL;
      -- Related multi-Region keys share their key ID; each Region's key is a row of keys. A new replica is
      -- Creating for a moment.
      CREATE INDEX keys_creating ON keys (creation_date) WHERE key_state = 'Creating';
      CREATE TABLE multi_region_keys (
        account_id TEXT NOT NULL,
        key_id TEXT NOT NULL,
        primary_region TEXT NOT NULL,
        replica_regions TEXT NOT NULL,
        PRIMARY KEY (account_id, key_id)
      );
    `,
  },
  {
    version: 4,
    change: 'grants; custom key stores and the store of each key created in one',
    sql: `
      CREATE TABLE grants (
        pk INTEGER PRIMARY KEY AUTOINCREMENT,
        key_pk INTEGER NOT NULL REFERENCES keys (pk) ON DELETE CASCADE,
        grant_id TEXT NOT NULL UNIQUE,
        name TEXT,
        creation_date INTEGER NOT NULL,
        grantee_principal TEXT NOT NULL,
        retiring_principal TEXT,
        issuing_account TEXT NOT NULL,
        -- JSON: the GrantOperation list, and the GrantConstraints when there are any.
        operations TEXT NOT NULL,
        constraints TEXT
      );
      -- ListGrants reads a key's grants in creation (pk) order; ListRetirableGrants those of a retiring principal.
      CREATE INDEX grants_key ON grants (key_pk, pk);
      CREATE INDEX grants_retiring ON grants (retiring_principal, pk) WHERE retiring_principal IS NOT NULL;
      CREATE TABLE custom_key_stores (
        pk INTEGER PRIMARY KEY AUTOINCREMENT,
        account_id TEXT NOT NULL,
        region TEXT NOT NULL,
        custom_key_store_id TEXT NOT NULL,
        -- The whole record as JSON, sealed under the root key: it holds the key store password or the proxy's
        -- secret access key.
        sealed BLOB NOT NULL,
        UNIQUE (account_id, region, custom_key_store_id)
      );
      ALTER TABLE keys ADD COLUMN custom_key_store_id TEXT;
      ALTER TABLE keys ADD COLUMN xks_key_id TEXT;
      CREATE INDEX keys_custom_key_store ON keys (account_id, region, custom_key_store_id)
        WHERE custom_key_store_id IS NOT NULL;
    `,
  },
];

if (MIGRATIONS.some((migration, index) => migration.version !== index + 1)) {
  throw new Error('migrations must be numbered 1, 2, 3... in order');
}

/** The version of the schema this kmslab writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

const VERSION_ENTRY = 'schema-version';

/** A database that this kmslab cannot bring to its schema; the message names the file and what to do. */
export class SchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaError';
  }
}

/** The schema version the database records: 0 for a new one. */
function schemaVersion(db: Connection): number {
  const recorded = readMeta(db, VERSION_ENTRY);
  return recorded ? Number(recorded.toString('utf8')) : 0;
}

export interface Migrated {
  from: number;
  to: number;
}

/**
 * Brings the database at `file` to SCHEMA_VERSION; returns the versions it went between, or undefined when it was
 * there already. A database of a newer version is refused: it may hold what this release would lose.
 */
export function migrate(db: Connection, file: string): Migrated | undefined {
  const from = schemaVersion(db);
  if (!Number.isSafeInteger(from) || from < 0) {
    throw new SchemaError(`${file} records an unreadable schema version: it was not written by kmslab`);
  }
  if (from > SCHEMA_VERSION) {
    throw new SchemaError(
      `${file} has schema version ${from}, newer than this kmslab's ${SCHEMA_VERSION}: it was written by a later ` +
        'release of kmslab; run that release or a later one (or restore a backup made by this one)',
    );
  }
  for (const migration of MIGRATIONS.slice(from)) {
    try {
      db.transaction(() => {
        db.exec(migration.sql);
        writeMeta(db, VERSION_ENTRY, Buffer.from(String(migration.version)));
      })();
    } catch (error) {
      throw new SchemaError(
        `${file}: the migration to schema version ${migration.version} (${migration.change}) failed, and the ` +
          `file stays at version ${migration.version - 1}: ${(error as Error).message}`,
      );
    }
  }
  return from === SCHEMA_VERSION ? undefined : { from, to: SCHEMA_VERSION };
}

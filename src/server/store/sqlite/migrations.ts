/**
 * The SQLite schema. Keys are identified inside the database by `pk` (never reused, thanks to AUTOINCREMENT),
 * outside by (account, region, key ID): seeded keys may reuse an ID in several accounts. Dates are epoch ms.
 */
export const SCHEMA_VERSION = 1;

export const SCHEMA = `
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
-- ListKeys reads a page of a scope in creation (pk) order from this index alone (key_id is in it).
CREATE INDEX IF NOT EXISTS keys_listing ON keys (account_id, region, pk, key_id);
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
`;

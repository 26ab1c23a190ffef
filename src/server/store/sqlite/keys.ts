import type { KeyRecord } from '../../keys/key.ts';
import { Errors } from '../../messages.ts';
import type { Listed, Scope } from '../store.ts';
import type { Connection } from './database.ts';

/**
 * Where each field of a key record is kept: the fields a key is created with and keeps, and those that change over
 * its life (store.ts's KeyChanges). Each column is named once, here; statements and row mapping follow from it.
 */
const KEPT_COLUMNS = {
  accountId: 'account_id',
  region: 'region',
  keyId: 'key_id',
  creationDate: 'creation_date',
  keySpec: 'key_spec',
  keyUsage: 'key_usage',
  origin: 'origin',
  multiRegion: 'multi_region',
  keyManager: 'key_manager',
  customKeyStoreId: 'custom_key_store_id',
  xksKeyId: 'xks_key_id',
} as const;
const CHANGING_COLUMNS = {
  description: 'description',
  keyState: 'key_state',
  deletionDate: 'deletion_date',
  pendingWindowInDays: 'pending_window_days',
  policy: 'policy',
  rotationPeriodInDays: 'rotation_period_days',
  nextRotationDate: 'next_rotation_date',
  onDemandRotations: 'on_demand_rotations',
} as const;

/** Every field has its column: a field added to KeyRecord fails to compile until it has one (and a migration). */
const ALL_COLUMNS = { ...KEPT_COLUMNS, ...CHANGING_COLUMNS } as const satisfies {
  [F in keyof KeyRecord]-?: string;
};

type Field = keyof typeof ALL_COLUMNS;
type Column = (typeof ALL_COLUMNS)[Field];
type ColumnValue = string | number | null;

/** A row of `keys`: the record's columns, and the row id `pk` that its material, aliases, tags and usage use. */
export type KeyRow = { pk: number } & { [C in Column]: ColumnValue };

/** SQLite has no booleans nor undefined: a flag is 0 or 1, an absent field NULL. */
function toColumn(value: KeyRecord[Field]): ColumnValue {
  if (value === undefined) return null;
  return typeof value === 'boolean' ? Number(value) : value;
}

/** The record a row holds: its columns hold the record's fields as they were written (toColumn). */
export function recordOf(row: KeyRow): KeyRecord {
  const record: Partial<Record<Field, unknown>> = {};
  for (const field of Object.keys(ALL_COLUMNS) as Field[]) {
    const value = row[ALL_COLUMNS[field]];
    if (value !== null) record[field] = field === 'multiRegion' ? value === 1 : value;
  }
  return record as KeyRecord;
}

/** Statement parameters named after the columns, with the values of the record's `fields`. */
function columnsOf(
  record: KeyRecord,
  fields: Partial<Record<Field, Column>>,
): Partial<Record<Column, ColumnValue>> {
  const parameters: Partial<Record<Column, ColumnValue>> = {};
  for (const [field, column] of Object.entries(fields) as [Field, Column][]) {
    parameters[column] = toColumn(record[field]);
  }
  return parameters;
}

const INSERTED = Object.values(ALL_COLUMNS);
const UPDATED = Object.values(CHANGING_COLUMNS);

/** The `keys` table. */
export class KeyTable {
  readonly #statements;

  constructor(db: Connection) {
    this.#statements = {
      byScope: db.prepare<[string, string, string], KeyRow>(
        'SELECT * FROM keys WHERE account_id = ? AND region = ? AND key_id = ?',
      ),
      byPk: db.prepare<[number], KeyRow>('SELECT * FROM keys WHERE pk = ?'),
      page: db.prepare<[string, string, number, number], { pk: number; key_id: string }>(
        'SELECT pk, key_id FROM keys WHERE account_id = ? AND region = ? AND pk > ? ORDER BY pk LIMIT ?',
      ),
      insert: db.prepare(
        `INSERT INTO keys (${INSERTED.join(', ')}) VALUES (${INSERTED.map((column) => `@${column}`).join(', ')})`,
      ),
      update: db.prepare(
        `UPDATE keys SET ${UPDATED.map((column) => `${column} = @${column}`).join(', ')} WHERE pk = @pk`,
      ),
      delete: db.prepare<[number]>('DELETE FROM keys WHERE pk = ?'),
      inCustomKeyStore: db.prepare<[string, string, string], { key_id: string; xks_key_id: string | null }>(
        'SELECT key_id, xks_key_id FROM keys WHERE account_id = ? AND region = ? AND custom_key_store_id = ?',
      ),
      // Both walk their partial index in date order: the earliest due first, never the whole table.
      dueForDeletion: db.prepare<[number, number], { pk: number }>(
        `SELECT pk FROM keys WHERE key_state = 'PendingDeletion' AND deletion_date <= ?
         ORDER BY deletion_date LIMIT ?`,
      ),
      creating: db.prepare<[number, number], { pk: number }>(
        `SELECT pk FROM keys WHERE key_state = 'Creating' AND creation_date <= ? ORDER BY creation_date LIMIT ?`,
      ),
      dueForRotation: db.prepare<[number, number], { pk: number }>(
        `SELECT pk FROM keys WHERE key_state = 'Enabled' AND next_rotation_date <= ?
         ORDER BY next_rotation_date LIMIT ?`,
      ),
    };
  }

  find(scope: Scope, keyId: string): KeyRow | undefined {
    return this.#statements.byScope.get(scope.accountId, scope.region, keyId);
  }

  byPk(pk: number): KeyRow | undefined {
    return this.#statements.byPk.get(pk);
  }

  /**
   * Key IDs in creation order after the key whose cursor is given. The cursor is the row id of the last key
   * listed: rows are numbered in creation order and never reused, so a deleted key keeps its place.
   */
  page(scope: Scope, after: string | undefined, limit: number): Listed<{ keyId: string }>[] {
    return this.#statements.page
      .all(scope.accountId, scope.region, after === undefined ? 0 : pkOfCursor(after), limit)
      .map((row) => ({ keyId: row.key_id, cursor: String(row.pk) }));
  }

  /** Inserts the record; returns its row id. */
  insert(record: KeyRecord): number {
    const { lastInsertRowid } = this.#statements.insert.run(columnsOf(record, ALL_COLUMNS));
    return Number(lastInsertRowid);
  }

  update(pk: number, record: KeyRecord): void {
    this.#statements.update.run({ pk, ...columnsOf(record, CHANGING_COLUMNS) });
  }

  delete(pk: number): void {
    this.#statements.delete.run(pk);
  }

  /** The keys created in a custom key store, with their external keys. */
  inCustomKeyStore(scope: Scope, customKeyStoreId: string): { keyId: string; xksKeyId?: string }[] {
    return this.#statements.inCustomKeyStore
      .all(scope.accountId, scope.region, customKeyStoreId)
      .map((row) =>
        row.xks_key_id === null ? { keyId: row.key_id } : { keyId: row.key_id, xksKeyId: row.xks_key_id },
      );
  }

  dueForDeletion(now: number, limit: number): number[] {
    return this.#statements.dueForDeletion.all(now, limit).map((row) => row.pk);
  }

  creatingSince(createdBy: number, limit: number): number[] {
    return this.#statements.creating.all(createdBy, limit).map((row) => row.pk);
  }

  dueForRotation(now: number, limit: number): number[] {
    return this.#statements.dueForRotation.all(now, limit).map((row) => row.pk);
  }
}

/** The row id a listing's cursor holds (the listings number rows in creation order). */
export function pkOfCursor(cursor: string): number {
  const pk = /^\d{1,16}$/.test(cursor) ? Number(cursor) : Number.NaN;
  if (!Number.isSafeInteger(pk)) throw Errors.invalidMarker();
  return pk;
}

import type { KeyManagerType, KeySpec, KeyUsageType, OriginType } from '../../../protocol/index.ts';
import type { KeyRecord, KeyState } from '../../keys/key.ts';
import { Errors } from '../../messages.ts';
import type { Listed, Scope } from '../store.ts';
import type { Connection } from './database.ts';

/** A row of `keys`: the key record, and the row id `pk` that its material, aliases, tags and usage refer to. */
export interface KeyRow {
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
  key_spec: string;
  key_usage: string;
  origin: string;
  multi_region: number;
  key_manager: string;
}

/** The record a row holds; the columns hold what a record held when it was written. */
export function recordOf(row: KeyRow): KeyRecord {
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
    keySpec: row.key_spec as KeySpec,
    keyUsage: row.key_usage as KeyUsageType,
    origin: row.origin as OriginType,
    multiRegion: row.multi_region === 1,
    keyManager: row.key_manager as KeyManagerType,
  };
}

/** What a key changes over its life (store.ts's KeyChanges). */
function changingColumns(record: KeyRecord) {
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
        `INSERT INTO keys (account_id, region, key_id, creation_date, key_spec, key_usage, origin, multi_region,
           key_manager, description, key_state, deletion_date, pending_window_days, policy, rotation_period_days,
           next_rotation_date, on_demand_rotations)
         VALUES (@account_id, @region, @key_id, @creation_date, @key_spec, @key_usage, @origin, @multi_region,
           @key_manager, @description, @key_state, @deletion_date, @pending_window_days, @policy,
           @rotation_period_days, @next_rotation_date, @on_demand_rotations)`,
      ),
      update: db.prepare(
        `UPDATE keys SET description = @description, key_state = @key_state, deletion_date = @deletion_date,
           pending_window_days = @pending_window_days, policy = @policy, rotation_period_days = @rotation_period_days,
           next_rotation_date = @next_rotation_date, on_demand_rotations = @on_demand_rotations
         WHERE pk = @pk`,
      ),
      delete: db.prepare<[number]>('DELETE FROM keys WHERE pk = ?'),
      // Both walk their partial index in date order: the earliest due first, never the whole table.
      dueForDeletion: db.prepare<[number, number], { pk: number }>(
        `SELECT pk FROM keys WHERE key_state = 'PendingDeletion' AND deletion_date <= ?
         ORDER BY deletion_date LIMIT ?`,
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
    const { lastInsertRowid } = this.#statements.insert.run({
      account_id: record.accountId,
      region: record.region,
      key_id: record.keyId,
      creation_date: record.creationDate,
      key_spec: record.keySpec,
      key_usage: record.keyUsage,
      origin: record.origin,
      multi_region: record.multiRegion ? 1 : 0,
      key_manager: record.keyManager,
      ...changingColumns(record),
    });
    return Number(lastInsertRowid);
  }

  update(pk: number, record: KeyRecord): void {
    this.#statements.update.run({ pk, ...changingColumns(record) });
  }

  delete(pk: number): void {
    this.#statements.delete.run(pk);
  }

  dueForDeletion(now: number, limit: number): number[] {
    return this.#statements.dueForDeletion.all(now, limit).map((row) => row.pk);
  }

  dueForRotation(now: number, limit: number): number[] {
    return this.#statements.dueForRotation.all(now, limit).map((row) => row.pk);
  }
}

function pkOfCursor(cursor: string): number {
  const pk = /^\d{1,16}$/.test(cursor) ? Number(cursor) : Number.NaN;
  if (!Number.isSafeInteger(pk)) throw Errors.invalidMarker();
  return pk;
}

import type { AliasRecord, Listed, Scope } from '../store.ts';
import type { Connection } from './database.ts';

interface AliasRow {
  account_id: string;
  region: string;
  alias_name: string;
  key_id: string;
  creation_date: number;
  last_updated_date: number;
}

/** An alias as a listing shows it; its cursor is its name, the order of every listing. */
function listed(row: AliasRow): Listed<AliasRecord> {
  return {
    accountId: row.account_id,
    region: row.region,
    aliasName: row.alias_name,
    targetKeyId: row.key_id,
    creationDate: row.creation_date,
    lastUpdatedDate: row.last_updated_date,
    cursor: row.alias_name,
  };
}

/** The `aliases` table: each names a key of its scope by the key's row id. */
export class AliasTable {
  readonly #statements;

  constructor(db: Connection) {
    const select = 'SELECT a.*, k.key_id FROM aliases a JOIN keys k ON k.pk = a.key_pk';
    this.#statements = {
      find: db.prepare<[string, string, string], AliasRow>(
        `${select} WHERE a.account_id = ? AND a.region = ? AND a.alias_name = ?`,
      ),
      page: db.prepare<[string, string, string, number], AliasRow>(
        `${select} WHERE a.account_id = ? AND a.region = ? AND a.alias_name > ? ORDER BY a.alias_name LIMIT ?`,
      ),
      pageOfKey: db.prepare<[number, string, number], AliasRow>(
        `${select} WHERE a.key_pk = ? AND a.alias_name > ? ORDER BY a.alias_name LIMIT ?`,
      ),
      namesOfKey: db.prepare<[number], { alias_name: string }>(
        'SELECT alias_name FROM aliases WHERE key_pk = ?',
      ),
      insert: db.prepare(
        `INSERT INTO aliases (account_id, region, alias_name, key_pk, creation_date, last_updated_date)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      retarget: db.prepare(
        'UPDATE aliases SET key_pk = ?, last_updated_date = ? WHERE account_id = ? AND region = ? AND alias_name = ?',
      ),
      delete: db.prepare('DELETE FROM aliases WHERE account_id = ? AND region = ? AND alias_name = ?'),
    };
  }

  find(scope: Scope, aliasName: string): AliasRecord | undefined {
    const row = this.#statements.find.get(scope.accountId, scope.region, aliasName);
    if (!row) return undefined;
    const { cursor: _, ...alias } = listed(row);
    return alias;
  }

  /** Aliases of the scope by name after `after`; only those of the key at row `keyPk` when it is given. */
  page(scope: Scope, after: string | undefined, limit: number, keyPk?: number): Listed<AliasRecord>[] {
    const rows =
      keyPk === undefined
        ? this.#statements.page.all(scope.accountId, scope.region, after ?? '', limit)
        : this.#statements.pageOfKey.all(keyPk, after ?? '', limit);
    return rows.map(listed);
  }

  namesOfKey(keyPk: number): string[] {
    return this.#statements.namesOfKey.all(keyPk).map((row) => row.alias_name);
  }

  insert(scope: Scope, aliasName: string, keyPk: number, now: number): void {
    this.#statements.insert.run(scope.accountId, scope.region, aliasName, keyPk, now, now);
  }

  retarget(scope: Scope, aliasName: string, keyPk: number, now: number): void {
    this.#statements.retarget.run(keyPk, now, scope.accountId, scope.region, aliasName);
  }

  delete(scope: Scope, aliasName: string): void {
    this.#statements.delete.run(scope.accountId, scope.region, aliasName);
  }
}

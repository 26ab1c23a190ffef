import type { GrantConstraints, GrantOperation } from '../../../protocol/index.ts';
import type { GrantRecord } from '../../grants/grant.ts';
import type { GrantFilters, Listed, Scope } from '../store.ts';
import type { Connection } from './database.ts';
import { pkOfCursor } from './keys.ts';

interface GrantRow {
  pk: number;
  grant_id: string;
  key_arn?: string;
  name: string | null;
  creation_date: number;
  grantee_principal: string;
  retiring_principal: string | null;
  issuing_account: string;
  operations: string;
  constraints: string | null;
}

/** A grant as a row holds it; its cursor is its row id, the creation order of every listing. */
function listed(row: GrantRow, keyArn: string): Listed<GrantRecord> {
  const grant: Listed<GrantRecord> = {
    grantId: row.grant_id,
    keyArn,
    creationDate: row.creation_date,
    granteePrincipal: row.grantee_principal,
    issuingAccount: row.issuing_account,
    operations: JSON.parse(row.operations) as GrantOperation[],
    cursor: String(row.pk),
  };
  if (row.name !== null) grant.name = row.name;
  if (row.retiring_principal !== null) grant.retiringPrincipal = row.retiring_principal;
  if (row.constraints !== null) grant.constraints = JSON.parse(row.constraints) as GrantConstraints;
  return grant;
}

function withoutCursor({ cursor: _, ...grant }: Listed<GrantRecord>): GrantRecord {
  return grant;
}

function afterPk(cursor: string | undefined): number {
  return cursor === undefined ? 0 : pkOfCursor(cursor);
}

/**
 * The `grants` table: each grant belongs to a key (by the key's row id) and is deleted with it. Grant IDs are
 * random and unique across the database. The key's ARN is not stored: it is the key's, given by the caller or
 * rebuilt from the key's row for ListRetirableGrants.
 */
export class GrantTable {
  readonly #statements;

  constructor(db: Connection) {
    const filters =
      'AND (@grantId IS NULL OR grant_id = @grantId) AND (@grantee IS NULL OR grantee_principal = @grantee)';
    this.#statements = {
      page: db.prepare<
        { keyPk: number; after: number; limit: number; grantId: string | null; grantee: string | null },
        GrantRow
      >(`SELECT * FROM grants WHERE key_pk = @keyPk AND pk > @after ${filters} ORDER BY pk LIMIT @limit`),
      retirable: db.prepare<[string, number, string, string, number], GrantRow & { key_pk: number }>(
        `SELECT g.* FROM grants g JOIN keys k ON k.pk = g.key_pk
         WHERE g.retiring_principal = ? AND g.pk > ? AND k.account_id = ? AND k.region = ? ORDER BY g.pk LIMIT ?`,
      ),
      find: db.prepare<[number, string], GrantRow>('SELECT * FROM grants WHERE key_pk = ? AND grant_id = ?'),
      named: db.prepare<[number, string], GrantRow>(
        'SELECT * FROM grants WHERE key_pk = ? AND name = ? ORDER BY pk',
      ),
      count: db.prepare<[number], { count: number }>('SELECT count(*) AS count FROM grants WHERE key_pk = ?'),
      insert: db.prepare(
        `INSERT INTO grants (key_pk, grant_id, name, creation_date, grantee_principal, retiring_principal,
           issuing_account, operations, constraints)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      delete: db.prepare<[number, string]>('DELETE FROM grants WHERE key_pk = ? AND grant_id = ?'),
    };
  }

  page(
    keyPk: number,
    keyArn: string,
    after: string | undefined,
    limit: number,
    filters: GrantFilters,
  ): Listed<GrantRecord>[] {
    return this.#statements.page
      .all({
        keyPk,
        after: afterPk(after),
        limit,
        grantId: filters.grantId ?? null,
        grantee: filters.granteePrincipal ?? null,
      })
      .map((row) => listed(row, keyArn));
  }

  /** The grants of the scope's keys whose retiring principal is `principal`; the key's ARN by `arnOf` its row id. */
  retirable(
    scope: Scope,
    principal: string,
    after: string | undefined,
    limit: number,
    arnOf: (keyPk: number) => string,
  ): Listed<GrantRecord>[] {
    return this.#statements.retirable
      .all(principal, afterPk(after), scope.accountId, scope.region, limit)
      .map((row) => listed(row, arnOf(row.key_pk)));
  }

  find(keyPk: number, keyArn: string, grantId: string): GrantRecord | undefined {
    const row = this.#statements.find.get(keyPk, grantId);
    return row && withoutCursor(listed(row, keyArn));
  }

  named(keyPk: number, keyArn: string, name: string): GrantRecord[] {
    return this.#statements.named.all(keyPk, name).map((row) => withoutCursor(listed(row, keyArn)));
  }

  count(keyPk: number): number {
    return this.#statements.count.get(keyPk)?.count ?? 0;
  }

  insert(keyPk: number, grant: GrantRecord): void {
    this.#statements.insert.run(
      keyPk,
      grant.grantId,
      grant.name ?? null,
      grant.creationDate,
      grant.granteePrincipal,
      grant.retiringPrincipal ?? null,
      grant.issuingAccount,
      JSON.stringify(grant.operations),
      grant.constraints ? JSON.stringify(grant.constraints) : null,
    );
  }

  delete(keyPk: number, grantId: string): void {
    this.#statements.delete.run(keyPk, grantId);
  }
}

import type { CustomKeyStoreRecord } from '../../custom-key-stores/custom-key-store.ts';
import type { Scope } from '../store.ts';
import type { Connection } from './database.ts';
import type { RootKeySealer } from './sealing.ts';

/** What a custom key store's record is sealed to: its scope and ID, so that a row copied elsewhere does not open. */
function binding(scope: Scope, customKeyStoreId: string): string {
  return `kmslab custom key store\u0000${scope.accountId}\u0000${scope.region}\u0000${customKeyStoreId}`;
}

/**
 * The `custom_key_stores` table: each store's record as JSON, sealed under the root key, since it holds the
 * store's secret (the key store password, the proxy's secret access key). A scope has at most a few (the quota
 * is 10), so they are read whole.
 */
export class CustomKeyStoreTable {
  readonly #sealer: RootKeySealer;
  readonly #statements;

  constructor(db: Connection, sealer: RootKeySealer) {
    this.#sealer = sealer;
    this.#statements = {
      all: db.prepare<[string, string], { custom_key_store_id: string; sealed: Buffer }>(
        'SELECT custom_key_store_id, sealed FROM custom_key_stores WHERE account_id = ? AND region = ? ORDER BY pk',
      ),
      insert: db.prepare(
        'INSERT INTO custom_key_stores (account_id, region, custom_key_store_id, sealed) VALUES (?, ?, ?, ?)',
      ),
      update: db.prepare(
        'UPDATE custom_key_stores SET sealed = ? WHERE account_id = ? AND region = ? AND custom_key_store_id = ?',
      ),
      delete: db.prepare(
        'DELETE FROM custom_key_stores WHERE account_id = ? AND region = ? AND custom_key_store_id = ?',
      ),
    };
  }

  /** The scope's custom key stores, in creation order. */
  all(scope: Scope): CustomKeyStoreRecord[] {
    return this.#statements.all.all(scope.accountId, scope.region).map((row) => {
      const opened = this.#sealer.open(row.sealed, binding(scope, row.custom_key_store_id));
      if (!opened) throw new Error(`custom key store ${row.custom_key_store_id} does not open`);
      return JSON.parse(opened.toString('utf8')) as CustomKeyStoreRecord;
    });
  }

  #sealed(scope: Scope, record: CustomKeyStoreRecord): Buffer {
    return this.#sealer.seal(
      Buffer.from(JSON.stringify(record), 'utf8'),
      binding(scope, record.customKeyStoreId),
    );
  }

  insert(scope: Scope, record: CustomKeyStoreRecord): void {
    this.#statements.insert.run(
      scope.accountId,
      scope.region,
      record.customKeyStoreId,
      this.#sealed(scope, record),
    );
  }

  update(scope: Scope, record: CustomKeyStoreRecord): void {
    this.#statements.update.run(
      this.#sealed(scope, record),
      scope.accountId,
      scope.region,
      record.customKeyStoreId,
    );
  }

  delete(scope: Scope, customKeyStoreId: string): void {
    this.#statements.delete.run(scope.accountId, scope.region, customKeyStoreId);
  }
}

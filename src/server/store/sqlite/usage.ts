import type { UsageRecord } from '../store.ts';
import type { Connection, Transactions } from './database.ts';

/**
 * The `key_last_usage` table, behind a buffer: the data plane records usage in memory, and `flush` writes what
 * was recorded since the last flush in one transaction. Until then a crash (kill -9) loses it: that is the
 * durability window, which spares every Encrypt, Decrypt and GenerateDataKey a transaction of its own.
 */
export class UsageTable {
  readonly #transactions: Transactions;
  /** By the key's row id. */
  readonly #unflushed = new Map<number, UsageRecord>();
  readonly #statements;

  constructor(db: Connection, transactions: Transactions) {
    this.#transactions = transactions;
    this.#statements = {
      get: db.prepare<[number], { operation: string; timestamp: number; request_id: string }>(
        'SELECT operation, timestamp, request_id FROM key_last_usage WHERE key_pk = ?',
      ),
      upsert: db.prepare(
        `INSERT INTO key_last_usage (key_pk, operation, timestamp, request_id) VALUES (?, ?, ?, ?)
         ON CONFLICT (key_pk) DO UPDATE SET operation = excluded.operation, timestamp = excluded.timestamp,
           request_id = excluded.request_id`,
      ),
    };
  }

  record(pk: number, usage: UsageRecord): void {
    this.#unflushed.set(pk, usage);
  }

  last(pk: number): UsageRecord | undefined {
    const unflushed = this.#unflushed.get(pk);
    if (unflushed) return unflushed;
    const row = this.#statements.get.get(pk);
    return row && { operation: row.operation, timestamp: row.timestamp, requestId: row.request_id };
  }

  /** Writes what was recorded since the last flush; kept in memory until that has committed. */
  flush(): void {
    if (this.#unflushed.size === 0) return;
    this.#transactions.run(() => {
      for (const [pk, usage] of this.#unflushed)
        this.#statements.upsert.run(pk, usage.operation, usage.timestamp, usage.requestId);
      this.#transactions.whenCommitted(() => this.#unflushed.clear());
    });
  }

  /** Drops what was recorded for a deleted key (the table's row went with the key). */
  forget(pk: number): void {
    this.#unflushed.delete(pk);
  }
}

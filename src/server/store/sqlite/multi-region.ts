import type { MultiRegionSet } from '../../keys/multi-region.ts';
import type { Connection } from './database.ts';

/**
 * The `multi_region_keys` table: where the related keys of each multi-Region key are, by account and key ID (the
 * keys themselves are rows of `keys`, one per Region).
 */
export class MultiRegionTable {
  readonly #statements;

  constructor(db: Connection) {
    this.#statements = {
      find: db.prepare<[string, string], { primary_region: string; replica_regions: string }>(
        'SELECT primary_region, replica_regions FROM multi_region_keys WHERE account_id = ? AND key_id = ?',
      ),
      upsert: db.prepare(
        `INSERT INTO multi_region_keys (account_id, key_id, primary_region, replica_regions) VALUES (?, ?, ?, ?)
         ON CONFLICT (account_id, key_id) DO UPDATE
         SET primary_region = excluded.primary_region, replica_regions = excluded.replica_regions`,
      ),
      delete: db.prepare<[string, string]>(
        'DELETE FROM multi_region_keys WHERE account_id = ? AND key_id = ?',
      ),
    };
  }

  find(accountId: string, keyId: string): MultiRegionSet | undefined {
    const row = this.#statements.find.get(accountId, keyId);
    return row && { primaryRegion: row.primary_region, replicaRegions: JSON.parse(row.replica_regions) };
  }

  save(accountId: string, keyId: string, set: MultiRegionSet | undefined): void {
    if (!set) this.#statements.delete.run(accountId, keyId);
    else this.#statements.upsert.run(accountId, keyId, set.primaryRegion, JSON.stringify(set.replicaRegions));
  }
}

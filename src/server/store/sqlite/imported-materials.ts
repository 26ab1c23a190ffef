import type { ExpirationModelType, ImportState, KeyMaterialState } from '../../../protocol/index.ts';
import type { ImportedMaterial } from '../../keys/key.ts';
import type { Connection } from './database.ts';

interface ImportedRow {
  material_id: string;
  description: string | null;
  import_state: string;
  key_material_state: string;
  expiration_model: string | null;
  valid_to: number | null;
}

/**
 * The `imported_materials` table: what each key of origin EXTERNAL knows of the materials it was given, in the
 * order of their first import. The bytes themselves are in `key_materials` while they are imported.
 */
export class ImportedMaterialTable {
  readonly #statements;

  constructor(db: Connection) {
    this.#statements = {
      all: db.prepare<[number], ImportedRow>(
        `SELECT material_id, description, import_state, key_material_state, expiration_model, valid_to
         FROM imported_materials WHERE key_pk = ? ORDER BY seq`,
      ),
      deleteAll: db.prepare<[number]>('DELETE FROM imported_materials WHERE key_pk = ?'),
      insert: db.prepare(
        `INSERT INTO imported_materials
         (key_pk, seq, material_id, description, import_state, key_material_state, expiration_model, valid_to)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      // Walks the partial index in ValidTo order: the earliest due first, never the whole table.
      dueForExpiry: db.prepare<[number, number], { key_pk: number }>(
        `SELECT DISTINCT key_pk FROM imported_materials
         WHERE import_state = 'IMPORTED' AND valid_to IS NOT NULL AND valid_to <= ? ORDER BY valid_to LIMIT ?`,
      ),
    };
  }

  all(pk: number): ImportedMaterial[] {
    return this.#statements.all.all(pk).map((row) => ({
      materialId: row.material_id,
      ...(row.description !== null && { description: row.description }),
      importState: row.import_state as ImportState,
      keyMaterialState: row.key_material_state as KeyMaterialState,
      ...(row.expiration_model !== null && { expirationModel: row.expiration_model as ExpirationModelType }),
      ...(row.valid_to !== null && { validTo: row.valid_to }),
    }));
  }

  replace(pk: number, materials: readonly ImportedMaterial[]): void {
    this.#statements.deleteAll.run(pk);
    materials.forEach((m, seq) => {
      this.#statements.insert.run(
        pk,
        seq,
        m.materialId,
        m.description ?? null,
        m.importState,
        m.keyMaterialState,
        m.expirationModel ?? null,
        m.validTo ?? null,
      );
    });
  }

  /** Row ids of the keys holding imported material whose ValidTo has come, the earliest first. */
  dueForExpiry(now: number, limit: number): number[] {
    return this.#statements.dueForExpiry.all(now, limit).map((row) => row.key_pk);
  }
}

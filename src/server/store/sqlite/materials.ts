import type { KeyMaterial, KeyRecord, RotationType } from '../../keys/key.ts';
import type { Connection } from './database.ts';
import type { RootKeySealer } from './sealing.ts';

interface MaterialRow {
  material_id: string;
  sealed: Buffer;
  created_at: number;
  rotation_type: string | null;
}

/** What a material version is sealed to: its key's identity and its own ID. */
function binding(record: KeyRecord, materialId: string): string {
  return `kmslab key material\u0000${record.accountId}\u0000${record.region}\u0000${record.keyId}\u0000${materialId}`;
}

/** The `key_materials` table: each key's material versions, in order, sealed under the root key. */
export class MaterialTable {
  readonly #sealer: RootKeySealer;
  readonly #statements;

  constructor(db: Connection, sealer: RootKeySealer) {
    this.#sealer = sealer;
    this.#statements = {
      all: db.prepare<[number], MaterialRow>(
        'SELECT material_id, sealed, created_at, rotation_type FROM key_materials WHERE key_pk = ? ORDER BY seq',
      ),
      insert: db.prepare(
        `INSERT INTO key_materials (key_pk, seq, material_id, sealed, created_at, rotation_type)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      nextSeq: db.prepare<[number], { seq: number }>(
        'SELECT COALESCE(MAX(seq) + 1, 0) AS seq FROM key_materials WHERE key_pk = ?',
      ),
      delete: db.prepare<[number, string]>('DELETE FROM key_materials WHERE key_pk = ? AND material_id = ?'),
    };
  }

  /** The material versions of the key at row `pk`, oldest first, opened. */
  all(pk: number, record: KeyRecord): KeyMaterial[] {
    return this.#statements.all.all(pk).map((row) => {
      const bytes = this.#sealer.open(row.sealed, binding(record, row.material_id));
      if (!bytes) throw new Error(`key material ${row.material_id} of key ${record.keyId} does not open`);
      return {
        materialId: row.material_id,
        bytes,
        createdAt: row.created_at,
        rotationType: (row.rotation_type ?? undefined) as RotationType | undefined,
      };
    });
  }

  /** The `seq` that a version added after all the key's present ones takes. */
  nextSeq(pk: number): number {
    return this.#statements.nextSeq.get(pk)?.seq ?? 0;
  }

  /** Forgets the bytes of a material (imported material that is deleted or has expired). */
  delete(pk: number, materialId: string): void {
    this.#statements.delete.run(pk, materialId);
  }

  /** Adds the version `seq` (0 for a key's first) of the key at row `pk`. */
  insert(pk: number, seq: number, record: KeyRecord, material: KeyMaterial): void {
    this.#statements.insert.run(
      pk,
      seq,
      material.materialId,
      this.#sealer.seal(material.bytes, binding(record, material.materialId)),
      material.createdAt,
      material.rotationType ?? null,
    );
  }
}

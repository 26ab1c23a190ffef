import type { Tag } from '../../keys/tags.ts';
import type { Connection } from './database.ts';

/** The `tags` table: each key's tags, by the key's row id. */
export class TagTable {
  readonly #statements;

  constructor(db: Connection) {
    this.#statements = {
      all: db.prepare<[number], { tag_key: string; tag_value: string }>(
        'SELECT tag_key, tag_value FROM tags WHERE key_pk = ? ORDER BY tag_key',
      ),
      deleteAll: db.prepare<[number]>('DELETE FROM tags WHERE key_pk = ?'),
      insert: db.prepare('INSERT INTO tags (key_pk, tag_key, tag_value) VALUES (?, ?, ?)'),
    };
  }

  /** The tags of the key at row `pk`, by tag key. */
  all(pk: number): Tag[] {
    return this.#statements.all.all(pk).map((row) => ({ TagKey: row.tag_key, TagValue: row.tag_value }));
  }

  replace(pk: number, tags: readonly Tag[]): void {
    this.#statements.deleteAll.run(pk);
    for (const tag of tags) this.#statements.insert.run(pk, tag.TagKey, tag.TagValue);
  }
}

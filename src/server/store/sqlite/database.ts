import Database from 'better-sqlite3';

export type Connection = Database.Database;

/**
 * Opens the SQLite file (or ':memory:') as kmslab uses it: WAL journal with synchronous=NORMAL (a crash of kmslab
 * loses nothing committed; a power loss or OS crash may lose the last transactions), and foreign keys enforced,
 * so that deleting a key deletes all that is its.
 */
export function openConnection(path: string): Connection {
  const db = new Database(path);
  try {
    if (path !== ':memory:' && path !== '') db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = NORMAL');
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * Transactions whose changes to memory wait for the commit: `run` one, and inside it say with `whenCommitted` what
 * memory learns once it has committed. A transaction that fails (a full disk) leaves memory as it was.
 */
export class Transactions {
  readonly #db: Connection;
  /** Changes waiting for the running transaction to commit; undefined outside a transaction. */
  #onCommit: (() => void)[] | undefined;

  constructor(db: Connection) {
    this.#db = db;
  }

  /** Runs `work` in one transaction, or as part of the running one. */
  run<T>(work: () => T): T {
    if (this.#onCommit) return work();
    const onCommit: (() => void)[] = [];
    this.#onCommit = onCommit;
    let result: T;
    try {
      result = this.#db.transaction(work)();
    } finally {
      this.#onCommit = undefined;
    }
    for (const change of onCommit) change();
    return result;
  }

  /** Makes `change` once the running transaction has committed; at once outside a transaction. */
  whenCommitted(change: () => void): void {
    if (this.#onCommit) this.#onCommit.push(change);
    else change();
  }
}

/**
 * An entry of the `meta` table (the schema version, the root key's check), or undefined when there is none: a new
 * database has no `meta` table until its first migration.
 */
export function readMeta(db: Connection, name: string): Buffer | undefined {
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  if (!hasMeta) return undefined;
  return db.prepare<[string], { value: Buffer }>('SELECT value FROM meta WHERE name = ?').get(name)?.value;
}

export function writeMeta(db: Connection, name: string, value: Buffer): void {
  db.prepare(
    'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
  ).run(name, value);
}

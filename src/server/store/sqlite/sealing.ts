import { randomBytes } from 'node:crypto';
import { IV_BYTES, open, seal, TAG_BYTES } from '../../crypto/aead.ts';
import { type Connection, readMeta, writeMeta } from './database.ts';

/**
 * Key material at rest: AES-256-GCM under the root key, bound (as additional data) to what the row says it is,
 * so that a sealed material copied to another key's row or ID does not open.
 */
export class RootKeySealer {
  readonly #rootKey: Buffer;

  constructor(rootKey: Uint8Array) {
    if (rootKey.length !== 32) throw new Error(`the root key must be 32 bytes, got ${rootKey.length}`);
    this.#rootKey = Buffer.from(rootKey);
  }

  seal(plaintext: Uint8Array, binding: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    return Buffer.concat([iv, seal(this.#rootKey, iv, plaintext, Buffer.from(binding, 'utf8'))]);
  }

  /** Undefined when the root key or the binding is wrong. */
  open(sealed: Uint8Array, binding: string): Buffer | undefined {
    if (sealed.length < IV_BYTES + TAG_BYTES) return undefined;
    return open(
      this.#rootKey,
      sealed.subarray(0, IV_BYTES),
      sealed.subarray(IV_BYTES),
      Buffer.from(binding, 'utf8'),
    );
  }
}

/** The database was created under another root key (the message is the fix, for the operator). */
export class RootKeyMismatch extends Error {
  constructor() {
    super('the root key does not match the one this database was created with');
    this.name = 'RootKeyMismatch';
  }
}

/**
 * A known text sealed under the root key when the database is created: a database is opened only under the root
 * key it was created with, before anything is written to it (a wrong key would seal new material that no later
 * start could open beside the old).
 */
const CHECK_ENTRY = 'root-key-check';
const CHECK_TEXT = 'kmslab root key check';

/** Refuses a root key other than the one the database was created with; a new database has none yet. */
export function verifyRootKey(db: Connection, sealer: RootKeySealer): void {
  const check = readMeta(db, CHECK_ENTRY);
  if (check && !sealer.open(check, CHECK_ENTRY)) throw new RootKeyMismatch();
}

/** Records the root key's check in a new database (once its schema exists). */
export function recordRootKey(db: Connection, sealer: RootKeySealer): void {
  if (!readMeta(db, CHECK_ENTRY))
    writeMeta(db, CHECK_ENTRY, sealer.seal(Buffer.from(CHECK_TEXT), CHECK_ENTRY));
}

import assert from 'node:assert/strict';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DecryptCommand, DescribeKeyCommand, KMSClient, ReEncryptCommand } from '@aws-sdk/client-kms';
import Database from 'better-sqlite3';
import { DEFAULT_CREDENTIALS, DEFAULT_REGION } from '../../src/server/defaults.ts';
import { createKmslab, type Kmslab as Server } from '../../src/server/index.ts';
import { type Kmslab, startKmslab } from '../helpers/kmslab.ts';
import { rejects } from './support.ts';

/**
 * The data dir that kmslab ca05dcf wrote (test/fixtures/datadir-ca05dcf), opened by this release: its schema is
 * migrated, and the ciphertexts that release made (format 1) decrypt as they did.
 */

const FIXTURE = new URL('../fixtures/datadir-ca05dcf/', import.meta.url);

interface FixtureCiphertext {
  keyId: string;
  plaintext: string;
  encryptionContext: Record<string, string> | null;
  ciphertextBlob: string;
}

const expected = JSON.parse(readFileSync(new URL('expected.json', FIXTURE), 'utf8')) as {
  ciphertexts: FixtureCiphertext[];
  disabledCiphertext: FixtureCiphertext;
};

describe('a data dir written by kmslab ca05dcf', () => {
  const directory = mkdtempSync(join(tmpdir(), 'kmslab-upgrade-'));
  let server: Kmslab;
  let kms: KMSClient;
  before(async () => {
    // A copy: opening the database writes to it.
    cpSync(new URL('data', FIXTURE), directory, { recursive: true });
    server = await startKmslab({
      database: join(directory, 'kmslab.sqlite3'),
      rootKey: Buffer.from(readFileSync(join(directory, 'root.key'), 'utf8').trim(), 'base64'),
    });
    kms = server.sdk();
  });
  after(async () => {
    await server?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  /** What a fixture entry decrypts to, as the fixture wrote it: text, or base64 for a data key. */
  const plaintextOf = (entry: FixtureCiphertext, bytes: Uint8Array | undefined) =>
    entry.plaintext === Buffer.from(bytes ?? []).toString('base64')
      ? entry.plaintext
      : Buffer.from(bytes ?? []).toString('utf8');

  test('its format-1 ciphertexts decrypt, under every material version of a rotated key', async () => {
    assert.ok(expected.ciphertexts.length >= 5);
    for (const entry of expected.ciphertexts) {
      const decrypted = await kms.send(
        new DecryptCommand({
          CiphertextBlob: Buffer.from(entry.ciphertextBlob, 'base64'),
          EncryptionContext: entry.encryptionContext ?? undefined,
        }),
      );
      assert.equal(plaintextOf(entry, decrypted.Plaintext), entry.plaintext);
      assert.ok(decrypted.KeyId?.endsWith(`:key/${entry.keyId}`));
    }
  });

  test('a format-1 ciphertext with a wrong context is still refused; one of a disabled key is DisabledException', async () => {
    const [withContext] = expected.ciphertexts.filter((entry) => entry.encryptionContext !== null);
    assert.ok(withContext);
    await rejects(
      kms.send(
        new DecryptCommand({
          CiphertextBlob: Buffer.from(withContext.ciphertextBlob, 'base64'),
          EncryptionContext: { ...withContext.encryptionContext, extra: '1' },
        }),
      ),
      'InvalidCiphertextException',
    );
    await rejects(
      kms.send(
        new DecryptCommand({
          CiphertextBlob: Buffer.from(expected.disabledCiphertext.ciphertextBlob, 'base64'),
        }),
      ),
      'DisabledException',
    );
  });

  test('ReEncrypt moves a format-1 ciphertext to format 2, which decrypts to the same plaintext', async () => {
    const entry = expected.ciphertexts.find((candidate) => candidate.encryptionContext === null);
    assert.ok(entry);
    const moved = await kms.send(
      new ReEncryptCommand({
        CiphertextBlob: Buffer.from(entry.ciphertextBlob, 'base64'),
        DestinationKeyId: entry.keyId,
      }),
    );
    assert.equal(moved.CiphertextBlob?.[0], 2, 'the new ciphertext is format 2');
    const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob: moved.CiphertextBlob }));
    assert.equal(plaintextOf(entry, decrypted.Plaintext), entry.plaintext);
  });
});

/** The schema version this release writes: that of the last migration, the one that added grants and custom key stores. */
const CURRENT_VERSION = '4';

describe('migrating the schema of a data dir', () => {
  const directories: string[] = [];
  after(() => {
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  });

  /** A copy of the fixture's data dir, as an operator would hand it to `kmslab serve`. */
  function fixtureCopy(): { dataDir: string; database: string } {
    const dataDir = mkdtempSync(join(tmpdir(), 'kmslab-migrate-'));
    directories.push(dataDir);
    cpSync(new URL('data', FIXTURE), dataDir, { recursive: true });
    chmodSync(join(dataDir, 'root.key'), 0o600);
    return { dataDir, database: join(dataDir, 'kmslab.sqlite3') };
  }

  /** Runs `work` on the database file, outside kmslab. */
  function withFile<T>(database: string, work: (db: Database.Database) => T): T {
    const db = new Database(database);
    try {
      return work(db);
    } finally {
      db.close();
    }
  }

  const versionOf = (database: string) =>
    withFile(database, (db) =>
      db
        .prepare<[], { value: Buffer }>("SELECT value FROM meta WHERE name = 'schema-version'")
        .get()
        ?.value.toString(),
    );
  const columnsOfKeys = (database: string) =>
    withFile(database, (db) =>
      db
        .prepare<[], { name: string }>('PRAGMA table_info(keys)')
        .all()
        .map((c) => c.name),
    );
  const indexes = (database: string) =>
    withFile(database, (db) =>
      db
        .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'index'")
        .all()
        .map((i) => i.name),
    );

  const sdk = (server: Server) =>
    new KMSClient({
      endpoint: server.endpoint,
      region: DEFAULT_REGION,
      maxAttempts: 1,
      credentials: DEFAULT_CREDENTIALS,
    });

  /** The fixture's first ciphertext decrypts through `server`. */
  async function decrypts(server: Server): Promise<void> {
    const [entry] = expected.ciphertexts;
    assert.ok(entry);
    const kms = sdk(server);
    try {
      const decrypted = await kms.send(
        new DecryptCommand({
          CiphertextBlob: Buffer.from(entry.ciphertextBlob, 'base64'),
          EncryptionContext: entry.encryptionContext ?? undefined,
        }),
      );
      assert.equal(Buffer.from(decrypted.Plaintext ?? []).toString('utf8'), entry.plaintext);
    } finally {
      kms.destroy();
    }
  }

  test('the first open migrates version 1 to the current version and records it; the keys keep what they were', async () => {
    const { dataDir, database } = fixtureCopy();
    assert.equal(versionOf(database), '1');
    const server = await createKmslab({ storage: { dataDir } });
    try {
      assert.deepEqual(server.migrated, { from: 1, to: Number(CURRENT_VERSION) });
      await decrypts(server);
      const kms = sdk(server);
      const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/fixture/rotated' }));
      kms.destroy();
      assert.deepEqual(
        [
          KeyMetadata?.KeySpec,
          KeyMetadata?.KeyUsage,
          KeyMetadata?.Origin,
          KeyMetadata?.MultiRegion,
          KeyMetadata?.KeyManager,
        ],
        ['SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT', 'AWS_KMS', false, 'CUSTOMER'],
      );
    } finally {
      await server.stop();
    }
    assert.equal(versionOf(database), CURRENT_VERSION);
    // The attributes are columns of the key now, each key's the one every key of version 1 had.
    const attributes = withFile(database, (db) =>
      db.prepare('SELECT DISTINCT key_spec, key_usage, origin, multi_region, key_manager FROM keys').all(),
    );
    assert.deepEqual(attributes, [
      {
        key_spec: 'SYMMETRIC_DEFAULT',
        key_usage: 'ENCRYPT_DECRYPT',
        origin: 'AWS_KMS',
        multi_region: 0,
        key_manager: 'CUSTOMER',
      },
    ]);
    assert.ok(indexes(database).includes('keys_listing'), 'the index ListKeys reads');
    const tables = withFile(database, (db) =>
      db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all(),
    ).map((t) => t.name);
    for (const table of ['imported_materials', 'multi_region_keys']) assert.ok(tables.includes(table), table);
    for (const index of ['grants_key', 'grants_retiring', 'keys_custom_key_store'])
      assert.ok(indexes(database).includes(index), `version 4's ${index}`);
  });

  test('a second open finds the current version and migrates nothing', async () => {
    const { dataDir, database } = fixtureCopy();
    await (await createKmslab({ storage: { dataDir } })).stop();
    const again = await createKmslab({ storage: { dataDir } });
    try {
      assert.equal(again.migrated, undefined);
      await decrypts(again);
    } finally {
      await again.stop();
    }
    assert.equal(versionOf(database), CURRENT_VERSION);
  });

  test('a migration that fails halfway leaves the file at the old version, and the next start migrates it', async () => {
    const { dataDir, database } = fixtureCopy();
    // A column that the migration to version 2 adds after three others: its fourth ALTER TABLE fails.
    withFile(database, (db) => db.exec('ALTER TABLE keys ADD COLUMN multi_region INTEGER'));
    await assert.rejects(
      createKmslab({ storage: { dataDir } }),
      new RegExp(
        `^DataDirError: ${database}: the migration to schema version 2 \\(.+\\) failed, and the file stays at version 1: duplicate column name: multi_region`,
      ),
    );
    assert.equal(versionOf(database), '1');
    const columns = columnsOfKeys(database);
    assert.ok(!columns.includes('key_spec') && !columns.includes('key_usage'), `rolled back: ${columns}`);
    assert.ok(!indexes(database).includes('keys_listing'));

    withFile(database, (db) => db.exec('ALTER TABLE keys DROP COLUMN multi_region'));
    const server = await createKmslab({ storage: { dataDir } });
    try {
      assert.deepEqual(server.migrated, { from: 1, to: Number(CURRENT_VERSION) });
      await decrypts(server);
    } finally {
      await server.stop();
    }
  });

  test('a file of a newer version (a later kmslab) is refused and left as it is', async () => {
    const { dataDir, database } = fixtureCopy();
    await (await createKmslab({ storage: { dataDir } })).stop();
    const later = String(Number(CURRENT_VERSION) + 1);
    withFile(database, (db) =>
      db.prepare("UPDATE meta SET value = ? WHERE name = 'schema-version'").run(Buffer.from(later)),
    );
    await assert.rejects(
      createKmslab({ storage: { dataDir } }),
      new RegExp(
        `${database} has schema version ${later}, newer than this kmslab's ${CURRENT_VERSION}: it was written by a later release of kmslab`,
      ),
    );
    assert.equal(versionOf(database), later);
  });
});

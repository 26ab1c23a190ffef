import assert from 'node:assert/strict';
import {
  chmodSync,
  closeSync,
  cpSync,
  existsSync,
  openSync,
  readdirSync,
  rmSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CreateKeyCommand, DescribeKeyCommand, EncryptCommand } from '@aws-sdk/client-kms';
import Database from 'better-sqlite3';
import { SCHEMA_VERSION } from '../../src/server/store/sqlite/migrations.ts';
import { type Exited, launch, newDataDir, run, type ServeProcess, serve } from './spawn.ts';

/** A data dir in which a stopped kmslab left one key. */
async function dataDirWithAKey(): Promise<{ dir: string; keyId: string }> {
  const dir = newDataDir();
  const server = await serve(['--data-dir', dir]);
  const { KeyMetadata } = await server.sdk().send(new CreateKeyCommand({ Description: 'acknowledged' }));
  assert.equal((await server.stop()).code, 0);
  return { dir, keyId: KeyMetadata?.KeyId ?? assert.fail('no KeyId') };
}

/** Starts kmslab on `dir`, expects it to refuse (exit 2), and returns what it said. */
async function refusedStart(dir: string): Promise<string> {
  const result = await run(['serve', '--data-dir', dir, '--port', '0']);
  assert.equal(result.code, 2, result.stderr);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'a message, not a stack trace');
  return result.stderr;
}

describe('one kmslab per data dir', () => {
  test('a second kmslab serve on the same data dir exits 2, naming the dir and the PID that holds it', async () => {
    const dir = newDataDir();
    const first = await serve(['--data-dir', dir]);
    try {
      assert.match(
        await refusedStart(dir),
        new RegExp(`data dir ${dir} is in use by another kmslab \\(PID ${first.child.pid}\\)`),
      );
      // The first one is untouched and still serves.
      await first.sdk().send(new CreateKeyCommand({}));
    } finally {
      assert.equal((await first.stop()).code, 0);
    }
  });

  test('the lock dies with its process: after kill -9 the next start serves the same keys', async () => {
    const dir = newDataDir();
    const first = await serve(['--data-dir', dir]);
    const { KeyMetadata } = await first.sdk().send(new CreateKeyCommand({}));
    assert.equal((await first.stop('SIGKILL')).signal, 'SIGKILL');

    const second = await serve(['--data-dir', dir]);
    try {
      const described = await second.sdk().send(new DescribeKeyCommand({ KeyId: KeyMetadata?.KeyId }));
      assert.equal(described.KeyMetadata?.KeyState, 'Enabled');
    } finally {
      await second.stop();
    }
  });

  test('60 simultaneous first starts on a new data dir: exactly one serves, the others exit 2 cleanly', async () => {
    const dir = newDataDir();
    const starts = await Promise.all(Array.from({ length: 60 }, () => launch(['--data-dir', dir])));
    const serving = starts.filter((s): s is ServeProcess => 'endpoint' in s);
    const refused = starts.filter((s): s is Exited => !('endpoint' in s));
    try {
      assert.equal(serving.length, 1, 'exactly one start serves');
      for (const exited of refused) {
        assert.equal(exited.code, 2, exited.stderr);
        assert.match(exited.stderr, /is in use by another kmslab/);
        assert.doesNotMatch(exited.stderr, /UNIQUE constraint|SqliteError|\n\s+at /);
      }
      const [winner] = serving;
      await winner?.sdk().send(new CreateKeyCommand({}));
    } finally {
      for (const server of serving) await server.stop();
    }
  });
});

describe('a data dir that is not what it should be is refused, never reinitialised', () => {
  test('a missing kmslab.sqlite3 next to root.key: exit 2 naming the file; no new database', async () => {
    const { dir } = await dataDirWithAKey();
    for (const file of readdirSync(dir)) if (file.startsWith('kmslab.sqlite3')) rmSync(join(dir, file));

    assert.match(
      await refusedStart(dir),
      new RegExp(`${dir}/kmslab\\.sqlite3 is missing, but ${dir}/root\\.key is there`),
    );
    assert.ok(!existsSync(join(dir, 'kmslab.sqlite3')), 'no empty database is created in its place');
  });

  test('a 0-byte kmslab.sqlite3: exit 2 naming the file, which stays as it is', async () => {
    const { dir } = await dataDirWithAKey();
    truncateSync(join(dir, 'kmslab.sqlite3'), 0);

    assert.match(await refusedStart(dir), new RegExp(`${dir}/kmslab\\.sqlite3 is empty \\(0 bytes\\)`));
    assert.equal(readdirSync(dir).includes('kmslab.sqlite3-wal'), false);
    assert.ok(existsSync(join(dir, 'kmslab.sqlite3')));
  });

  test('a database without root.key (and no KMSLAB_ROOT_KEY): exit 2 naming root.key; no new root key', async () => {
    const { dir } = await dataDirWithAKey();
    rmSync(join(dir, 'root.key'));

    assert.match(
      await refusedStart(dir),
      new RegExp(`${dir}/root\\.key is missing, and ${dir}/kmslab\\.sqlite3 holds key`),
    );
    assert.ok(!existsSync(join(dir, 'root.key')), 'no new root key is written');
  });

  test('a database with corrupt pages: exit 2 with a message naming the file', async () => {
    const { dir, keyId } = await dataDirWithAKey();
    const server = await serve(['--data-dir', dir]);
    const kms = server.sdk();
    for (let i = 0; i < 40; i++) await kms.send(new CreateKeyCommand({ Description: `key ${i}`.repeat(20) }));
    await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') }));
    await server.stop();
    // Garbage over the pages that hold the keys table's rows, the way a disk or a stray write would leave them.
    const database = join(dir, 'kmslab.sqlite3');
    const inspect = new Database(database, { readonly: true });
    const pages = inspect
      .prepare<[], { pageno: number }>("SELECT pageno FROM dbstat WHERE name = 'keys' AND pagetype = 'leaf'")
      .all();
    const pageSize = inspect.pragma('page_size', { simple: true }) as number;
    inspect.close();
    assert.ok(pages.length > 0);
    const fd = openSync(database, 'r+');
    for (const { pageno } of pages)
      writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (pageno - 1) * pageSize);
    closeSync(fd);

    assert.match(
      await refusedStart(dir),
      new RegExp(`${dir}/kmslab\\.sqlite3 is corrupt \\(.+\\): restore it from a backup`),
    );
  });

  test("a data dir of an earlier kmslab (ca05dcf's schema) is upgraded at its first start, which says so; later starts do not", async () => {
    const dir = newDataDir();
    cpSync(new URL('../fixtures/datadir-ca05dcf/data', import.meta.url), dir, { recursive: true });
    chmodSync(join(dir, 'root.key'), 0o600);
    const first = await serve(['--data-dir', dir]);
    const upgraded = `INFO  upgraded ${dir}/kmslab.sqlite3 from schema version 1 to ${SCHEMA_VERSION}`;
    assert.ok(first.output().stdout.includes(upgraded), first.output().stdout);
    assert.equal((await first.stop()).code, 0);
    const second = await serve(['--data-dir', dir]);
    const { stdout } = await second.stop();
    assert.ok(!stdout.includes('upgraded'), stdout);
  });

  test('a database of a later kmslab (a newer schema version): exit 2 naming the file and the fix; the file stays as it is', async () => {
    const { dir } = await dataDirWithAKey();
    const database = join(dir, 'kmslab.sqlite3');
    const setVersion = new Database(database);
    setVersion.prepare("UPDATE meta SET value = ? WHERE name = 'schema-version'").run(Buffer.from('99'));
    setVersion.close();
    assert.match(
      await refusedStart(dir),
      new RegExp(
        `${dir}/kmslab\\.sqlite3 has schema version 99, newer than this kmslab's \\d+: .*run that release`,
      ),
    );
    const inspect = new Database(database, { readonly: true });
    const version = inspect
      .prepare<[], { value: Buffer }>("SELECT value FROM meta WHERE name = 'schema-version'")
      .get();
    inspect.close();
    assert.equal(version?.value.toString(), '99');
  });

  test('a data dir that group or others can write to starts with a warning', async () => {
    const { dir } = await dataDirWithAKey();
    chmodSync(dir, 0o777);
    const server = await serve(['--data-dir', dir]);
    const { stderr } = await server.stop();
    assert.match(
      stderr,
      new RegExp(`WARN .*data dir ${dir} is writable by group or others \\(mode 777\\).*chmod 700`),
    );
  });
});

import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DecryptCommand, type KMSClient, ReEncryptCommand } from '@aws-sdk/client-kms';
import { type Kmslab, startKmslab } from '../helpers/kmslab.ts';
import { rejects } from './support.ts';

/**
 * The data dir that kmslab ca05dcf wrote (test/fixtures/datadir-ca05dcf), opened by this release: the
 * ciphertexts that release made (format 1) decrypt as they did.
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

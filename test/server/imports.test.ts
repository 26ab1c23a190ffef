import assert from 'node:assert/strict';
import { constants, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  DecryptCommand,
  DeleteImportedKeyMaterialCommand,
  DescribeKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GetParametersForImportCommand,
  ImportKeyMaterialCommand,
  type ImportKeyMaterialCommandInput,
  type KMSClient,
  ListKeyRotationsCommand,
  RotateKeyOnDemandCommand,
} from '@aws-sdk/client-kms';
import Database from 'better-sqlite3';
import { startKmslab } from '../helpers/kmslab.ts';
import { bytes, createKey, DAY_MS, rejects, text } from './support.ts';

/**
 * Imported key material through @aws-sdk/client-kms: expiry (in a running server and across a restart), import
 * tokens that expire, and on-demand rotation to new imported material. The material is wrapped here with
 * node:crypto (RSAES-OAEP SHA-256); test/interop/import.test.ts does it with openssl through the AWS CLI.
 */

const directory = mkdtempSync(join(tmpdir(), 'kmslab-imports-'));
after(() => rmSync(directory, { recursive: true, force: true }));

/** A clock the test moves; requests are accepted unsigned-by-time (auth none) so that it may run ahead. */
function movableClock() {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), advance: (ms: number) => (offset += ms) };
}

const externalKey = (kms: KMSClient) => createKey(kms, { Origin: 'EXTERNAL' });

/** RSAES-OAEP SHA-256 under GetParametersForImport's wrapping public key (DER SPKI). */
function wrap(publicKey: Uint8Array | undefined, material: Buffer): Buffer {
  const key = createPublicKey({ key: Buffer.from(publicKey ?? []), format: 'der', type: 'spki' });
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, material);
}

async function importInto(
  kms: KMSClient,
  keyId: string,
  material: Buffer,
  options: Omit<ImportKeyMaterialCommandInput, 'KeyId' | 'ImportToken' | 'EncryptedKeyMaterial'> = {
    ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
  },
) {
  const parameters = await kms.send(
    new GetParametersForImportCommand({
      KeyId: keyId,
      WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
      WrappingKeySpec: 'RSA_2048',
    }),
  );
  const encrypted = wrap(parameters.PublicKey, material);
  return kms.send(
    new ImportKeyMaterialCommand({
      KeyId: keyId,
      ImportToken: parameters.ImportToken,
      EncryptedKeyMaterial: encrypted,
      ...options,
    }),
  );
}

async function keyState(kms: KMSClient, keyId: string) {
  return (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
}

describe('imported key material', () => {
  test('KEY_MATERIAL_EXPIRES: at ValidTo the material is removed and the key waits for an import again', async () => {
    const clock = movableClock();
    const server = await startKmslab({ clock: clock.now, auth: 'none' });
    try {
      const kms = server.sdk();
      const keyId = await externalKey(kms);
      const material = randomBytes(32);
      const validTo = new Date(Math.floor(Date.now() / 1000) * 1000 + 3600_000);
      await importInto(kms, keyId, material, { ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo: validTo });
      const before = await keyState(kms, keyId);
      assert.equal(before?.KeyState, 'Enabled');
      assert.equal(before?.ExpirationModel, 'KEY_MATERIAL_EXPIRES');
      assert.equal(before?.ValidTo?.getTime(), validTo.getTime());
      const { CiphertextBlob } = await kms.send(
        new EncryptCommand({ KeyId: keyId, Plaintext: bytes('kept') }),
      );

      clock.advance(3600_000 + 2000);
      server.service.runTimelyWork(clock.now());
      const expired = await keyState(kms, keyId);
      assert.equal(expired?.KeyState, 'PendingImport');
      assert.equal(expired?.ValidTo, undefined);
      await rejects(
        kms.send(new DecryptCommand({ CiphertextBlob })),
        'KMSInvalidStateException',
        /pending import/,
      );

      // The same material brings the key and its ciphertexts back.
      await importInto(kms, keyId, material);
      const { Plaintext } = await kms.send(new DecryptCommand({ CiphertextBlob }));
      assert.equal(text(Plaintext), 'kept');
    } finally {
      await server.stop();
    }
  });

  test('material that expires while kmslab is stopped is removed at the next start, from disk too', async () => {
    const database = join(directory, 'expiry.db');
    const rootKey = randomBytes(32);
    const first = await startKmslab({ database, rootKey });
    const kms = first.sdk();
    const keyId = await externalKey(kms);
    const kept = await externalKey(kms);
    await importInto(kms, keyId, randomBytes(32), {
      ExpirationModel: 'KEY_MATERIAL_EXPIRES',
      ValidTo: new Date(Date.now() + DAY_MS),
    });
    await importInto(kms, kept, randomBytes(32));
    await first.stop();

    const materialRows = () => {
      const db = new Database(database, { readonly: true });
      try {
        return db
          .prepare<[], { key_id: string; n: number }>(
            `SELECT k.key_id, COUNT(m.seq) AS n FROM keys k LEFT JOIN key_materials m ON m.key_pk = k.pk
             GROUP BY k.key_id`,
          )
          .all();
      } finally {
        db.close();
      }
    };
    assert.deepEqual(
      materialRows().map((r) => r.n),
      [1, 1],
    );

    const clock = movableClock();
    clock.advance(DAY_MS + 60_000);
    const second = await startKmslab({ database, rootKey, clock: clock.now, auth: 'none' });
    try {
      const kms2 = second.sdk();
      assert.equal((await keyState(kms2, keyId))?.KeyState, 'PendingImport');
      assert.equal((await keyState(kms2, kept))?.KeyState, 'Enabled');
      await second.stop();
      assert.deepEqual(
        Object.fromEntries(materialRows().map((r) => [r.key_id, r.n])),
        { [keyId]: 0, [kept]: 1 },
        'the expired bytes are gone from the database',
      );
    } finally {
      await second.stop();
    }
  });

  test('an import token expires after 24 hours; ValidTo must lie within a year', async () => {
    const clock = movableClock();
    const server = await startKmslab({ clock: clock.now, auth: 'none' });
    try {
      const kms = server.sdk();
      const keyId = await externalKey(kms);
      const parameters = await kms.send(
        new GetParametersForImportCommand({
          KeyId: keyId,
          WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
          WrappingKeySpec: 'RSA_2048',
        }),
      );
      const encrypted = wrap(parameters.PublicKey, randomBytes(32));
      const input = {
        KeyId: keyId,
        ImportToken: parameters.ImportToken,
        EncryptedKeyMaterial: encrypted,
        ValidTo: new Date(Date.now() + 400 * DAY_MS),
      };
      await rejects(kms.send(new ImportKeyMaterialCommand(input)), 'ValidationException', /365 days/);
      clock.advance(DAY_MS + 1000);
      await rejects(
        kms.send(
          new ImportKeyMaterialCommand({
            ...input,
            ValidTo: undefined,
            ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
          }),
        ),
        'ExpiredImportTokenException',
      );
    } finally {
      await server.stop();
    }
  });

  test('NEW_KEY_MATERIAL waits for RotateKeyOnDemand; older ciphertexts still decrypt; deleting keeps the record', async () => {
    const server = await startKmslab();
    try {
      const kms = server.sdk();
      const keyId = await externalKey(kms);
      const first = await importInto(kms, keyId, randomBytes(32));
      const { CiphertextBlob } = await kms.send(
        new EncryptCommand({ KeyId: keyId, Plaintext: bytes('first') }),
      );
      const second = await importInto(kms, keyId, randomBytes(32), {
        ImportType: 'NEW_KEY_MATERIAL',
        ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
        KeyMaterialDescription: 'second',
      });
      assert.notEqual(second.KeyMaterialId, first.KeyMaterialId);
      assert.equal((await keyState(kms, keyId))?.CurrentKeyMaterialId, first.KeyMaterialId);
      await rejects(
        importInto(kms, keyId, randomBytes(32), {
          ImportType: 'NEW_KEY_MATERIAL',
          ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
        }),
        'KMSInvalidStateException',
        /is pending rotation/,
      );
      await kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
      assert.equal((await keyState(kms, keyId))?.CurrentKeyMaterialId, second.KeyMaterialId);
      const { Plaintext } = await kms.send(new DecryptCommand({ CiphertextBlob }));
      assert.equal(text(Plaintext), 'first');
      await rejects(
        kms.send(new EnableKeyRotationCommand({ KeyId: keyId })),
        'UnsupportedOperationException',
        /origin is EXTERNAL/,
      );

      await kms.send(
        new DeleteImportedKeyMaterialCommand({ KeyId: keyId, KeyMaterialId: first.KeyMaterialId }),
      );
      const { Rotations } = await kms.send(
        new ListKeyRotationsCommand({ KeyId: keyId, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' }),
      );
      assert.deepEqual(
        Rotations?.map((r) => [r.KeyMaterialId, r.ImportState, r.KeyMaterialState, r.KeyMaterialDescription]),
        [
          [first.KeyMaterialId, 'PENDING_IMPORT', 'NON_CURRENT', undefined],
          [second.KeyMaterialId, 'IMPORTED', 'CURRENT', 'second'],
        ],
      );
      assert.equal((await keyState(kms, keyId))?.KeyState, 'PendingImport');
    } finally {
      await server.stop();
    }
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { open, parseCiphertext, seal } from '../../../src/server/crypto/ciphertext.ts';
import { currentMaterial, type LoadedKey, loadedKey } from '../../../src/server/keys/key.ts';
import { keyOf } from './keys.ts';

/** The same key (ID, account, material) as another region holds it. */
function inRegion(key: LoadedKey, region: string): LoadedKey {
  return loadedKey({ ...key.record, region }, [...key.materials]);
}

function reopens(sealedBy: LoadedKey, openedBy: LoadedKey): boolean {
  const material = currentMaterial(sealedBy);
  const header = { keyId: sealedBy.record.keyId, materialId: material.materialId };
  const parsed = parseCiphertext(seal(Buffer.from('x'), material.bytes, header, sealedBy.binding, undefined));
  return parsed !== undefined && open(parsed, material.bytes, openedBy.binding, undefined) !== undefined;
}

test("a multi-Region key's ciphertexts open under its related keys in other regions", () => {
  const primary = keyOf({ multiRegion: true });
  assert.ok(reopens(primary, inRegion(primary, 'eu-west-1')));
  assert.ok(reopens(inRegion(primary, 'ap-south-1'), primary));
});

test("a single-Region key's ciphertexts do not open under a key of the same ID and material elsewhere", () => {
  const key = keyOf();
  assert.ok(reopens(key, key));
  assert.equal(reopens(key, inRegion(key, 'eu-west-1')), false);
  assert.equal(
    reopens(key, loadedKey({ ...key.record, accountId: '444455556666' }, [...key.materials])),
    false,
  );
});

test('a record without attributes (the store keeps none yet) is a symmetric encryption key of its customer', () => {
  const { record, kind } = keyOf();
  assert.deepEqual(
    {
      keySpec: record.keySpec,
      keyUsage: record.keyUsage,
      origin: record.origin,
      multiRegion: record.multiRegion,
      keyManager: record.keyManager,
    },
    {
      keySpec: 'SYMMETRIC_DEFAULT',
      keyUsage: 'ENCRYPT_DECRYPT',
      origin: 'AWS_KMS',
      multiRegion: false,
      keyManager: 'CUSTOMER',
    },
  );
  assert.equal(kind.keySpec, 'SYMMETRIC_DEFAULT');
});

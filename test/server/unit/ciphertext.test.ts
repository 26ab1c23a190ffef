import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { IV_BYTES, seal as sealAead } from '../../../src/server/crypto/aead.ts';
import {
  type KeyBinding,
  keyBinding,
  open,
  parseCiphertext,
  seal,
} from '../../../src/server/crypto/ciphertext.ts';
import { encodeEncryptionContext } from '../../../src/server/crypto/encryption-context.ts';

/**
 * The ciphertext blob format (src/server/crypto/ciphertext.ts), without a server: what a blob is bound to, and
 * that every way a blob can be wrong is "does not open", never an exception.
 */

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/datadir-ca05dcf/expected.json', import.meta.url), 'utf8'),
) as {
  accountId: string;
  region: string;
  ciphertexts: { keyId: string; ciphertextBlob: string }[];
  disabledCiphertext: { keyId: string; ciphertextBlob: string };
};

const ACCOUNT = '111122223333';
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const MRK_ID = 'mrk-1234abcd12ab34cd56ef1234567890ab';
const material = randomBytes(32);
const materialId = randomBytes(32).toString('hex');
const plaintext = Buffer.from('the plaintext');

/** A single-Region key's binding in `region`, as keys/key.ts builds it. */
const singleRegion = (region: string, account = ACCOUNT) =>
  keyBinding(account, region, [account, region, KEY_ID]);
/** A multi-Region key's binding in `region`: its identity leaves the region out. */
const multiRegion = (region: string) => keyBinding(ACCOUNT, region, [ACCOUNT, MRK_ID]);

/** A format-2 blob of the plaintext under the material, sealed by key `keyId` with `binding`. */
function sealed(keyId: string, binding: KeyBinding, context?: Record<string, string>): Buffer {
  return seal(plaintext, material, { keyId, materialId }, binding, context);
}

function opens(
  blob: Buffer,
  binding = singleRegion('us-east-1'),
  context: Record<string, string> | undefined = undefined,
): Buffer | undefined {
  const parsed = parseCiphertext(blob);
  return parsed && open(parsed, material, binding, context);
}

/**
 * A format-1 blob as kmslab wrote it up to ca05dcf, written here from the format's description so that the
 * test pins the format, not the code under test.
 */
function formatOneBlob(keyId: string, region: string, context?: Record<string, string>): Buffer {
  const iv = randomBytes(IV_BYTES);
  const keyIdBytes = Buffer.from(keyId, 'utf8');
  const header = Buffer.concat([
    Buffer.from([1, keyIdBytes.length >> 8, keyIdBytes.length & 0xff]),
    keyIdBytes,
    Buffer.from(materialId, 'hex'),
    iv,
  ]);
  const field = (text: string) => {
    const bytes = Buffer.from(text, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return [length, bytes];
  };
  const aad = Buffer.concat([header, ...field(ACCOUNT), ...field(region), encodeEncryptionContext(context)]);
  return Buffer.concat([header, sealAead(material, iv, plaintext, aad)]);
}

describe('ciphertext format 1 (read forever)', () => {
  test('the blobs kmslab ca05dcf wrote (test/fixtures/datadir-ca05dcf) parse as format 1 with their key', () => {
    const blobs = [...fixture.ciphertexts, fixture.disabledCiphertext];
    assert.ok(blobs.length >= 6);
    for (const { keyId, ciphertextBlob } of blobs) {
      const parsed = parseCiphertext(Buffer.from(ciphertextBlob, 'base64'));
      assert.equal(parsed?.version, 1);
      assert.equal(parsed?.keyId, keyId);
      assert.match(parsed?.materialId ?? '', /^[0-9a-f]{64}$/);
    }
  });

  test('a format-1 blob opens under its key in its account and region, and nowhere else', () => {
    const blob = formatOneBlob(KEY_ID, 'us-east-1', { purpose: 'test' });
    assert.deepEqual(opens(blob, singleRegion('us-east-1'), { purpose: 'test' }), plaintext);
    assert.equal(opens(blob, singleRegion('eu-west-1'), { purpose: 'test' }), undefined);
    assert.equal(opens(blob, singleRegion('us-east-1', '444455556666'), { purpose: 'test' }), undefined);
    assert.equal(opens(blob, singleRegion('us-east-1'), { purpose: 'other' }), undefined);
  });
});

describe('ciphertext format 2 (written from now on)', () => {
  test('seal then open gives the plaintext back; the header names the key and its material', () => {
    const binding = singleRegion('us-east-1');
    const blob = seal(plaintext, material, { keyId: KEY_ID, materialId }, binding, { a: '1' });
    const parsed = parseCiphertext(blob);
    assert.equal(parsed?.version, 2);
    assert.equal(parsed?.keyId, KEY_ID);
    assert.equal(parsed?.materialId, materialId);
    assert.deepEqual(opens(blob, binding, { a: '1' }), plaintext);
  });

  test("a multi-Region key's blob opens with the same material in every region of its related keys", () => {
    const blob = sealed(MRK_ID, multiRegion('us-east-1'));
    for (const region of ['us-east-1', 'eu-west-1', 'ap-southeast-2']) {
      assert.deepEqual(opens(blob, multiRegion(region)), plaintext, region);
    }
    assert.equal(opens(blob, keyBinding('444455556666', 'us-east-1', ['444455556666', MRK_ID])), undefined);
  });

  test("a single-Region key's blob does not open under a key of the same ID in another region or account", () => {
    const blob = sealed(KEY_ID, singleRegion('us-east-1'));
    assert.deepEqual(opens(blob, singleRegion('us-east-1')), plaintext);
    assert.equal(opens(blob, singleRegion('eu-west-1')), undefined);
    assert.equal(opens(blob, singleRegion('us-east-1', '444455556666')), undefined);
  });

  test('the encryption context is bound exactly: {"ab":"c"} is not {"a":"bc"}, order does not matter', () => {
    const blob = sealed(KEY_ID, singleRegion('us-east-1'), {
      ab: 'c',
      x: 'y',
    });
    assert.deepEqual(opens(blob, undefined, { x: 'y', ab: 'c' }), plaintext);
    const wrongs: Record<string, string>[] = [
      { a: 'bc', x: 'y' },
      { ab: 'c' },
      {},
      { ab: 'c', x: 'y', z: '' },
    ];
    for (const wrong of wrongs) {
      assert.equal(opens(blob, undefined, wrong), undefined, JSON.stringify(wrong));
    }
    assert.equal(opens(blob), undefined);
  });

  test('a flipped bit anywhere (version, key ID, material ID, IV, ciphertext, tag) does not open', () => {
    const blob = sealed(KEY_ID, singleRegion('us-east-1'));
    const keyIdEnd = 3 + KEY_ID.length;
    const ivStart = keyIdEnd + 32;
    const sealedStart = ivStart + IV_BYTES;
    const places = {
      version: 0,
      'key ID': 5,
      'material ID': keyIdEnd + 3,
      IV: ivStart + 1,
      ciphertext: sealedStart + 1,
      tag: blob.length - 1,
    };
    for (const [part, index] of Object.entries(places)) {
      for (const bit of [0x01, 0x80]) {
        const tampered = Buffer.from(blob);
        tampered[index] = (tampered[index] ?? 0) ^ bit;
        assert.equal(opens(tampered), undefined, `${part} bit ${bit}`);
      }
    }
  });

  test('a cut or foreign blob is undefined, never an exception', () => {
    const blob = sealed(KEY_ID, singleRegion('us-east-1'));
    for (let length = 0; length < blob.length; length++) {
      assert.equal(opens(blob.subarray(0, length)), undefined, `first ${length} bytes`);
    }
    for (const foreign of [
      Buffer.from('not a kmslab ciphertext'),
      Buffer.from([3, 0, 0]),
      Buffer.alloc(100),
    ]) {
      assert.equal(opens(foreign), undefined);
    }
  });
});

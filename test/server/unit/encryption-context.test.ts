import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { IV_BYTES, open, seal } from '../../../src/server/crypto/aead.ts';
import { encodeEncryptionContext } from '../../../src/server/crypto/encryption-context.ts';

test('the encoding is a count, then each pair sorted by key bytes, every part length-prefixed', () => {
  const hex = (context?: Record<string, string>) => encodeEncryptionContext(context).toString('hex');
  assert.equal(hex(undefined), '00000000');
  assert.equal(hex({}), '00000000');
  assert.equal(
    hex({ b: '2', a: '' }),
    ['00000002', '00000001', '61', '00000000', '00000001', '62', '00000001', '32'].join(''),
  );
});

test('contexts that concatenate alike encode apart: {"ab":"c"}, {"a":"bc"}, {"abc":""}', () => {
  const contexts: Record<string, string>[] = [{ ab: 'c' }, { a: 'bc' }, { abc: '' }, { a: 'b', c: '' }];
  const encodings = contexts.map((context) => encodeEncryptionContext(context).toString('hex'));
  assert.equal(new Set(encodings).size, encodings.length);
});

test('the order pairs come in does not matter; keys sort by their UTF-8 bytes', () => {
  const one = encodeEncryptionContext({ z: '1', é: '2', a: '3' });
  const other = encodeEncryptionContext({ a: '3', é: '2', z: '1' });
  assert.deepEqual(one, other);
  // 'z' (0x7a) sorts before 'é' (0xc3 0xa9) by bytes.
  assert.ok(one.indexOf(Buffer.from('z')) < one.indexOf(Buffer.from('é')));
});

test('AES-256-GCM opens only with the key, IV and additional data it was sealed with', () => {
  const key = randomBytes(32);
  const iv = randomBytes(IV_BYTES);
  const aad = Buffer.from('bound');
  const sealed = seal(key, iv, Buffer.from('secret'), aad);
  assert.equal(open(key, iv, sealed, aad)?.toString(), 'secret');
  assert.equal(open(randomBytes(32), iv, sealed, aad), undefined);
  assert.equal(open(key, randomBytes(IV_BYTES), sealed, aad), undefined);
  assert.equal(open(key, iv, sealed, Buffer.from('other')), undefined);
  assert.equal(open(key, iv, sealed.subarray(0, 15), aad), undefined);
});

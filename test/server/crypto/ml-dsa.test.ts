import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KeySpec } from '../../../src/protocol/index.ts';
import { thrown } from '../unit/keys.ts';
import { cryptoOf, peer, signatureScheme, tampered } from './tools.ts';

const message = Buffer.from('kmslab signs this message with ML-DSA');

/** The signature sizes of FIPS 204, Table 2. */
const PARAMETER_SETS: [KeySpec, number][] = [
  ['ML_DSA_44', 2420],
  ['ML_DSA_65', 3309],
  ['ML_DSA_87', 4627],
];

function bytes(value: Buffer | boolean | undefined): Buffer {
  assert.ok(Buffer.isBuffer(value));
  return value;
}

describe('ML-DSA (ML_DSA_SHAKE_256), proven with Python cryptography', () => {
  for (const [keySpec, signatureBytes] of PARAMETER_SETS) {
    test(`${keySpec}: our seed-only PKCS#8 and SPKI load there, and our RAW and EXTERNAL_MU signatures verify`, async () => {
      const crypto = cryptoOf(keySpec);
      const scheme = signatureScheme(keySpec, 'ML_DSA_SHAKE_256');
      const material = await crypto.generate();
      const publicKey = crypto.publicKey?.(material);
      assert.ok(publicKey);
      assert.deepEqual(bytes(peer('ml-dsa-public-key', { privateKey: material }).publicKey), publicKey);

      const raw = scheme.sign(material, message, 'RAW');
      assert.equal(raw.length, signatureBytes);
      assert.equal(peer('ml-dsa-verify', { publicKey, message, signature: raw }).valid, true);

      const mu = bytes(peer('ml-dsa-mu', { publicKey, message }).mu);
      const external = scheme.sign(material, mu, 'EXTERNAL_MU');
      assert.equal(peer('ml-dsa-verify', { publicKey, message, signature: external }).valid, true);
      assert.equal(peer('ml-dsa-verify', { publicKey, message, signature: tampered(external) }).valid, false);
    });

    test(`${keySpec}: keys and signatures made there are read and verified here, RAW and EXTERNAL_MU`, async () => {
      const generated = peer('ml-dsa-generate', { keySpec });
      const material = bytes(generated.privateKey);
      const publicKey = bytes(generated.publicKey);
      assert.deepEqual(cryptoOf(keySpec).publicKey?.(material), publicKey);

      const scheme = signatureScheme(keySpec, 'ML_DSA_SHAKE_256');
      const theirs = bytes(peer('ml-dsa-sign', { privateKey: material, message }).signature);
      const mu = bytes(peer('ml-dsa-mu', { publicKey, message }).mu);
      assert.equal(scheme.verify(material, message, 'RAW', theirs), true);
      assert.equal(scheme.verify(material, mu, 'EXTERNAL_MU', theirs), true);
      assert.equal(scheme.verify(material, message, 'RAW', tampered(theirs)), false);
      assert.equal(scheme.verify(material, tampered(mu), 'EXTERNAL_MU', theirs), false);
      assert.equal(scheme.verify(material, message, 'RAW', theirs.subarray(1)), false);
    });
  }

  test('DIGEST is refused for the key spec, and μ must be 64 bytes', async () => {
    const material = await cryptoOf('ML_DSA_44').generate();
    const scheme = signatureScheme('ML_DSA_44', 'ML_DSA_SHAKE_256');
    const digest = thrown(() => scheme.sign(material, Buffer.alloc(64), 'DIGEST'));
    assert.deepEqual(
      { type: digest?.type, message: digest?.message },
      {
        type: 'ValidationException',
        message: 'Message type DIGEST is incompatible with key spec ML_DSA_44.',
      },
    );
    const mu = thrown(() => scheme.verify(material, Buffer.alloc(32), 'EXTERNAL_MU', Buffer.alloc(2420)));
    assert.deepEqual(
      { type: mu?.type, message: mu?.message },
      {
        type: 'ValidationException',
        message: 'External Mu is invalid length for algorithm ML_DSA_SHAKE_256.',
      },
    );
  });
});

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { KeySpec, MacAlgorithmSpec } from '../../../src/protocol/index.ts';
import { cryptoOf, openssl, scratch, tampered } from './tools.ts';

const files = scratch();
after(files.remove);

const message = Buffer.from('kmslab authenticates this message');
const messageFile = files.file('message', message);

/** Each HMAC key spec, its one algorithm, and the key length AWS gives it (the spec's number of bits). */
const SPECS: [KeySpec, MacAlgorithmSpec, number][] = [
  ['HMAC_224', 'HMAC_SHA_224', 28],
  ['HMAC_256', 'HMAC_SHA_256', 32],
  ['HMAC_384', 'HMAC_SHA_384', 48],
  ['HMAC_512', 'HMAC_SHA_512', 64],
];

describe('HMAC keys', () => {
  for (const [keySpec, algorithm, keyBytes] of SPECS) {
    test(`${algorithm}: a ${keyBytes}-byte secret whose MACs equal openssl dgst -mac HMAC's, and verify`, async () => {
      const crypto = cryptoOf(keySpec);
      const material = await crypto.generate();
      assert.equal(material.length, keyBytes);
      const mac = crypto.mac?.[algorithm];
      assert.ok(mac);
      const ours = mac.generate(material, message);
      const digest = `-sha${algorithm.slice(-3)}`;
      const macopt = `hexkey:${material.toString('hex')}`;
      assert.deepEqual(
        ours,
        openssl(['dgst', digest, '-mac', 'HMAC', '-macopt', macopt, '-binary', messageFile]),
      );

      assert.equal(mac.verify(material, message, ours), true);
      assert.equal(mac.verify(material, message, tampered(ours)), false);
      assert.equal(mac.verify(material, tampered(message), ours), false);
      assert.equal(mac.verify(material, message, ours.subarray(1)), false, 'a truncated MAC');
      assert.equal(mac.verify(await crypto.generate(), message, ours), false, 'another key');
    });
  }
});

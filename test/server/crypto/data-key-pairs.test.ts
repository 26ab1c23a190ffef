import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { SHAPES } from '../../../src/protocol/constraints.ts';
import type { DataKeyPairSpec } from '../../../src/protocol/index.ts';
import { generateDataKeyPair } from '../../../src/server/crypto/key-specs.ts';
import type { KMSError } from '../../../src/server/errors.ts';
import { openssl, scratch } from './tools.ts';

const files = scratch();
after(files.remove);

/** What `openssl pkey -text` says of each key pair spec's private key. */
const DESCRIBED: { [S in Exclude<DataKeyPairSpec, 'SM2'>]: RegExp } = {
  RSA_2048: /Private-Key: \(2048 bit, 2 primes\)/,
  RSA_3072: /Private-Key: \(3072 bit, 2 primes\)/,
  RSA_4096: /Private-Key: \(4096 bit, 2 primes\)/,
  ECC_NIST_P256: /ASN1 OID: prime256v1/,
  ECC_NIST_P384: /ASN1 OID: secp384r1/,
  ECC_NIST_P521: /ASN1 OID: secp521r1/,
  ECC_SECG_P256K1: /ASN1 OID: secp256k1/,
  ECC_NIST_EDWARDS25519: /ED25519 Private-Key/,
};

describe('data key pairs (GenerateDataKeyPair)', () => {
  test("the model's key pair specs are the ones described here, and SM2", async () => {
    const shape = SHAPES.DataKeyPairSpec;
    assert.ok(shape?.type === 'enum');
    assert.deepEqual([...shape.values].sort(), [...Object.keys(DESCRIBED), 'SM2'].sort());
  });

  for (const [keyPairSpec, description] of Object.entries(DESCRIBED)) {
    test(`${keyPairSpec}: the PKCS#8 private key parses with openssl and its public key is the SPKI given`, async () => {
      const pair = await generateDataKeyPair(keyPairSpec as DataKeyPairSpec);
      const privateKey = files.file(`${keyPairSpec}.der`, pair.privateKey);
      assert.match(
        openssl(['pkey', '-inform', 'DER', '-in', privateKey, '-text', '-noout']).toString(),
        description,
      );
      assert.deepEqual(
        openssl(['pkey', '-inform', 'DER', '-in', privateKey, '-pubout', '-outform', 'DER']),
        pair.publicKey,
      );
    });
  }

  test('SM2 is refused as AWS refuses it outside its China Regions', async () => {
    const error = await generateDataKeyPair('SM2').then(
      () => undefined,
      (rejected: KMSError) => rejected,
    );
    assert.deepEqual(
      { type: error?.type, message: error?.message },
      { type: 'UnsupportedOperationException', message: 'KeyPairSpec SM2 is not supported in this Region' },
    );
  });
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { KeySpec } from '../../../src/protocol/index.ts';
import {
  generateWrappingKey,
  unwrapKeyMaterial,
  type WrappingAlgorithm,
  type WrappingKeyPair,
} from '../../../src/server/crypto/key-wrap.ts';
import { cryptoOf, oaepOptions, openssl, opensslVerifies, pem, scratch, tampered } from './tools.ts';

/**
 * AWS's documented workflow for importing key material ("Step 3: Encrypt the key material"), run with the openssl
 * CLI against kmslab's wrapping public key: whatever openssl wraps, kmslab unwraps to the exact material, and the
 * imported key then works as the original does outside kmslab.
 */

const files = scratch();
after(files.remove);

let wrapping: WrappingKeyPair;
let wrappingPem: string;
before(() => {
  wrapping = generateWrappingKey('RSA_2048');
  wrappingPem = files.file('wrapping.pem', pem(wrapping.publicKey, 'PUBLIC KEY'));
});

const OAEP_HASH = { RSAES_OAEP_SHA_1: 'sha1', RSAES_OAEP_SHA_256: 'sha256' } as const;

/** `openssl pkeyutl -encrypt` with OAEP, as the developer guide shows it. */
function opensslOaep(publicPem: string, hash: 'sha1' | 'sha256', plaintext: Buffer): Buffer {
  const input = files.file(`oaep-in-${randomBytes(4).toString('hex')}`, plaintext);
  return openssl([
    'pkeyutl',
    '-encrypt',
    '-in',
    input,
    '-inkey',
    publicPem,
    '-keyform',
    'PEM',
    '-pubin',
    ...oaepOptions(hash),
  ]);
}

/** RSA_AES_KEY_WRAP_SHA_*: `openssl enc -id-aes256-wrap-pad` under a fresh AES key, that key wrapped with OAEP. */
function opensslAesKeyWrap(
  publicPem: string,
  hash: 'sha1' | 'sha256',
  material: Buffer,
  aesBits = 256,
): Buffer {
  const aesKey = openssl(['rand', String(aesBits / 8)]);
  const input = files.file(`kwp-in-${randomBytes(4).toString('hex')}`, material);
  const wrappedMaterial = openssl([
    'enc',
    `-id-aes${aesBits}-wrap-pad`,
    '-K',
    aesKey.toString('hex'),
    '-iv',
    'A65959A6',
    '-in',
    input,
  ]);
  return Buffer.concat([opensslOaep(publicPem, hash, aesKey), wrappedMaterial]);
}

function wrapWithOpenssl(algorithm: WrappingAlgorithm, material: Buffer, publicPem = wrappingPem): Buffer {
  switch (algorithm) {
    case 'RSAES_OAEP_SHA_1':
    case 'RSAES_OAEP_SHA_256':
      return opensslOaep(publicPem, OAEP_HASH[algorithm], material);
    case 'RSA_AES_KEY_WRAP_SHA_1':
      return opensslAesKeyWrap(publicPem, 'sha1', material);
    case 'RSA_AES_KEY_WRAP_SHA_256':
      return opensslAesKeyWrap(publicPem, 'sha256', material);
  }
}

/** A private key made by openssl, as DER PKCS#8 (what AWS asks for) and as PEM for openssl's own checks. */
function opensslPrivateKey(name: string, genpkey: readonly string[]) {
  const privatePem = files.file(`${name}.pem`, openssl(['genpkey', ...genpkey]));
  const der = openssl(['pkcs8', '-topk8', '-nocrypt', '-in', privatePem, '-outform', 'DER']);
  const publicPem = files.file(`${name}.pub`, openssl(['pkey', '-in', privatePem, '-pubout']));
  return { der, privatePem, publicPem };
}

const ALGORITHMS: WrappingAlgorithm[] = [
  'RSAES_OAEP_SHA_1',
  'RSAES_OAEP_SHA_256',
  'RSA_AES_KEY_WRAP_SHA_1',
  'RSA_AES_KEY_WRAP_SHA_256',
];

describe('unwrapping imported key material wrapped by openssl', () => {
  for (const algorithm of ALGORITHMS) {
    test(`${algorithm}: a 256-bit symmetric key comes back exactly`, async () => {
      const material = openssl(['rand', '32']);
      const unwrapped = unwrapKeyMaterial(
        algorithm,
        wrapping.privateKey,
        wrapWithOpenssl(algorithm, material),
      );
      assert.deepEqual(unwrapped, material);
      assert.deepEqual(cryptoOf('SYMMETRIC_DEFAULT').importMaterial(unwrapped ?? Buffer.alloc(0)), material);
    });
  }

  test('RSA_AES_KEY_WRAP with a 128-bit or 192-bit AES key too', async () => {
    for (const bits of [128, 192]) {
      const material = randomBytes(32);
      const wrapped = opensslAesKeyWrap(wrappingPem, 'sha256', material, bits);
      assert.deepEqual(unwrapKeyMaterial('RSA_AES_KEY_WRAP_SHA_256', wrapping.privateKey, wrapped), material);
    }
  });

  test('HMAC keys: openssl computes the same MACs with the original secret as kmslab with the imported one', async () => {
    const message = files.file('hmac-message', 'kmslab authenticates this message');
    for (const [keySpec, algorithm, bits] of [
      ['HMAC_224', 'HMAC_SHA_224', 224],
      ['HMAC_256', 'HMAC_SHA_256', 256],
      ['HMAC_384', 'HMAC_SHA_384', 384],
      ['HMAC_512', 'HMAC_SHA_512', 512],
    ] as const) {
      const secret = openssl(['rand', String(bits / 8)]);
      const imported = cryptoOf(keySpec).importMaterial(
        unwrapKeyMaterial(
          'RSAES_OAEP_SHA_256',
          wrapping.privateKey,
          wrapWithOpenssl('RSAES_OAEP_SHA_256', secret),
        ) ?? Buffer.alloc(0),
      );
      assert.ok(imported, keySpec);
      const ours = cryptoOf(keySpec).mac?.[algorithm]?.generate(
        imported,
        Buffer.from('kmslab authenticates this message'),
      );
      const theirs = openssl([
        'dgst',
        `-sha${bits}`,
        '-mac',
        'HMAC',
        '-macopt',
        `hexkey:${secret.toString('hex')}`,
        '-binary',
        message,
      ]);
      assert.deepEqual(ours, theirs, keySpec);
    }
  });

  const ec = (curve: string) => ['-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${curve}`];
  const rsa = ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'];
  const [OAEP, AES] = ['RSAES_OAEP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_256'] as const;
  const asymmetric: [KeySpec, readonly string[], typeof OAEP | typeof AES, string][] = [
    ['RSA_2048', rsa, AES, 'RSASSA_PSS_SHA_256'],
    ['ECC_NIST_P256', ec('P-256'), OAEP, 'ECDSA_SHA_256'],
    ['ECC_NIST_P384', ec('P-384'), AES, 'ECDSA_SHA_384'],
    ['ECC_NIST_P521', ec('P-521'), AES, 'ECDSA_SHA_512'],
    ['ECC_SECG_P256K1', ec('secp256k1'), OAEP, 'ECDSA_SHA_256'],
    ['ECC_NIST_EDWARDS25519', ['-algorithm', 'ED25519'], OAEP, 'ED25519_SHA_512'],
  ];
  for (const [keySpec, genpkey, algorithm, signing] of asymmetric) {
    test(`${keySpec} via ${algorithm}: signatures by the imported key verify with openssl under the original public key`, async () => {
      const key = opensslPrivateKey(keySpec, genpkey);
      const unwrapped = unwrapKeyMaterial(
        algorithm,
        wrapping.privateKey,
        wrapWithOpenssl(algorithm, key.der),
      );
      assert.deepEqual(unwrapped, key.der);
      const imported = cryptoOf(keySpec).importMaterial(unwrapped ?? Buffer.alloc(0));
      assert.ok(imported, keySpec);
      const message = Buffer.from(`signed by an imported ${keySpec} key`);
      const signature = cryptoOf(keySpec).signing?.[signing as 'ECDSA_SHA_256']?.sign(
        imported,
        message,
        'RAW',
      );
      assert.ok(signature);
      const messageFile = files.file(`${keySpec}.msg`, message);
      const signatureFile = files.file(`${keySpec}.sig`, signature);
      const verify =
        keySpec === 'ECC_NIST_EDWARDS25519'
          ? [
              'pkeyutl',
              '-verify',
              '-pubin',
              '-inkey',
              key.publicPem,
              '-rawin',
              '-in',
              messageFile,
              '-sigfile',
              signatureFile,
            ]
          : [
              'dgst',
              `-sha${signing.slice(-3)}`,
              ...(signing.startsWith('RSASSA_PSS')
                ? ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:digest']
                : []),
              '-verify',
              key.publicPem,
              '-signature',
              signatureFile,
              messageFile,
            ];
      assert.ok(opensslVerifies(verify), `${keySpec}: openssl verifies`);
      assert.equal(
        opensslVerifies(verify.map((arg) => (arg === messageFile ? files.file('other.msg', 'other') : arg))),
        false,
      );
    });
  }

  test('a 4096-bit wrapping key unwraps an RSA_4096 private key (the recorded AWS import)', async () => {
    const wrapping4096 = generateWrappingKey('RSA_4096');
    const publicPem = files.file('wrapping-4096.pem', pem(wrapping4096.publicKey, 'PUBLIC KEY'));
    const key = opensslPrivateKey('RSA_4096', ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:4096']);
    const unwrapped = unwrapKeyMaterial(
      'RSA_AES_KEY_WRAP_SHA_256',
      wrapping4096.privateKey,
      wrapWithOpenssl('RSA_AES_KEY_WRAP_SHA_256', key.der, publicPem),
    );
    assert.deepEqual(unwrapped, key.der);
    assert.ok(cryptoOf('RSA_4096').importMaterial(unwrapped ?? Buffer.alloc(0)));
  });
});

describe('what does not unwrap', () => {
  const material = randomBytes(32);

  test('a changed byte anywhere, the other hash, or another wrapping key', async () => {
    for (const algorithm of ALGORITHMS) {
      const wrapped = wrapWithOpenssl(algorithm, material);
      assert.equal(
        unwrapKeyMaterial(algorithm, wrapping.privateKey, tampered(wrapped, 10)),
        undefined,
        algorithm,
      );
      assert.equal(
        unwrapKeyMaterial(algorithm, wrapping.privateKey, tampered(wrapped, wrapped.length - 3)),
        undefined,
        algorithm,
      );
      assert.equal(
        unwrapKeyMaterial(algorithm, generateWrappingKey('RSA_2048').privateKey, wrapped),
        undefined,
        algorithm,
      );
    }
    const sha256 = wrapWithOpenssl('RSAES_OAEP_SHA_256', material);
    assert.equal(unwrapKeyMaterial('RSAES_OAEP_SHA_1', wrapping.privateKey, sha256), undefined);
    const aesWrapped = wrapWithOpenssl('RSA_AES_KEY_WRAP_SHA_256', material);
    assert.equal(unwrapKeyMaterial('RSAES_OAEP_SHA_256', wrapping.privateKey, aesWrapped), undefined);
    assert.equal(
      unwrapKeyMaterial('RSA_AES_KEY_WRAP_SHA_256', wrapping.privateKey, sha256),
      undefined,
      'no AES part',
    );
    assert.equal(
      unwrapKeyMaterial('RSA_AES_KEY_WRAP_SHA_256', wrapping.privateKey, Buffer.alloc(0)),
      undefined,
    );
  });
});

describe('imported material checks per key spec', () => {
  test('symmetric: exactly 32 bytes; HMAC: from the digest length to the block size', async () => {
    const importMaterial = (keySpec: KeySpec, bytes: number) =>
      cryptoOf(keySpec).importMaterial(randomBytes(bytes));
    assert.ok(importMaterial('SYMMETRIC_DEFAULT', 32));
    for (const bytes of [16, 31, 33, 64])
      assert.equal(importMaterial('SYMMETRIC_DEFAULT', bytes), undefined, String(bytes));
    for (const [keySpec, min, max] of [
      ['HMAC_224', 28, 64],
      ['HMAC_256', 32, 64],
      ['HMAC_384', 48, 128],
      ['HMAC_512', 64, 128],
    ] as const) {
      assert.ok(importMaterial(keySpec, min) && importMaterial(keySpec, max), keySpec);
      assert.equal(importMaterial(keySpec, min - 1), undefined, keySpec);
      assert.equal(importMaterial(keySpec, max + 1), undefined, keySpec);
    }
  });

  test('asymmetric: a private key of exactly the key spec, re-encoded as kmslab encodes it', async () => {
    const p256 = opensslPrivateKey('check-p256', ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
    const normalized = cryptoOf('ECC_NIST_P256').importMaterial(p256.der);
    assert.ok(normalized);
    assert.deepEqual(
      cryptoOf('ECC_NIST_P256').publicKey?.(normalized),
      openssl(['pkey', '-in', p256.privatePem, '-pubout', '-outform', 'DER']),
    );
    for (const keySpec of [
      'ECC_NIST_P384',
      'ECC_SECG_P256K1',
      'RSA_2048',
      'ECC_NIST_EDWARDS25519',
      'ML_DSA_44',
    ] as const)
      assert.equal(cryptoOf(keySpec).importMaterial(p256.der), undefined, keySpec);
    const rsa2048 = await cryptoOf('RSA_2048').generate();
    assert.ok(cryptoOf('RSA_2048').importMaterial(rsa2048));
    assert.equal(cryptoOf('RSA_3072').importMaterial(rsa2048), undefined);
    for (const keySpec of ['RSA_2048', 'ECC_NIST_P256', 'ECC_NIST_EDWARDS25519'] as const) {
      assert.equal(cryptoOf(keySpec).importMaterial(randomBytes(32)), undefined, keySpec);
      assert.equal(cryptoOf(keySpec).importMaterial(Buffer.alloc(0)), undefined, keySpec);
    }
  });

  test('ML-DSA: the seed-only PKCS#8 that kmslab keeps', async () => {
    const seedOnly = await cryptoOf('ML_DSA_65').generate();
    assert.deepEqual(cryptoOf('ML_DSA_65').importMaterial(seedOnly), seedOnly);
    assert.equal(cryptoOf('ML_DSA_44').importMaterial(seedOnly), undefined);
    assert.equal(cryptoOf('ML_DSA_65').importMaterial(tampered(seedOnly, 2)), undefined);
  });
});

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { EncryptionAlgorithmSpec, KeySpec, SigningAlgorithmSpec } from '../../../src/protocol/index.ts';
import { awsError } from '../support.ts';
import { thrown } from '../unit/keys.ts';
import { cryptoOf, newKey, openssl, opensslVerifies, scratch, signatureScheme, tampered } from './tools.ts';

const files = scratch();
after(files.remove);

// RSA key generation is slow (a 4096-bit key takes seconds): one key per size for the whole file.
const keys = {
  RSA_2048: await newKey(files, 'RSA_2048'),
  RSA_3072: await newKey(files, 'RSA_3072'),
  RSA_4096: await newKey(files, 'RSA_4096'),
};
type RsaKeySpec = keyof typeof keys;

const message = Buffer.from('kmslab signs this message with RSA');
const messageFile = files.file('message', message);

/** Every RSA signing algorithm on RSA_2048, and each size at least once with each padding. */
const SIGNING_CASES: [RsaKeySpec, SigningAlgorithmSpec][] = [
  ['RSA_2048', 'RSASSA_PSS_SHA_256'],
  ['RSA_2048', 'RSASSA_PSS_SHA_384'],
  ['RSA_2048', 'RSASSA_PSS_SHA_512'],
  ['RSA_2048', 'RSASSA_PKCS1_V1_5_SHA_256'],
  ['RSA_2048', 'RSASSA_PKCS1_V1_5_SHA_384'],
  ['RSA_2048', 'RSASSA_PKCS1_V1_5_SHA_512'],
  ['RSA_3072', 'RSASSA_PSS_SHA_384'],
  ['RSA_3072', 'RSASSA_PKCS1_V1_5_SHA_256'],
  ['RSA_4096', 'RSASSA_PSS_SHA_512'],
  ['RSA_4096', 'RSASSA_PKCS1_V1_5_SHA_384'],
];

/** openssl's options for an algorithm: the digest, and for PSS a salt as long as the digest and MGF1 with it. */
function opensslOptions(algorithm: SigningAlgorithmSpec, flag: '-sigopt' | '-pkeyopt') {
  const digest = `sha${algorithm.slice(-3)}`;
  const pss = algorithm.startsWith('RSASSA_PSS')
    ? ['rsa_padding_mode:pss', 'rsa_pss_saltlen:digest', `rsa_mgf1_md:${digest}`]
    : ['rsa_padding_mode:pkcs1'];
  return { digest, options: pss.flatMap((option) => [flag, option]) };
}

describe('RSA signatures (RSASSA-PSS, RSASSA-PKCS1-v1_5)', () => {
  for (const [keySpec, algorithm] of SIGNING_CASES) {
    test(`${algorithm} on ${keySpec}: RAW and DIGEST signatures verify with openssl, and openssl's verify here`, async () => {
      const key = keys[keySpec];
      const scheme = signatureScheme(keySpec, algorithm);
      const { digest, options } = opensslOptions(algorithm, '-sigopt');
      const pkeyopt = opensslOptions(algorithm, '-pkeyopt').options;
      const digestBytes = openssl(['dgst', `-${digest}`, '-binary', messageFile]);
      const digestFile = files.file(`${algorithm}.digest`, digestBytes);

      const raw = files.file(`${algorithm}-${keySpec}.raw.sig`, scheme.sign(key.material, message, 'RAW'));
      assert.ok(
        opensslVerifies([
          'dgst',
          `-${digest}`,
          '-verify',
          key.publicPem,
          ...options,
          '-signature',
          raw,
          messageFile,
        ]),
        'openssl dgst -verify accepts the RAW signature',
      );
      const ofDigest = scheme.sign(key.material, digestBytes, 'DIGEST');
      const ofDigestFile = files.file(`${algorithm}-${keySpec}.digest.sig`, ofDigest);
      const verifyDigest = ['pkeyutl', '-verify', '-pubin', '-inkey', key.publicPem, '-in', digestFile];
      assert.ok(
        opensslVerifies([
          ...verifyDigest,
          '-sigfile',
          ofDigestFile,
          '-pkeyopt',
          `digest:${digest}`,
          ...pkeyopt,
        ]),
        'openssl pkeyutl -verify accepts the signature of the digest, signed as given',
      );

      const theirs = openssl(['dgst', `-${digest}`, '-sign', key.privatePem, ...options, messageFile]);
      assert.equal(scheme.verify(key.material, message, 'RAW', theirs), true);
      assert.equal(scheme.verify(key.material, digestBytes, 'DIGEST', theirs), true);
      assert.equal(scheme.verify(key.material, message, 'RAW', tampered(theirs)), false);
      assert.equal(scheme.verify(key.material, tampered(message), 'RAW', theirs), false);
      assert.equal(scheme.verify(key.material, digestBytes, 'DIGEST', tampered(ofDigest)), false);
      // Cut at the end: an RSA signature is a number, which one that begins with a zero byte (1 in 256) still is
      // without it, so cutting its first byte made this fail now and then.
      assert.equal(scheme.verify(key.material, message, 'RAW', theirs.subarray(0, -1)), false);
    });
  }

  test('a DIGEST of the wrong length is refused in the words AWS answered', async () => {
    const aws = awsError('test_sign_verify[RSA_2048-RSASSA_PSS_SHA_256]', 'bad-digest');
    const scheme = signatureScheme('RSA_2048', 'RSASSA_PSS_SHA_256');
    const short = Buffer.alloc(31);
    for (const error of [
      thrown(() => scheme.verify(keys.RSA_2048.material, short, 'DIGEST', Buffer.alloc(256))),
      thrown(() => scheme.sign(keys.RSA_2048.material, short, 'DIGEST')),
    ])
      assert.deepEqual({ type: error?.type, message: error?.message }, aws);
  });

  test('EXTERNAL_MU is for ML-DSA keys only', async () => {
    const error = thrown(() =>
      signatureScheme('RSA_2048', 'RSASSA_PKCS1_V1_5_SHA_256').sign(
        keys.RSA_2048.material,
        Buffer.alloc(64),
        'EXTERNAL_MU',
      ),
    );
    assert.equal(error?.type, 'ValidationException');
    assert.equal(error?.message, 'Message type EXTERNAL_MU is incompatible with key spec RSA_2048.');
  });
});

describe('RSA encryption (RSAES-OAEP)', () => {
  const OAEP: [EncryptionAlgorithmSpec, string][] = [
    ['RSAES_OAEP_SHA_1', 'sha1'],
    ['RSAES_OAEP_SHA_256', 'sha256'],
  ];

  for (const keySpec of ['RSA_2048', 'RSA_4096'] as const) {
    for (const [algorithm, hash] of OAEP) {
      test(`${algorithm} on ${keySpec}: what openssl encrypts with the public key decrypts here, and the reverse`, async () => {
        const key = keys[keySpec];
        const oaep = cryptoOf(keySpec).encryption?.[algorithm];
        assert.ok(oaep);
        const plaintext = Buffer.from(`a secret for ${algorithm}`);
        const options = ['-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', `rsa_oaep_md:${hash}`];
        options.push('-pkeyopt', `rsa_mgf1_md:${hash}`);
        const theirs = openssl(
          ['pkeyutl', '-encrypt', '-pubin', '-inkey', key.publicPem, ...options],
          plaintext,
        );
        assert.deepEqual(oaep.decrypt(key.material, theirs), plaintext);
        assert.equal(oaep.decrypt(key.material, tampered(theirs)), undefined);

        const ours = oaep.encrypt(key.material, plaintext);
        assert.equal(ours.length, Number(keySpec.slice(4)) / 8, 'the raw RSA ciphertext, one modulus long');
        assert.deepEqual(
          openssl(['pkeyutl', '-decrypt', '-inkey', key.privatePem, ...options], ours),
          plaintext,
        );
      });
    }
  }

  test('the other OAEP hash does not decrypt a ciphertext', async () => {
    const { encryption } = cryptoOf('RSA_2048');
    const ciphertext = encryption?.RSAES_OAEP_SHA_1?.encrypt(keys.RSA_2048.material, Buffer.from('x'));
    assert.ok(ciphertext);
    assert.equal(encryption?.RSAES_OAEP_SHA_256?.decrypt(keys.RSA_2048.material, ciphertext), undefined);
  });

  test('plaintext up to the limit of the key size and hash encrypts; one byte more is refused as AWS words it', async () => {
    for (const keySpec of Object.keys(keys) as RsaKeySpec[]) {
      for (const [algorithm] of OAEP) {
        const aws = awsError(
          `test_encrypt_validate_plaintext_size_per_key_type[${keySpec}-${algorithm}]`,
          'generate-random-exc',
        );
        const limit = Number(/larger than (\d+) bytes/.exec(aws.message)?.[1]);
        const oaep = cryptoOf(keySpec as KeySpec).encryption?.[algorithm];
        assert.ok(oaep);
        const material = keys[keySpec].material;
        assert.deepEqual(
          oaep.decrypt(material, oaep.encrypt(material, Buffer.alloc(limit, 7))),
          Buffer.alloc(limit, 7),
        );
        const error = thrown(() => oaep.encrypt(material, Buffer.alloc(limit + 1)));
        assert.deepEqual({ type: error?.type, message: error?.message }, aws);
      }
    }
  });
});

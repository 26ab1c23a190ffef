import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { KeySpec, SigningAlgorithmSpec } from '../../../src/protocol/index.ts';
import { awsError } from '../support.ts';
import { thrown } from '../unit/keys.ts';
import { cryptoOf, newKey, openssl, opensslVerifies, scratch, signatureScheme, tampered } from './tools.ts';

const files = scratch();
after(files.remove);

const message = Buffer.from('kmslab signs this message with ECDSA');
const messageFile = files.file('message', message);

const CURVES: [KeySpec, SigningAlgorithmSpec, string][] = [
  ['ECC_NIST_P256', 'ECDSA_SHA_256', 'P-256'],
  ['ECC_NIST_P384', 'ECDSA_SHA_384', 'P-384'],
  ['ECC_NIST_P521', 'ECDSA_SHA_512', 'P-521'],
  ['ECC_SECG_P256K1', 'ECDSA_SHA_256', 'secp256k1'],
];

describe('ECDSA signatures', () => {
  for (const [keySpec, algorithm] of CURVES) {
    test(`${algorithm} on ${keySpec}: RAW and DIGEST signatures verify with openssl, and openssl's verify here`, async () => {
      const key = await newKey(files, keySpec);
      const scheme = signatureScheme(keySpec, algorithm);
      const digest = `-sha${algorithm.slice(-3)}`;
      const digestBytes = openssl(['dgst', digest, '-binary', messageFile]);
      const digestFile = files.file(`${keySpec}.digest`, digestBytes);

      const raw = files.file(`${keySpec}.raw.sig`, scheme.sign(key.material, message, 'RAW'));
      assert.ok(opensslVerifies(['dgst', digest, '-verify', key.publicPem, '-signature', raw, messageFile]));
      const ofDigest = scheme.sign(key.material, digestBytes, 'DIGEST');
      const ofDigestFile = files.file(`${keySpec}.digest.sig`, ofDigest);
      assert.ok(
        opensslVerifies([
          'pkeyutl',
          '-verify',
          '-pubin',
          '-inkey',
          key.publicPem,
          '-in',
          digestFile,
          '-sigfile',
          ofDigestFile,
        ]),
        'openssl accepts the signature of the digest as given, not of its hash',
      );

      // openssl's s is as likely high as low: several signatures make sure that both verify.
      for (let i = 0; i < 4; i++) {
        const theirs = openssl(['dgst', digest, '-sign', key.privatePem, messageFile]);
        assert.equal(scheme.verify(key.material, message, 'RAW', theirs), true);
        assert.equal(scheme.verify(key.material, digestBytes, 'DIGEST', theirs), true);
        assert.equal(scheme.verify(key.material, message, 'RAW', tampered(theirs, theirs.length - 2)), false);
        assert.equal(
          scheme.verify(key.material, digestBytes, 'DIGEST', tampered(theirs, theirs.length - 2)),
          false,
        );
        assert.equal(scheme.verify(key.material, tampered(digestBytes), 'DIGEST', theirs), false);
        assert.equal(scheme.verify(key.material, digestBytes, 'DIGEST', Buffer.from('not DER')), false);
        assert.equal(scheme.verify(key.material, message, 'RAW', Buffer.from('not DER')), false);
      }
    });
  }

  test('a DIGEST of the wrong length is refused in the words AWS answered', async () => {
    for (const [keySpec, algorithm] of [
      ['ECC_NIST_P256', 'ECDSA_SHA_256'],
      ['ECC_NIST_P384', 'ECDSA_SHA_384'],
      ['ECC_SECG_P256K1', 'ECDSA_SHA_256'],
    ] as const) {
      const aws = awsError(`test_sign_verify[${keySpec}-${algorithm}]`, 'bad-digest');
      const { material } = await newKey(files, keySpec);
      const error = thrown(() =>
        signatureScheme(keySpec, algorithm).verify(material, Buffer.alloc(20), 'DIGEST', Buffer.alloc(70)),
      );
      assert.deepEqual({ type: error?.type, message: error?.message }, aws);
    }
  });
});

describe('ECDH (DeriveSharedSecret)', () => {
  for (const [keySpec, , curve] of CURVES.slice(0, 3)) {
    test(`${keySpec}: the shared secret with a peer's public key equals openssl pkeyutl -derive's`, async () => {
      const ours = await newKey(files, keySpec);
      const peerKey = files.file(
        `${keySpec}.peer.key`,
        openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${curve}`]),
      );
      const peerPublicKey = openssl(['pkey', '-in', peerKey, '-pubout', '-outform', 'DER']);
      const ecdh = cryptoOf(keySpec).keyAgreement?.ECDH;
      assert.ok(ecdh);
      const secret = ecdh.derive(ours.material, peerPublicKey);
      assert.deepEqual(
        secret,
        openssl(['pkeyutl', '-derive', '-inkey', peerKey, '-peerkey', ours.publicPem]),
      );
      assert.equal(secret.length, Math.ceil(Number(curve.slice(2)) / 8));
    });
  }

  test('bytes that are no public key get the ValidationException AWS answered', async () => {
    const aws = awsError('test_derive_shared_secret', 'response-invalid-public-key');
    const { material } = await newKey(files, 'ECC_NIST_P256');
    const error = thrown(() =>
      cryptoOf('ECC_NIST_P256').keyAgreement?.ECDH?.derive(material, Buffer.from('InvalidPublicKey')),
    );
    assert.deepEqual({ type: error?.type, message: error?.message }, aws);
  });

  test("a public key on another curve, or not an EC key, is a ValidationException naming the key's spec", async () => {
    const { material } = await newKey(files, 'ECC_NIST_P256');
    for (const other of ['ECC_NIST_P384', 'ECC_SECG_P256K1', 'ECC_NIST_EDWARDS25519'] as const) {
      const { publicKey } = await newKey(files, other);
      const error = thrown(() => cryptoOf('ECC_NIST_P256').keyAgreement?.ECDH?.derive(material, publicKey));
      assert.equal(error?.type, 'ValidationException', other);
      assert.match(error?.message ?? '', /on the curve of the KMS key \(ECC_NIST_P256\)/);
    }
  });

  test('secp256k1 keys sign only: AWS offers no key agreement on them', async () => {
    assert.equal(cryptoOf('ECC_SECG_P256K1').keyAgreement, undefined);
  });
});

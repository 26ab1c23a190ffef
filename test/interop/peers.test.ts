/**
 * Every key spec's cryptography through real kmslab, proven by implementations kmslab did not write: the openssl
 * 3.0 CLI (RSA, ECDSA on four curves, Ed25519, OAEP, HMAC, ECDH, data key pairs) and Python's cryptography 48
 * (ML-DSA), both ways. Keys the peers made are seeded into kmslab (as PEM and hex in a seed file), so that each
 * side can sign what the other verifies. Calls go through kmslab's own client, which this also tests against
 * the real server (sign, verify, getPublicKey, MACs, data key pairs, deriveSharedSecret).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { AWSConfig, KMSClient, type KMSServiceError } from '../../src/client/index.ts';
import { SHAPES } from '../../src/protocol/constraints.ts';
import type { DataKeyPairSpec, KeySpec, SigningAlgorithmSpec } from '../../src/protocol/index.ts';
import { parseSeed } from '../../src/server/seed/parse.ts';
import { type Kmslab, startKmslab } from '../helpers/kmslab.ts';
import { rejection } from '../helpers/rejection.ts';
import {
  oaepOptions,
  openssl,
  opensslVerifies,
  peer,
  pem,
  scratch,
  tampered,
} from '../server/crypto/tools.ts';

const files = scratch();
const MESSAGE = Buffer.from('kmslab and its peers sign this message');
const messageFile = files.file('message', MESSAGE);

/** A private key that openssl makes, as PEM. */
const opensslKey = (...algorithm: string[]) => openssl(['genpkey', ...algorithm]).toString();

/** The seeded keys: made by the peers, declared in a seed file in kmslab's format. */
const SEEDED = {
  rsa: {
    keySpec: 'RSA_2048',
    keyUsage: 'SIGN_VERIFY',
    pem: opensslKey('-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'),
  },
  rsaEncrypt: {
    keySpec: 'RSA_2048',
    keyUsage: 'ENCRYPT_DECRYPT',
    pem: opensslKey('-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'),
  },
  p256: {
    keySpec: 'ECC_NIST_P256',
    keyUsage: 'SIGN_VERIFY',
    pem: opensslKey('-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'),
  },
  p384: {
    keySpec: 'ECC_NIST_P384',
    keyUsage: 'SIGN_VERIFY',
    pem: opensslKey('-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'),
  },
  p521: {
    keySpec: 'ECC_NIST_P521',
    keyUsage: 'SIGN_VERIFY',
    pem: opensslKey('-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'),
  },
  secp256k1: {
    keySpec: 'ECC_SECG_P256K1',
    keyUsage: 'SIGN_VERIFY',
    pem: opensslKey('-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:secp256k1'),
  },
  ed25519: {
    keySpec: 'ECC_NIST_EDWARDS25519',
    keyUsage: 'SIGN_VERIFY',
    pem: opensslKey('-algorithm', 'ED25519'),
  },
  mlDsa: {
    keySpec: 'ML_DSA_65',
    keyUsage: 'SIGN_VERIFY',
    pem: pem(peer('ml-dsa-generate', { keySpec: 'ML_DSA_65' }).privateKey as Buffer, 'PRIVATE KEY'),
  },
  hmac: {
    keySpec: 'HMAC_384',
    keyUsage: 'GENERATE_VERIFY_MAC',
    hex: openssl(['rand', '-hex', '48']).toString().trim(),
  },
} as const;
type Seeded = keyof typeof SEEDED;

const keyIds = Object.fromEntries(Object.keys(SEEDED).map((name) => [name, randomUUID()])) as Record<
  Seeded,
  string
>;

function seedFile(): string {
  const entries = Object.entries(SEEDED).map(([name, key]) => {
    const material =
      'pem' in key
        ? `|\n${key.pem
            .trim()
            .split('\n')
            .map((line) => `      ${line}`)
            .join('\n')}`
        : key.hex;
    return `  - keyId: ${keyIds[name as Seeded]}\n    keySpec: ${key.keySpec}\n    keyUsage: ${key.keyUsage}\n    material: ${material}`;
  });
  return `keys:\n${entries.join('\n')}\n`;
}

/** The private key file of a seeded key, for openssl. */
const privateKeyFile = (name: Seeded) => files.file(`${name}.key`, (SEEDED[name] as { pem: string }).pem);

describe('key specs proven through real kmslab against openssl and Python cryptography', () => {
  let server: Kmslab;
  let kms: KMSClient;

  before(async () => {
    server = await startKmslab({ seed: parseSeed(seedFile(), 'peers.yaml').spec });
    kms = new KMSClient(
      new AWSConfig({
        region: server.region,
        accessKeyId: server.accessKeyId,
        secretAccessKey: server.secretAccessKey,
        endpoint: server.endpoint,
      }),
      { maxAttempts: 1 },
    );
  });
  after(async () => {
    await server?.stop();
    files.remove();
  });

  /** GetPublicKey's key as a PEM file for openssl. */
  async function publicKeyFile(keyId: string): Promise<string> {
    const { publicKey } = await kms.getPublicKey(keyId);
    return files.file(`${keyId}.pub`, pem(Buffer.from(publicKey, 'base64'), 'PUBLIC KEY'));
  }

  const HASH_SIGNING: [Seeded, SigningAlgorithmSpec, string[]][] = [
    ['rsa', 'RSASSA_PSS_SHA_256', ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:digest']],
    ['rsa', 'RSASSA_PSS_SHA_512', ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:digest']],
    ['rsa', 'RSASSA_PKCS1_V1_5_SHA_256', []],
    ['rsa', 'RSASSA_PKCS1_V1_5_SHA_384', []],
    ['p256', 'ECDSA_SHA_256', []],
    ['p384', 'ECDSA_SHA_384', []],
    ['p521', 'ECDSA_SHA_512', []],
    ['secp256k1', 'ECDSA_SHA_256', []],
  ];
  for (const [name, algorithm, options] of HASH_SIGNING) {
    test(`${SEEDED[name].keySpec} ${algorithm}: openssl verifies kmslab's signatures, kmslab verifies openssl's`, async () => {
      const keyId = keyIds[name];
      const digest = `-sha${algorithm.slice(-3)}`;
      const publicPem = await publicKeyFile(keyId);
      const { signature } = await kms.sign(keyId, MESSAGE, algorithm);
      const ours = files.file(`${name}-${algorithm}.sig`, Buffer.from(signature, 'base64'));
      const verify = ['dgst', digest, ...options, '-verify', publicPem, '-signature', ours, messageFile];
      assert.ok(opensslVerifies(verify), 'openssl verifies the signature kmslab made');

      const theirs = openssl(['dgst', digest, ...options, '-sign', privateKeyFile(name), messageFile]);
      assert.equal(await kms.verify(keyId, MESSAGE, theirs.toString('base64'), algorithm), true);
      assert.equal(await kms.verify(keyId, MESSAGE, tampered(theirs).toString('base64'), algorithm), false);
      assert.equal(await kms.verify(keyId, tampered(MESSAGE), theirs.toString('base64'), algorithm), false);
    });
  }

  test('ECC_NIST_EDWARDS25519 ED25519_SHA_512: openssl verifies kmslab, kmslab verifies openssl', async () => {
    const keyId = keyIds.ed25519;
    const publicPem = await publicKeyFile(keyId);
    const { signature } = await kms.sign(keyId, MESSAGE, 'ED25519_SHA_512');
    const ours = files.file('ed25519.sig', Buffer.from(signature, 'base64'));
    const verify = ['pkeyutl', '-verify', '-pubin', '-inkey', publicPem, '-rawin', '-in', messageFile];
    assert.ok(opensslVerifies([...verify, '-sigfile', ours]));
    const theirs = openssl([
      'pkeyutl',
      '-sign',
      '-inkey',
      privateKeyFile('ed25519'),
      '-rawin',
      '-in',
      messageFile,
    ]);
    assert.equal(await kms.verify(keyId, MESSAGE, theirs.toString('base64'), 'ED25519_SHA_512'), true);
    assert.equal(
      await kms.verify(keyId, MESSAGE, tampered(theirs).toString('base64'), 'ED25519_SHA_512'),
      false,
    );
  });

  test('ML_DSA_65: Python verifies kmslab (RAW and EXTERNAL_MU), kmslab verifies Python', async () => {
    const keyId = keyIds.mlDsa;
    const publicKey = Buffer.from((await kms.getPublicKey(keyId)).publicKey, 'base64');
    const { signature } = await kms.sign(keyId, MESSAGE, 'ML_DSA_SHAKE_256');
    const raw = Buffer.from(signature, 'base64');
    assert.equal(peer('ml-dsa-verify', { publicKey, message: MESSAGE, signature: raw }).valid, true);
    const mu = peer('ml-dsa-mu', { publicKey, message: MESSAGE }).mu as Buffer;
    const external = await kms.sign(keyId, mu, 'ML_DSA_SHAKE_256', { messageType: 'EXTERNAL_MU' });
    const signed = Buffer.from(external.signature, 'base64');
    assert.equal(peer('ml-dsa-verify', { publicKey, message: MESSAGE, signature: signed }).valid, true);

    const privateKey = Buffer.from(SEEDED.mlDsa.pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    const theirs = peer('ml-dsa-sign', { privateKey, message: MESSAGE }).signature as Buffer;
    assert.equal(await kms.verify(keyId, MESSAGE, theirs.toString('base64'), 'ML_DSA_SHAKE_256'), true);
    const options = { messageType: 'EXTERNAL_MU' } as const;
    assert.equal(await kms.verify(keyId, mu, theirs.toString('base64'), 'ML_DSA_SHAKE_256', options), true);
    assert.equal(
      await kms.verify(keyId, MESSAGE, tampered(theirs).toString('base64'), 'ML_DSA_SHAKE_256'),
      false,
    );
  });

  for (const [algorithm, hash] of [
    ['RSAES_OAEP_SHA_1', 'sha1'],
    ['RSAES_OAEP_SHA_256', 'sha256'],
  ] as const) {
    test(`${algorithm}: what openssl pkeyutl encrypts with GetPublicKey's key decrypts in kmslab`, async () => {
      const keyId = keyIds.rsaEncrypt;
      const publicPem = await publicKeyFile(keyId);
      const oaep = oaepOptions(hash);
      const ciphertext = openssl([
        'pkeyutl',
        '-encrypt',
        '-pubin',
        '-inkey',
        publicPem,
        '-in',
        messageFile,
        ...oaep,
      ]);
      const { plaintext } = await kms.decrypt(ciphertext.toString('base64'), {
        keyId,
        encryptionAlgorithm: algorithm,
      });
      assert.equal(Buffer.from(plaintext, 'base64').toString(), MESSAGE.toString());
      // And the other way: openssl decrypts what kmslab encrypted, with the seeded private key.
      const { ciphertextBlob } = await kms.encrypt(keyId, MESSAGE, { encryptionAlgorithm: algorithm });
      const blobFile = files.file(`${algorithm}.bin`, Buffer.from(ciphertextBlob, 'base64'));
      const decrypted = openssl([
        'pkeyutl',
        '-decrypt',
        '-inkey',
        privateKeyFile('rsaEncrypt'),
        '-in',
        blobFile,
        ...oaep,
      ]);
      assert.deepEqual(decrypted, MESSAGE);
    });
  }

  test('HMAC_384: GenerateMac equals openssl dgst -mac HMAC over the seeded secret; VerifyMac checks it', async () => {
    const expected = openssl([
      'dgst',
      '-sha384',
      '-binary',
      '-mac',
      'HMAC',
      '-macopt',
      `hexkey:${SEEDED.hmac.hex}`,
      messageFile,
    ]);
    const { mac } = await kms.generateMac(keyIds.hmac, MESSAGE, 'HMAC_SHA_384');
    assert.equal(mac, expected.toString('base64'));
    assert.equal(await kms.verifyMac(keyIds.hmac, MESSAGE, mac, 'HMAC_SHA_384'), true);
    assert.equal(
      await kms.verifyMac(keyIds.hmac, MESSAGE, tampered(expected).toString('base64'), 'HMAC_SHA_384'),
      false,
    );
  });

  for (const [keySpec, curve] of [
    ['ECC_NIST_P256', 'P-256'],
    ['ECC_NIST_P384', 'P-384'],
    ['ECC_NIST_P521', 'P-521'],
  ] as const) {
    test(`${keySpec} ECDH: DeriveSharedSecret equals openssl pkeyutl -derive; a peer on another curve is refused`, async () => {
      const { KeyId } = await kms.createKey({ KeySpec: keySpec, KeyUsage: 'KEY_AGREEMENT' });
      const peerKey = files.file(
        `${keySpec}-peer.key`,
        opensslKey('-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${curve}`),
      );
      const peerPublic = openssl(['pkey', '-in', peerKey, '-pubout', '-outform', 'DER']);
      const { sharedSecret, keyAgreementAlgorithm, keyOrigin } = await kms.deriveSharedSecret(
        KeyId,
        peerPublic.toString('base64'),
      );
      assert.deepEqual([keyAgreementAlgorithm, keyOrigin], ['ECDH', 'AWS_KMS']);
      const expected = openssl([
        'pkeyutl',
        '-derive',
        '-inkey',
        peerKey,
        '-peerkey',
        await publicKeyFile(KeyId),
      ]);
      assert.equal(sharedSecret, expected.toString('base64'));

      const other = openssl(['pkey', '-in', privateKeyFile('secp256k1'), '-pubout', '-outform', 'DER']);
      const refused = (await rejection(
        kms.deriveSharedSecret(KeyId, other.toString('base64')),
      )) as KMSServiceError;
      assert.equal(refused.code, 'ValidationException');
    });
  }

  /** Every KeyPairSpec of AWS's model but SM2, which kmslab refuses as AWS does outside China. */
  const pairShape = SHAPES.DataKeyPairSpec;
  const PAIR_SPECS = (pairShape?.type === 'enum' ? pairShape.values : []).filter(
    (spec): spec is DataKeyPairSpec => spec !== 'SM2',
  );
  test('GenerateDataKeyPair for every KeyPairSpec: the private key parses and matches its public key; SM2 refused', async () => {
    const { KeyId } = await kms.createKey();
    const context = { encryptionContext: { purpose: 'peers' } };
    await Promise.all(
      PAIR_SPECS.map(async (spec) => {
        const pair = await kms.generateDataKeyPair(KeyId, spec, context);
        assert.equal(pair.keyPairSpec, spec);
        const privateKey = Buffer.from(pair.privateKeyPlaintext, 'base64');
        const publicKey = Buffer.from(pair.publicKey, 'base64');
        const derived = openssl([
          'pkey',
          '-inform',
          'DER',
          '-in',
          files.file(`${spec}.der`, privateKey),
          '-pubout',
          '-outform',
          'DER',
        ]);
        assert.deepEqual(derived, publicKey, spec);
        const { plaintext } = await kms.decrypt(pair.privateKeyCiphertextBlob, { keyId: KeyId, ...context });
        assert.equal(plaintext, pair.privateKeyPlaintext, spec);
      }),
    );
    const sm2 = (await rejection(kms.generateDataKeyPair(KeyId, 'SM2'))) as KMSServiceError;
    assert.deepEqual(
      [sm2.code, sm2.message],
      ['UnsupportedOperationException', 'KeyPairSpec SM2 is not supported in this Region'],
    );
  });

  test('each spec answers DescribeKey and GetPublicKey with its own algorithms', async () => {
    const expectations: [KeySpec, string, Record<string, string[]>][] = [
      ['RSA_2048', 'ENCRYPT_DECRYPT', { EncryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] }],
      ['ECC_NIST_P384', 'KEY_AGREEMENT', { KeyAgreementAlgorithms: ['ECDH'] }],
      [
        'ECC_NIST_EDWARDS25519',
        'SIGN_VERIFY',
        { SigningAlgorithms: ['ED25519_SHA_512', 'ED25519_PH_SHA_512'] },
      ],
      ['ML_DSA_87', 'SIGN_VERIFY', { SigningAlgorithms: ['ML_DSA_SHAKE_256'] }],
    ];
    for (const [keySpec, keyUsage, algorithms] of expectations) {
      const metadata = await kms.createKey({ KeySpec: keySpec, KeyUsage: keyUsage as 'SIGN_VERIFY' });
      const listed = Object.fromEntries(
        ['EncryptionAlgorithms', 'SigningAlgorithms', 'MacAlgorithms', 'KeyAgreementAlgorithms']
          .filter((family) => (metadata as unknown as Record<string, unknown>)[family] !== undefined)
          .map((family) => [family, (metadata as unknown as Record<string, unknown>)[family]]),
      );
      assert.deepEqual(listed, algorithms, keySpec);
      const publicKey = await kms.getPublicKey(metadata.KeyId);
      assert.deepEqual([publicKey.keySpec, publicKey.keyUsage], [keySpec, keyUsage]);
    }
  });
});

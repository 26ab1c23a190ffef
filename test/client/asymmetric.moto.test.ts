// The methods for operations kmslab's server does not have yet (asymmetric and HMAC keys), against moto,
// an independent KMS: signatures checked with node:crypto and the openssl CLI against GetPublicKey's key.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AWSConfig, KMSClient } from '../../src/client/index.ts';
import { type Moto, startMoto } from '../helpers/moto.ts';

const MESSAGE = 'a message to sign, with UTF-8: é';

describe('signing and MAC methods against moto_server', () => {
  let moto: Moto;
  let kms: KMSClient;
  before(async () => {
    moto = await startMoto();
    const config = new AWSConfig({
      region: 'us-east-1',
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'moto-does-not-check-signatures',
      endpoint: moto.endpoint,
    });
    kms = new KMSClient(config, { maxAttempts: 1 });
  });
  after(() => moto?.stop());

  for (const [keySpec, signingAlgorithm] of [
    ['RSA_2048', 'RSASSA_PKCS1_V1_5_SHA_256'],
    ['ECC_NIST_P256', 'ECDSA_SHA_256'],
    ['ECC_NIST_P384', 'ECDSA_SHA_384'],
  ] as const) {
    it(`signs with ${keySpec}: node:crypto verifies it with GetPublicKey's key, and so does verify()`, async () => {
      const { KeyId } = await kms.createKey({ KeySpec: keySpec, KeyUsage: 'SIGN_VERIFY' });
      const signed = await kms.sign(KeyId, MESSAGE, signingAlgorithm);
      assert.match(signed.keyId, new RegExp(`:key/${KeyId}$`));
      assert.equal(signed.signingAlgorithm, signingAlgorithm);

      const publicKey = await kms.getPublicKey(KeyId);
      assert.equal(publicKey.keyUsage, 'SIGN_VERIFY');
      assert.ok(publicKey.signingAlgorithms?.includes(signingAlgorithm));
      const key = createPublicKey({
        key: Buffer.from(publicKey.publicKey, 'base64'),
        format: 'der',
        type: 'spki',
      });
      const hash = `sha${signingAlgorithm.slice(-3)}`;
      const signature = Buffer.from(signed.signature, 'base64');
      assert.ok(verify(hash, Buffer.from(MESSAGE), key, signature), 'node:crypto accepts the signature');
      assert.ok(!verify(hash, Buffer.from(`${MESSAGE}!`), key, signature));

      assert.equal(await kms.verify(KeyId, MESSAGE, signed.signature, signingAlgorithm), true);
      assert.equal(await kms.verify(KeyId, `${MESSAGE}!`, signed.signature, signingAlgorithm), false);
    });
  }

  it('signs bytes, and the openssl CLI verifies the signature with the public key in PEM', async () => {
    const { KeyId } = await kms.createKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    const message = new Uint8Array([0, 1, 2, 250, 255]);
    const { signature } = await kms.sign(KeyId, message, 'ECDSA_SHA_256');
    const { publicKey } = await kms.getPublicKey(KeyId);
    const dir = mkdtempSync(join(tmpdir(), 'kmslab-sign-'));
    try {
      const pem = `-----BEGIN PUBLIC KEY-----\n${publicKey.match(/.{1,64}/g)?.join('\n')}\n-----END PUBLIC KEY-----\n`;
      writeFileSync(join(dir, 'key.pem'), pem);
      writeFileSync(join(dir, 'message'), message);
      writeFileSync(join(dir, 'signature'), Buffer.from(signature, 'base64'));
      const out = execFileSync(
        'openssl',
        ['dgst', '-sha256', '-verify', 'key.pem', '-signature', 'signature', 'message'],
        { cwd: dir, encoding: 'utf8' },
      );
      assert.equal(out.trim(), 'Verified OK');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('generates a MAC that verifyMac accepts for the message and refuses for another', async () => {
    const { KeyId } = await kms.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    const generated = await kms.generateMac(KeyId, MESSAGE, 'HMAC_SHA_256');
    assert.equal(generated.macAlgorithm, 'HMAC_SHA_256');
    assert.equal(Buffer.from(generated.mac, 'base64').length, 32);
    assert.equal(await kms.verifyMac(KeyId, MESSAGE, generated.mac, 'HMAC_SHA_256'), true);
    assert.equal(await kms.verifyMac(KeyId, `${MESSAGE}!`, generated.mac, 'HMAC_SHA_256'), false);
  });
});

// What the methods send and how they read the answer where no KMS on this machine can answer: data key pairs and
// ECDH (neither kmslab nor moto 5 has them), every paginated operation's paging (DescribeCustomKeyStores and the
// grants lists have a single page elsewhere), and KMS's answers for a signature or MAC that does not match.
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AWSConfig, KMSClient, KMSServiceError } from '../../src/client/index.ts';
import { PAGINATORS, type PaginatedOperation } from '../../src/protocol/paginators.ts';
import { rejection } from '../helpers/rejection.ts';
import {
  json,
  type ScriptedServer,
  startScriptedServer,
  TEST_CREDENTIALS,
} from '../helpers/scripted-server.ts';

const KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
let server: ScriptedServer;
let kms: KMSClient;

before(async () => {
  server = await startScriptedServer();
  const config = new AWSConfig({ region: 'us-east-1', ...TEST_CREDENTIALS, endpoint: server.endpoint });
  kms = new KMSClient(config, { maxAttempts: 1 });
});
after(() => server.stop());
beforeEach(() => {
  server.requests.length = 0;
});

function sent(index = 0): unknown {
  return JSON.parse(server.requests[index]?.body ?? '');
}

describe('data key pairs', () => {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicKey = pair.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  const privateKey = pair.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
  const answer = {
    KeyId: KEY_ARN,
    KeyPairSpec: 'ECC_NIST_P256',
    PublicKey: publicKey,
    PrivateKeyCiphertextBlob: 'ZW5jcnlwdGVkIHByaXZhdGUga2V5',
    KeyMaterialId: 'a'.repeat(64),
  };

  it('generateDataKeyPair sends the spec and context, and returns both halves in camelCase', async () => {
    server.script(json(200, { ...answer, PrivateKeyPlaintext: privateKey }));
    const result = await kms.generateDataKeyPair('alias/pairs', 'ECC_NIST_P256', {
      encryptionContext: { purpose: 'signing' },
    });
    assert.deepEqual(sent(), {
      KeyId: 'alias/pairs',
      KeyPairSpec: 'ECC_NIST_P256',
      EncryptionContext: { purpose: 'signing' },
    });
    assert.deepEqual(result, {
      keyId: KEY_ARN,
      keyPairSpec: 'ECC_NIST_P256',
      publicKey,
      privateKeyPlaintext: privateKey,
      privateKeyCiphertextBlob: answer.PrivateKeyCiphertextBlob,
      keyMaterialId: answer.KeyMaterialId,
    });
    // The two halves arrive intact: the private key derives the public key.
    const derived = createPublicKey(
      createPrivateKey({
        key: Buffer.from(result.privateKeyPlaintext, 'base64'),
        format: 'der',
        type: 'pkcs8',
      }),
    );
    assert.equal(derived.export({ format: 'der', type: 'spki' }).toString('base64'), result.publicKey);
  });

  it('generateDataKeyPairWithoutPlaintext returns no private key in plaintext', async () => {
    server.script(json(200, answer));
    const result = await kms.generateDataKeyPairWithoutPlaintext('alias/pairs', 'RSA_2048');
    assert.deepEqual(sent(), { KeyId: 'alias/pairs', KeyPairSpec: 'RSA_2048' });
    assert.equal(result.publicKey, publicKey);
    assert.ok(!('privateKeyPlaintext' in result));
  });
});

describe('deriveSharedSecret', () => {
  it("sends ECDH and the peer's public key; the secret is the one the peer derives", async () => {
    const kmsSide = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const peer = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const peerPublic = peer.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    const secret = diffieHellman({ privateKey: kmsSide.privateKey, publicKey: peer.publicKey });
    server.script(
      json(200, {
        KeyId: KEY_ARN,
        SharedSecret: secret.toString('base64'),
        KeyAgreementAlgorithm: 'ECDH',
        KeyOrigin: 'AWS_KMS',
      }),
    );
    const result = await kms.deriveSharedSecret('alias/agreement', peerPublic);
    assert.deepEqual(sent(), {
      KeyAgreementAlgorithm: 'ECDH',
      KeyId: 'alias/agreement',
      PublicKey: peerPublic,
    });
    const peerSecret = diffieHellman({ privateKey: peer.privateKey, publicKey: kmsSide.publicKey });
    assert.equal(result.sharedSecret, peerSecret.toString('base64'));
    assert.deepEqual(
      {
        keyId: result.keyId,
        keyAgreementAlgorithm: result.keyAgreementAlgorithm,
        keyOrigin: result.keyOrigin,
      },
      { keyId: KEY_ARN, keyAgreementAlgorithm: 'ECDH', keyOrigin: 'AWS_KMS' },
    );
  });
});

describe('verify and verifyMac', () => {
  it("answer false for KMS's mismatch errors, and reject with every other error", async () => {
    server.script(json(400, { __type: 'KMSInvalidSignatureException', message: '' }));
    assert.equal(await kms.verify('k', 'm', 'c2ln', 'ECDSA_SHA_256'), false);
    server.script(json(400, { __type: 'KMSInvalidMacException', message: '' }));
    assert.equal(await kms.verifyMac('k', 'm', 'bWFj', 'HMAC_SHA_256'), false);
    assert.deepEqual(sent(1), { KeyId: 'k', Message: 'bQ==', Mac: 'bWFj', MacAlgorithm: 'HMAC_SHA_256' });

    server.script(json(400, { __type: 'NotFoundException', message: 'Key not found' }));
    for (const call of [
      kms.verify('k', 'm', 'c2ln', 'ECDSA_SHA_256'),
      kms.verifyMac('k', 'm', 'bWFj', 'HMAC_SHA_256'),
    ]) {
      const error = await rejection(call);
      assert.ok(error instanceof KMSServiceError);
      assert.equal(error.code, 'NotFoundException');
    }
  });
});

describe('paginate', () => {
  const operations = Object.keys(PAGINATORS) as PaginatedOperation[];

  for (const operation of operations) {
    it(`${operation}: sends each page's NextMarker as the next Marker, keeping the input`, async () => {
      server.script(
        json(200, { Truncated: true, NextMarker: 'm1' }),
        json(200, { Truncated: true, NextMarker: 'm2' }),
        json(200, { Truncated: false }),
      );
      const pages = [];
      for await (const page of kms.paginate(operation, { KeyId: 'k', Limit: 5 } as never)) pages.push(page);
      assert.equal(pages.length, 3);
      assert.deepEqual(
        server.requests.map((r) => [r.target, JSON.parse(r.body)]),
        [{}, { Marker: 'm1' }, { Marker: 'm2' }].map((marker) => [
          `TrentService.${operation}`,
          { KeyId: 'k', Limit: 5, ...marker },
        ]),
      );
    });
  }

  it("starts from the input's Marker and stops at Truncated: false even with a NextMarker", async () => {
    server.script(json(200, { Keys: [], Truncated: false, NextMarker: 'ignored' }));
    const pages = kms.paginate('ListKeys', { Marker: 'start' });
    assert.equal((await pages.next()).done, false);
    assert.deepEqual(await pages.next(), { done: true, value: undefined });
    assert.deepEqual(sent(), { Marker: 'start' });
    assert.equal(server.requests.length, 1);
  });

  it('runs concurrent next() calls one after another, each with the marker of the page before', async () => {
    server.script(
      json(200, { Keys: [{ KeyId: 'a' }], Truncated: true, NextMarker: 'm1' }),
      json(200, { Keys: [{ KeyId: 'b' }], Truncated: false }),
    );
    const pages = kms.paginate('ListKeys', {});
    const [first, second, third] = await Promise.all([pages.next(), pages.next(), pages.next()]);
    assert.deepEqual(
      [first.value?.Keys, second.value?.Keys, third.done],
      [[{ KeyId: 'a' }], [{ KeyId: 'b' }], true],
    );
    assert.deepEqual([sent(0), sent(1)], [{}, { Marker: 'm1' }]);
  });

  it('stops with an error instead of asking for the same page forever', async () => {
    server.script(json(200, { Keys: [], Truncated: true, NextMarker: 'same' }));
    const pages = kms.paginate('ListKeys', {});
    await pages.next();
    const error = await rejection(pages.next());
    assert.ok(error instanceof KMSServiceError);
    assert.equal(error.code, 'RepeatedPageToken');
    assert.equal(error.operation, 'ListKeys');
    assert.deepEqual(await pages.next(), { done: true, value: undefined }, 'done after the error');
    assert.equal(server.requests.length, 2);
  });
});

// The data-key cache against kmslab: how many GenerateDataKey (and Decrypt) calls a run of messages makes under
// each limit, counted from the server's request log, and that the AWS Encryption SDK reads every cached message.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AlgorithmSuiteIdentifier,
  CachingMaterialsManager,
  type CachingMaterialsManagerOptions,
  decrypt,
  EnvelopeError,
  encrypt,
  KmsKeyring,
} from '../../src/client/envelope/index.ts';
import { type EnvelopeLab, startEnvelopeLab } from '../helpers/envelope.ts';
import { rejection } from '../helpers/rejection.ts';

describe('CachingMaterialsManager against kmslab', () => {
  let env: EnvelopeLab;
  let keyring: KmsKeyring;
  before(async () => {
    env = await startEnvelopeLab(1);
    keyring = new KmsKeyring(env.kms, { generatorKeyId: env.keyArns[0] ?? '' });
  });
  after(() => env?.stop());

  /** GenerateDataKey calls made while encrypting `sizes.length` messages of those sizes. */
  async function dataKeyCalls(
    options: Omit<CachingMaterialsManagerOptions, 'keyring'> | undefined,
    sizes: number[],
  ): Promise<number> {
    const materials = options ? new CachingMaterialsManager({ keyring, ...options }) : keyring;
    const since = env.lab.logs.length;
    for (const size of sizes)
      await encrypt(materials, randomBytes(size), { encryptionContext: { run: 'a' } });
    return env.count('GenerateDataKey', since);
  }

  it('without a cache, every message costs a GenerateDataKey', async () => {
    assert.equal(await dataKeyCalls(undefined, Array(10).fill(100)), 10);
  });

  it('maxMessagesEncrypted: one GenerateDataKey per that many messages', async () => {
    assert.equal(await dataKeyCalls({ maxAge: 60_000, maxMessagesEncrypted: 4 }, Array(10).fill(100)), 3);
    assert.equal(await dataKeyCalls({ maxAge: 60_000, maxMessagesEncrypted: 1000 }, Array(100).fill(100)), 1);
  });

  it('maxBytesEncrypted: a data key encrypts at most that much plaintext; a larger message gets its own key', async () => {
    assert.equal(await dataKeyCalls({ maxAge: 60_000, maxBytesEncrypted: 2500 }, Array(10).fill(1000)), 5);
    assert.equal(await dataKeyCalls({ maxAge: 60_000, maxBytesEncrypted: 2500 }, [3000, 3000, 100, 100]), 3);
  });

  it('maxAge: a data key older than that is replaced', async () => {
    const cache = new CachingMaterialsManager({ keyring, maxAge: 300 });
    const since = env.lab.logs.length;
    await encrypt(cache, 'a');
    await encrypt(cache, 'b');
    assert.equal(env.count('GenerateDataKey', since), 1);
    await sleep(350);
    await encrypt(cache, 'c');
    assert.equal(env.count('GenerateDataKey', since), 2);
  });

  it('data keys are cached per encryption context and per algorithm suite', async () => {
    const cache = new CachingMaterialsManager({ keyring, maxAge: 60_000 });
    const since = env.lab.logs.length;
    const unsigned = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;
    for (let i = 0; i < 3; i++) {
      await encrypt(cache, 'x', { encryptionContext: { tenant: 'a', region: 'eu' } });
      // The same pairs in another order are the same context.
      await encrypt(cache, 'x', { encryptionContext: { region: 'eu', tenant: 'a' } });
      await encrypt(cache, 'x', { encryptionContext: { tenant: 'b' } });
      await encrypt(cache, 'x', { encryptionContext: { tenant: 'b' }, suiteId: unsigned });
    }
    assert.equal(env.count('GenerateDataKey', since), 3);
  });

  it('concurrent messages that miss together share one GenerateDataKey', async () => {
    const cache = new CachingMaterialsManager({ keyring, maxAge: 60_000 });
    const since = env.lab.logs.length;
    await Promise.all(Array.from({ length: 20 }, (_, i) => encrypt(cache, `message ${i}`)));
    assert.equal(env.count('GenerateDataKey', since), 1);
  });

  it('a failed KMS call is not cached: the next message tries again', async () => {
    const broken = new KmsKeyring(env.kms, { generatorKeyId: 'alias/does-not-exist' });
    const cache = new CachingMaterialsManager({ keyring: broken, maxAge: 60_000 });
    const since = env.lab.logs.length;
    for (let i = 0; i < 2; i++) {
      const error = await rejection(encrypt(cache, 'x'));
      assert.equal((error as { code?: string }).code, 'NotFoundException');
    }
    assert.equal(env.count('GenerateDataKey', since), 2);
  });

  it('decryption reuses a data key it decrypted (one KMS Decrypt), and the ESDK reads every cached message', async () => {
    const cache = new CachingMaterialsManager({ keyring, maxAge: 60_000, maxMessagesEncrypted: 10 });
    const plaintexts = Array.from({ length: 10 }, () => randomBytes(64));
    const messages = [];
    for (const plaintext of plaintexts) messages.push((await encrypt(cache, plaintext)).ciphertext);
    const since = env.lab.logs.length;
    const reader = new CachingMaterialsManager({ keyring, maxAge: 60_000 });
    for (const [i, message] of messages.entries()) {
      assert.deepEqual(Buffer.from((await decrypt(reader, message)).plaintext), plaintexts[i]);
    }
    assert.equal(env.count('Decrypt', since), 1);
    const esdkKeyring = env.esdkKeyring({ generatorKeyId: env.keyArns[0] ?? '' });
    for (const [i, message] of messages.entries()) {
      assert.deepEqual((await env.esdk.decrypt(esdkKeyring, message)).plaintext, plaintexts[i]);
    }
  });

  it('a cached data key does not open an altered message', async () => {
    const cache = new CachingMaterialsManager({ keyring, maxAge: 60_000 });
    const { ciphertext } = await encrypt(cache, randomBytes(100));
    await decrypt(cache, ciphertext);
    const altered = ciphertext.slice();
    altered[altered.length - 120] = (altered[altered.length - 120] ?? 0) ^ 1;
    assert.ok((await rejection(decrypt(cache, altered))) instanceof EnvelopeError);
  });

  it('the ESDK’s own caching manager writes messages that ours reads through its cache', async () => {
    const esdkCache = env.esdkCachingManager(env.esdkKeyring({ generatorKeyId: env.keyArns[0] ?? '' }), 5);
    const reader = new CachingMaterialsManager({ keyring, maxAge: 60_000 });
    const since = env.lab.logs.length;
    for (let i = 0; i < 10; i++) {
      const { result } = await env.esdk.encrypt(esdkCache, `esdk ${i}`, { plaintextLength: 6 });
      assert.equal(Buffer.from((await decrypt(reader, result)).plaintext).toString(), `esdk ${i}`);
    }
    assert.equal(env.count('GenerateDataKey', since), 2);
    assert.equal(env.count('Decrypt', since), 2);
  });

  it('what encrypt returns belongs to the caller: changing it leaves the cached data key’s context alone', async () => {
    const cache = new CachingMaterialsManager({ keyring, maxAge: 60_000 });
    const first = await encrypt(cache, 'a', { encryptionContext: { tenant: 'acme' } });
    first.messageHeader.encryptionContext.tenant = 'changed';
    first.messageHeader.encryptedDataKeys.length = 0;
    const second = await encrypt(cache, 'b', { encryptionContext: { tenant: 'acme' } });
    assert.equal(second.messageHeader.encryptionContext.tenant, 'acme');
    assert.equal(second.messageHeader.encryptedDataKeys.length, 1);
    const out = await env.esdk.decrypt(
      env.esdkKeyring({ generatorKeyId: env.keyArns[0] ?? '' }),
      second.ciphertext,
    );
    assert.equal(out.plaintext.toString(), 'b');
  });

  it('rejects limits that are not positive integers (maxAge: positive milliseconds)', () => {
    for (const options of [
      { maxAge: 0 },
      { maxAge: -1 },
      { maxAge: Number.NaN },
      { maxAge: 1000, maxMessagesEncrypted: 0 },
      { maxAge: 1000, maxMessagesEncrypted: 1.5 },
      { maxAge: 1000, maxBytesEncrypted: -1 },
      { maxAge: 1000, capacity: 0 },
    ]) {
      assert.throws(
        () => new CachingMaterialsManager({ keyring, ...options }),
        EnvelopeError,
        JSON.stringify(options),
      );
    }
  });
});

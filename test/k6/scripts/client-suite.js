// The client's behaviours, exercised inside the k6 sandbox (as k6 would run them) against a real KMS server:
// every way to name a key, every size class, decryption back through the server, and the errors users handle.
import { check } from 'k6';
import { b64decode } from 'k6/encoding';
import { AWSConfig, KMSClient, KMSServiceError } from '../../../dist/k6/kms.js';

export const options = { vus: 1, iterations: 1 };

const kms = new KMSClient(AWSConfig.fromEnvironment(), { maxAttempts: 1 });
const SIZES = [1, 16, 32, 64, 1024];

async function errorOf(call) {
  try {
    await call();
    return undefined;
  } catch (error) {
    return error;
  }
}

export async function setup() {
  const key = await kms.createKey({ Description: 'k6 sandbox client suite' });
  const alias = `alias/k6-suite-${key.KeyId.slice(0, 8)}`;
  await kms.createAlias(alias, key.KeyId);
  return { keyId: key.KeyId, keyArn: key.Arn, alias, aliasArn: key.Arn.replace(/:key\/.*$/, `:${alias}`) };
}

export default async function (data) {
  const keys = await kms.listKeys();
  check(keys, {
    'listKeys: finds the key by id and ARN': (list) =>
      list.some((k) => k.keyId === data.keyId && k.keyArn === data.keyArn),
  });

  for (const [form, id] of [
    ['key ID', data.keyId],
    ['key ARN', data.keyArn],
    ['alias name', data.alias],
    ['alias ARN', data.aliasArn],
  ]) {
    for (const size of SIZES) {
      const dataKey = await kms.generateDataKey(id, size);
      const decrypted = await kms.decrypt(dataKey.ciphertextBlob);
      check(dataKey, {
        [`generateDataKey by ${form}: id is the key ARN`]: (k) => k.id === data.keyArn,
        [`generateDataKey by ${form}: plaintext has the requested size`]: (k) =>
          b64decode(k.plaintext).byteLength === size,
        [`generateDataKey by ${form}: the ciphertext decrypts to the plaintext`]: (k) =>
          decrypted.plaintext === k.plaintext,
      });
    }
  }

  const unknown = await errorOf(() => kms.generateDataKey('alias/does-not-exist', 32));
  check(unknown, {
    'unknown key: KMSServiceError': (e) => e instanceof KMSServiceError,
    'unknown key: NotFoundException': (e) => e?.code === 'NotFoundException',
    'unknown key: names the operation': (e) => e?.operation === 'GenerateDataKey',
  });
  for (const size of [0, 1025]) {
    const bad = await errorOf(() => kms.generateDataKey(data.keyId, size));
    check(bad, {
      [`size ${size}: ValidationException`]: (e) =>
        e instanceof KMSServiceError && e.code === 'ValidationException',
    });
  }
}

export async function teardown(data) {
  await kms.send('DeleteAlias', { AliasName: data.alias });
  await kms.send('ScheduleKeyDeletion', { KeyId: data.keyId, PendingWindowInDays: 7 });
}

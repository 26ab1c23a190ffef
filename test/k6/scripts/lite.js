// dist/k6/kms-lite.js inside the k6 sandbox: the jslib's surface (listKeys, generateDataKey, the errors) and the
// core (send, paginate), nothing more.
import { check } from 'k6';
import { b64decode } from 'k6/encoding';
import { AWSConfig, KMSClient, KMSServiceError } from '../../../dist/k6/kms-lite.js';

export const options = { vus: 1, iterations: 1 };

const kms = new KMSClient(AWSConfig.fromEnvironment(), { maxAttempts: 1 });

export async function setup() {
  const { KeyMetadata } = await kms.send('CreateKey', { Description: 'k6 lite bundle' });
  const alias = `alias/k6-lite-${KeyMetadata.KeyId.slice(0, 8)}`;
  await kms.send('CreateAlias', { AliasName: alias, TargetKeyId: KeyMetadata.KeyId });
  return { keyId: KeyMetadata.KeyId, keyArn: KeyMetadata.Arn, alias };
}

export default async function (data) {
  const keys = await kms.listKeys({ limit: 1 });
  check(keys, { 'listKeys: finds the key': (k) => k.some((key) => key.keyArn === data.keyArn) });

  for (const id of [data.keyId, data.alias]) {
    const dataKey = await kms.generateDataKey(id, 24);
    const decrypted = await kms.send('Decrypt', { CiphertextBlob: dataKey.ciphertextBlob });
    check(dataKey, {
      'generateDataKey: 24 bytes under the key': (k) =>
        k.id === data.keyArn && b64decode(k.plaintext).byteLength === 24,
      'generateDataKey: the ciphertext decrypts to the plaintext': (k) => decrypted.Plaintext === k.plaintext,
    });
  }

  const pages = kms.paginate('ListKeys', { Limit: 1 });
  let count = 0;
  for (let page = await pages.next(); !page.done; page = await pages.next()) count += page.value.Keys.length;
  check(count, { 'paginate: every key, one per page': (n) => n === keys.length });

  const unknown = await kms.generateDataKey('alias/does-not-exist', 32).then(
    () => undefined,
    (error) => error,
  );
  check(unknown, {
    'unknown key: KMSServiceError NotFoundException': (e) =>
      e instanceof KMSServiceError && e.code === 'NotFoundException',
  });
  check(kms, {
    'the lite client has no methods beyond the jslib': (k) => k.encrypt === undefined && k.sign === undefined,
  });
}

// A load test of KMS data keys: several VUs generate data keys of several sizes under one key, check them and
// decrypt them back. Run it with the k6 sandbox (or k6 ≥ v0.58) against AWS, kmslab or moto, e.g.:
//   node --experimental-vm-modules --import tsx test/k6/sandbox/cli.ts run examples/k6/load-test.js \
//     -e AWS_REGION=us-east-1 -e AWS_ACCESS_KEY_ID=... -e AWS_SECRET_ACCESS_KEY=... \
//     -e AWS_ENDPOINT_URL_KMS=http://127.0.0.1:4599
import { check } from 'k6';
import { b64decode } from 'k6/encoding';
import exec from 'k6/execution';
import { AWSConfig, KMSClient, KMSServiceError } from '../../dist/k6/kms.js';

export const options = {
  vus: 3,
  iterations: 12,
  thresholds: { checks: ['rate==1'] },
};

const SIZES = [16, 32, 64, 1024];
const ALIAS = __ENV.KMS_ALIAS || 'alias/kmslab-k6-load-test';

// One client per VU: clients are made in init code and used in setup, iterations and teardown.
const kms = new KMSClient(AWSConfig.fromEnvironment());

/** Looks up the key behind ALIAS, creating both when missing; returns plain data (it is JSON-copied to VUs). */
export async function setup() {
  let created = false;
  let metadata;
  try {
    metadata = await kms.describeKey(ALIAS);
  } catch (error) {
    if (!(error instanceof KMSServiceError) || error.code !== 'NotFoundException') throw error;
    metadata = await kms.createKey({ Description: 'kmslab k6 load test' });
    await kms.createAlias(ALIAS, metadata.KeyId);
    created = true;
  }
  const listed = await kms.listKeys();
  if (!listed.some((key) => key.keyId === metadata.KeyId && key.keyArn === metadata.Arn)) {
    exec.test.abort(`key ${metadata.KeyId} is not in ListKeys`);
  }
  return { keyId: metadata.KeyId, keyArn: metadata.Arn, created };
}

export default async function (data) {
  const size = SIZES[exec.scenario.iterationInTest % SIZES.length];

  const dataKey = await kms.generateDataKey(ALIAS, size);
  check(dataKey, {
    'data key: id is the key ARN': (key) => key.id === data.keyArn,
    'data key: plaintext has the requested size': (key) => b64decode(key.plaintext).byteLength === size,
    'data key: ciphertext is longer than the plaintext': (key) =>
      b64decode(key.ciphertextBlob).byteLength > size,
  });

  const byArn = await kms.generateDataKey(data.keyArn, { numberOfBytes: size });
  check(byArn, { 'data key by ARN': (key) => key.id === data.keyArn });

  const decrypted = await kms.decrypt(dataKey.ciphertextBlob);
  check(decrypted, {
    'decrypt: gives back the data key': (result) => result.plaintext === dataKey.plaintext,
    'decrypt: names the key': (result) => result.keyId === data.keyArn,
  });

  const secret = `VU ${__VU} iteration ${__ITER}: ünïcödé`;
  const encrypted = await kms.encrypt(data.keyId, secret);
  const roundTrip = await kms.decrypt(encrypted.ciphertextBlob);
  check(roundTrip, {
    'encrypt/decrypt round-trip': (result) => b64decode(result.plaintext, 'std', 's') === secret,
  });
}

/** Removes what setup created, so that the next run starts the same way. */
export async function teardown(data) {
  if (!data.created) return;
  await kms.send('DeleteAlias', { AliasName: ALIAS });
  await kms.send('ScheduleKeyDeletion', { KeyId: data.keyId, PendingWindowInDays: 7 });
}

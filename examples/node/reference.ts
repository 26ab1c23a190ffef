// The k6 reference flow in Node: list the keys, stop if the test key is missing, generate a data key.
//
//   AWS_ENDPOINT_URL_KMS=http://127.0.0.1:4599 AWS_REGION=us-east-1 \
//   AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... KMS_KEY_ID=<key id> \
//   node --import tsx examples/node/reference.ts
//
// In your own project, import from the package instead: `import { AWSConfig, KMSClient } from 'kmslab';`
import { AWSConfig, KMSClient, KMSServiceError } from '../../src/client/index.ts';

const kms = new KMSClient(AWSConfig.fromEnvironment());
const testKeyId = process.env.KMS_KEY_ID ?? 'e67f95-4c047567-4-a0b7-62f7ce8ec8f48';

const keys = await kms.listKeys();
if (keys.filter((key) => key.keyId === testKeyId).length === 0) {
  console.error(`key ${testKeyId} not found among the ${keys.length} keys of the account`);
  process.exit(1);
}

try {
  const dataKey = await kms.generateDataKey(testKeyId, 32);
  // Only sizes: the plaintext data key must not reach a log.
  const size = (base64: string) => Buffer.from(base64, 'base64').length;
  console.log(
    `data key under ${dataKey.id}: ${size(dataKey.plaintext)} plaintext bytes, ${size(dataKey.ciphertextBlob)} ciphertext bytes`,
  );
} catch (error) {
  if (!(error instanceof KMSServiceError)) throw error;
  console.error(`${error.operation} failed: ${error.code}: ${error.message}`);
  process.exit(1);
}

// Envelope encryption in a load test: each VU encrypts payloads as a service using the AWS Encryption SDK does
// (AWS Encryption SDK message format, signed default suite, encryption context) and decrypts them back. The data-key
// cache makes one KMS call per 1000 messages instead of one per message. Any AWS Encryption SDK reads these
// messages. Run it with k6 ≥ v0.58 (or the sandbox) against AWS, kmslab or moto, e.g.:
//   node --experimental-vm-modules --import tsx test/k6/sandbox/cli.ts run examples/k6/envelope.js \
//     -e AWS_REGION=us-east-1 -e AWS_ACCESS_KEY_ID=... -e AWS_SECRET_ACCESS_KEY=... \
//     -e AWS_ENDPOINT_URL_KMS=http://127.0.0.1:4599
import { check } from 'k6';
import { b64decode, b64encode } from 'k6/encoding';
import {
  CachingMaterialsManager,
  decrypt,
  EnvelopeError,
  encrypt,
  KmsKeyring,
} from '../../dist/k6/envelope.js';
import { AWSConfig, KMSClient, KMSServiceError } from '../../dist/k6/kms.js';

export const options = {
  vus: 2,
  iterations: 40,
  thresholds: { checks: ['rate==1'] },
};

const ALIAS = __ENV.KMS_ALIAS || 'alias/kmslab-k6-envelope';
const CONTEXT = { tenant: 'acme', purpose: 'orders' };

const kms = new KMSClient(AWSConfig.fromEnvironment());

/** The ARN of the key behind ALIAS, created when missing: decrypting names keys by ARN. */
export async function setup() {
  try {
    return { keyArn: (await kms.describeKey(ALIAS)).Arn };
  } catch (error) {
    if (!(error instanceof KMSServiceError) || error.code !== 'NotFoundException') throw error;
    const metadata = await kms.createKey({ Description: 'kmslab k6 envelope example' });
    await kms.createAlias(ALIAS, metadata.KeyId);
    return { keyArn: metadata.Arn };
  }
}

// One cache per VU, kept across its iterations; made from setup()'s data on the first one.
let materials;

export default async function (data) {
  materials ??= new CachingMaterialsManager({
    keyring: new KmsKeyring(kms, { generatorKeyId: data.keyArn }),
    maxAge: 5 * 60 * 1000,
    maxMessagesEncrypted: 1000,
  });
  const order = JSON.stringify({ vu: __VU, iteration: __ITER, items: ['a', 'b'] });
  const { ciphertext } = await encrypt(materials, order, { encryptionContext: CONTEXT });
  // The message could now go out as an HTTP body (an ArrayBuffer) or as base64 text.
  const body = b64encode(ciphertext);
  const { plaintext, messageHeader } = await decrypt(materials, b64decode(body), {
    encryptionContext: CONTEXT,
  });
  check(plaintext, {
    'the order decrypts': (p) => b64decode(b64encode(p), 'std', 's') === order,
    'the context came along': () => messageHeader.encryptionContext.tenant === 'acme',
  });

  let refused;
  try {
    await decrypt(materials, ciphertext, { encryptionContext: { tenant: 'other' } });
  } catch (error) {
    refused = error;
  }
  check(refused, { 'another tenant’s context is refused': (e) => e instanceof EnvelopeError });
}

// One GenerateDataKey through the k6 bundle against a scripted server; prints what the client made of the answers,
// so that a test can check retries and error classes on k6's own transport (http.asyncRequest, error codes).
import {
  AWSConfig,
  InvalidSignatureError,
  KMSClient,
  KMSServiceError,
  NetworkError,
} from '../../../dist/k6/kms.js';

const kms = new KMSClient(
  new AWSConfig({
    region: 'us-east-1',
    accessKeyId: __ENV.AWS_ACCESS_KEY_ID,
    secretAccessKey: __ENV.AWS_SECRET_ACCESS_KEY,
    endpoint: __ENV.ENDPOINT,
  }),
  { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5, timeoutMs: 500 },
);

function classOf(error) {
  if (error instanceof InvalidSignatureError) return 'InvalidSignatureError';
  if (error instanceof KMSServiceError) return 'KMSServiceError';
  if (error instanceof NetworkError) return 'NetworkError';
  return error === undefined ? undefined : 'other';
}

export default async function () {
  let dataKey;
  let error;
  try {
    dataKey = await kms.generateDataKey('alias/scripted', 32);
  } catch (e) {
    error = e;
  }
  console.log(
    `RESULT ${JSON.stringify({ id: dataKey?.id, class: classOf(error), code: error?.code, message: error?.message })}`,
  );
}

import { CreateKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { DEFAULT_CREDENTIALS, DEFAULT_REGION } from '../../src/server/defaults.ts';
import { runWrk, signedRequestScript } from '../wrk.ts';

/**
 * The key-spec rows of `npm run bench`: Sign, Verify and GenerateMac throughput (wrk, like GenerateDataKey), and
 * CreateKey's median latency per key spec, each measured on every server that has the spec. A server that
 * refuses a spec (moto has no Ed25519 or ML-DSA) gets no number for it.
 */

const MESSAGE = Buffer.from('kmslab bench: a 32-byte message.');

interface ThroughputRow {
  name: string;
  keySpec: string;
  keyUsage: 'SIGN_VERIFY' | 'GENERATE_VERIFY_MAC';
  operation: 'Sign' | 'Verify' | 'GenerateMac';
  algorithm: string;
}

export const THROUGHPUT_ROWS: ThroughputRow[] = [
  {
    name: 'Sign ECDSA P-256',
    keySpec: 'ECC_NIST_P256',
    keyUsage: 'SIGN_VERIFY',
    operation: 'Sign',
    algorithm: 'ECDSA_SHA_256',
  },
  {
    name: 'Sign RSA_2048 PSS',
    keySpec: 'RSA_2048',
    keyUsage: 'SIGN_VERIFY',
    operation: 'Sign',
    algorithm: 'RSASSA_PSS_SHA_256',
  },
  {
    name: 'Sign Ed25519',
    keySpec: 'ECC_NIST_EDWARDS25519',
    keyUsage: 'SIGN_VERIFY',
    operation: 'Sign',
    algorithm: 'ED25519_SHA_512',
  },
  {
    name: 'Verify ECDSA P-256',
    keySpec: 'ECC_NIST_P256',
    keyUsage: 'SIGN_VERIFY',
    operation: 'Verify',
    algorithm: 'ECDSA_SHA_256',
  },
  {
    name: 'Verify RSA_2048 PSS',
    keySpec: 'RSA_2048',
    keyUsage: 'SIGN_VERIFY',
    operation: 'Verify',
    algorithm: 'RSASSA_PSS_SHA_256',
  },
  {
    name: 'GenerateMac HMAC_256',
    keySpec: 'HMAC_256',
    keyUsage: 'GENERATE_VERIFY_MAC',
    operation: 'GenerateMac',
    algorithm: 'HMAC_SHA_256',
  },
  // Last: measured before Verify (2026-12-01), it left the rows after it at half their rate on kmslab.
  {
    name: 'Sign ML_DSA_65',
    keySpec: 'ML_DSA_65',
    keyUsage: 'SIGN_VERIFY',
    operation: 'Sign',
    algorithm: 'ML_DSA_SHAKE_256',
  },
];

export const CREATE_KEY_SPECS: [string, string][] = [
  ['SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT'],
  ['RSA_2048', 'SIGN_VERIFY'],
  ['RSA_3072', 'SIGN_VERIFY'],
  ['RSA_4096', 'SIGN_VERIFY'],
  ['ECC_NIST_P256', 'SIGN_VERIFY'],
  ['ECC_NIST_P384', 'SIGN_VERIFY'],
  ['ECC_NIST_P521', 'SIGN_VERIFY'],
  ['ECC_SECG_P256K1', 'SIGN_VERIFY'],
  ['ECC_NIST_EDWARDS25519', 'SIGN_VERIFY'],
  ['ML_DSA_44', 'SIGN_VERIFY'],
  ['ML_DSA_65', 'SIGN_VERIFY'],
  ['ML_DSA_87', 'SIGN_VERIFY'],
  ['HMAC_224', 'GENERATE_VERIFY_MAC'],
  ['HMAC_256', 'GENERATE_VERIFY_MAC'],
  ['HMAC_384', 'GENERATE_VERIFY_MAC'],
  ['HMAC_512', 'GENERATE_VERIFY_MAC'],
];

function sdk(port: number): KMSClient {
  return new KMSClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: DEFAULT_REGION,
    maxAttempts: 1,
    credentials: {
      accessKeyId: DEFAULT_CREDENTIALS.accessKeyId,
      secretAccessKey: DEFAULT_CREDENTIALS.secretAccessKey,
    },
  });
}

async function createKey(kms: KMSClient, keySpec: string, keyUsage: string): Promise<string> {
  const created = await kms.send(
    new CreateKeyCommand({ KeySpec: keySpec as 'RSA_2048', KeyUsage: keyUsage as 'SIGN_VERIFY' }),
  );
  if (!created.KeyMetadata?.KeyId) throw new Error('CreateKey answered no KeyId');
  return created.KeyMetadata.KeyId;
}

/** The request a row sends over and over, or undefined when the server does not have the row's key spec. */
async function rowInput(kms: KMSClient, row: ThroughputRow): Promise<object | undefined> {
  let keyId: string;
  try {
    keyId = await createKey(kms, row.keySpec, row.keyUsage);
  } catch {
    return undefined;
  }
  const message = MESSAGE.toString('base64');
  if (row.operation === 'GenerateMac') return { KeyId: keyId, Message: message, MacAlgorithm: row.algorithm };
  const base = { KeyId: keyId, Message: message, SigningAlgorithm: row.algorithm };
  if (row.operation === 'Sign') return base;
  const signed = await kms.send(
    new SignCommand({ ...base, Message: MESSAGE, SigningAlgorithm: row.algorithm as 'ECDSA_SHA_256' }),
  );
  return { ...base, Signature: Buffer.from(signed.Signature ?? []).toString('base64') };
}

export interface RowResult {
  row: string;
  target: string;
  rps: number;
  p50: number;
  errors: number;
}

/** Each row's throughput on the server at `port`, with wrk at `connections`, after a warm-up. */
export async function measureRows(
  target: string,
  port: number,
  connections: number,
  seconds: number,
): Promise<RowResult[]> {
  const kms = sdk(port);
  const results: RowResult[] = [];
  for (const row of THROUGHPUT_ROWS) {
    const input = await rowInput(kms, row);
    if (!input) continue;
    const script = signedRequestScript(port, row.operation, input);
    runWrk(port, script, connections, 1);
    const { rps, p50, errors } = runWrk(port, script, connections, seconds);
    results.push({ row: row.name, target, rps, p50, errors });
    console.error(`${target} ${row.name}: ${rps.toFixed(0)} req/s`);
  }
  kms.destroy();
  return results;
}

/** Keys created on each server before CreateKey is measured. */
const WARM_UP_KEYS = 20;

export interface CreateKeyResult {
  keySpec: string;
  target: string;
  p50: number;
}

/**
 * CreateKey's median latency per key spec, one request at a time through the SDK (the same cost on every server).
 * The specs take turns, round after round, so that none is measured while the server is still warming up.
 */
export async function measureCreateKey(
  target: string,
  port: number,
  samples: number,
): Promise<CreateKeyResult[]> {
  const kms = sdk(port);
  for (let i = 0; i < WARM_UP_KEYS; i++) await createKey(kms, 'SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT');
  const times = new Map<string, number[]>();
  const refused = new Set<string>();
  for (let round = 0; round < samples; round++) {
    for (const [keySpec, keyUsage] of CREATE_KEY_SPECS) {
      // RSA key pairs take long: a quarter of the samples.
      if (refused.has(keySpec) || (keySpec.startsWith('RSA') && round >= Math.ceil(samples / 4))) continue;
      const start = performance.now();
      try {
        await createKey(kms, keySpec, keyUsage);
      } catch {
        refused.add(keySpec);
        continue;
      }
      times.set(keySpec, [...(times.get(keySpec) ?? []), performance.now() - start]);
    }
  }
  const results: CreateKeyResult[] = [];
  for (const [keySpec] of CREATE_KEY_SPECS) {
    const measured = times.get(keySpec);
    if (refused.has(keySpec) || !measured) continue;
    measured.sort((a, b) => a - b);
    results.push({ keySpec, target, p50: measured[measured.length >> 1] ?? Number.NaN });
  }
  kms.destroy();
  return results;
}

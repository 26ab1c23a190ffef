/**
 * What the cryptography of each key spec costs in this process, without a server: key generation per spec, the
 * first use of a key's material (parsing it, or expanding an ML-DSA seed; later uses hit the cache), and Sign,
 * Verify, Encrypt, Decrypt, GenerateMac and DeriveSharedSecret per algorithm family and message type. Prints a
 * table of the median time per operation and the operations per second that it means on one core.
 *
 *   npm run bench:crypto -- [--budget-ms 500]
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { KeySpec, MessageType, SigningAlgorithmSpec } from '../src/protocol/index.ts';
import { KEY_CRYPTO } from '../src/server/crypto/key-specs.ts';

const { values } = parseArgs({ options: { 'budget-ms': { type: 'string', default: '500' } } });
const budgetMs = Number(values['budget-ms']);

interface Row {
  operation: string;
  runs: number;
  medianUs: number;
}
const rows: Row[] = [];

/** Runs `work` (once to warm up) until the budget is spent, at least `minRuns` times, and records the median. */
async function measure(operation: string, work: () => unknown, minRuns = 5): Promise<void> {
  await work();
  const times: number[] = [];
  const end = performance.now() + budgetMs;
  while (times.length < minRuns || performance.now() < end) {
    const start = performance.now();
    await work();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  rows.push({ operation, runs: times.length, medianUs: (times[times.length >> 1] ?? 0) * 1000 });
}

function cryptoOf(keySpec: KeySpec) {
  const crypto = KEY_CRYPTO[keySpec];
  if (!crypto) throw new Error(`no crypto for ${keySpec}`);
  return crypto;
}

const specs = (Object.keys(KEY_CRYPTO) as KeySpec[]).filter((spec) => KEY_CRYPTO[spec]);
const materials = new Map(
  await Promise.all(specs.map(async (spec) => [spec, await cryptoOf(spec).generate()] as const)),
);
const material = (spec: KeySpec): Buffer => materials.get(spec) ?? Buffer.alloc(0);

for (const spec of specs)
  await measure(
    `CreateKey material ${spec}`,
    () => cryptoOf(spec).generate(),
    spec.startsWith('RSA') ? 3 : 5,
  );

for (const spec of specs) {
  const { publicKey } = cryptoOf(spec);
  // A copy is a buffer the cache has not seen: what the first request for a key pays.
  if (publicKey)
    await measure(`first use of a key (parse, expand) ${spec}`, () => publicKey(Buffer.from(material(spec))));
}

const message = Buffer.from('a message of a typical size for a signature, a JWT header and payload perhaps');
const SIGNING: [KeySpec, SigningAlgorithmSpec, MessageType][] = [
  ['RSA_2048', 'RSASSA_PSS_SHA_256', 'RAW'],
  ['RSA_2048', 'RSASSA_PSS_SHA_256', 'DIGEST'],
  ['RSA_2048', 'RSASSA_PKCS1_V1_5_SHA_256', 'RAW'],
  ['RSA_3072', 'RSASSA_PSS_SHA_384', 'RAW'],
  ['RSA_4096', 'RSASSA_PSS_SHA_512', 'RAW'],
  ['ECC_NIST_P256', 'ECDSA_SHA_256', 'RAW'],
  ['ECC_NIST_P256', 'ECDSA_SHA_256', 'DIGEST'],
  ['ECC_NIST_P384', 'ECDSA_SHA_384', 'RAW'],
  ['ECC_NIST_P521', 'ECDSA_SHA_512', 'RAW'],
  ['ECC_SECG_P256K1', 'ECDSA_SHA_256', 'RAW'],
  ['ECC_SECG_P256K1', 'ECDSA_SHA_256', 'DIGEST'],
  ['ECC_NIST_EDWARDS25519', 'ED25519_SHA_512', 'RAW'],
  ['ECC_NIST_EDWARDS25519', 'ED25519_PH_SHA_512', 'DIGEST'],
  ['ML_DSA_44', 'ML_DSA_SHAKE_256', 'RAW'],
  ['ML_DSA_65', 'ML_DSA_SHAKE_256', 'RAW'],
  ['ML_DSA_65', 'ML_DSA_SHAKE_256', 'EXTERNAL_MU'],
  ['ML_DSA_87', 'ML_DSA_SHAKE_256', 'RAW'],
];
for (const [spec, algorithm, messageType] of SIGNING) {
  const scheme = cryptoOf(spec).signing?.[algorithm];
  if (!scheme) throw new Error(`${spec} has no ${algorithm}`);
  const hash =
    messageType === 'RAW'
      ? undefined
      : algorithm.endsWith('256') && !algorithm.startsWith('ML')
        ? 'sha256'
        : 'sha512';
  const input = hash ? createHash(hash).update(message).digest() : message;
  const signature = scheme.sign(material(spec), input, messageType);
  await measure(`Sign ${algorithm} ${messageType} (${spec})`, () =>
    scheme.sign(material(spec), input, messageType),
  );
  await measure(`Verify ${algorithm} ${messageType} (${spec})`, () =>
    scheme.verify(material(spec), input, messageType, signature),
  );
}

const oaep = cryptoOf('RSA_2048').encryption?.RSAES_OAEP_SHA_256;
if (oaep) {
  const ciphertext = oaep.encrypt(material('RSA_2048'), message);
  await measure('Encrypt RSAES_OAEP_SHA_256 (RSA_2048)', () => oaep.encrypt(material('RSA_2048'), message));
  await measure('Decrypt RSAES_OAEP_SHA_256 (RSA_2048)', () =>
    oaep.decrypt(material('RSA_2048'), ciphertext),
  );
}

const hmac = cryptoOf('HMAC_256').mac?.HMAC_SHA_256;
if (hmac) {
  const mac = hmac.generate(material('HMAC_256'), message);
  await measure('GenerateMac HMAC_SHA_256', () => hmac.generate(material('HMAC_256'), message));
  await measure('VerifyMac HMAC_SHA_256', () => hmac.verify(material('HMAC_256'), message, mac));
}

const ecdh = cryptoOf('ECC_NIST_P256').keyAgreement?.ECDH;
const peer = cryptoOf('ECC_NIST_P256').publicKey?.(await cryptoOf('ECC_NIST_P256').generate());
if (ecdh && peer)
  await measure('DeriveSharedSecret ECDH (ECC_NIST_P256)', () =>
    ecdh.derive(material('ECC_NIST_P256'), peer),
  );

const width = Math.max(...rows.map((row) => row.operation.length));
console.log(`node ${process.version}, ${budgetMs} ms per row (median of the runs)\n`);
console.log(`| ${'operation'.padEnd(width)} |   runs | median µs | per second |`);
console.log(`|${'-'.repeat(width + 2)}|-------:|----------:|-----------:|`);
for (const { operation, runs, medianUs } of rows) {
  const perSecond = Math.round(1e6 / medianUs);
  console.log(
    `| ${operation.padEnd(width)} | ${String(runs).padStart(6)} | ${medianUs.toFixed(0).padStart(9)} | ${String(perSecond).padStart(10)} |`,
  );
}

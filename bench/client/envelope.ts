/**
 * Envelope encryption of small messages with data-key caching: kmslab's client (kmslab/envelope) against the AWS
 * Encryption SDK for JavaScript (@aws-crypto/client-node with its caching materials manager), same KMS, same run,
 * in interleaved rounds. Prints one table: messages/s and client CPU per message, for both algorithm suites.
 *
 *   npm run bench:envelope -- [--size 1024] [--seconds 1] [--rounds 5] [--concurrency 1]
 *
 * kmslab runs as its own process, so the CPU measured here is the client's alone. Both caches allow 1000
 * messages per data key: KMS is called once per thousand messages, and the cost measured is the encryption.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type AlgorithmSuiteId,
  AlgorithmSuiteIdentifier,
  CachingMaterialsManager,
  decrypt,
  encrypt,
  KmsKeyring,
} from '../../src/client/envelope/index.ts';
import { AWSConfig, KMSClient } from '../../src/client/index.ts';
import { DEFAULT_CREDENTIALS, DEFAULT_REGION } from '../../src/server/defaults.ts';
import { esdkAt } from '../../test/helpers/esdk.ts';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '1024' },
    seconds: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '1' },
  },
});
const size = Number(values.size);
const roundMs = Number(values.seconds) * 1000;
const rounds = Number(values.rounds);
const concurrency = Number(values.concurrency);
const MESSAGES_PER_DATA_KEY = 1000;
const root = join(import.meta.dirname, '..', '..');

function startKmslab(): Promise<{ child: ChildProcess; endpoint: string }> {
  const child = spawn(
    process.execPath,
    [join(root, 'bin/kmslab.js'), 'serve', '--in-memory', '--port', '0', '--log-level', 'error'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve({ child, endpoint: match[1] });
    });
    child.on('exit', (code) => reject(new Error(`kmslab exited with code ${code}: ${output}`)));
  });
}

type Encryptor = (plaintext: Uint8Array) => Promise<Uint8Array>;

interface Row {
  name: string;
  suite: string;
  encrypt: Encryptor;
  messages: number;
  wallMs: number;
  cpuMicros: number;
}

/** Encrypts for `roundMs` with `concurrency` messages in flight; adds the count, wall time and CPU to the row. */
async function round(row: Row, plaintext: Uint8Array): Promise<void> {
  const deadline = performance.now() + roundMs;
  const cpu = process.cpuUsage();
  const started = performance.now();
  let messages = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await row.encrypt(plaintext);
        messages++;
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  row.messages += messages;
  row.wallMs += performance.now() - started;
  row.cpuMicros += used.user + used.system;
}

const { child, endpoint } = await startKmslab();
try {
  const kms = new KMSClient(
    new AWSConfig({
      region: DEFAULT_REGION,
      accessKeyId: DEFAULT_CREDENTIALS.accessKeyId,
      secretAccessKey: DEFAULT_CREDENTIALS.secretAccessKey,
      endpoint,
    }),
  );
  const keyArn = (await kms.createKey({ Description: 'bench:envelope' })).Arn ?? '';
  const reference = esdkAt(endpoint, DEFAULT_CREDENTIALS);
  const esdk = reference.client;
  const esdkKeyring = reference.keyring({ generatorKeyId: keyArn });
  const keyring = new KmsKeyring(kms, { generatorKeyId: keyArn });
  const context = { purpose: 'bench' };
  const plaintext = randomBytes(size);

  const rows: Row[] = [];
  for (const [suite, suiteId] of [
    ['0x0578 signed', AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384],
    ['0x0478', AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY],
  ] as [string, AlgorithmSuiteId][]) {
    const ours = new CachingMaterialsManager({
      keyring,
      maxAge: 60_000,
      maxMessagesEncrypted: MESSAGES_PER_DATA_KEY,
    });
    const theirs = reference.cachingManager(esdkKeyring, MESSAGES_PER_DATA_KEY);
    rows.push(
      {
        name: 'kmslab/envelope',
        suite,
        encrypt: async (data) =>
          (await encrypt(ours, data, { suiteId, encryptionContext: context })).ciphertext,
        messages: 0,
        wallMs: 0,
        cpuMicros: 0,
      },
      {
        name: '@aws-crypto/client-node',
        suite,
        encrypt: async (data) =>
          (
            await esdk.encrypt(theirs, data, {
              suiteId: suiteId as never,
              encryptionContext: context,
              plaintextLength: data.length,
            })
          ).result,
        messages: 0,
        wallMs: 0,
        cpuMicros: 0,
      },
    );
  }

  // Each side's messages open with the other side's decrypt: the table compares working encryptions.
  for (const row of rows) {
    const message = await row.encrypt(plaintext);
    const opened =
      row.name === 'kmslab/envelope'
        ? (await esdk.decrypt(esdkKeyring, message)).plaintext
        : (await decrypt(keyring, message)).plaintext;
    if (Buffer.compare(Buffer.from(opened), plaintext) !== 0)
      throw new Error(`${row.name} ${row.suite}: round trip failed`);
  }
  // One warm-up round (JIT, first data keys), then interleaved measured rounds.
  for (const row of rows) await round({ ...row, messages: 0, wallMs: 0, cpuMicros: 0 }, plaintext);
  for (let r = 0; r < rounds; r++) for (const row of rows) await round(row, plaintext);

  console.log(
    `Envelope encrypt of ${size} B, cache of ${MESSAGES_PER_DATA_KEY} messages per data key, ` +
      `concurrency ${concurrency}, ${rounds} interleaved rounds of ${roundMs / 1000} s (Node ${process.version})`,
  );
  console.log('\n| client | suite | messages/s | CPU µs/message | messages/s vs the other |');
  console.log('|---|---|---:|---:|---:|');
  for (const row of rows) {
    const rate = (row.messages / row.wallMs) * 1000;
    const peer = rows.find((other) => other.suite === row.suite && other !== row) as Row;
    const peerRate = (peer.messages / peer.wallMs) * 1000;
    console.log(
      `| ${row.name} | ${row.suite} | ${Math.round(rate)} | ${Math.round(row.cpuMicros / row.messages)} | ` +
        `${(rate / peerRate).toFixed(2)}× |`,
    );
  }
} finally {
  child.kill('SIGTERM');
}

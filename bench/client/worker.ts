/**
 * One client under test, in its own process so that process.cpuUsage() measures that client alone: the parent
 * (bench/client/run.ts) sends `{ calls, concurrency }` jobs over IPC, this process runs them against the server
 * and answers with the wall time and the CPU time it spent.
 *
 *   node --import tsx bench/client/worker.ts <kmslab|sdk> <endpoint> <keyId>
 */
import { GenerateDataKeyCommand, KMSClient as SdkClient } from '@aws-sdk/client-kms';
import { AWSConfig, KMSClient } from '../../src/client/index.ts';
import { DEFAULT_CREDENTIALS, DEFAULT_REGION } from '../../src/server/defaults.ts';

export interface Job {
  calls: number;
  concurrency: number;
}

export interface JobResult {
  calls: number;
  wallMs: number;
  /** User + system CPU of this process during the job. */
  cpuUs: number;
}

const [client, endpoint, keyId] = process.argv.slice(2);
if (!endpoint || !keyId) throw new Error('usage: worker.ts <kmslab|sdk> <endpoint> <keyId>');
const credentials = {
  accessKeyId: DEFAULT_CREDENTIALS.accessKeyId,
  secretAccessKey: DEFAULT_CREDENTIALS.secretAccessKey,
};

function generateDataKey(): () => Promise<unknown> {
  if (client === 'kmslab') {
    const kms = new KMSClient(new AWSConfig({ region: DEFAULT_REGION, endpoint, ...credentials }));
    return () => kms.generateDataKey(keyId ?? '', 32);
  }
  // The SDK as users construct it: its default Node handler (node:http with a keep-alive agent).
  const sdk = new SdkClient({ region: DEFAULT_REGION, endpoint, credentials });
  const command = new GenerateDataKeyCommand({ KeyId: keyId, NumberOfBytes: 32 });
  return () => sdk.send(command);
}

const call = generateDataKey();

async function run({ calls, concurrency }: Job): Promise<JobResult> {
  let next = 0;
  const lane = async () => {
    while (next < calls) {
      next++;
      await call();
    }
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, lane));
  const wallMs = performance.now() - started;
  const { user, system } = process.cpuUsage(cpu);
  return { calls, wallMs, cpuUs: user + system };
}

process.on('message', (job: Job) => {
  run(job).then(
    (result) => process.send?.(result),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
process.send?.('ready');

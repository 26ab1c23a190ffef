import { performance } from 'node:perf_hooks';
import { AWSConfig, KMSClient } from '../client/index.ts';
import { DEFAULT_CREDENTIALS, DEFAULT_REGION } from '../server/defaults.ts';
import { createKmslab, type Kmslab } from '../server/index.ts';
import { createLogger, type LogSink } from '../server/log.ts';
import { randomRootKey } from '../server/root-key.ts';

/**
 * The embedded default (`npm start`): the flow of the client's k6 reference script (list the keys, find the test
 * key, generate a 32-byte data key), run through our client against a throwaway kmslab in this process, then the
 * data key decrypted back through the server to show the round trip holds. It prints sizes, ARNs and timings; the
 * data key itself is compared in memory and never printed.
 */

/** The key ID in the client's reference script. */
export const DEMO_KEY_ID = 'e67f95-4c047567-4-a0b7-62f7ce8ec8f48';
const DATA_KEY_BYTES = 32;

class DemoStepError extends Error {}

export async function runDemo(out: LogSink): Promise<number> {
  const print = (line: string) => out.write(`${line}\n`);
  let step = 'start kmslab';
  let running: Kmslab | undefined;
  try {
    const started = performance.now();
    running = await createKmslab({
      storage: { database: ':memory:', rootKey: randomRootKey().key },
      seeds: [
        {
          spec: { keys: [{ keyId: DEMO_KEY_ID, description: 'kmslab demo: the k6 reference script key' }] },
          source: 'the built-in seed',
        },
      ],
      logger: createLogger('warn', process.stderr),
    });
    print(`kmslab demo: a throwaway in-memory kmslab on ${running.endpoint} (${ms(started)})`);
    print(`  seeded key ${DEMO_KEY_ID}`);

    const kms = new KMSClient(
      new AWSConfig({
        region: DEFAULT_REGION,
        accessKeyId: DEFAULT_CREDENTIALS.accessKeyId,
        secretAccessKey: DEFAULT_CREDENTIALS.secretAccessKey,
        endpoint: running.endpoint,
      }),
      { maxAttempts: 1 },
    );

    step = 'listKeys';
    let t = performance.now();
    const keys = await kms.listKeys();
    const key = keys.find((k) => k.keyId === DEMO_KEY_ID);
    if (!key) throw new DemoStepError(`key ${DEMO_KEY_ID} is not among the ${keys.length} listed keys`);
    print(`1. listKeys: ${keys.length} key(s); found ${key.keyArn} (${ms(t)})`);

    step = 'generateDataKey';
    t = performance.now();
    const dataKey = await kms.generateDataKey(DEMO_KEY_ID, DATA_KEY_BYTES);
    const plaintext = Buffer.from(dataKey.plaintext, 'base64');
    const blob = Buffer.from(dataKey.ciphertextBlob, 'base64');
    if (plaintext.length !== DATA_KEY_BYTES) {
      throw new DemoStepError(`the data key has ${plaintext.length} bytes, expected ${DATA_KEY_BYTES}`);
    }
    if (dataKey.id !== key.keyArn)
      throw new DemoStepError(`the data key names ${dataKey.id}, not ${key.keyArn}`);
    print(
      `2. generateDataKey: a ${plaintext.length}-byte data key under ${dataKey.id}; ` +
        `encrypted copy ${blob.length} bytes (${ms(t)})`,
    );

    step = 'decrypt';
    t = performance.now();
    const decrypted = await kms.decrypt(dataKey.ciphertextBlob);
    if (!Buffer.from(decrypted.plaintext, 'base64').equals(plaintext)) {
      throw new DemoStepError('the decrypted bytes differ from the data key');
    }
    if (decrypted.keyId !== key.keyArn)
      throw new DemoStepError(`decrypt names ${decrypted.keyId}, not ${key.keyArn}`);
    print(`3. decrypt: the encrypted copy decrypts to the same ${plaintext.length} bytes (${ms(t)})`);
    plaintext.fill(0);

    step = 'stop kmslab';
    await running.stop();
    running = undefined;
    print(
      `OK: the k6 reference flow works against kmslab (the data key itself is never printed; ${ms(started)})`,
    );
    return 0;
  } catch (error) {
    const reason =
      error instanceof DemoStepError
        ? error.message
        : `${(error as Error).name}: ${(error as Error).message}`;
    process.stderr.write(`kmslab demo failed at "${step}": ${reason}\n`);
    await running?.stop().catch(() => undefined);
    return 1;
  }
}

function ms(since: number): string {
  return `${(performance.now() - since).toFixed(1)} ms`;
}

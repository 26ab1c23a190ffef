import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Kmslab, startKmslab } from '../helpers/kmslab.ts';
import { type Moto, startMoto } from '../helpers/moto.ts';
import { checkCounts, failedChecks, runSandbox } from './run-sandbox.ts';

const BUNDLE = fileURLToPath(new URL('../../dist/k6/kms.js', import.meta.url));
const REFERENCE = fileURLToPath(new URL('../../examples/k6/reference.js', import.meta.url));
const LOAD_TEST = fileURLToPath(new URL('../../examples/k6/load-test.js', import.meta.url));
const TEST_KEY_ID = 'e67f95-4c047567-4-a0b7-62f7ce8ec8f48';
const skip = existsSync(BUNDLE) ? false : 'dist/k6/kms.js is missing: run `npm run build` first';

// Syntactically valid 20/40-character keys: the client validates their shape; moto checks nothing else.
const ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

function envArgs(vars: Record<string, string>): string[] {
  return Object.entries(vars).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
}

describe('examples/k6/reference.js', () => {
  it('is the script of issue #2 with only its import line changed', () => {
    const issueScript = `import exec from 'k6/execution';
import { AWSConfig, KMSClient } from './kms.js';

const awsConfig = new AWSConfig({
  region: __ENV.AWS_REGION,
  accessKeyId: __ENV.AWS_ACCESS_KEY_ID,
  secretAccessKey: __ENV.AWS_SECRET_ACCESS_KEY,
});
const kms = new KMSClient(awsConfig);
const testKeyId = '${TEST_KEY_ID}';

export default async function () {
  const keys = await kms.listKeys();
  if (keys.filter((b) => b.keyId === testKeyId).length == 0) {
    exec.test.abort();
  }
  const key = await kms.generateDataKey(testKeyId, 32);
}
`;
    const expected = issueScript.replace("from './kms.js'", "from '../../dist/k6/kms.js'");
    assert.equal(readFileSync(REFERENCE, 'utf8'), expected);
  });
});

describe('examples/k6 in the sandbox against moto', { skip, concurrency: true }, () => {
  let moto: Moto;
  let env: string[];
  before(async () => {
    moto = await startMoto();
    env = envArgs({
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
      AWS_ENDPOINT_URL_KMS: moto.endpoint,
    });
  });
  after(() => moto?.stop());

  // Moto can't create a key with a chosen ID, so the reference key is missing there: the script must abort.
  it('reference.js aborts the test (exit 108) when its key does not exist', async () => {
    const run = await runSandbox(REFERENCE, { args: env });
    assert.equal(run.code, 108, run.stderr);
    assert.equal(run.summary?.aborted, 'test aborted');
    assert.deepEqual(run.summary?.violations, []);
  });

  it('load-test.js runs 3 VUs × 12 iterations with every check passing', async () => {
    const run = await runSandbox(LOAD_TEST, { args: env, timeoutMs: 120_000 });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.deepEqual(failedChecks(run), []);
    assert.deepEqual(run.summary?.iterations, { planned: 12, completed: 12, interrupted: 0 });
    assert.equal(checkCounts(run, 'data key: plaintext has the requested size').passes, 12);
    assert.equal(checkCounts(run, 'decrypt: gives back the data key').passes, 12);
    assert.equal(checkCounts(run, 'encrypt/decrypt round-trip').passes, 12);
  });
});

describe('examples/k6 in the sandbox against kmslab', { skip, concurrency: true }, () => {
  let lab: Kmslab;
  let env: string[];
  before(async () => {
    lab = await startKmslab({ seed: { keys: [{ keyId: TEST_KEY_ID }] } });
    env = envArgs({
      AWS_REGION: lab.region,
      AWS_ACCESS_KEY_ID: lab.accessKeyId,
      AWS_SECRET_ACCESS_KEY: lab.secretAccessKey,
      AWS_ENDPOINT_URL_KMS: lab.endpoint,
    });
  });
  after(() => lab?.stop());

  // kmslab's seed can create the reference key under its exact ID, so the success path runs here.
  it('reference.js lists the keys, finds its key and generates a data key (exit 0)', async () => {
    const run = await runSandbox(REFERENCE, { args: env });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.summary?.iterations, { planned: 1, completed: 1, interrupted: 0 });
    assert.ok(
      lab.logs.some(
        (log) => log.operation === 'GenerateDataKey' && log.keyId === TEST_KEY_ID && log.status === 200,
      ),
      `no successful GenerateDataKey in ${JSON.stringify(lab.logs)}`,
    );
  });

  it('load-test.js passes every check against a server that verifies signatures', async () => {
    const run = await runSandbox(LOAD_TEST, {
      args: [...env, '-e', 'KMS_ALIAS=alias/k6-kmslab'],
      timeoutMs: 120_000,
    });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.deepEqual(failedChecks(run), []);
    assert.equal(checkCounts(run, 'data key: id is the key ARN').passes, 12);
  });
});

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Kmslab, startKmslab } from '../helpers/kmslab.ts';
import { type Moto, startMoto } from '../helpers/moto.ts';
import { checkCounts, failedChecks, runSandbox } from './run-sandbox.ts';

const BUNDLE = fileURLToPath(new URL('../../dist/k6/kms.js', import.meta.url));
const SUITE = fileURLToPath(new URL('./scripts/client-suite.js', import.meta.url));
const skip = existsSync(BUNDLE) ? false : 'dist/k6/kms.js is missing: run `npm run build` first';

const FORMS = ['key ID', 'key ARN', 'alias name', 'alias ARN'];

async function runSuite(env: Record<string, string>) {
  const run = await runSandbox(SUITE, { args: Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]) });
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  assert.deepEqual(failedChecks(run), []);
  // Every check ran (a check that never ran can't fail): 4 forms × 5 sizes for each data-key check.
  for (const form of FORMS) {
    assert.equal(
      checkCounts(run, `generateDataKey by ${form}: the ciphertext decrypts to the plaintext`).passes,
      5,
    );
  }
  assert.equal(checkCounts(run, 'unknown key: NotFoundException').passes, 1);
  assert.equal(checkCounts(run, 'size 0: ValidationException').passes, 1);
  assert.equal(checkCounts(run, 'size 1025: ValidationException').passes, 1);
}

describe('the k6 bundle in the sandbox', { skip }, () => {
  describe('against moto', () => {
    let moto: Moto;
    before(async () => {
      moto = await startMoto();
    });
    after(() => moto?.stop());

    it('generates data keys by every identifier and size, decrypts them, and raises the right errors', () =>
      runSuite({
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        AWS_ENDPOINT_URL_KMS: moto.endpoint,
      }));
  });

  describe('against kmslab', () => {
    let lab: Kmslab;
    before(async () => {
      lab = await startKmslab();
    });
    after(() => lab?.stop());

    it('generates data keys by every identifier and size, decrypts them, and raises the right errors', () =>
      runSuite({
        AWS_REGION: lab.region,
        AWS_ACCESS_KEY_ID: lab.accessKeyId,
        AWS_SECRET_ACCESS_KEY: lab.secretAccessKey,
        AWS_ENDPOINT_URL_KMS: lab.endpoint,
      }));
  });
});

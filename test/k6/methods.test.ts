import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Kmslab, startKmslab } from '../helpers/kmslab.ts';
import { type Moto, startMoto } from '../helpers/moto.ts';
import { checkCounts, failedChecks, runSandbox } from './run-sandbox.ts';

const BUNDLE = fileURLToPath(new URL('../../dist/k6/kms.js', import.meta.url));
const LITE = fileURLToPath(new URL('../../dist/k6/kms-lite.js', import.meta.url));
const METHODS = fileURLToPath(new URL('./scripts/methods.js', import.meta.url));
const LITE_SCRIPT = fileURLToPath(new URL('./scripts/lite.js', import.meta.url));
const skip = existsSync(BUNDLE) && existsSync(LITE) ? false : 'dist/k6 is missing: run `npm run build` first';

const SYMMETRIC_CHECKS = [
  'paginate ListAliases: every alias, in order',
  'listAliases: camelCase entries',
  'reEncrypt: under the destination key',
  'reEncrypt: decrypts to the plaintext',
  'generateRandom: 48 bytes',
  'enableKeyRotation: on',
  'scheduleKeyDeletion: a date in the future',
];
const ASYMMETRIC_CHECKS = [
  'sign: an ECDSA_SHA_256 signature',
  'getPublicKey: SIGN_VERIFY key',
  'verify: true for the message',
  'verify: false for another message',
  'generateMac: 32 bytes',
  'verifyMac: true for the message',
  'createGrant: ListGrants pages show it',
];

function envArgs(vars: Record<string, string>): string[] {
  return Object.entries(vars).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
}

async function runMethods(env: Record<string, string>, expected: string[]) {
  const run = await runSandbox(METHODS, { args: envArgs(env) });
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
  assert.deepEqual(failedChecks(run), []);
  for (const name of expected) assert.equal(checkCounts(run, name).passes, 1, name);
  assert.equal(run.summary?.checks.length, expected.length, 'no other check ran');
}

describe('the full k6 bundle: methods and paginate() in the sandbox', { skip }, () => {
  let moto: Moto;
  let lab: Kmslab;
  before(async () => {
    [moto, lab] = await Promise.all([startMoto(), startKmslab()]);
  });
  after(async () => {
    await moto?.stop();
    await lab?.stop();
  });

  it('against kmslab: aliases page by page, re-encryption, random bytes, rotation, deletion', () =>
    runMethods(
      {
        AWS_REGION: lab.region,
        AWS_ACCESS_KEY_ID: lab.accessKeyId,
        AWS_SECRET_ACCESS_KEY: lab.secretAccessKey,
        AWS_ENDPOINT_URL_KMS: lab.endpoint,
      },
      SYMMETRIC_CHECKS,
    ));

  it('against moto: the same, plus signing, MACs and grants', () =>
    runMethods(
      {
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        AWS_ENDPOINT_URL_KMS: moto.endpoint,
        ASYMMETRIC: '1',
      },
      [...SYMMETRIC_CHECKS, ...ASYMMETRIC_CHECKS],
    ));
});

describe('dist/k6/kms-lite.js in the sandbox', { skip }, () => {
  let lab: Kmslab;
  before(async () => {
    lab = await startKmslab();
  });
  after(() => lab?.stop());

  it("has the jslib's surface and the core: listKeys, generateDataKey, send, paginate, the errors", async () => {
    const run = await runSandbox(LITE_SCRIPT, {
      args: envArgs({
        AWS_REGION: lab.region,
        AWS_ACCESS_KEY_ID: lab.accessKeyId,
        AWS_SECRET_ACCESS_KEY: lab.secretAccessKey,
        AWS_ENDPOINT_URL_KMS: lab.endpoint,
      }),
    });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.deepEqual(failedChecks(run), []);
    assert.equal(checkCounts(run, 'generateDataKey: the ciphertext decrypts to the plaintext').passes, 2);
    assert.equal(checkCounts(run, 'paginate: every key, one per page').passes, 1);
    assert.equal(checkCounts(run, 'the lite client has no methods beyond the jslib').passes, 1);
  });
});

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { AWSConfig, KMSClient } from '../../src/client/index.ts';
import { type Moto, startMoto } from '../helpers/moto.ts';

const run = promisify(execFile);
const REGION = 'us-east-1';
const ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET_ACCESS_KEY = 'moto-does-not-check-signatures';

describe('examples/node/reference.ts against moto_server', () => {
  let moto: Moto;

  before(async () => {
    moto = await startMoto();
  });
  after(() => moto?.stop());

  function example(keyId: string) {
    return run(process.execPath, ['--import', 'tsx', 'examples/node/reference.ts'], {
      env: {
        ...process.env,
        AWS_REGION: REGION,
        AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
        AWS_ENDPOINT_URL_KMS: moto.endpoint,
        KMS_KEY_ID: keyId,
      },
      timeout: 30_000,
    });
  }

  it('finds the key and generates a 32-byte data key under it', async () => {
    const config = new AWSConfig({
      region: REGION,
      accessKeyId: ACCESS_KEY_ID,
      secretAccessKey: SECRET_ACCESS_KEY,
      endpoint: moto.endpoint,
    });
    const key = await new KMSClient(config).createKey();
    const { stdout } = await example(key.KeyId);
    assert.match(stdout, new RegExp(`data key under ${key.Arn}: 32 plaintext bytes`));
  });

  it('stops with exit code 1 when the key does not exist', async () => {
    const missing = 'e67f95-4c047567-4-a0b7-62f7ce8ec8f48';
    await assert.rejects(example(missing), (error: { code?: number; stderr?: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr ?? '', new RegExp(`key ${missing} not found`));
      return true;
    });
  });
});

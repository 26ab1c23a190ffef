import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  GenerateDataKeyCommand,
} from '@aws-sdk/client-kms';
import { DEFAULT_CREDENTIALS } from '../../src/server/defaults.ts';
import { cleanEnv, REPO, run, type ServeProcess, serve } from './spawn.ts';

const BOTO3_LIST_KEYS = 'import boto3; print(len(boto3.client("kms").list_keys()["Keys"]))';
const VERSION = (JSON.parse(readFileSync(`${REPO}/package.json`, 'utf8')) as { version: string }).version;

describe('kmslab CLI usage', () => {
  test('--help lists every flag with its environment variable, and exits 0', async () => {
    const result = await run(['serve', '--help']);
    assert.equal(result.code, 0);
    for (const [flag, env] of [
      ['--host', 'KMSLAB_HOST'],
      ['--port', 'KMSLAB_PORT'],
      ['--data-dir', 'KMSLAB_DATA_DIR'],
      ['--in-memory', 'KMSLAB_IN_MEMORY'],
      ['--credentials', 'KMSLAB_CREDENTIALS'],
      ['--account', 'KMSLAB_ACCOUNT_ID'],
      ['--region', 'KMSLAB_REGION'],
      ['--seed', 'KMSLAB_SEED'],
      ['--log-level', 'KMSLAB_LOG_LEVEL'],
      ['--auth', 'KMSLAB_AUTH'],
      ['--no-console', 'KMSLAB_NO_CONSOLE'],
    ]) {
      assert.match(result.stdout, new RegExp(`${flag}\\b.*${env}`), `${flag} / ${env}`);
    }
    const top = await run(['--help']);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /kmslab serve/);
    assert.match(top.stdout, /kmslab demo/);
  });

  test('--version prints the package version', async () => {
    const result = await run(['--version']);
    assert.equal(result.code, 0);
    assert.equal(result.stdout.trim(), VERSION);
  });

  test('bad flags and bad environment values exit 2 with a message naming the problem', async () => {
    // Each would otherwise start a throwaway server on a free port.
    const serve = ['serve', '--in-memory'];
    const cases: [string[], Record<string, string>, RegExp][] = [
      [[...serve, '--port', '0', '--bogus'], {}, /--bogus/],
      [[...serve, '--port', '70000'], {}, /--port: "70000"/],
      [[...serve, '--port', '0', '--auth', 'maybe'], {}, /--auth: "maybe" is not sigv4 or none/],
      [serve, { KMSLAB_PORT: '0', KMSLAB_LOG_LEVEL: 'loud' }, /--log-level: "loud"/],
      [['serve', '--port', '0'], { KMSLAB_IN_MEMORY: 'perhaps' }, /KMSLAB_IN_MEMORY/],
      [
        [...serve, '--port', '0', '--credentials', 'SHORT:secretsecretsecret'],
        {},
        /access key ID must be 16-128/,
      ],
      [[...serve, '--port', '0', '--region', 'mars'], {}, /--region: "mars"/],
      [['frobnicate'], {}, /unknown command "frobnicate"/],
    ];
    for (const [args, env, message] of cases) {
      const result = await run(args, env);
      assert.equal(result.code, 2, `${args.join(' ')} ${JSON.stringify(env)}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
  });

  test('a bad KMSLAB_ROOT_KEY exits 2 without echoing the value', async () => {
    const secret = 'not-a-valid-root-key-but-maybe-secret';
    const result = await run(['serve', '--in-memory', '--port', '0'], { KMSLAB_ROOT_KEY: secret });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /KMSLAB_ROOT_KEY must be 32 bytes/);
    assert.ok(!result.stderr.includes(secret));
  });
});

describe('kmslab serve', () => {
  let server: ServeProcess;
  before(async () => {
    server = await serve(['--in-memory']);
  });
  after(async () => {
    await server.stop('SIGKILL');
  });

  test('prints the endpoint, the region, its start-up time and export lines for the AWS tools', () => {
    const { stdout } = server.output();
    assert.match(server.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    const ready = /ready in (\d+) ms/.exec(stdout);
    assert.ok(ready, stdout);
    // How fast that is lives in bench/startup.ts, not here.
    assert.match(stdout, /region\s+us-east-1/);
    assert.match(stdout, new RegExp(`export AWS_ENDPOINT_URL_KMS=${server.endpoint}\\n`));
    assert.match(stdout, /export AWS_REGION=us-east-1\n/);
    assert.match(stdout, /export AWS_DEFAULT_REGION=us-east-1\n/);
    assert.match(stdout, new RegExp(`export AWS_ACCESS_KEY_ID=${DEFAULT_CREDENTIALS.accessKeyId}\\n`));
    assert.match(
      stdout,
      new RegExp(`export AWS_SECRET_ACCESS_KEY=${DEFAULT_CREDENTIALS.secretAccessKey}\\n`),
    );
    assert.match(stdout, /storage\s+in memory/);
    assert.match(stdout, /SigV4 signatures verified/);
  });

  test('its export lines alone point boto3 and the AWS CLI v1 at it (they read AWS_DEFAULT_REGION only)', (t) => {
    const exported = Object.fromEntries(
      [...server.output().stdout.matchAll(/^ {2}export (\w+)=(\S+)$/gm)].map(([, name, value]) => [
        name,
        value,
      ]),
    );
    // Nothing else from this machine: no AWS_ variables, no shared files.
    const env = cleanEnv({
      ...exported,
      AWS_CONFIG_FILE: '/nonexistent/aws/config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws/credentials',
    });
    const keys = execFileSync('python3', ['-c', BOTO3_LIST_KEYS], { env, encoding: 'utf8' });
    assert.match(keys, /^\d+\n$/);
    const cli = spawnSync('aws', ['--version'], { env, encoding: 'utf8' });
    if (!`${cli.stdout}${cli.stderr}`.startsWith('aws-cli/1.')) {
      t.skip('the AWS CLI v1 is not first on PATH');
      return;
    }
    const listed = execFileSync('aws', ['kms', 'list-keys', '--output', 'json'], { env, encoding: 'utf8' });
    assert.ok(Array.isArray(JSON.parse(listed).Keys));
  });

  test('logs one line per request with operation, key, status and time, and never the plaintext', async () => {
    const kms = server.sdk();
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    const keyId = KeyMetadata?.KeyId as string;
    const dataKey = await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, NumberOfBytes: 32 }));
    const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob }));
    const plaintext = Buffer.from(dataKey.Plaintext as Uint8Array);
    assert.deepEqual(Buffer.from(decrypted.Plaintext as Uint8Array), plaintext);
    await assert.rejects(kms.send(new DescribeKeyCommand({ KeyId: 'alias/does-not-exist' })));

    // The log is written after each response; wait for the last line.
    await waitFor(() => /DescribeKey .*404|DescribeKey .*400/.test(server.output().stdout));
    const { stdout, stderr } = server.output();
    assert.match(stdout, new RegExp(`GenerateDataKey key=${keyId} 200 \\d+\\.\\d+ms`));
    assert.match(stdout, /Decrypt .*200 \d+\.\d+ms/);
    assert.match(stdout, /DescribeKey key=alias\/does-not-exist 400 NotFoundException \d+\.\d+ms/);
    const everything = stdout + stderr;
    for (const encoding of ['base64', 'hex', 'base64url'] as const) {
      assert.ok(!everything.includes(plaintext.toString(encoding)), `plaintext (${encoding}) in the log`);
    }
  });

  test('stops on SIGTERM with exit code 0', async () => {
    const other = await serve(['--in-memory']);
    const result = await other.stop('SIGTERM');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /SIGTERM: stopping/);
  });

  test('stops on SIGINT with exit code 0, even with a keep-alive connection open', async () => {
    const other = await serve(['--in-memory']);
    await other.sdk().send(new CreateKeyCommand({}));
    const result = await other.stop('SIGINT');
    assert.equal(result.code, 0, result.stderr);
  });
});

describe('kmslab serve options', () => {
  test('--auth none warns at start-up and accepts unknown access keys', async () => {
    const server = await serve(['--in-memory', '--auth', 'none']);
    try {
      assert.match(server.output().stderr, /--auth none: signatures are NOT verified/);
      assert.match(server.output().stdout, /auth\s+NONE/);
      const { KMSClient } = await import('@aws-sdk/client-kms');
      const kms = new KMSClient({
        endpoint: server.endpoint,
        region: 'eu-west-1',
        maxAttempts: 1,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      });
      const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
      assert.match(KeyMetadata?.Arn ?? '', /^arn:aws:kms:eu-west-1:111122223333:key\//);
      kms.destroy();
    } finally {
      await server.stop();
    }
  });

  test('environment variables configure the server; flags win over them', async () => {
    const server = await serve(['--region', 'eu-central-1'], {
      KMSLAB_IN_MEMORY: 'true',
      KMSLAB_REGION: 'ap-south-1',
      KMSLAB_ACCOUNT_ID: '444455556666',
      KMSLAB_LOG_LEVEL: 'warn',
      KMSLAB_CREDENTIALS: 'AKIAEXAMPLEKEY000001:thisIsAnExampleSecret1234',
    });
    try {
      const { stdout } = server.output();
      assert.match(stdout, /region\s+eu-central-1/);
      assert.match(stdout, /account\s+444455556666/);
      assert.match(stdout, /export AWS_ACCESS_KEY_ID=AKIAEXAMPLEKEY000001\n/);
      // A secret the user chose is not printed.
      assert.ok(!stdout.includes('thisIsAnExampleSecret1234'));
      const { KMSClient } = await import('@aws-sdk/client-kms');
      const kms = new KMSClient({
        endpoint: server.endpoint,
        region: 'eu-central-1',
        maxAttempts: 1,
        credentials: { accessKeyId: 'AKIAEXAMPLEKEY000001', secretAccessKey: 'thisIsAnExampleSecret1234' },
      });
      const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
      assert.match(KeyMetadata?.Arn ?? '', /^arn:aws:kms:eu-central-1:444455556666:key\//);
      // The default pair is not accepted once credentials are configured.
      await assert.rejects(server.sdk().send(new CreateKeyCommand({})), {
        name: 'UnrecognizedClientException',
      });
      kms.destroy();
      // --log-level warn: no request lines.
      assert.doesNotMatch(server.output().stdout, /CreateKey/);
    } finally {
      await server.stop();
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type EnvelopeLab, startEnvelopeLab } from '../helpers/envelope.ts';
import { checkCounts, failedChecks, runSandbox, type SandboxRun } from './run-sandbox.ts';

const BUNDLE = fileURLToPath(new URL('../../dist/k6/envelope.js', import.meta.url));
const SCRIPT = fileURLToPath(new URL('./scripts/envelope-suite.js', import.meta.url));
const skip = existsSync(BUNDLE) ? false : 'dist/k6/envelope.js is missing: run `npm run build` first';

// Several frames of 4096 bytes, with characters of 1 to 4 bytes of UTF-8.
const PLAINTEXT = 'envelope ✓ ﬁ 😀 '.repeat(600);
const CONTEXT = { tenant: 'acme', purpose: 'k6 envelope suite' };
const CACHED_MESSAGES = 12;
const MAX_MESSAGES = 5;

describe('dist/k6/envelope.js in the k6 sandbox, with the AWS Encryption SDK, against kmslab', {
  skip,
}, () => {
  let env: EnvelopeLab;
  let run: SandboxRun;
  let messages: Map<string, Buffer>;
  let since: number;
  before(async () => {
    env = await startEnvelopeLab(3);
    const [first = '', second = '', third = ''] = env.keyArns;
    const esdkKeyring = env.esdkKeyring({ generatorKeyId: first, keyIds: [second] });
    const esdkMessages: Record<string, string> = {};
    for (const [name, suiteId] of [
      ['SIGNED', 0x0578],
      ['UNSIGNED', 0x0478],
    ] as const) {
      const { result } = await env.esdk.encrypt(esdkKeyring, PLAINTEXT, {
        suiteId: suiteId as never,
        encryptionContext: CONTEXT,
      });
      esdkMessages[`ESDK_${name}`] = result.toString('base64');
    }
    since = env.lab.logs.length;
    const vars: Record<string, string> = {
      AWS_REGION: env.lab.region,
      AWS_ACCESS_KEY_ID: env.lab.accessKeyId,
      AWS_SECRET_ACCESS_KEY: env.lab.secretAccessKey,
      AWS_ENDPOINT_URL_KMS: env.lab.endpoint,
      KEY_1: first,
      KEY_2: second,
      KEY_3: third,
      PLAINTEXT,
      CONTEXT: JSON.stringify(CONTEXT),
      CACHED_MESSAGES: String(CACHED_MESSAGES),
      MAX_MESSAGES: String(MAX_MESSAGES),
      ...esdkMessages,
    };
    run = await runSandbox(SCRIPT, {
      args: Object.entries(vars).flatMap(([key, value]) => ['-e', `${key}=${value}`]),
      timeoutMs: 60_000,
    });
    messages = new Map();
    for (const [, name = '', base64 = ''] of (run.stdout + run.stderr).matchAll(
      /MESSAGE (\w+) ([A-Za-z0-9+/=]+)/g,
    )) {
      messages.set(name, Buffer.from(base64, 'base64'));
    }
  });
  after(() => env?.stop());

  it('runs every check, and all pass', () => {
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.deepEqual(failedChecks(run), []);
    for (const name of ['signed', 'unsigned']) {
      for (const check of [
        'the generator key alone decrypts ours',
        'the other key alone decrypts ours',
        "the first key alone decrypts the ESDK's message",
        "the second key alone decrypts the ESDK's message",
        'a wrong encryption context fails',
      ]) {
        assert.equal(checkCounts(run, `${name}: ${check}`).passes, 1, `${name}: ${check}`);
      }
      assert.equal(checkCounts(run, `${name}: an altered byte fails`).passes, 3);
    }
  });

  it('the AWS Encryption SDK decrypts what the k6 bundle encrypted, with either key alone', async () => {
    const [first = '', second = ''] = env.keyArns;
    for (const [name, suiteId] of [
      ['signed', 0x0578],
      ['unsigned', 0x0478],
    ] as const) {
      const message = messages.get(name);
      assert.ok(message, `no ${name} message in the output:\n${run.stderr}`);
      for (const keyring of [
        env.esdkKeyring({ generatorKeyId: first }),
        env.esdkKeyring({ keyIds: [second] }),
      ]) {
        const out = await env.esdk.decrypt(keyring, message);
        assert.equal(out.plaintext.toString(), PLAINTEXT);
        assert.equal(out.messageHeader.suiteId, suiteId);
        assert.equal(out.messageHeader.encryptionContext.tenant, 'acme');
        assert.equal(out.messageHeader.encryptedDataKeys.length, 2);
      }
    }
  });

  it('the data-key cache makes one GenerateDataKey per maxMessagesEncrypted messages, and one Decrypt', async () => {
    const third = env.keyArns[2] ?? '';
    const calls = (operation: string) =>
      env.lab.logs.slice(since).filter((entry) => entry.operation === operation && entry.keyId === third)
        .length;
    assert.equal(calls('GenerateDataKey'), Math.ceil(CACHED_MESSAGES / MAX_MESSAGES));
    assert.equal(calls('Decrypt'), Math.ceil(CACHED_MESSAGES / MAX_MESSAGES));
    assert.equal(checkCounts(run, 'cached: each message decrypts').passes, CACHED_MESSAGES);
    const cached = messages.get('cached');
    assert.ok(cached);
    const out = await env.esdk.decrypt(env.esdkKeyring({ generatorKeyId: third }), cached);
    assert.equal(out.plaintext.toString(), 'cached message 0');
  });
});

describe('examples/k6/envelope.js in the k6 sandbox against kmslab', { skip }, () => {
  let env: EnvelopeLab;
  before(async () => {
    env = await startEnvelopeLab(0);
  });
  after(() => env?.stop());

  it('encrypts and decrypts every order, with at most one GenerateDataKey and one Decrypt per VU', async () => {
    const example = fileURLToPath(new URL('../../examples/k6/envelope.js', import.meta.url));
    const vars = {
      AWS_REGION: env.lab.region,
      AWS_ACCESS_KEY_ID: env.lab.accessKeyId,
      AWS_SECRET_ACCESS_KEY: env.lab.secretAccessKey,
      AWS_ENDPOINT_URL_KMS: env.lab.endpoint,
    };
    const run = await runSandbox(example, {
      args: Object.entries(vars).flatMap(([key, value]) => ['-e', `${key}=${value}`]),
      timeoutMs: 60_000,
    });
    assert.equal(run.code, 0, `${run.stdout}\n${run.stderr}`);
    assert.deepEqual(failedChecks(run), []);
    assert.equal(checkCounts(run, 'the order decrypts').passes, 40);
    assert.equal(checkCounts(run, 'another tenant’s context is refused').passes, 40);
    // 40 messages over 2 VUs, each with its own cache: without it, 40 of each.
    for (const operation of ['GenerateDataKey', 'Decrypt']) {
      const calls = env.count(operation);
      assert.ok(calls >= 1 && calls <= 2, `${operation}: ${calls} calls`);
    }
  });
});

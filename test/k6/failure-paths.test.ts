import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  json,
  type Reply,
  SCRIPTED_DATA_KEY,
  SCRIPTED_KEY_ARN,
  type ScriptedServer,
  startScriptedServer,
  TEST_CREDENTIALS,
} from '../helpers/scripted-server.ts';
import { runSandbox } from './run-sandbox.ts';

const BUNDLE = fileURLToPath(new URL('../../dist/k6/kms.js', import.meta.url));
const SCRIPT = fileURLToPath(new URL('./scripts/failure-paths.js', import.meta.url));
const skip = existsSync(BUNDLE) ? false : 'dist/k6/kms.js is missing: run `npm run build` first';
const DATA_KEY = json(200, SCRIPTED_DATA_KEY);

interface Outcome {
  id?: string;
  class?: string;
  code?: string | number;
  message?: string;
}

/** The failure paths of the client on k6's transport, against a real HTTP server that misbehaves on cue. */
describe('the k6 bundle in the sandbox: retries and errors', { skip }, () => {
  let server: ScriptedServer;
  before(async () => {
    server = await startScriptedServer();
  });
  after(() => server.stop());
  beforeEach(() => {
    server.requests.length = 0;
  });

  async function generate(endpoint: string, ...replies: Reply[]): Promise<Outcome> {
    server.script(...replies);
    const run = await runSandbox(SCRIPT, {
      args: [
        ...['-e', `AWS_ACCESS_KEY_ID=${TEST_CREDENTIALS.accessKeyId}`],
        ...['-e', `AWS_SECRET_ACCESS_KEY=${TEST_CREDENTIALS.secretAccessKey}`],
        ...['-e', `ENDPOINT=${endpoint}`],
      ],
    });
    assert.equal(run.code, 0, run.stderr);
    const line = /RESULT (\{.*\})/.exec(run.stdout + run.stderr)?.[1];
    assert.ok(line, run.stdout);
    return JSON.parse(line) as Outcome;
  }

  it('retries throttling (429) and succeeds; the request it signs verifies', async () => {
    const outcome = await generate(
      server.endpoint,
      json(429, { __type: 'ThrottlingException', message: 'Rate exceeded' }),
      DATA_KEY,
    );
    assert.equal(outcome.id, SCRIPTED_KEY_ARN);
    assert.equal(server.requests.length, 2);
    assert.ok(server.requests.every((r) => r.signatureValid));
  });

  it('a 503 with an HTML body is an error after 3 attempts, never a success', async () => {
    const outcome = await generate(server.endpoint, {
      status: 503,
      body: '<html>Service Unavailable</html>',
    });
    assert.equal(outcome.class, 'KMSServiceError');
    assert.equal(outcome.code, 'ServiceUnavailable');
    assert.equal(server.requests.length, 3);
  });

  it('a reset connection is a NetworkError, retried', async () => {
    const outcome = await generate(server.endpoint, { reset: true });
    assert.equal(outcome.class, 'NetworkError');
    assert.equal(server.requests.length, 3);
  });

  it('a server that never answers times out (k6 error code 1050), retried', async () => {
    const outcome = await generate(server.endpoint, { hang: true });
    assert.equal(outcome.class, 'NetworkError');
    assert.equal(outcome.code, '1050');
    assert.equal(server.requests.length, 3);
  });

  it('a refused connection is a NetworkError with k6 error code 1212', async () => {
    const closed = await startScriptedServer();
    const endpoint = closed.endpoint;
    await closed.stop();
    const outcome = await generate(endpoint, DATA_KEY);
    assert.equal(outcome.class, 'NetworkError');
    assert.equal(outcome.code, '1212');
  });

  it('InvalidSignatureException is an InvalidSignatureError and is not retried', async () => {
    const outcome = await generate(
      server.endpoint,
      json(400, {
        __type: 'InvalidSignatureException',
        message: 'The request signature we calculated does not match',
      }),
    );
    assert.equal(outcome.class, 'InvalidSignatureError');
    assert.equal(outcome.code, 'InvalidSignatureException');
    assert.equal(server.requests.length, 1);
  });

  it('other client errors are not retried; the code drops the namespace', async () => {
    const outcome = await generate(
      server.endpoint,
      json(400, {
        __type: 'com.amazonaws.kms#NotFoundException',
        message: "Alias 'alias/scripted' is not found.",
      }),
    );
    assert.equal(outcome.class, 'KMSServiceError');
    assert.equal(outcome.code, 'NotFoundException');
    assert.equal(server.requests.length, 1);
  });
});

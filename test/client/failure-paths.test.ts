import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  AWSConfig,
  InvalidSignatureError,
  KMSClient,
  type KMSClientOptions,
  KMSServiceError,
  NetworkError,
} from '../../src/client/index.ts';
import { MAX_RESPONSE_BYTES } from '../../src/client/runtime/node.ts';
import { rejection } from '../helpers/rejection.ts';
import {
  json,
  SCRIPTED_DATA_KEY,
  SCRIPTED_KEY_ARN,
  type ScriptedServer,
  startScriptedServer,
  TEST_CREDENTIALS,
} from '../helpers/scripted-server.ts';

let server: ScriptedServer;

before(async () => {
  server = await startScriptedServer();
});
after(() => server.stop());
beforeEach(() => {
  server.requests.length = 0;
});

function client(options: KMSClientOptions = {}, sessionToken?: string): KMSClient {
  const config = new AWSConfig({
    region: 'us-east-1',
    ...TEST_CREDENTIALS,
    endpoint: server.endpoint,
    ...(sessionToken ? { sessionToken } : {}),
  });
  // A long timeout: on a loaded machine a short one would be retried and change the request counts; the hang
  // tests set their own.
  return new KMSClient(config, { baseDelayMs: 1, maxDelayMs: 5, timeoutMs: 30_000, ...options });
}

describe('signing', () => {
  it('signs exactly the host it sends (with its port), the target, content type and date', async () => {
    server.script(json(200, { Keys: [], Truncated: false }));
    await client().listKeys();
    const [request] = server.requests;
    assert.ok(request?.signatureValid, 'the server recomputes the same signature');
    assert.match(
      request.headers.authorization ?? '',
      /SignedHeaders=content-type;host;x-amz-date;x-amz-target,/,
    );
    assert.equal(request.headers['content-type'], 'application/x-amz-json-1.1');
    assert.equal(request.target, 'TrentService.ListKeys');
    assert.equal(request.headers.host, server.endpoint.slice('http://'.length));
  });

  it('sends and signs the session token', async () => {
    server.script(json(200, { Keys: [] }));
    await client({}, 'session-token-value').listKeys();
    const [request] = server.requests;
    assert.ok(request?.signatureValid);
    assert.equal(request.headers['x-amz-security-token'], 'session-token-value');
    assert.match(request.headers.authorization ?? '', /SignedHeaders=[^,]*x-amz-security-token/);
  });
});

describe('listKeys', () => {
  it('follows every page and passes the page size', async () => {
    const key = (n: number) => ({
      KeyId: `key-${n}`,
      KeyArn: `arn:aws:kms:us-east-1:111122223333:key/key-${n}`,
    });
    server.script(
      json(200, { Keys: [key(1), key(2)], Truncated: true, NextMarker: 'm1' }),
      json(200, { Keys: [key(3), key(4)], Truncated: true, NextMarker: 'm2' }),
      json(200, { Keys: [key(5)], Truncated: false }),
    );
    const keys = await client().listKeys({ limit: 2 });
    assert.deepEqual(
      keys.map((k) => k.keyId),
      ['key-1', 'key-2', 'key-3', 'key-4', 'key-5'],
    );
    assert.equal(keys[4]?.keyArn, key(5).KeyArn);
    assert.deepEqual(
      server.requests.map((r) => JSON.parse(r.body)),
      [{ Limit: 2 }, { Limit: 2, Marker: 'm1' }, { Limit: 2, Marker: 'm2' }],
    );
  });
});

describe('generateDataKey request', () => {
  it('asks for 32 bytes by default and maps the answer onto KMSDataKey', async () => {
    server.script(json(200, SCRIPTED_DATA_KEY));
    const dataKey = await client().generateDataKey('alias/test');
    assert.deepEqual(JSON.parse(server.requests[0]?.body ?? ''), { KeyId: 'alias/test', NumberOfBytes: 32 });
    assert.deepEqual(
      { ...dataKey },
      {
        id: SCRIPTED_KEY_ARN,
        ciphertextBlob: SCRIPTED_DATA_KEY.CiphertextBlob,
        plaintext: SCRIPTED_DATA_KEY.Plaintext,
      },
    );
  });

  it('sends the options form: key spec, encryption context and grant tokens', async () => {
    server.script(json(200, SCRIPTED_DATA_KEY));
    await client().generateDataKey('k', {
      keySpec: 'AES_128',
      encryptionContext: { purpose: 'test' },
      grantTokens: ['g'],
    });
    assert.deepEqual(JSON.parse(server.requests[0]?.body ?? ''), {
      KeyId: 'k',
      KeySpec: 'AES_128',
      EncryptionContext: { purpose: 'test' },
      GrantTokens: ['g'],
    });
  });

  it('rejects sizes outside 1-1024 before sending, with the error AWS gives', async () => {
    for (const size of [0, 1025, 1.5]) {
      const error = await rejection(client().generateDataKey('k', size));
      assert.ok(error instanceof KMSServiceError);
      assert.equal(error.code, 'ValidationException');
      assert.equal(error.operation, 'GenerateDataKey');
      assert.match(error.message, new RegExp(`Value '${size}' at 'numberOfBytes'`));
    }
    assert.equal(server.requests.length, 0);
  });
});

describe('retries', () => {
  it('retries HTTP 429 ThrottlingException, then succeeds', async () => {
    server.script(
      json(429, { __type: 'ThrottlingException', message: 'Rate exceeded' }),
      json(200, SCRIPTED_DATA_KEY),
    );
    const dataKey = await client().generateDataKey('k');
    assert.equal(dataKey.id, SCRIPTED_KEY_ARN);
    assert.equal(server.requests.length, 2);
  });

  it('retries ThrottlingException sent with HTTP 400, as KMS does', async () => {
    server.script(
      json(400, { __type: 'ThrottlingException', message: 'Rate exceeded' }),
      json(200, SCRIPTED_DATA_KEY),
    );
    await client().generateDataKey('k');
    assert.equal(server.requests.length, 2);
  });

  it('retries 500 and 503, then succeeds', async () => {
    server.script(
      json(500, { __type: 'KMSInternalException', message: 'internal' }),
      json(503, { __type: 'ServiceUnavailableException', message: 'busy' }),
      json(200, SCRIPTED_DATA_KEY),
    );
    const dataKey = await client().generateDataKey('k');
    assert.equal(dataKey.plaintext, SCRIPTED_DATA_KEY.Plaintext);
    assert.equal(server.requests.length, 3);
    assert.ok(server.requests.every((r) => r.signatureValid));
  });

  it('gives up after maxAttempts with the last error code', async () => {
    server.script(json(500, { __type: 'com.amazonaws.kms#KMSInternalException', message: 'internal' }));
    const error = await rejection(client().generateDataKey('k'));
    assert.ok(error instanceof KMSServiceError);
    assert.equal(error.code, 'KMSInternalException');
    assert.equal(error.operation, 'GenerateDataKey');
    assert.equal(error.statusCode, 500);
    assert.equal(server.requests.length, 3, 'default: 3 attempts');

    server.requests.length = 0;
    await rejection(client({ maxAttempts: 5 }).generateDataKey('k'));
    assert.equal(server.requests.length, 5);

    server.requests.length = 0;
    await rejection(client({ maxAttempts: 1 }).generateDataKey('k'));
    assert.equal(server.requests.length, 1);
  });

  it('does not retry other client errors', async () => {
    server.script(
      json(400, { __type: 'NotFoundException', message: 'Key not found' }),
      json(200, SCRIPTED_DATA_KEY),
    );
    const error = await rejection(client().generateDataKey('k'));
    assert.ok(error instanceof KMSServiceError);
    assert.equal(error.code, 'NotFoundException');
    assert.equal(error.message, 'Key not found');
    assert.equal(server.requests.length, 1);
  });

  it('caps the backoff at maxDelayMs', async () => {
    server.script(json(503, {}));
    const started = Date.now();
    await rejection(client({ baseDelayMs: 60_000, maxDelayMs: 20 }).generateDataKey('k'));
    assert.ok(Date.now() - started < 2_000);
    assert.equal(server.requests.length, 3);
  });
});

describe('transport failures', () => {
  it('turns a connection reset into a NetworkError and retries it', async () => {
    server.script({ reset: true }, json(200, SCRIPTED_DATA_KEY));
    await client().generateDataKey('k');
    assert.equal(server.requests.length, 2);

    server.requests.length = 0;
    server.script({ reset: true });
    const error = await rejection(client().generateDataKey('k'));
    assert.ok(error instanceof NetworkError, String(error));
    assert.notEqual(error.code, '');
    assert.equal(error.operation, 'GenerateDataKey');
    assert.equal(server.requests.length, 3);
  });

  it('times out an attempt that gets no answer, as a NetworkError, and retries it', async () => {
    server.script({ hang: true }, json(200, SCRIPTED_DATA_KEY));
    await client({ timeoutMs: 200 }).generateDataKey('k');
    assert.equal(server.requests.length, 2);

    server.requests.length = 0;
    server.script({ hang: true });
    const error = await rejection(client({ timeoutMs: 200, maxAttempts: 2 }).generateDataKey('k'));
    assert.ok(error instanceof NetworkError);
    assert.equal(error.code, 'TimeoutError');
    assert.equal(server.requests.length, 2);
  });

  it('reports a refused connection as a NetworkError', async () => {
    const closed = await startScriptedServer();
    await closed.stop();
    const config = new AWSConfig({ region: 'us-east-1', ...TEST_CREDENTIALS, endpoint: closed.endpoint });
    const error = await rejection(new KMSClient(config, { maxAttempts: 1 }).listKeys());
    assert.ok(error instanceof NetworkError);
    assert.equal(error.code, 'ECONNREFUSED');
  });
});

describe('the Node transport', () => {
  it('sends sequential calls over one kept-alive connection', async () => {
    server.script(json(200, SCRIPTED_DATA_KEY));
    const kms = client();
    for (let i = 0; i < 5; i++) await kms.generateDataKey('k');
    assert.equal(new Set(server.requests.map((r) => r.remotePort)).size, 1);
  });

  it('refuses a redirect clearly, without resending the signed request elsewhere', async () => {
    server.script({ status: 301, headers: { location: 'https://kms.example.com/' }, body: '' });
    const error = await rejection(client().listKeys());
    assert.ok(error instanceof KMSServiceError);
    assert.equal(error.statusCode, 301);
    assert.match(
      error.message,
      /redirected \(HTTP 301\) to https:\/\/kms\.example\.com\/; .*does not follow/,
    );
    assert.equal(server.requests.length, 1);
  });

  it('stops reading an answer over the size guard, with or without Content-Length, and does not retry', async () => {
    const huge = 'x'.repeat(MAX_RESPONSE_BYTES + 1);
    for (const chunked of [false, true]) {
      server.requests.length = 0;
      server.script({ status: 200, body: huge, chunked });
      const error = await rejection(client().listKeys());
      assert.ok(error instanceof NetworkError, String(error));
      assert.equal(error.code, 'ResponseTooLarge');
      assert.equal(server.requests.length, 1);
    }
    server.script(json(200, { Keys: [] }));
    assert.deepEqual(await client().listKeys(), [], 'the next call gets a fresh connection');
  });

  it('reports a connection cut in the middle of the answer as a NetworkError with its cause code', async () => {
    const cut = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-length': '1000' }).write('{"Keys":');
        setTimeout(() => res.socket?.destroy(), 20);
      });
    });
    await new Promise<void>((resolve) => cut.listen(0, '127.0.0.1', resolve));
    const { port } = cut.address() as AddressInfo;
    const config = new AWSConfig({
      region: 'us-east-1',
      ...TEST_CREDENTIALS,
      endpoint: `http://127.0.0.1:${port}`,
    });
    const error = await rejection(new KMSClient(config, { maxAttempts: 1 }).listKeys());
    cut.close();
    assert.ok(error instanceof NetworkError, String(error));
    assert.equal(error.code, 'ECONNRESET');
  });
});

describe('error answers', () => {
  it('raises InvalidSignatureError for InvalidSignatureException, without retrying', async () => {
    server.script(json(400, { __type: 'InvalidSignatureException', message: 'Signature expired' }));
    const error = await rejection(client().listKeys());
    assert.ok(error instanceof InvalidSignatureError);
    assert.ok(error instanceof KMSServiceError);
    assert.equal(error.name, 'InvalidSignatureError');
    assert.equal(error.operation, 'ListKeys');
    assert.equal(server.requests.length, 1);
  });

  it('never takes a 503 with an HTML body for a success', async () => {
    server.script({
      status: 503,
      headers: { 'content-type': 'text/html' },
      body: '<html><body>Service Unavailable</body></html>',
    });
    const error = await rejection(client().generateDataKey('k'));
    assert.ok(error instanceof KMSServiceError);
    assert.equal(error.code, 'ServiceUnavailable');
    assert.equal(error.statusCode, 503);
    assert.equal(server.requests.length, 3);
  });

  it('reads the code from X-Amzn-Errortype (any case, without its suffix) when the body has none', async () => {
    server.script({
      status: 400,
      headers: {
        'X-Amzn-ErrorType': 'AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral/',
      },
      body: '',
    });
    const error = await rejection(client().listKeys());
    assert.ok(error instanceof KMSServiceError);
    assert.equal(error.code, 'AccessDeniedException');
  });

  it('rejects a 200 whose body is not JSON', async () => {
    server.script({ status: 200, body: '<html>captive portal</html>' });
    const error = await rejection(client().listKeys());
    assert.ok(error instanceof KMSServiceError);
    assert.equal(error.code, 'SerializationException');
  });

  it('keeps plaintext out of error messages', async () => {
    const secret = 'very-secret-plaintext';
    const encoded = Buffer.from(secret).toString('base64');
    server.script(json(400, { __type: 'NotFoundException', message: 'Key not found' }));
    const serviceError = await rejection(client().encrypt('k', secret));
    assert.equal(JSON.parse(server.requests[0]?.body ?? '').Plaintext, encoded, 'the plaintext was sent');
    server.script({ reset: true });
    const networkError = await rejection(client({ maxAttempts: 1 }).encrypt('k', secret));
    for (const error of [serviceError, networkError]) {
      const text = `${error.message} ${error.stack} ${JSON.stringify(error)}`;
      assert.ok(!text.includes(secret) && !text.includes(encoded), text);
    }
  });
});

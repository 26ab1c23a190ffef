import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CreateKeyCommand, GenerateDataKeyCommand, ListKeysCommand } from '@aws-sdk/client-kms';
import { MAX_REQUEST_BYTES } from '../../src/protocol/limits.ts';
import { createNodeSigV4 } from '../../src/sigv4/node.ts';
import { type Kmslab, startKmslab } from '../helpers/kmslab.ts';

/** Sends a signed KMS request by hand, for what the SDK won't send (bad bodies, odd headers, wrong times). */
async function rawRequest(
  server: Kmslab,
  target: string | undefined,
  body: string,
  options: {
    secretAccessKey?: string;
    date?: Date;
    sign?: boolean;
    method?: string;
    sessionToken?: string;
  } = {},
): Promise<{
  status: number;
  json: { __type?: string; message?: string } & Record<string, unknown>;
  headers: Headers;
}> {
  const host = server.endpoint.slice('http://'.length);
  let headers: Record<string, string> = { host, 'content-type': 'application/x-amz-json-1.1' };
  if (target) headers['x-amz-target'] = target;
  if (options.sign !== false) {
    headers = createNodeSigV4().sign(
      { method: options.method ?? 'POST', path: '/', headers, body },
      {
        credentials: {
          accessKeyId: server.accessKeyId,
          secretAccessKey: options.secretAccessKey ?? server.secretAccessKey,
          sessionToken: options.sessionToken,
        },
        region: server.region,
        service: 'kms',
        ...(options.date ? { date: options.date } : {}),
      },
    ).headers;
  }
  const { host: _, ...sendable } = headers;
  const response = await fetch(`${server.endpoint}/`, {
    method: options.method ?? 'POST',
    headers: sendable,
    ...(options.method === 'GET' ? {} : { body }),
  });
  const json = (await response.json()) as { __type?: string; message?: string } & Record<string, unknown>;
  return { status: response.status, json, headers: response.headers };
}

describe('the HTTP layer', () => {
  let server: Kmslab;
  before(async () => {
    server = await startKmslab();
  });
  after(() => server.stop());

  test('answers a signed SDK request with AWS JSON 1.1 and a request id', async () => {
    const created = await server.sdk().send(new CreateKeyCommand({ Description: 'http layer' }));
    assert.match(created.KeyMetadata?.KeyId ?? '', /^[0-9a-f-]{36}$/);
    const listed = await rawRequest(server, 'TrentService.ListKeys', '{}');
    assert.equal(listed.status, 200);
    assert.equal(listed.headers.get('content-type'), 'application/x-amz-json-1.1');
    assert.ok(listed.headers.get('x-amzn-requestid'));
  });

  test('no Authorization header → MissingAuthenticationTokenException', async () => {
    const res = await rawRequest(server, 'TrentService.ListKeys', '{}', { sign: false });
    assert.equal(res.status, 400);
    assert.equal(res.json.__type, 'MissingAuthenticationTokenException');
    assert.equal(res.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
  });

  test('a malformed Authorization header → IncompleteSignatureException naming what is missing', async () => {
    const send = async (authorization: string) => {
      const response = await fetch(`${server.endpoint}/`, {
        method: 'POST',
        headers: {
          authorization,
          'x-amz-date': '20150830T123600Z',
          'x-amz-target': 'TrentService.ListKeys',
          'content-type': 'application/x-amz-json-1.1',
        },
        body: '{}',
      });
      return { status: response.status, ...((await response.json()) as { __type: string; message: string }) };
    };
    const credential = `${server.accessKeyId}/20150830/us-east-1/kms/aws4_request`;
    assert.deepEqual(await send(`AWS4-HMAC-SHA256 Credential=${credential}`), {
      status: 400,
      __type: 'IncompleteSignatureException',
      message: "Authorization header requires 'SignedHeaders', 'Signature' parameter.",
    });
    assert.deepEqual(await send(`AWS ${server.accessKeyId}:signature`), {
      status: 400,
      __type: 'IncompleteSignatureException',
      message: 'Authorization header requires the AWS4-HMAC-SHA256 algorithm.',
    });
    assert.deepEqual(
      await send(
        `AWS4-HMAC-SHA256 Credential=${server.accessKeyId}/20150830/us-east-1, SignedHeaders=host, Signature=ab`,
      ),
      {
        status: 400,
        __type: 'IncompleteSignatureException',
        message: `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${server.accessKeyId}/20150830/us-east-1'`,
      },
    );
  });

  test('an unknown access key → UnrecognizedClientException', async () => {
    await assert.rejects(server.sdk({ accessKeyId: 'AKIAUNKNOWNUNKNOWN00' }).send(new ListKeysCommand({})), {
      name: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    });
  });

  test('a wrong secret → InvalidSignatureException', async () => {
    await assert.rejects(
      server.sdk({ secretAccessKey: 'not-the-right-secret-at-all' }).send(new ListKeysCommand({})),
      {
        name: 'InvalidSignatureException',
        message: /The request signature we calculated does not match the signature you provided/,
      },
    );
  });

  test('a body changed after signing → InvalidSignatureException', async () => {
    const host = server.endpoint.slice('http://'.length);
    const signed = createNodeSigV4().sign(
      {
        method: 'POST',
        path: '/',
        headers: { host, 'x-amz-target': 'TrentService.GenerateRandom' },
        body: '{"NumberOfBytes":16}',
      },
      { credentials: server, region: server.region, service: 'kms' },
    );
    const { host: _, ...headers } = signed.headers;
    const response = await fetch(`${server.endpoint}/`, {
      method: 'POST',
      headers,
      body: '{"NumberOfBytes":32}',
    });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { __type: string }).__type, 'InvalidSignatureException');
  });

  test('a request signed more than 15 minutes ago or ahead → InvalidSignatureException (signature expired)', async () => {
    const old = await rawRequest(server, 'TrentService.ListKeys', '{}', {
      date: new Date(Date.now() - 16 * 60_000),
    });
    assert.equal(old.json.__type, 'InvalidSignatureException');
    assert.match(old.json.message ?? '', /^Signature expired: \d{8}T\d{6}Z is now earlier than/);
    const ahead = await rawRequest(server, 'TrentService.ListKeys', '{}', {
      date: new Date(Date.now() + 16 * 60_000),
    });
    assert.equal(ahead.json.__type, 'InvalidSignatureException');
    assert.match(ahead.json.message ?? '', /^Signature not yet current/);
    const withinSkew = await rawRequest(server, 'TrentService.ListKeys', '{}', {
      date: new Date(Date.now() - 10 * 60_000),
    });
    assert.equal(withinSkew.status, 200);
  });

  test('a session token is signed and accepted', async () => {
    const res = await rawRequest(server, 'TrentService.ListKeys', '{}', {
      sessionToken: 'FwoGZXIvYXdzEXAMPLETOKEN',
    });
    assert.equal(res.status, 200);
  });

  test('an unknown target → UnknownOperationException', async () => {
    const res = await rawRequest(server, 'TrentService.MakeCoffee', '{}');
    assert.equal(res.status, 400);
    assert.equal(res.json.__type, 'UnknownOperationException');
    const none = await rawRequest(server, undefined, '{}');
    assert.equal(none.json.__type, 'UnknownOperationException');
  });

  test('malformed JSON → SerializationException, not a 500', async () => {
    for (const body of ['{', 'not json', '[1,2', '"\\u00']) {
      const res = await rawRequest(server, 'TrentService.ListKeys', body);
      assert.equal(res.status, 400, body);
      assert.equal(res.json.__type, 'SerializationException', body);
    }
  });

  test('a body larger than the largest request the model allows → 413, in AWS words', async () => {
    const res = await rawRequest(
      server,
      'TrentService.Encrypt',
      `{"Plaintext":"${'A'.repeat(MAX_REQUEST_BYTES)}"}`,
    );
    assert.equal(res.status, 413);
    assert.equal(res.json.__type, 'SerializationException');
    assert.equal(res.json.message, `HTTP content length exceeded ${MAX_REQUEST_BYTES} bytes.`);
  });

  test('the request log names operation, key and status, and never the plaintext', async () => {
    const key = await server.sdk().send(new CreateKeyCommand({}));
    const keyId = key.KeyMetadata?.KeyId ?? '';
    const dataKey = await server.sdk().send(new GenerateDataKeyCommand({ KeyId: keyId, NumberOfBytes: 32 }));
    const plaintext = Buffer.from(dataKey.Plaintext ?? []).toString('base64');
    const entry = server.logs.findLast((e) => e.operation === 'GenerateDataKey');
    assert.ok(entry);
    assert.equal(entry.keyId, keyId);
    assert.equal(entry.status, 200);
    assert.ok(entry.ms >= 0);
    assert.ok(!JSON.stringify(server.logs).includes(plaintext));
  });
});

describe('--auth none', () => {
  let server: Kmslab;
  before(async () => {
    server = await startKmslab({ auth: 'none' });
  });
  after(() => server.stop());

  test('accepts any well-formed signature, e.g. the dummy credentials tools send', async () => {
    const res = await server
      .sdk({ accessKeyId: 'test', secretAccessKey: 'test' })
      .send(new ListKeysCommand({}));
    assert.ok(Array.isArray(res.Keys));
  });

  test('still needs an Authorization header', async () => {
    const res = await rawRequest(server, 'TrentService.ListKeys', '{}', { sign: false });
    assert.equal(res.json.__type, 'MissingAuthenticationTokenException');
  });
});

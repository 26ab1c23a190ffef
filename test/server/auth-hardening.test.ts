import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { after, before, describe, test } from 'node:test';
import { CreateKeyCommand, DescribeKeyCommand, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { SignatureV4 } from '@smithy/signature-v4';
import { MAX_REQUEST_BYTES } from '../../src/protocol/limits.ts';
import { amzDate, type SignableRequest } from '../../src/sigv4/index.ts';
import { createNodeSigV4 } from '../../src/sigv4/node.ts';
import { expectedSignature } from '../../src/sigv4/verify.ts';
import { type Kmslab, startKmslab } from '../helpers/kmslab.ts';
import { createKey } from './support.ts';

/**
 * The attacks of issue 6, items 1 to 4, each as an attacker would try it against a running kmslab: a captured
 * request with its body swapped, a signature that leaves out the operation, a made-up region, requests that
 * stall before their body is in. Presigned URLs are made by independent signers (botocore, @smithy/signature-v4).
 */

interface Answer {
  status: number;
  json: { __type?: string; message?: string } & Record<string, unknown>;
}

const CONTENT_TYPE = 'application/x-amz-json-1.1';

function hostOf(server: Kmslab): string {
  return server.endpoint.slice('http://'.length);
}

/** The headers our signer sends for a KMS call (host left out: fetch sets it). */
function signedHeaders(
  server: Kmslab,
  operation: string,
  body: string,
  options: {
    extra?: Record<string, string>;
    region?: string;
    date?: Date;
    sessionToken?: string;
    omitSessionTokenFromSignature?: boolean;
    /** Sign without X-Amz-Target; it is added afterwards. */
    unsignedTarget?: boolean;
    /** Sign x-amz-content-sha256 too. */
    signBody?: boolean;
  } = {},
): Record<string, string> {
  const target = { 'X-Amz-Target': `TrentService.${operation}` };
  const signed = createNodeSigV4().sign(
    {
      method: 'POST',
      path: '/',
      headers: {
        host: hostOf(server),
        'Content-Type': CONTENT_TYPE,
        ...(options.unsignedTarget ? {} : target),
        ...options.extra,
      },
      body,
    },
    {
      credentials: { ...server, sessionToken: options.sessionToken },
      region: options.region ?? server.region,
      service: 'kms',
      ...(options.date ? { date: options.date } : {}),
      ...(options.omitSessionTokenFromSignature ? { omitSessionTokenFromSignature: true } : {}),
      ...(options.signBody ? { signBody: true } : {}),
    },
  );
  const { host: _, ...headers } = signed.headers;
  return { ...headers, ...target };
}

async function post(
  server: Kmslab,
  headers: Record<string, string>,
  body: string,
  path = '/',
): Promise<Answer> {
  const response = await fetch(`${server.endpoint}${path}`, { method: 'POST', headers, body });
  return { status: response.status, json: (await response.json()) as Answer['json'] };
}

function assertRefused(answer: Answer, type: string, message?: string | RegExp): void {
  assert.equal(answer.json.__type, type, JSON.stringify(answer.json));
  assert.equal(answer.status, 400);
  if (typeof message === 'string') assert.equal(answer.json.message, message);
  else if (message) assert.match(answer.json.message ?? '', message);
}

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/**
 * Runs a Python 3 script with botocore (an independent SigV4 signer) or boto3; `input` is JSON on its stdin
 * (`a` in the script), and what it prints is parsed as JSON.
 */
function python<T>(script: string, input: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'python3',
      ['-c', `import json, sys\na = json.load(sys.stdin)\n${script}`],
      { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`python3 failed: ${(stderr || error.message).slice(-2000)}`));
        else resolve(JSON.parse(stdout) as T);
      },
    );
    child.stdin?.end(JSON.stringify(input));
  });
}

type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytesOf(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

/** node:crypto behind the hash interface @smithy/signature-v4 takes. */
class NodeSha256 {
  readonly #hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(secret));
  }
  update(data: SourceData): void {
    this.#hash.update(bytesOf(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
}

/** A presigned KMS URL made by the AWS SDK's own signer; X-Amz-Target stays a (signed) header. */
async function smithyPresign(
  server: Kmslab,
  operation: string,
  body: string,
  options: { expiresIn?: number; signingDate?: Date; sessionToken?: string } = {},
): Promise<{ url: string; headers: Record<string, string> }> {
  const signer = new SignatureV4({
    service: 'kms',
    region: server.region,
    sha256: NodeSha256,
    credentials: {
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
      ...(options.sessionToken ? { sessionToken: options.sessionToken } : {}),
    },
  });
  const [hostname, port] = hostOf(server).split(':');
  const headers = {
    host: hostOf(server),
    'content-type': CONTENT_TYPE,
    'x-amz-target': `TrentService.${operation}`,
  };
  const presigned = await signer.presign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: hostname ?? '',
      port: Number(port),
      path: '/',
      headers,
      query: {},
      body,
    },
    {
      expiresIn: options.expiresIn ?? 300,
      unhoistableHeaders: new Set(['x-amz-target']),
      ...(options.signingDate ? { signingDate: options.signingDate } : {}),
    },
  );
  const query = new URLSearchParams(presigned.query as Record<string, string>).toString();
  const { host: _, ...sendable } = presigned.headers;
  return { url: `/?${query}`, headers: sendable };
}

describe('issue 6.1: the signature covers the body received', () => {
  let server: Kmslab;
  before(async () => {
    server = await startKmslab();
  });
  after(() => server.stop());

  test('a captured request that signs x-amz-content-sha256, as the AWS SDK for JavaScript does, with its body swapped is refused', async () => {
    const kms = server.sdk();
    const kept = await createKey(kms);
    const deleted = await createKey(kms);
    const original = JSON.stringify({ KeyId: kept, PendingWindowInDays: 7 });
    const captured = signedHeaders(server, 'ScheduleKeyDeletion', original, { signBody: true });
    assert.equal(captured['X-Amz-Content-Sha256'], createHash('sha256').update(original).digest('hex'));
    const swapped = JSON.stringify({ KeyId: deleted, PendingWindowInDays: 7 });
    assertRefused(await post(server, captured, swapped), 'InvalidSignatureException', SIGNATURE_MISMATCH);
    // Added unsigned to a capture that did not sign it, it changes nothing either.
    const unsigned = signedHeaders(server, 'ScheduleKeyDeletion', original);
    const added = { ...unsigned, 'X-Amz-Content-Sha256': captured['X-Amz-Content-Sha256'] as string };
    assertRefused(await post(server, added, swapped), 'InvalidSignatureException', SIGNATURE_MISMATCH);
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: deleted }));
    assert.equal(KeyMetadata?.KeyState, 'Enabled');
    // The capture as it was still runs: a true x-amz-content-sha256 is welcome.
    assert.equal((await post(server, captured, original)).status, 200);
  });

  test('UNSIGNED-PAYLOAD, signed as S3 allows it by botocore, is refused: KMS hashes the body', async () => {
    const kms = server.sdk();
    const keyId = await createKey(kms);
    const body = JSON.stringify({ KeyId: keyId, PendingWindowInDays: 7 });
    const headers = await python<Record<string, string>>(
      `
import types
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
request = AWSRequest(method='POST', url='https://' + a['host'] + '/', data=a['body'],
                     headers={'Content-Type': a['contentType'], 'X-Amz-Target': a['target']})
request.context['client_config'] = types.SimpleNamespace(s3={'payload_signing_enabled': False})
S3SigV4Auth(Credentials(a['key'], a['secret']), 'kms', a['region']).add_auth(request)
print(json.dumps(dict(request.headers.items())))
`,
      {
        host: hostOf(server),
        body,
        contentType: CONTENT_TYPE,
        target: 'TrentService.ScheduleKeyDeletion',
        key: server.accessKeyId,
        secret: server.secretAccessKey,
        region: server.region,
      },
    );
    assert.equal(headers['X-Amz-Content-SHA256'], 'UNSIGNED-PAYLOAD');
    assertRefused(await post(server, headers, body), 'InvalidSignatureException', SIGNATURE_MISMATCH);
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    assert.equal(KeyMetadata?.KeyState, 'Enabled');
  });
});

describe('issue 6.2: the signature must cover host, X-Amz-Target, X-Amz-Date and the session token', () => {
  let server: Kmslab;
  before(async () => {
    server = await startKmslab();
  });
  after(() => server.stop());

  test('a DescribeKey signed without X-Amz-Target, replayed as ScheduleKeyDeletion, is refused', async () => {
    const kms = server.sdk();
    const keyId = await createKey(kms);
    const body = JSON.stringify({ KeyId: keyId });
    const describe = signedHeaders(server, 'DescribeKey', body, { unsignedTarget: true });
    const replayed = { ...describe, 'X-Amz-Target': 'TrentService.ScheduleKeyDeletion' };
    const message = "'x-amz-target' must be a 'SignedHeader' in the AWS Authorization.";
    assertRefused(await post(server, replayed, body), 'InvalidSignatureException', message);
    assertRefused(await post(server, describe, body), 'InvalidSignatureException', message);
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    assert.equal(KeyMetadata?.KeyState, 'Enabled');
  });

  test('a session token sent but left out of the signature is refused', async () => {
    const headers = signedHeaders(server, 'ListKeys', '{}', {
      sessionToken: 'FwoGZXIvYXdzEXAMPLETOKEN',
      omitSessionTokenFromSignature: true,
    });
    assertRefused(
      await post(server, headers, '{}'),
      'InvalidSignatureException',
      "'x-amz-security-token' must be a 'SignedHeader' in the AWS Authorization.",
    );
  });

  test('a signature over a header list without x-amz-date, or without host, is refused', async () => {
    const requestDate = amzDate(new Date());
    const headers: Record<string, string> = {
      host: hostOf(server),
      'content-type': CONTENT_TYPE,
      'x-amz-target': 'TrentService.ListKeys',
      'x-amz-date': requestDate,
    };
    const authorization = (names: string[]) => {
      const scope = {
        requestDate,
        dateStamp: requestDate.slice(0, 8),
        region: server.region,
        service: 'kms',
        signedHeaders: names,
      };
      const request: SignableRequest = { method: 'POST', path: '/', headers, body: '{}' };
      const signature = expectedSignature(createNodeSigV4(), request, scope, server.secretAccessKey);
      const credential = `${server.accessKeyId}/${scope.dateStamp}/${server.region}/kms/aws4_request`;
      return `AWS4-HMAC-SHA256 Credential=${credential}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
    };
    const { host: _, ...sendable } = headers;
    const send = (names: string[]) =>
      post(server, { ...sendable, Authorization: authorization(names) }, '{}');
    assertRefused(
      await send(['content-type', 'host', 'x-amz-target']),
      'InvalidSignatureException',
      "'x-amz-date' must be a 'SignedHeader' in the AWS Authorization.",
    );
    assertRefused(
      await send(['content-type', 'x-amz-date', 'x-amz-target']),
      'InvalidSignatureException',
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    );
    assert.equal((await send(['host', 'x-amz-date', 'x-amz-target'])).status, 200);
  });

  test('the AWS SDK, boto3, the AWS CLI v2 and our signer, with a session token, sign all of it', async () => {
    // What each signs (captured): content-type;host;x-amz-date;x-amz-security-token;x-amz-target, and the SDK
    // also amz-sdk-*, content-length, x-amz-content-sha256 (the body's true hash) and x-amz-user-agent.
    const sessionToken = 'FwoGZXIvYXdzEXAMPLETOKEN/with+slash=';
    const withToken = new KMSClient({
      endpoint: server.endpoint,
      region: server.region,
      maxAttempts: 1,
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey, sessionToken },
    });
    assert.ok(Array.isArray((await withToken.send(new ListKeysCommand({}))).Keys));
    withToken.destroy();
    assert.equal(
      (await post(server, signedHeaders(server, 'ListKeys', '{}', { sessionToken }), '{}')).status,
      200,
    );
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: tmpdir(),
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_ACCESS_KEY_ID: server.accessKeyId,
      AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
      AWS_SESSION_TOKEN: sessionToken,
      AWS_DEFAULT_REGION: server.region,
    };
    const boto = new Promise<string>((resolve, reject) =>
      execFile(
        'python3',
        [
          '-c',
          `import boto3; print(len(boto3.client('kms', endpoint_url='${server.endpoint}').list_keys()['Keys']))`,
        ],
        { env, timeout: 60_000 },
        (error, stdout, stderr) => (error ? reject(new Error(stderr)) : resolve(stdout.trim())),
      ),
    );
    const cli = new Promise<string>((resolve, reject) =>
      execFile(
        '/usr/bin/aws',
        ['kms', 'list-keys', '--endpoint-url', server.endpoint, '--output', 'json'],
        { env, timeout: 60_000 },
        (error, stdout, stderr) => (error ? reject(new Error(stderr)) : resolve(stdout)),
      ),
    );
    assert.match(await boto, /^\d+$/);
    assert.ok(Array.isArray((JSON.parse(await cli) as { Keys: unknown[] }).Keys));
  });
});

describe('issue 6.3: the credential scope names a region AWS KMS runs in', () => {
  let server: Kmslab;
  before(async () => {
    server = await startKmslab();
  });
  after(() => server.stop());

  test('an unknown or empty region is refused with AWS words, and creates nothing', async () => {
    await assert.rejects(server.sdk({ region: 'xx-fake-9' }).send(new CreateKeyCommand({})), {
      name: 'InvalidSignatureException',
      message: "Credential should be scoped to a valid region, not 'xx-fake-9'.",
    });
    const empty = signedHeaders(server, 'CreateKey', '{}', { region: '' });
    assertRefused(
      await post(server, empty, '{}'),
      'InvalidSignatureException',
      "Credential should be scoped to a valid region, not ''.",
    );
    const { Keys } = await server.sdk().send(new ListKeysCommand({}));
    assert.deepEqual(Keys, []);
  });

  test('every partition works, and its keys get the partition in their ARN', async () => {
    for (const [region, partition] of [
      ['cn-northwest-1', 'aws-cn'],
      ['us-gov-east-1', 'aws-us-gov'],
      ['us-isob-east-1', 'aws-iso-b'],
      ['eusc-de-east-1', 'aws-eusc'],
      ['ap-southeast-7', 'aws'],
      ['mx-central-1', 'aws'],
    ]) {
      const { KeyMetadata } = await server.sdk({ region }).send(new CreateKeyCommand({}));
      assert.match(KeyMetadata?.Arn ?? '', new RegExp(`^arn:${partition}:kms:${region}:111122223333:key/`));
    }
  });

  test('several wrong parts of the scope are named together, as AWS does', async () => {
    const headers = signedHeaders(server, 'ListKeys', '{}');
    headers.Authorization = (headers.Authorization ?? '').replace('/us-east-1/kms/', '/xx-fake-9/s3/');
    assertRefused(
      await post(server, headers, '{}'),
      'InvalidSignatureException',
      "Credential should be scoped to a valid region, not 'xx-fake-9'. Credential should be scoped to correct service: 'kms'.",
    );
  });
});

describe('issue 6.3: presigned URLs', () => {
  let server: Kmslab;
  before(async () => {
    server = await startKmslab();
  });
  after(() => server.stop());

  test('a URL presigned by botocore (SigV4QueryAuth) lists the keys', async () => {
    await createKey(server.sdk());
    const presigned = await python<{ url: string; headers: Record<string, string> }>(
      `
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
request = AWSRequest(method='POST', url=a['endpoint'] + '/',
                     headers={'Content-Type': a['contentType'], 'X-Amz-Target': 'TrentService.ListKeys'})
SigV4QueryAuth(Credentials(a['key'], a['secret'], a['token']), 'kms', a['region'], expires=300).add_auth(request)
print(json.dumps({'url': request.url, 'headers': dict(request.headers.items())}))
`,
      {
        endpoint: server.endpoint,
        contentType: CONTENT_TYPE,
        key: server.accessKeyId,
        secret: server.secretAccessKey,
        token: 'FwoGZXIvYXdzEXAMPLETOKEN',
        region: server.region,
      },
    );
    assert.match(presigned.url, /X-Amz-Signature=[0-9a-f]{64}/);
    assert.match(presigned.url, /X-Amz-Security-Token=/);
    const response = await fetch(presigned.url, { method: 'POST', headers: presigned.headers });
    const json = (await response.json()) as { Keys?: unknown[] };
    assert.equal(response.status, 200, JSON.stringify(json));
    assert.equal(json.Keys?.length, 1);
  });

  test('a URL presigned by the AWS SDK signer runs GenerateDataKey; its body and its query are bound', async () => {
    const keyId = await createKey(server.sdk());
    const body = JSON.stringify({ KeyId: keyId, NumberOfBytes: 32 });
    const { url, headers } = await smithyPresign(server, 'GenerateDataKey', body, { sessionToken: 'token' });
    const ok = await post(server, headers, body, url);
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    assert.equal(typeof ok.json.Plaintext, 'string');

    const swapped = JSON.stringify({ KeyId: keyId, NumberOfBytes: 64 });
    assertRefused(await post(server, headers, swapped, url), 'InvalidSignatureException', SIGNATURE_MISMATCH);
    const longer = url.replace(/X-Amz-Expires=\d+/, 'X-Amz-Expires=600');
    assertRefused(await post(server, headers, body, longer), 'InvalidSignatureException', SIGNATURE_MISMATCH);
    assertRefused(
      await post(server, signedHeaders(server, 'GenerateDataKey', body), body, url),
      'InvalidSignatureException',
      "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
    );
  });

  test('X-Amz-Expires bounds the URL: past it, or over seven days, it is refused', async () => {
    const body = '{}';
    const old = await smithyPresign(server, 'ListKeys', body, {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 120_000),
    });
    assertRefused(
      await post(server, old.headers, body, old.url),
      'InvalidSignatureException',
      'Request has expired',
    );
    const lasting = await smithyPresign(server, 'ListKeys', body, {
      expiresIn: 3600,
      signingDate: new Date(Date.now() - 30 * 60_000),
    });
    assert.equal((await post(server, lasting.headers, body, lasting.url)).status, 200);
    const week = lasting.url.replace(/X-Amz-Expires=\d+/, 'X-Amz-Expires=604801');
    assertRefused(
      await post(server, lasting.headers, body, week),
      'IncompleteSignatureException',
      'X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds',
    );
    const missing = lasting.url.replace(/X-Amz-Credential=[^&]*&?/, '');
    assertRefused(
      await post(server, lasting.headers, body, missing),
      'IncompleteSignatureException',
      "AWS query-string parameters must include 'X-Amz-Credential'. Re-examine the query-string parameters.",
    );
  });

  test('without X-Amz-Expires a presigned URL has the 15 minutes of a signed header', async () => {
    const presignedAt = (minutesAgo: number) => {
      const requestDate = amzDate(new Date(Date.now() - minutesAgo * 60_000));
      const dateStamp = requestDate.slice(0, 8);
      const credential = `${server.accessKeyId}/${dateStamp}/${server.region}/kms/aws4_request`;
      const signedHeaderList = ['host', 'x-amz-target'];
      const query = [
        'X-Amz-Algorithm=AWS4-HMAC-SHA256',
        `X-Amz-Credential=${encodeURIComponent(credential)}`,
        `X-Amz-Date=${requestDate}`,
        `X-Amz-SignedHeaders=${encodeURIComponent(signedHeaderList.join(';'))}`,
      ].join('&');
      const headers = { host: hostOf(server), 'x-amz-target': 'TrentService.ListKeys' };
      const scope = {
        requestDate,
        dateStamp,
        region: server.region,
        service: 'kms',
        signedHeaders: signedHeaderList,
      };
      const request = { method: 'POST', path: '/', query, headers, body: '' };
      const signature = expectedSignature(createNodeSigV4(), request, scope, server.secretAccessKey);
      return `/?${query}&X-Amz-Signature=${signature}`;
    };
    const target = { 'X-Amz-Target': 'TrentService.ListKeys' };
    assert.equal((await post(server, target, '', presignedAt(10))).status, 200);
    assertRefused(
      await post(server, target, '', presignedAt(20)),
      'InvalidSignatureException',
      /^Signature expired: /,
    );
  });
});

/** A raw connection: what the server sent, and when it closed the connection (ms after opening). */
interface RawConnection {
  socket: Socket;
  received(): string;
  closed: Promise<number>;
}

async function open(server: Kmslab): Promise<RawConnection> {
  const [host, port] = hostOf(server).split(':');
  const socket = connect(Number(port), host);
  await once(socket, 'connect');
  const opened = Date.now();
  let received = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => {
    received += chunk;
  });
  // The client side writes may fail once the server has closed: that is the point.
  socket.on('error', () => {});
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - opened)));
  return { socket, received: () => received, closed };
}

function head(server: Kmslab, headers: Record<string, string>, contentLength: number): string {
  const lines = [`POST / HTTP/1.1`, `Host: ${hostOf(server)}`, `Content-Length: ${contentLength}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('issue 6.4: authentication comes before the body', () => {
  // A server that waited for the bodies would keep these connections for minutes: fail instead.
  const raw = { timeout: 20_000 };
  const REQUEST_TIMEOUT_MS = 1_000;
  let server: Kmslab;
  before(async () => {
    server = await startKmslab({ requestTimeoutMs: REQUEST_TIMEOUT_MS });
  });
  after(() => server.stop());

  test(
    '200 unauthenticated uploads stalled mid-body are answered from their headers and closed at once',
    raw,
    async () => {
      const declared = 1024 * 1024;
      const unsigned = { 'X-Amz-Target': 'TrentService.ListKeys', 'Content-Type': CONTENT_TYPE };
      const unknownKey = {
        ...signedHeaders(server, 'ListKeys', '{}'),
        Authorization: signedHeaders(server, 'ListKeys', '{}').Authorization?.replace(
          server.accessKeyId,
          'AKIAUNKNOWNUNKNOWN00',
        ) as string,
      };
      const connections = await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          const connection = await open(server);
          // Half without a signature, half with an unknown access key; 64 KiB of body each, then nothing.
          connection.socket.write(head(server, i % 2 ? unsigned : unknownKey, declared));
          connection.socket.write(Buffer.alloc(64 * 1024, 0x20));
          return connection;
        }),
      );
      const closedAfter = await Promise.all(connections.map((c) => c.closed));
      for (const [i, connection] of connections.entries()) {
        const type = i % 2 ? 'MissingAuthenticationTokenException' : 'UnrecognizedClientException';
        assert.match(connection.received(), /^HTTP\/1\.1 400 /);
        assert.match(connection.received(), new RegExp(`"__type":"${type}"`));
        assert.match(connection.received(), /\r\nConnection: close\r\n/i);
      }
      // Closed by the server long before the request timeout would have: none of them waited for its body.
      assert.ok(Math.max(...closedAfter) < REQUEST_TIMEOUT_MS, `closed after ${Math.max(...closedAfter)} ms`);
      assert.equal(await server.openConnections(), 0);
    },
  );

  test(
    'a Content-Length over the largest request the model allows is refused before any body is sent',
    raw,
    async () => {
      const connection = await open(server);
      const headers = signedHeaders(server, 'ListKeys', '{}');
      connection.socket.write(head(server, headers, MAX_REQUEST_BYTES + 1));
      await connection.closed;
      assert.match(connection.received(), /^HTTP\/1\.1 413 /);
      assert.match(
        connection.received(),
        new RegExp(`HTTP content length exceeded ${MAX_REQUEST_BYTES} bytes\\.`),
      );
    },
  );

  test(
    'an authenticated upload that stalls is dropped after the request timeout, as a debug event',
    raw,
    async () => {
      const body = JSON.stringify({ KeyId: 'alias/none', PendingWindowInDays: 7 });
      const connection = await open(server);
      connection.socket.write(head(server, signedHeaders(server, 'ScheduleKeyDeletion', body), body.length));
      connection.socket.write(body.slice(0, 10));
      const closedAfter = await connection.closed;
      assert.ok(closedAfter >= REQUEST_TIMEOUT_MS, `closed after ${closedAfter} ms`);
      // The timeout is checked every second.
      assert.ok(closedAfter < REQUEST_TIMEOUT_MS + 2_000, `closed after ${closedAfter} ms`);
      await waitFor(() => server.debugLines.length > 0, 1_000);
      assert.deepEqual(server.debugLines, [
        'ScheduleKeyDeletion: the client closed the connection before its request was complete',
      ]);
    },
  );

  test('a request the model allows is accepted even over 1 MiB, as boto3 writes it', async () => {
    const keyId = await createKey(server.sdk());
    // An encryption context (the model sets it no bound) of 88,000 code points beyond the BMP: boto3 writes each
    // as two \\u escapes, 12 bytes, so the body is over the 1 MiB that kmslab used to read at most, and within
    // the largest request the model allows. (Grant tokens must be real ones since kmslab checks them.)
    const answer = await python<{ bytes: number; keyId: string }>(
      `
import boto3
kms = boto3.client('kms', endpoint_url=a['endpoint'], region_name=a['region'], aws_access_key_id=a['key'],
                   aws_secret_access_key=a['secret'])
sizes = []
kms.meta.events.register('before-send.kms.Encrypt', lambda request, **_: sizes.append(len(request.body)))
answer = kms.encrypt(KeyId=a['keyId'], Plaintext=b'secret', EncryptionContext={'purpose': '\\U0001F600' * 88000})
print(json.dumps({'bytes': sizes[0], 'keyId': answer['KeyId']}))
`,
      {
        endpoint: server.endpoint,
        region: server.region,
        key: server.accessKeyId,
        secret: server.secretAccessKey,
        keyId,
      },
    );
    assert.ok(answer.bytes > 1024 * 1024 && answer.bytes <= MAX_REQUEST_BYTES, `${answer.bytes} bytes`);
    assert.match(answer.keyId, new RegExp(`${keyId}$`));
  });
});

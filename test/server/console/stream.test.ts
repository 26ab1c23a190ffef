import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateKeyCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { DEFAULT_CREDENTIALS } from '../../../src/server/defaults.ts';
import { type Cli, createCli } from '../../helpers/aws-cli.ts';
import { type Kmslab, startKmslab } from '../../helpers/kmslab.ts';
import {
  type ErrorAnswer,
  get,
  isOpen,
  type OpenStream,
  openStream,
  STREAM_PATH,
  type StreamLine,
  streamHeaders,
} from './stream-client.ts';

/**
 * The console's live request stream, GET /_kmslab/api/requests, against a real kmslab and real callers (the AWS
 * CLI v2, the AWS SDK): authenticated like an API call, authorized by identity policies, scoped to the caller's
 * account, and never carrying a plaintext or a ciphertext.
 */

const OTHER = {
  accessKeyId: 'AKIAOTHERACCOUNT0000',
  secretAccessKey: 'other-account-secret-access-key-0000000',
  accountId: '444455556666',
};
const STREAMER = {
  accessKeyId: 'AKIASTREAMER00000000',
  secretAccessKey: 'streamer-secret-access-key-000000000',
};
const PLAIN = {
  accessKeyId: 'AKIAPLAINUSER0000000',
  secretAccessKey: 'plain-user-secret-access-key-0000000',
};
const DENIED = {
  accessKeyId: 'AKIADENIEDUSER000000',
  secretAccessKey: 'denied-user-secret-access-key-000000',
};
const policy = (...statements: object[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements }).replaceAll("'", "''");
const IDENTITIES = `users:
  - arn: arn:aws:iam::111122223333:user/streamer
    accessKeys: [{ accessKeyId: ${STREAMER.accessKeyId}, secretAccessKey: ${STREAMER.secretAccessKey} }]
    policies: { console: '${policy({ Effect: 'Allow', Action: 'kmslab:StreamRequests', Resource: '*' })}' }
  - arn: arn:aws:iam::111122223333:user/plain
    accessKeys: [{ accessKeyId: ${PLAIN.accessKeyId}, secretAccessKey: ${PLAIN.secretAccessKey} }]
    policies: { keys: '${policy({ Effect: 'Allow', Action: 'kms:*', Resource: '*' })}' }
  - arn: arn:aws:iam::111122223333:user/denied
    accessKeys: [{ accessKeyId: ${DENIED.accessKeyId}, secretAccessKey: ${DENIED.secretAccessKey} }]
    policies:
      all: '${policy({ Effect: 'Allow', Action: ['kms:*', 'kmslab:*'], Resource: '*' })}'
      no-console: '${policy({ Effect: 'Deny', Action: 'kmslab:StreamRequests', Resource: '*' })}'
`;

const requests = (lines: StreamLine[]) => lines.filter((line) => line.type === 'request');
const byRequestId = (lines: StreamLine[], id: string | undefined) =>
  lines.find((line) => line.type === 'request' && line.requestId === id);

async function open(server: Kmslab, credentials = DEFAULT_CREDENTIALS as object): Promise<OpenStream> {
  const stream = await openStream(
    server.endpoint,
    streamHeaders(server.endpoint, credentials as typeof DEFAULT_CREDENTIALS),
  );
  if (!isOpen(stream)) assert.fail(`the stream was refused: ${stream.status} ${stream.body}`);
  return stream;
}

async function refused(server: Kmslab, headers: Record<string, string>): Promise<ErrorAnswer> {
  const answer = await openStream(server.endpoint, headers);
  assert.ok(!isOpen(answer), 'the stream was opened');
  return answer;
}

describe('the console request stream', () => {
  let server: Kmslab;
  let cli: Cli;
  let kms: KMSClient;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kmslab-stream-'));
    const identities = join(dir, 'identities.yaml');
    writeFileSync(identities, IDENTITIES);
    server = await startKmslab({
      identities,
      credentials: [{ ...DEFAULT_CREDENTIALS, accountId: '111122223333' }, OTHER],
    });
    cli = await createCli(server);
    kms = server.sdk();
  });
  after(async () => {
    await server.stop();
    rmSync(cli.dir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  test('unsigned, wrong secret, unknown access key: refused with the errors the API gives', async () => {
    const host = new URL(server.endpoint).host;
    const wrongSecret = streamHeaders(server.endpoint, {
      ...DEFAULT_CREDENTIALS,
      secretAccessKey: 'not-the-secret-access-key-000000000000000',
    });
    const unknownKey = streamHeaders(server.endpoint, {
      accessKeyId: 'AKIAUNKNOWNKEY000000',
      secretAccessKey: 'whatever-secret-access-key-000000000000',
    });
    const cases = [
      {
        headers: { host },
        type: 'MissingAuthenticationTokenException',
        message: 'Missing Authentication Token',
      },
      {
        headers: wrongSecret,
        type: 'InvalidSignatureException',
        message:
          'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      },
      {
        headers: unknownKey,
        type: 'UnrecognizedClientException',
        message: 'The security token included in the request is invalid.',
      },
    ];
    for (const { headers, type, message } of cases) {
      const answer = await refused(server, headers);
      assert.equal(answer.status, 400, type);
      assert.equal(answer.headers['content-type'], 'application/x-amz-json-1.1');
      assert.equal(answer.headers['x-amzn-errortype'], type);
      assert.ok(answer.headers['x-amzn-requestid']);
      assert.deepEqual(JSON.parse(answer.body), { __type: type, message });
    }
  });

  test('a signature made for another request or at an old time is refused', async () => {
    const headers = streamHeaders(server.endpoint, DEFAULT_CREDENTIALS);
    const { response } = await get(server.endpoint, `${STREAM_PATH}?since=0`, headers);
    assert.equal(response.statusCode, 400);
    assert.equal(response.headers['x-amzn-errortype'], 'InvalidSignatureException');
    response.resume();
    const old = await refused(
      server,
      streamHeaders(server.endpoint, DEFAULT_CREDENTIALS, 'us-east-1', new Date(Date.now() - 20 * 60_000)),
    );
    assert.equal(old.headers['x-amzn-errortype'], 'InvalidSignatureException');
    assert.match(JSON.parse(old.body).message, /^Signature expired: /);
  });

  test('a GenerateDataKey by the AWS CLI appears with its operation, key and caller, and no plaintext or blob', async () => {
    const stream = await open(server);
    try {
      assert.equal(stream.response.headers['content-type'], 'application/x-ndjson; charset=utf-8');
      assert.equal(stream.response.headers['cache-control'], 'no-store');
      const key = await cli.json(['create-key']);
      const keyId = (key.KeyMetadata as { KeyId: string }).KeyId;
      await cli.json(['create-alias', '--alias-name', 'alias/console-stream', '--target-key-id', keyId]);
      const dataKey = await cli.json([
        'generate-data-key',
        '--key-id',
        'alias/console-stream',
        '--key-spec',
        'AES_256',
      ]);
      const encrypted = await cli.json([
        'encrypt',
        '--key-id',
        keyId,
        '--plaintext',
        Buffer.from('console-secret-plaintext').toString('base64'),
      ]);
      const lines = await stream.until((all) => requests(all).some((line) => line.operation === 'Encrypt'));
      const event = requests(lines).find((line) => line.operation === 'GenerateDataKey');
      assert.ok(event, JSON.stringify(lines));
      assert.equal(event.keyId, 'alias/console-stream');
      assert.equal(event.caller, 'arn:aws:iam::111122223333:root');
      assert.equal(event.accessKeyId, DEFAULT_CREDENTIALS.accessKeyId);
      assert.equal(event.status, 200);
      assert.equal(event.errorType, null);
      assert.equal(typeof event.ms, 'number');
      assert.match(String(event.requestId), /^[0-9a-f-]{36}$/);
      assert.ok(Math.abs(Date.parse(String(event.time)) - Date.now()) < 60_000);
      assert.deepEqual(Object.keys(event).sort(), [
        'accessKeyId',
        'caller',
        'errorType',
        'keyId',
        'ms',
        'operation',
        'requestId',
        'status',
        'time',
        'type',
      ]);
      const text = JSON.stringify(lines);
      for (const secret of [
        String(dataKey.Plaintext),
        String(dataKey.CiphertextBlob),
        String(encrypted.CiphertextBlob),
        Buffer.from('console-secret-plaintext').toString('base64'),
      ]) {
        assert.ok(secret.length > 20);
        assert.ok(!text.includes(secret), 'a plaintext or blob reached the stream');
      }
    } finally {
      stream.close();
    }
  });

  test("another account's requests are not shown", async () => {
    const mine = await open(server);
    const theirs = await open(server, OTHER);
    const other = server.sdk(OTHER);
    try {
      const { KeyMetadata } = await other.send(new CreateKeyCommand({}));
      const theirCall = await other.send(
        new GenerateDataKeyCommand({ KeyId: KeyMetadata?.KeyId, KeySpec: 'AES_256' }),
      );
      const { KeyMetadata: myKey } = await kms.send(new CreateKeyCommand({}));
      const myCall = await kms.send(new GenerateDataKeyCommand({ KeyId: myKey?.KeyId, KeySpec: 'AES_256' }));
      const seen = await mine.until((lines) => byRequestId(lines, myCall.$metadata.requestId) !== undefined);
      assert.equal(byRequestId(seen, theirCall.$metadata.requestId), undefined);
      assert.ok(requests(seen).every((line) => String(line.caller).startsWith('arn:aws:iam::111122223333:')));
      const seenByThem = await theirs.until(
        (lines) => byRequestId(lines, theirCall.$metadata.requestId) !== undefined,
      );
      assert.equal(byRequestId(seenByThem, myCall.$metadata.requestId), undefined);
      assert.ok(requests(seenByThem).every((line) => line.accessKeyId === OTHER.accessKeyId));
    } finally {
      mine.close();
      theirs.close();
    }
  });

  test('an IAM user streams only when its identity policies allow kmslab:StreamRequests; a Deny wins', async () => {
    const plain = await refused(server, streamHeaders(server.endpoint, PLAIN));
    assert.equal(plain.status, 400);
    assert.deepEqual(JSON.parse(plain.body), {
      __type: 'AccessDeniedException',
      message:
        'User: arn:aws:iam::111122223333:user/plain is not authorized to perform: kmslab:StreamRequests on resource: * because no identity-based policy allows the kmslab:StreamRequests action',
    });
    assert.ok(plain.headers['x-kmslab-denial']);
    const denied = await refused(server, streamHeaders(server.endpoint, DENIED));
    assert.deepEqual(JSON.parse(denied.body), {
      __type: 'AccessDeniedException',
      message:
        'User: arn:aws:iam::111122223333:user/denied is not authorized to perform: kmslab:StreamRequests on resource: * with an explicit deny in an identity-based policy',
    });

    const stream = await open(server, STREAMER);
    try {
      // The user sees its account's requests, the root's included.
      const call = await kms.send(new CreateKeyCommand({}));
      await stream.until((lines) => byRequestId(lines, call.$metadata.requestId) !== undefined);
    } finally {
      stream.close();
    }
  });
});

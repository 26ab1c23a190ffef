import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_CREDENTIALS } from '../../../src/server/defaults.ts';
import { type ServeProcess, serve } from '../../cli/spawn.ts';
import { startKmslab } from '../../helpers/kmslab.ts';
import {
  call,
  calls,
  isOpen,
  type OpenStream,
  openStream,
  type StreamLine,
  streamHeaders,
} from './stream-client.ts';

/**
 * The request stream under traffic, against `kmslab serve` in its own process: stats count every request
 * exactly, a new reader gets the backlog, a reader that can't keep up loses request events (counted) but never
 * stats, and stopping kmslab ends open streams.
 */

interface Totals {
  count: number;
  errors: number;
}

/** The stats lines' counts of `operation`, summed. */
function totals(lines: StreamLine[], operation: string): Totals {
  const sum = { count: 0, errors: 0 };
  for (const line of lines) {
    if (line.type !== 'stats') continue;
    const stats = (line.operations as Record<string, Totals>)[operation];
    sum.count += stats?.count ?? 0;
    sum.errors += stats?.errors ?? 0;
  }
  return sum;
}

/** Waits until the stream has the stats of the second now running, i.e. of every request made before this call. */
function closedNow(stream: OpenStream): Promise<StreamLine[]> {
  const second = Math.floor(Date.now() / 1000);
  return stream.until((lines) =>
    lines.some((line) => line.type === 'stats' && Number(line.second) >= second),
  );
}

async function open(endpoint: string): Promise<OpenStream> {
  const stream = await openStream(endpoint, streamHeaders(endpoint, DEFAULT_CREDENTIALS));
  if (!isOpen(stream)) assert.fail(`the stream was refused: ${stream.status} ${stream.body}`);
  return stream;
}

async function createKey(endpoint: string): Promise<string> {
  const answer = await call(endpoint, 'CreateKey', {});
  return (JSON.parse(answer.body) as { KeyMetadata: { KeyId: string } }).KeyMetadata.KeyId;
}

describe('the request stream under traffic', () => {
  let kmslab: ServeProcess;
  before(async () => {
    kmslab = await serve(['--in-memory', '--port', '0', '--log-level', 'warn']);
  });
  after(() => kmslab.stop());

  test('the stats lines count every request, errors apart, one line per second', async () => {
    const { endpoint } = kmslab;
    const keyId = await createKey(endpoint);
    const stream = await open(endpoint);
    try {
      const ok = await calls(50, 8, () =>
        call(endpoint, 'GenerateDataKey', { KeyId: keyId, KeySpec: 'AES_256' }),
      );
      const missing = await calls(5, 5, () =>
        call(endpoint, 'GenerateDataKey', { KeyId: 'alias/missing', KeySpec: 'AES_256' }),
      );
      assert.ok(ok.every((answer) => answer.status === 200));
      assert.ok(missing.every((answer) => answer.status === 400));
      const lines = await closedNow(stream);
      assert.deepEqual(totals(lines, 'GenerateDataKey'), { count: 55, errors: 5 });
      const stats = lines.filter((line) => line.type === 'stats');
      for (let i = 1; i < stats.length; i++)
        assert.equal(Number(stats[i]?.second), Number(stats[i - 1]?.second) + 1, 'a second is missing');
      for (const line of stats) {
        for (const entry of Object.values(line.operations as Record<string, { p50: number; p99: number }>)) {
          assert.ok(entry.p50 > 0 && entry.p50 <= entry.p99, JSON.stringify(line));
        }
      }
      const events = lines.filter((line) => line.type === 'request' && line.operation === 'GenerateDataKey');
      assert.equal(events.length, 55);
      assert.equal(events.filter((line) => line.errorType === 'NotFoundException').length, 5);
    } finally {
      stream.close();
    }
  });

  test('a new reader first gets the backlog: the seconds kept, then the last 500 requests', async () => {
    const { endpoint } = kmslab;
    const before = await open(endpoint);
    // One at a time, so that the order of the answers is the order of the requests.
    const answers = await calls(520, 1, () => call(endpoint, 'GenerateRandom', { NumberOfBytes: 16 }));
    // The count of a second that had not ended when the reader connected comes live, after the backlog.
    const seen = await closedNow(before);
    const counted = totals(seen, 'GenerateRandom');
    before.close();

    const stream = await open(endpoint);
    try {
      const lines = await stream.until((all) => all.filter((line) => line.type === 'request').length >= 500);
      const firstRequest = lines.findIndex((line) => line.type === 'request');
      assert.ok(firstRequest > 0, 'stats come first');
      assert.ok(lines.slice(0, firstRequest).every((line) => line.type === 'stats'));
      const backlog = lines.slice(firstRequest, firstRequest + 500);
      assert.deepEqual(
        backlog.map((line) => line.requestId),
        answers.slice(-500).map((answer) => answer.requestId),
        'the last 500 requests, oldest first',
      );
      assert.deepEqual(totals(lines.slice(0, firstRequest), 'GenerateRandom'), counted);
      assert.equal(counted.count, 520);
    } finally {
      stream.close();
    }
  });

  test('a reader that does not read loses request events, counted, never stats; the server buffers little', async () => {
    const { endpoint } = kmslab;
    const stream = await open(endpoint);
    await stream.until((lines) => lines.some((line) => line.type === 'stats'));
    const start = stream.lines.length;
    stream.pause();
    // Each event carries a 2 KB key reference. At least 6000 of them (13 MB, three times what the sockets hold)
    // and 5 s: a server that kept what the reader doesn't take would have more than 6 MB to send, even with
    // its 200 events per 250 ms batch.
    const keyId = `alias/${'x'.repeat(2042)}`;
    const started = Date.now();
    let count = 0;
    while (count < 6000 || Date.now() - started < 5000) {
      await calls(500, 32, () => call(endpoint, 'GenerateDataKey', { KeyId: keyId, KeySpec: 'AES_256' }));
      count += 500;
    }
    let received = 0;
    stream.response.on('data', (chunk: string) => {
      received += Buffer.byteLength(chunk);
    });
    stream.response.resume();
    try {
      const lines = (await closedNow(stream)).slice(start);
      const events = lines.filter((line) => line.type === 'request' && line.keyId === keyId).length;
      const dropped = lines
        .filter((line) => line.type === 'dropped')
        .reduce((sum, line) => sum + Number(line.count), 0);
      assert.ok(dropped > 0, 'nothing was dropped');
      assert.equal(events + dropped, count, 'every request is either sent or counted as dropped');
      assert.deepEqual(totals(lines, 'GenerateDataKey'), { count, errors: count });
      // What the sockets held (about 4 MB here) and one batch: not the 13 MB a server without a bound would send.
      assert.ok(received < 6_000_000, `${received} bytes came after the reader resumed`);
    } finally {
      stream.close();
    }
  });

  test('SIGTERM stops kmslab at once with a stream open, and the stream ends', async () => {
    const server = await serve(['--in-memory', '--port', '0', '--log-level', 'warn']);
    const stream = await open(server.endpoint);
    const started = Date.now();
    const exited = await server.stop();
    assert.equal(exited.code, 0);
    assert.ok(Date.now() - started < 5000, `stopping took ${Date.now() - started} ms`);
    await stream.ended;
  });
});

test('stop() of createKmslab resolves with streams open, and ends them', async () => {
  const server = await startKmslab();
  const streams = await Promise.all([open(server.endpoint), open(server.endpoint)]);
  const started = Date.now();
  await server.stop();
  assert.ok(Date.now() - started < 2000, `stop took ${Date.now() - started} ms`);
  await Promise.all(streams.map((stream) => stream.ended));
});

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { test } from 'node:test';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { DEFAULT_CREDENTIALS, DEFAULT_REGION } from '../../src/server/defaults.ts';
import { createNodeSigV4 } from '../../src/sigv4/node.ts';
import { serve } from './spawn.ts';

/** Issue 6, item 9: what a client sends cannot forge or flood `kmslab serve`'s log, nor make it cry ERROR. */

const LOG_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (ERROR|WARN |INFO |DEBUG) /;

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('a KeyId with a newline stays on its line, escaped; a long one is cut', async () => {
  const server = await serve(['--in-memory']);
  try {
    const forged = '2026-01-01T00:00:00.000Z INFO  ScheduleKeyDeletion key=alias/prod 200 0.10ms';
    const kms = server.sdk();
    await assert.rejects(kms.send(new DescribeKeyCommand({ KeyId: `x\n${forged}` })));
    await assert.rejects(kms.send(new DescribeKeyCommand({ KeyId: 'k'.repeat(100_000) })));
    await waitFor(
      () =>
        server
          .output()
          .stdout.split('\n')
          .filter((l) => l.includes('DescribeKey')).length === 2,
    );
    const lines = server.output().stdout.split('\n');
    assert.ok(!lines.some((line) => line.startsWith(forged.slice(0, 24))), 'a forged line');
    const described = lines.filter((line) => line.includes('DescribeKey'));
    for (const line of described) assert.match(line, LOG_LINE);
    assert.ok(described[0]?.includes(`key="x\\n${forged}" 400 NotFoundException`), described[0]);
    assert.ok((described[1]?.length ?? 0) < 400, `a line of ${described[1]?.length} characters`);
    assert.ok(
      described[1]?.includes(`key=${'k'.repeat(256)}…(+99744) 400 ValidationException`),
      described[1],
    );
  } finally {
    await server.stop();
  }
});

test('a client that leaves mid-body is a debug line, not an ERROR with a stack trace', async () => {
  const server = await serve(['--in-memory', '--log-level', 'debug']);
  try {
    const url = new URL(server.endpoint);
    const body = '{"Limit": 10}';
    const { headers } = createNodeSigV4().sign(
      {
        method: 'POST',
        path: '/',
        headers: {
          host: url.host,
          'Content-Type': 'application/x-amz-json-1.1',
          'X-Amz-Target': 'TrentService.ListKeys',
        },
        body,
      },
      { credentials: DEFAULT_CREDENTIALS, region: DEFAULT_REGION, service: 'kms' },
    );
    const socket = connect(Number(url.port), url.hostname);
    await once(socket, 'connect');
    const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
    socket.write(
      `POST / HTTP/1.1\r\nContent-Length: ${body.length}\r\n${head.join('')}\r\n${body.slice(0, 5)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.destroy();
    await waitFor(() => server.output().stdout.includes('DEBUG'));
    const { stdout, stderr } = server.output();
    assert.match(
      stdout,
      /DEBUG ListKeys: the client closed the connection before its request was complete\n/,
    );
    assert.doesNotMatch(`${stdout}${stderr}`, /ERROR|\n\s+at /);
  } finally {
    await server.stop();
  }
});

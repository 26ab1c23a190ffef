import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ListKeysCommand } from '@aws-sdk/client-kms';
import { type Kmslab, startKmslab } from '../../helpers/kmslab.ts';

/**
 * The console's files under /_kmslab/ on kmslab's port: served from the built folder with headers that keep the
 * page to its own origin; nothing outside the folder can be named; the AWS API at POST / is untouched.
 */

const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'";

/** A built console next to a file it must never serve. */
function consoleFolders(): { folder: string; secret: string } {
  const root = mkdtempSync(join(tmpdir(), 'kmslab-console-'));
  const folder = join(root, 'console');
  mkdirSync(join(folder, 'assets'), { recursive: true });
  writeFileSync(join(folder, 'index.html'), '<!doctype html><title>kmslab console</title>');
  writeFileSync(join(folder, 'assets', 'app.js'), 'console.log("app")');
  writeFileSync(join(folder, 'assets', 'app.css'), 'body{}');
  writeFileSync(join(folder, 'assets', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  const secret = 'NOT-FOR-THE-BROWSER';
  writeFileSync(join(root, 'secret.txt'), secret);
  writeFileSync(join(root, 'console-other.txt'), secret);
  return { folder, secret };
}

interface RawAnswer {
  status: number;
  head: string;
  body: string;
}

/** Sends a request line exactly as written (fetch and node:http would normalize `..` and encodings away). */
function raw(server: Kmslab, target: string, method = 'GET'): Promise<RawAnswer> {
  const { hostname, port } = new URL(server.endpoint);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`${method} ${target} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`);
    });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const head = text.slice(0, split);
      resolve({ status: Number(head.split(' ')[1]), head, body: text.slice(split + 4) });
    });
  });
}

function assertConsoleHeaders(headers: Headers): void {
  assert.equal(headers.get('content-security-policy'), CSP);
  assert.equal(headers.get('x-content-type-options'), 'nosniff');
  assert.equal(headers.get('referrer-policy'), 'no-referrer');
}

describe('the console files under /_kmslab/', () => {
  let server: Kmslab;
  let secret: string;
  before(async () => {
    const folders = consoleFolders();
    secret = folders.secret;
    server = await startKmslab({ console: { folder: folders.folder } });
  });
  after(() => server.stop());

  test('/_kmslab/ is index.html, not cached without revalidation, with the security headers', async () => {
    const response = await fetch(`${server.endpoint}/_kmslab/`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    assertConsoleHeaders(response.headers);
    assert.equal(await response.text(), '<!doctype html><title>kmslab console</title>');
  });

  test('/_kmslab redirects to /_kmslab/', async () => {
    const response = await fetch(`${server.endpoint}/_kmslab`, { redirect: 'manual' });
    assert.equal(response.status, 301);
    assert.equal(response.headers.get('location'), '/_kmslab/');
    assertConsoleHeaders(response.headers);
  });

  test('files of the folder, with their content types; a query string is ignored', async () => {
    for (const [path, type, body] of [
      ['assets/app.js', 'text/javascript; charset=utf-8', 'console.log("app")'],
      ['assets/app.css?v=2', 'text/css; charset=utf-8', 'body{}'],
      ['assets/logo.svg', 'image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg"/>'],
    ] as const) {
      const response = await fetch(`${server.endpoint}/_kmslab/${path}`);
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get('content-type'), type, path);
      assertConsoleHeaders(response.headers);
      assert.equal(await response.text(), body, path);
    }
  });

  test('HEAD has the headers of GET and no body', async () => {
    const answer = await raw(server, '/_kmslab/assets/app.js', 'HEAD');
    assert.equal(answer.status, 200);
    assert.match(answer.head, /content-length: 18/i);
    assert.match(answer.head, /content-type: text\/javascript/i);
    assert.equal(answer.body, '');
  });

  test('an unknown file is a plain-text 404 with the security headers', async () => {
    for (const path of ['missing.js', 'assets/', 'assets', 'api/unknown']) {
      const response = await fetch(`${server.endpoint}/_kmslab/${path}`);
      assert.equal(response.status, 404, path);
      assert.equal(response.headers.get('content-type'), 'text/plain; charset=utf-8');
      assertConsoleHeaders(response.headers);
      assert.equal(await response.text(), 'Not found.\n');
    }
  });

  test('no path names a file outside the folder: .., encoded dots and slashes, absolute paths', async () => {
    const attempts = [
      '/_kmslab/../secret.txt',
      '/_kmslab/assets/../../secret.txt',
      '/_kmslab/%2e%2e/secret.txt',
      '/_kmslab/%2E%2E%2Fsecret.txt',
      '/_kmslab/..%2fsecret.txt',
      '/_kmslab/..%5csecret.txt',
      '/_kmslab/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/_kmslab/%252e%252e%252fsecret.txt',
      '/_kmslab/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd',
      '/_kmslab//etc/passwd',
      '/_kmslab/%2fetc%2fpasswd',
      '/_kmslab/../console-other.txt',
      '/_kmslab/%2e%2e/console-other.txt',
      '/_kmslab/index.html%00.js',
      '/_kmslab/%',
    ];
    for (const target of attempts) {
      const answer = await raw(server, target);
      assert.equal(answer.status, 404, target);
      assert.ok(!answer.body.includes(secret), target);
      assert.ok(!answer.body.includes('root:'), target);
    }
  });

  test('only GET and HEAD', async () => {
    const response = await fetch(`${server.endpoint}/_kmslab/`, { method: 'POST', body: '{}' });
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'GET, HEAD');
    assertConsoleHeaders(response.headers);
  });

  test('the AWS API at POST / works as before, and /_kmslabx is not the console', async () => {
    const { Keys } = await server.sdk().send(new ListKeysCommand({}));
    assert.ok(Array.isArray(Keys));
    const other = await fetch(`${server.endpoint}/_kmslabx`);
    assert.equal(other.status, 400);
    assert.equal(((await other.json()) as { __type: string }).__type, 'UnknownOperationException');
  });
});

describe('without a built console, or without the console', () => {
  test('a folder without index.html: 404 saying to run npm run build', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'kmslab-console-empty-'));
    const server = await startKmslab({ console: { folder: empty } });
    try {
      const response = await fetch(`${server.endpoint}/_kmslab/`);
      assert.equal(response.status, 404);
      assert.match(await response.text(), /not built: run `npm run build`/);
      assertConsoleHeaders(response.headers);
    } finally {
      await server.stop();
    }
  });

  test('console: false answers /_kmslab/ like any request that is not KMS', async () => {
    const { folder } = consoleFolders();
    const server = await startKmslab({ console: false });
    try {
      for (const path of ['/_kmslab/', '/_kmslab', '/_kmslab/api/requests']) {
        const response = await fetch(`${server.endpoint}${path}`, { redirect: 'manual' });
        assert.equal(response.status, 400, `${path} in ${folder}`);
        assert.equal(response.headers.get('x-amzn-errortype'), 'UnknownOperationException');
        assert.equal(response.headers.get('content-security-policy'), null);
      }
    } finally {
      await server.stop();
    }
  });
});

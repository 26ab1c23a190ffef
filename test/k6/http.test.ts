import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { checkCounts, failedChecks, runSandbox, ScriptDir } from './run-sandbox.ts';

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

const scripts = new ScriptDir();
const received: Received[] = [];
const hanging: http.ServerResponse[] = [];
let base = '';
let refusedPort = 0;

/** A real HTTP server with one route per behaviour the k6/http emulation must reproduce. */
const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const url = req.url ?? '/';
    received.push({
      method: req.method ?? '',
      url,
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      body: Buffer.concat(chunks),
    });
    if (url === '/503') return res.writeHead(503, { 'content-type': 'text/plain' }).end('unavailable');
    if (url === '/429') return res.writeHead(429).end('{"__type":"ThrottlingException"}');
    if (url === '/json') {
      res.setHeader('x-amzn-RequestId', 'req-1');
      res.setHeader('x-multi', ['a', 'b']);
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      return res.end('{"Keys":[{"KeyId":"k1"},{"KeyId":"k2"}],"Truncated":false}');
    }
    if (url === '/gzip') {
      res.writeHead(200, { 'content-encoding': 'gzip' });
      return res.end(zlib.gzipSync('{"zipped":true}'));
    }
    if (url === '/204') return res.writeHead(204).end();
    if (url === '/bytes') return res.end(Buffer.from([0, 255, 1, 2]));
    if (url === '/bad-json') return res.end('{"a": [1, 2');
    if (url === '/redirect') return res.writeHead(302, { location: '/echo?redirected' }).end();
    if (url === '/reset') return req.socket.resetAndDestroy();
    if (url === '/hang') return hanging.push(res);
    res.end('ok');
  });
});

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  refusedPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
});

after(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  scripts.remove();
});

describe('k6 sandbox: k6/http', () => {
  it('behaves like k6: error codes, null bodies, canonical headers, json(), body types', async () => {
    const script = scripts.write(
      'http.js',
      `import http from 'k6/http';
      import { check } from 'k6';
      const BASE = __ENV.BASE;
      let initError = '';
      try { http.asyncRequest('GET', BASE + '/echo'); } catch (e) { initError = e.message; }

      export default async function () {
        check(initError, { 'http in init throws synchronously': (m) => m === 'Making http requests in the init context is not supported' });

        const refused = await http.asyncRequest('GET', 'http://127.0.0.1:' + __ENV.REFUSED + '/');
        check(refused, {
          'refused: status 0': (r) => r.status === 0,
          'refused: error_code 1212': (r) => r.error_code === 1212,
          'refused: body null': (r) => r.body === null,
          'refused: error text': (r) => r.error === 'dial: connection refused',
          'refused: json() throws': (r) => { try { r.json(); return false; } catch (e) { return /body is null/.test(e.message); } },
        });

        const unavailable = await http.asyncRequest('POST', BASE + '/503', 'x');
        check(unavailable, {
          '503: error_code 1503': (r) => r.error_code === 1503 && r.status === 503,
          '503: error is empty': (r) => r.error === '',
          '503: body kept': (r) => r.body === 'unavailable',
        });
        check(await http.asyncRequest('POST', BASE + '/429'), { '429: error_code 1429': (r) => r.error_code === 1429 });

        const json = await http.asyncRequest('GET', BASE + '/json');
        check(json, {
          'headers are canonical': (r) => r.headers['X-Amzn-Requestid'] === 'req-1' && r.headers['x-amzn-requestid'] === undefined,
          'content type canonical': (r) => r.headers['Content-Type'] === 'application/x-amz-json-1.1',
          'multi-values joined': (r) => r.headers['X-Multi'] === 'a, b',
          'json()': (r) => r.json().Keys[1].KeyId === 'k2' && r.json() === r.json(),
          'json(selector)': (r) => r.json('Keys.#') === 2 && r.json('Keys.1.KeyId') === 'k2' && r.json('Nope.x') === undefined,
          'json() is a realm object': (r) => Array.isArray(r.json().Keys) && r.json() instanceof Object,
          'status_text and proto': (r) => r.status_text === '200 OK' && r.proto === 'HTTP/1.1' && r.error_code === 0,
        });
        check(await http.asyncRequest('GET', BASE + '/bad-json'), {
          'bad json throws': (r) => { try { r.json(); return false; } catch (e) { return /cannot parse json due to an error at line 1/.test(e.message); } },
          'bad json selector is undefined': (r) => r.json('a') === undefined,
        });
        check(await http.asyncRequest('GET', BASE + '/gzip'), { 'gzip is decoded': (r) => r.json().zipped === true });
        check(await http.asyncRequest('GET', BASE + '/204'), { '204: body null': (r) => r.status === 204 && r.body === null });
        check(await http.asyncRequest('GET', BASE + '/bytes', null, { responseType: 'binary' }), {
          'binary: ArrayBuffer': (r) => r.body instanceof ArrayBuffer && new Uint8Array(r.body)[1] === 255,
        });
        check(await http.asyncRequest('GET', BASE + '/bytes', null, { responseType: 'none' }), {
          'none: body null': (r) => r.status === 200 && r.body === null,
        });
        check(await http.asyncRequest('GET', BASE + '/redirect'), { 'redirects followed': (r) => r.status === 200 && r.url.endsWith('/echo?redirected') });

        const reset = await http.asyncRequest('GET', BASE + '/reset');
        check(reset, { 'reset: error_code 1220': (r) => r.status === 0 && r.error_code === 1220 && r.body === null });
        const timedOut = await http.asyncRequest('GET', BASE + '/hang', null, { timeout: '200ms' });
        check(timedOut, { 'timeout "200ms": 1050': (r) => r.status === 0 && r.error_code === 1050 && r.error === 'request timeout' });
        check(await http.asyncRequest('GET', BASE + '/hang', null, { timeout: 150 }), { 'timeout 150 (ms): 1050': (r) => r.error_code === 1050 });

        let rejected;
        try { await http.asyncRequest('GET', 'http://127.0.0.1:' + __ENV.REFUSED + '/', null, { throw: true }); }
        catch (e) { rejected = e; }
        check(rejected, { 'throw: true rejects with a GoError': (e) => e instanceof Error && e.name === 'GoError' && /connection refused/.test(e.message) });

        const big = new Uint8Array([9, 9, 1, 2, 3, 9]);
        await http.asyncRequest('POST', BASE + '/echo?utf8', 'é€', { headers: { 'x-amz-date': 20240101, 'x-undefined': undefined } });
        await http.asyncRequest('PUT', BASE + '/echo?view', big.subarray(2, 5));
        await http.asyncRequest('PUT', BASE + '/echo?buffer', big.buffer);
        await http.asyncRequest('POST', BASE + '/echo?host', '', { headers: { host: 'kms.example.test' } });
        check(await http.asyncRequest('PUT', BASE + '/echo?int16', new Int16Array(2)), {
          'Int16Array body is an error response': (r) => r.status === 0 && /unknown request body type/.test(r.error),
        });

        const sync = http.get(BASE + '/json');
        check(sync, { 'synchronous request': (r) => r.status === 200 && r.json('Keys.0.KeyId') === 'k1' });
      }`,
    );
    const run = await runSandbox(script, { args: ['-e', `BASE=${base}`, '-e', `REFUSED=${refusedPort}`] });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(failedChecks(run), []);
    assert.equal(checkCounts(run, 'refused: error_code 1212').passes, 1);
    assert.equal(checkCounts(run, '503: error_code 1503').passes, 1);
    assert.equal(checkCounts(run, 'headers are canonical').passes, 1);
    assert.equal(checkCounts(run, 'synchronous request').passes, 1);

    const by = (query: string) => received.find((r) => r.url === `/echo?${query}`);
    assert.deepEqual(by('utf8')?.body, Buffer.from('é€', 'utf8'));
    assert.equal(by('utf8')?.headers['x-amz-date'], '20240101');
    assert.equal(by('utf8')?.headers['x-undefined'], 'undefined');
    assert.ok(by('utf8')?.rawHeaders.includes('X-Amz-Date'), 'request header names are canonical');
    assert.match(by('utf8')?.headers['user-agent'] ?? '', /^Grafana k6\//);
    assert.deepEqual([...(by('view')?.body ?? [])], [1, 2, 3]);
    assert.deepEqual([...(by('buffer')?.body ?? [])], [9, 9, 1, 2, 3, 9]);
    assert.equal(by('host')?.headers.host, 'kms.example.test');
    assert.equal(by('redirected')?.method, 'GET');
  });
});

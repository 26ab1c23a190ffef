// The Node transport over TLS, as against real AWS KMS: a local HTTPS server with a certificate made by openssl,
// trusted by the client's process only through NODE_EXTRA_CA_CERTS (read at start-up, hence a child process).
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const CLIENT = fileURLToPath(new URL('../../src/client/index.ts', import.meta.url));

/** Lists the keys at ENDPOINT and prints the key IDs, or the error's name and code. */
const SCRIPT = `
import { AWSConfig, KMSClient } from ${JSON.stringify(CLIENT)};
const config = new AWSConfig({
  region: 'us-east-1',
  accessKeyId: 'AKIDHTTPSTEST0000001',
  secretAccessKey: 'secret',
  endpoint: process.env.ENDPOINT,
});
try {
  const keys = await new KMSClient(config, { maxAttempts: 1 }).listKeys();
  console.log(JSON.stringify(keys.map((k) => k.keyId)));
} catch (error) {
  console.log(JSON.stringify([error.name, error.code]));
}
`;

describe('the Node transport over HTTPS', () => {
  let dir: string;
  let server: Server;
  let port: number;
  const hosts: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kmslab-https-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost',
        '-keyout',
        'key.pem',
        '-out',
        'cert.pem',
      ],
      { cwd: dir, stdio: 'ignore' },
    );
    server = createServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      (req, res) => {
        hosts.push(req.headers.host ?? '');
        req.resume();
        req.on('end', () => res.end(JSON.stringify({ Keys: [{ KeyId: 'over-tls' }], Truncated: false })));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server?.closeAllConnections();
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** In a child process, asynchronously: this process must keep serving meanwhile. */
  async function listKeys(env: Record<string, string>): Promise<unknown> {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', SCRIPT],
      { env: { PATH: process.env.PATH, ENDPOINT: `https://localhost:${port}`, ...env }, encoding: 'utf8' },
    );
    return JSON.parse(stdout);
  }

  it('talks TLS to the endpoint by name, sending the Host it signed', async () => {
    assert.deepEqual(await listKeys({ NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') }), ['over-tls']);
    assert.equal(hosts.at(-1), `localhost:${port}`);
  });

  it("refuses a certificate it does not trust, as a NetworkError with TLS's code", async () => {
    assert.deepEqual(await listKeys({}), ['NetworkError', 'DEPTH_ZERO_SELF_SIGNED_CERT']);
  });
});

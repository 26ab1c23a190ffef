import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { nodeSigV4Crypto } from '../../sigv4/node.ts';
import type { HttpOutcome, HttpRequest, Runtime } from './runtime.ts';
import { readProfile } from './shared-files.ts';

/**
 * Larger than any KMS answer (a 1000-key ListKeys page is about 150 kB), small enough that a wrong endpoint
 * streaming a large body cannot exhaust memory.
 */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

// node:http with keep-alive agents rather than global fetch: undici costs about ten times the CPU per request.
// Idle sockets do not keep the process alive (the agent unrefs them).
const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

type Failure = { networkError: { code: string; message: string } };

function failure(code: string, message: string): Failure {
  return { networkError: { code, message } };
}

function headersOf(res: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/**
 * One POST. A 3xx comes back as it is, like any other status (the AWS SDKs do not follow redirects either), and
 * the client reports it; the runtime never resends a signed request elsewhere.
 */
function post({ endpoint, headers, body, timeoutMs }: HttpRequest): Promise<HttpOutcome> {
  const { protocol, hostname, port, host } = endpoint;
  const payload = Buffer.from(body, 'utf8');
  return new Promise((resolve) => {
    const req = (protocol === 'https' ? httpsRequest : httpRequest)(
      {
        method: 'POST',
        // node:http wants an IPv6 address without its brackets.
        hostname: hostname.startsWith('[') ? hostname.slice(1, -1) : hostname,
        port,
        path: '/',
        // The Host that was signed, verbatim.
        headers: { ...headers, Host: host, 'Content-Length': payload.length },
        agent: agents[protocol],
      },
      (res) => {
        const declared = Number(res.headers['content-length']);
        if (declared > MAX_RESPONSE_BYTES) {
          tooLarge(declared);
          return;
        }
        const chunks: Buffer[] = [];
        let received = 0;
        res.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > MAX_RESPONSE_BYTES) tooLarge(received);
          else chunks.push(chunk);
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            headers: headersOf(res),
            body: Buffer.concat(chunks, received).toString('utf8'),
          });
        });
        res.on('error', fail);
      },
    );
    const timer = setTimeout(() => {
      settle(failure('TimeoutError', `no complete answer from ${endpoint.url} within ${timeoutMs} ms`));
    }, timeoutMs);

    // Settles once; destroying the request frees the socket instead of returning it to the pool.
    function settle(outcome: Failure): void {
      clearTimeout(timer);
      resolve(outcome);
      req.destroy();
    }
    function fail(error: NodeJS.ErrnoException): void {
      settle(failure(error.code ?? error.name, error.message));
    }
    function tooLarge(bytes: number): void {
      settle(
        failure(
          'ResponseTooLarge',
          `the answer from ${endpoint.url} is over ${MAX_RESPONSE_BYTES} bytes (${bytes} so far): not a KMS endpoint?`,
        ),
      );
    }
    req.on('error', fail);
    req.end(payload);
  });
}

export const nodeRuntime: Runtime = {
  crypto: nodeSigV4Crypto,
  env: (name) => process.env[name],
  profile: (name) => readProfile((variable) => process.env[variable], name),
  base64: (data) => Buffer.from(data).toString('base64'),
  post,
};

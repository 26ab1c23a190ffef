import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import { canonicalHeaderName } from './canonical.ts';

/** A request as k6/http hands it to Go's transport; JSON-serializable so a child process can run it too. */
export interface WireRequest {
  method: string;
  url: string;
  /** Canonical names, in order; `Host` is not among them. */
  headers: [string, string][];
  /** The Host to send instead of the URL's (a `host` param header). */
  host?: string;
  /** base64 of the body bytes; undefined for no body. */
  body?: string;
  timeoutMs: number;
  maxRedirects: number;
}

export interface WireTimings {
  duration: number;
  blocked: number;
  looking_up: number;
  connecting: number;
  tls_handshaking: number;
  sending: number;
  waiting: number;
  receiving: number;
}

export interface WireResponse {
  status: number;
  statusText: string;
  proto: string;
  url: string;
  /** Canonical names with values as received, one entry per header line. */
  headers: [string, string][];
  /** base64 of the (decompressed) body; null when the response has none (1xx, 204, 304, errors). */
  body: string | null;
  error: string;
  errorCode: number;
  /** The raw Go error string k6 puts in a GoError when `throw` is set. */
  goError: string;
  remoteIp: string;
  remotePort: number;
  timings: WireTimings;
}

export interface Agents {
  http: http.Agent;
  https: https.Agent;
}

const NO_BODY_METHODS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE']);

/** Go's url.Error Op: the method with only its first letter upper case ("Post"). */
function op(method: string): string {
  return method.slice(0, 1).toUpperCase() + method.slice(1).toLowerCase();
}

function zeroTimings(duration = 0): WireTimings {
  return {
    duration,
    blocked: 0,
    looking_up: 0,
    connecting: 0,
    tls_handshaking: 0,
    sending: 0,
    waiting: 0,
    receiving: 0,
  };
}

export function failure(
  request: WireRequest,
  errorCode: number,
  error: string,
  goError: string,
): WireResponse {
  return {
    status: 0,
    statusText: '',
    proto: '',
    url: request.url,
    headers: [],
    body: null,
    error,
    errorCode,
    goError,
    remoteIp: '',
    remotePort: 0,
    timings: zeroTimings(),
  };
}

/** Maps a Node network error to k6's error code and message (lib/netext/httpext/error_codes.go). */
function transportFailure(request: WireRequest, url: string, cause: NodeJS.ErrnoException): WireResponse {
  const prefix = `${op(request.method)} "${url}"`;
  const target = new URL(url);
  const address = `${target.hostname}:${target.port || (target.protocol === 'https:' ? 443 : 80)}`;
  const code = cause.code ?? '';
  const known: Record<string, [number, string, string]> = {
    ECONNREFUSED: [1212, 'dial: connection refused', `dial tcp ${address}: connect: connection refused`],
    ECONNRESET: [
      1220,
      'read: connection reset by peer',
      `read tcp ->${address}: read: connection reset by peer`,
    ],
    EPIPE: [1201, 'write: broken pipe', `write tcp ->${address}: write: broken pipe`],
    ETIMEDOUT: [1211, 'dial: i/o timeout', `dial tcp ${address}: i/o timeout`],
    ENOTFOUND: [1101, 'lookup: no such host', `dial tcp: lookup ${target.hostname}: no such host`],
    EAI_AGAIN: [1100, 'lookup: temporary failure', `dial tcp: lookup ${target.hostname}: temporary failure`],
    EHOSTUNREACH: [1210, 'dial: no route to host', `dial tcp ${address}: connect: no route to host`],
    ENETUNREACH: [
      1210,
      'dial: network is unreachable',
      `dial tcp ${address}: connect: network is unreachable`,
    ],
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: [
      1310,
      'x509: unknown authority',
      'x509: certificate signed by unknown authority',
    ],
    SELF_SIGNED_CERT_IN_CHAIN: [
      1310,
      'x509: unknown authority',
      'x509: certificate signed by unknown authority',
    ],
    DEPTH_ZERO_SELF_SIGNED_CERT: [
      1310,
      'x509: unknown authority',
      'x509: certificate signed by unknown authority',
    ],
    ERR_TLS_CERT_ALTNAME_INVALID: [
      1311,
      'x509: hostname mismatch',
      `x509: certificate is not valid for ${target.hostname}`,
    ],
  };
  // A peer that closes without answering is Go's io.EOF, not a reset (Node reports both as ECONNRESET).
  if (code === 'ECONNRESET' && cause.message === 'socket hang up')
    return failure(request, 1000, 'EOF', `${prefix}: EOF`);
  const entry = known[code];
  if (entry) return failure(request, entry[0], entry[1], `${prefix}: ${entry[2]}`);
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || code.includes('CERT'))
    return failure(request, 1300, `tls: ${cause.message}`, `${prefix}: tls: ${cause.message}`);
  return failure(request, 1000, cause.message, `${prefix}: ${cause.message}`);
}

function decompress(encoding: string, body: Buffer): Buffer {
  const steps = encoding
    .split(',')
    .map((step) => step.trim().toLowerCase())
    .filter((step) => step !== '' && step !== 'identity')
    .reverse();
  let out = body;
  for (const step of steps) {
    if (step === 'gzip' || step === 'x-gzip') out = zlib.gunzipSync(out);
    else if (step === 'deflate') out = zlib.inflateSync(out);
    else if (step === 'br') out = zlib.brotliDecompressSync(out);
    else throw new Error(`unsupported content encoding ${step}`);
  }
  return out;
}

/** Performs the request with node:http(s), following redirects as Go's client does. Never rejects. */
export function perform(request: WireRequest, agents: Agents): Promise<WireResponse> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    let current: http.ClientRequest | undefined;
    const finish = (response: WireResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(response);
    };
    const timer = setTimeout(() => {
      current?.destroy();
      finish(
        failure(request, 1050, 'request timeout', `${op(request.method)} "${request.url}": request timeout`),
      );
    }, request.timeoutMs);

    const attempt = (
      url: string,
      method: string,
      body: Buffer | undefined,
      host: string | undefined,
      left: number,
    ) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        return finish(failure(request, 1020, 'invalid URL', `parse "${url}": invalid URI for request`));
      }
      if (target.protocol !== 'http:' && target.protocol !== 'https:')
        return finish(
          failure(
            request,
            1000,
            `unsupported protocol scheme "${target.protocol.slice(0, -1)}"`,
            `${op(method)} "${url}": unsupported protocol scheme "${target.protocol.slice(0, -1)}"`,
          ),
        );
      const headers: Record<string, string> = {};
      for (const [name, value] of request.headers) headers[name] = value;
      if (host !== undefined) headers.Host = host;
      if (body !== undefined) headers['Content-Length'] = String(body.length);
      else if (!NO_BODY_METHODS.has(method)) headers['Content-Length'] = '0';
      else delete headers['Content-Length'];
      let connected = started;
      let firstByte = started;
      const module = target.protocol === 'https:' ? https : http;
      try {
        current = module.request(target, {
          method,
          headers,
          agent: target.protocol === 'https:' ? agents.https : agents.http,
        });
      } catch (error) {
        return finish(
          failure(
            request,
            1000,
            (error as Error).message,
            `${op(method)} "${url}": ${(error as Error).message}`,
          ),
        );
      }
      current.on('socket', (socket) => socket.once('connect', () => (connected = performance.now())));
      current.on('error', (error: NodeJS.ErrnoException) =>
        finish(transportFailure({ ...request, method }, url, error)),
      );
      current.on('response', (res) => {
        firstByte = performance.now();
        const remoteIp = res.socket?.remoteAddress ?? '';
        const remotePort = res.socket?.remotePort ?? 0;
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if ([301, 302, 303, 307, 308].includes(status) && location !== undefined && left > 0) {
          res.resume();
          const keep = status === 307 || status === 308;
          const nextMethod = keep || method === 'GET' || method === 'HEAD' ? method : 'GET';
          const nextUrl = new URL(location, target).href;
          const sameHost = new URL(nextUrl).host === target.host;
          attempt(nextUrl, nextMethod, keep ? body : undefined, sameHost ? host : undefined, left - 1);
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error: NodeJS.ErrnoException) =>
          finish(transportFailure({ ...request, method }, url, error)),
        );
        res.on('end', () => {
          const done = performance.now();
          const headerList: [string, string][] = [];
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2)
            headerList.push([
              canonicalHeaderName(res.rawHeaders[i] as string),
              res.rawHeaders[i + 1] as string,
            ]);
          const noBody = status < 200 || status === 204 || status === 304;
          let bytes: Buffer = Buffer.concat(chunks);
          const encoding = res.headers['content-encoding'];
          if (!noBody && encoding) {
            try {
              bytes = decompress(encoding, bytes);
            } catch (error) {
              return finish(
                failure(request, 1701, 'error decompressing response body', `${(error as Error).message}`),
              );
            }
          }
          finish({
            status,
            statusText: `${status} ${res.statusMessage ?? ''}`.trim(),
            proto: `HTTP/${res.httpVersion}`,
            url,
            headers: headerList,
            body: noBody ? null : bytes.toString('base64'),
            error: '',
            errorCode: status >= 400 ? 1000 + status : 0,
            goError: '',
            remoteIp,
            remotePort,
            timings: {
              ...zeroTimings(done - started),
              connecting: Math.max(0, connected - started),
              waiting: firstByte - Math.max(connected, started),
              receiving: done - firstByte,
            },
          });
        });
      });
      current.end(body);
    };
    attempt(
      request.url,
      request.method,
      request.body === undefined ? undefined : Buffer.from(request.body, 'base64'),
      request.host,
      request.maxRedirects,
    );
  });
}

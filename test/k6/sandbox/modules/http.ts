import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { types } from 'node:util';
import { canonicalHeaderName } from '../canonical.ts';
import { select } from '../gjson.ts';
import { guard } from '../interrupt.ts';
import { arrayBuffer, goError, newObject, toRealm } from '../realm.ts';
import type { VuState } from '../state.ts';
import { failure, perform, type WireRequest, type WireResponse } from '../transport.ts';

type ResponseType = 'text' | 'binary' | 'none';

interface Prepared {
  wire: WireRequest;
  responseType: ResponseType;
  throws: boolean;
}

const SYNC_REQUEST = fileURLToPath(new URL('../sync-request.ts', import.meta.url));
const INIT_ERROR = 'Making http requests in the init context is not supported';
const UNEMULATED_PARAMS = ['auth', 'cookies', 'jar', 'compression', 'responseCallback'];

/** Go's time.ParseDuration, for params.timeout strings such as "30s" or "1m30s". */
function parseDuration(text: string): number | undefined {
  const units: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    µs: 1e-3,
    ms: 1,
    s: 1000,
    m: 60000,
    h: 3600000,
  };
  if (text === '0') return 0;
  const pattern = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (const match of text.matchAll(pattern)) {
    total += Number(match[1]) * (units[match[2] as string] ?? 0);
    consumed += match[0].length;
  }
  return consumed === text.length && consumed > 0 ? total : undefined;
}

/** `application/x-www-form-urlencoded` from an object, with Go's %v formatting of values. */
function formBody(fields: Record<string, unknown>): string {
  const format = (value: unknown) => (value === null || value === undefined ? '<nil>' : String(value));
  const pairs: string[] = [];
  for (const key of Object.keys(fields).sort()) {
    const value = fields[key];
    for (const item of Array.isArray(value) ? value : [value])
      pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(format(item)).replaceAll('%20', '+')}`);
  }
  return pairs.join('&');
}

/** `k6/http` (k6-runtime.md §2). */
export function createHttpModule(vu: VuState): Record<string, unknown> {
  const { realm, run } = vu;

  /** request.go's argument parsing: a string is an error message for an error Response. */
  const prepare = (method: unknown, url: unknown, body: unknown, params: unknown): Prepared | string => {
    if (typeof url !== 'string') return 'invalid URL';
    const headers = new Map<string, string>([['User-Agent', run.runtime.userAgent]]);
    let host: string | undefined;
    let payload: Uint8Array | undefined;
    if (body === undefined || body === null) payload = undefined;
    else if (typeof body === 'string') payload = Buffer.from(body, 'utf8');
    else if (types.isArrayBuffer(body)) payload = new Uint8Array(body.slice(0));
    else if (types.isUint8Array(body) || types.isUint8ClampedArray(body))
      payload = new Uint8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
    else if (types.isTypedArray(body)) return `unknown request body type ${body.constructor.name}`;
    else if (types.isDataView(body)) {
      payload = new Uint8Array(0);
      headers.set('Content-Type', 'application/x-www-form-urlencoded');
    } else if (typeof body === 'object') {
      payload = Buffer.from(formBody(body as Record<string, unknown>), 'utf8');
      headers.set('Content-Type', 'application/x-www-form-urlencoded');
    } else return `unknown request body type ${typeof body}`;

    let timeoutMs = 60_000;
    let responseType: ResponseType = run.runtime.discardResponseBodies ? 'none' : 'text';
    let maxRedirects = run.runtime.maxRedirects;
    let throws = run.runtime.throw;
    if (params !== undefined && params !== null) {
      if (typeof params !== 'object') return 'invalid params';
      const p = params as Record<string, unknown>;
      for (const name of UNEMULATED_PARAMS)
        if (p[name] !== undefined) throw new realm.Error(`the k6 sandbox does not emulate params.${name}`);
      if (typeof p.headers === 'object' && p.headers !== null) {
        for (const [name, value] of Object.entries(p.headers)) {
          if (name.toLowerCase() === 'host') host = String(value);
          else headers.set(canonicalHeaderName(name), String(value));
        }
      }
      if (typeof p.timeout === 'number') timeoutMs = p.timeout;
      else if (typeof p.timeout === 'string') {
        const parsed = parseDuration(p.timeout);
        if (parsed === undefined) return `time: invalid duration "${p.timeout}"`;
        timeoutMs = parsed;
      }
      if (p.responseType !== undefined) {
        if (p.responseType !== 'text' && p.responseType !== 'binary' && p.responseType !== 'none')
          return `invalid responseType ${String(p.responseType)}`;
        responseType = p.responseType;
      }
      if (p.redirects !== undefined) maxRedirects = Number(p.redirects);
      if (p.throw !== undefined) throws = Boolean(p.throw);
    }
    return {
      wire: {
        method: String(method),
        url,
        headers: [...headers],
        ...(host === undefined ? {} : { host }),
        ...(payload === undefined ? {} : { body: Buffer.from(payload).toString('base64') }),
        timeoutMs,
        maxRedirects,
      },
      responseType,
      throws,
    };
  };

  const buildResponse = (wire: WireResponse, request: WireRequest, responseType: ResponseType) => {
    const headers = newObject(realm);
    for (const [name, value] of wire.headers)
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    const bytes = wire.body === null ? null : Buffer.from(wire.body, 'base64');
    const body =
      bytes === null || responseType === 'none'
        ? null
        : responseType === 'binary'
          ? arrayBuffer(realm, bytes)
          : bytes.toString('utf8');
    const requestHeaders = newObject(realm);
    for (const [name, value] of request.headers) requestHeaders[name] = toRealm(realm, [value]);
    if (request.host !== undefined) requestHeaders.Host = toRealm(realm, [request.host]);
    let parsed: { value: unknown } | undefined;
    const json = (selector?: unknown) => {
      guard(vu, 'Response.json()');
      if (bytes === null || body === null)
        throw goError(
          realm,
          "the body is null so we can't transform it to JSON - this likely was because of a request error getting the response",
        );
      const text = bytes.toString('utf8');
      if (selector !== undefined) {
        try {
          return toRealm(realm, select(JSON.parse(text), String(selector)));
        } catch {
          return undefined;
        }
      }
      if (!parsed) {
        try {
          parsed = { value: realm.JSON.parse(text) };
        } catch (error) {
          const position = Number(/position (\d+)/.exec((error as Error).message)?.[1] ?? text.length);
          const before = text.slice(0, position).split('\n');
          throw goError(
            realm,
            `cannot parse json due to an error at line ${before.length}, character ${(before.at(-1)?.length ?? 0) + 1} , error: ${(error as Error).message}`,
          );
        }
      }
      return parsed.value;
    };
    const notEmulated = (name: string) => () => {
      throw new realm.Error(`the k6 sandbox does not emulate Response.${name}()`);
    };
    return newObject(realm, {
      status: wire.status,
      status_text: wire.statusText,
      proto: wire.proto,
      url: wire.url,
      remote_ip: wire.remoteIp,
      remote_port: wire.remotePort,
      tls_version: '',
      tls_cipher_suite: '',
      ocsp: newObject(realm),
      headers,
      cookies: newObject(realm),
      body,
      error: wire.error,
      error_code: wire.errorCode,
      timings: toRealm(realm, wire.timings),
      request: newObject(realm, {
        method: request.method,
        url: request.url,
        headers: requestHeaders,
        body: request.body === undefined ? '' : Buffer.from(request.body, 'base64').toString('utf8'),
        cookies: newObject(realm),
      }),
      json,
      html: notEmulated('html'),
      submitForm: notEmulated('submitForm'),
      clickLink: notEmulated('clickLink'),
    });
  };

  const parseFailure = (method: unknown, url: unknown, message: string) => {
    const request: WireRequest = {
      method: String(method),
      url: String(url),
      headers: [],
      timeoutMs: 0,
      maxRedirects: 0,
    };
    const code = message === 'invalid URL' ? 1020 : 1000;
    return { wire: failure(request, code, message, message), request };
  };

  const warnFailed = (wire: WireResponse) => {
    if (wire.status === 0)
      process.stderr.write(`warning[vu=${vu.id}] Request Failed error="${wire.goError}"\n`);
  };

  const request = (method: unknown, url: unknown, body?: unknown, params?: unknown) => {
    guard(vu, 'http.request()');
    if (vu.phase === 'init') throw goError(realm, INIT_ERROR);
    const prepared = prepare(method, url, body, params);
    if (typeof prepared === 'string') {
      if (run.runtime.throw) throw goError(realm, prepared);
      const { wire, request: r } = parseFailure(method, url, prepared);
      return buildResponse(wire, r, 'text');
    }
    // k6 blocks the VU for a synchronous request; a child process lets this process block the same way.
    const child = spawnSync(process.execPath, [...process.execArgv, SYNC_REQUEST], {
      input: JSON.stringify(prepared.wire),
      maxBuffer: 1 << 30,
    });
    if (child.status !== 0)
      throw new realm.Error(`sandbox: synchronous request failed: ${child.stderr.toString()}`);
    const wire = JSON.parse(child.stdout.toString('utf8')) as WireResponse;
    if (wire.status === 0 && prepared.throws) throw goError(realm, wire.goError);
    if (!prepared.throws) warnFailed(wire);
    return buildResponse(wire, prepared.wire, prepared.responseType);
  };

  const asyncRequest = (method: unknown, url: unknown, body?: unknown, params?: unknown) => {
    guard(vu, 'http.asyncRequest()');
    if (vu.phase === 'init') throw goError(realm, INIT_ERROR);
    const prepared = prepare(method, url, body, params);
    return new realm.Promise((resolve, reject) => {
      if (typeof prepared === 'string') {
        if (run.runtime.throw) return reject(goError(realm, prepared));
        const { wire, request: r } = parseFailure(method, url, prepared);
        return resolve(buildResponse(wire, r, 'text'));
      }
      vu.begin();
      perform(prepared.wire, { http: vu.httpAgent, https: vu.httpsAgent }).then((wire) => {
        // An interrupted VU never sees its pending requests complete (Sobek drops queued jobs).
        if (vu.interrupted) return;
        try {
          if (wire.status === 0 && prepared.throws) reject(goError(realm, wire.goError));
          else {
            warnFailed(wire);
            resolve(buildResponse(wire, prepared.wire, prepared.responseType));
          }
        } finally {
          vu.end();
        }
      });
    });
  };

  const withBody = (method: string) => (url: unknown, body?: unknown, params?: unknown) =>
    request(method, url, body, params);
  const exports: Record<string, unknown> = {
    request,
    asyncRequest,
    get: (url: unknown, params?: unknown) => request('GET', url, null, params),
    head: (url: unknown, params?: unknown) => request('HEAD', url, null, params),
    post: withBody('POST'),
    put: withBody('PUT'),
    patch: withBody('PATCH'),
    del: withBody('DELETE'),
    options: withBody('OPTIONS'),
    batch: () => {
      throw new realm.Error('the k6 sandbox does not emulate http.batch()');
    },
  };
  return { ...exports, default: newObject(realm, exports) };
}

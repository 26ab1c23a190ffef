/**
 * AWS Signature Version 4, the one implementation that the client signs with and the server verifies with.
 *
 * It reads top-down in the order of AWS's specification: canonical request → string to sign → signing key →
 * signature → Authorization header. It is pure: hashing comes in through `SigV4Crypto`, so the same code runs
 * on k6/crypto and node:crypto, and it uses only ECMAScript built-ins (no URL, TextEncoder or Buffer).
 * Reading a received signature and recomputing it are in `verify.ts`, which only the server imports.
 */

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface SigV4Crypto {
  /** Lowercase hex SHA-256 of a UTF-8 string or of bytes. */
  sha256Hex(data: string | Uint8Array): string;
  /** HMAC-SHA256 of a UTF-8 string under a key given as bytes (or a UTF-8 string). */
  hmacSha256(key: string | Uint8Array, data: string): Uint8Array;
  /** The same HMAC as lowercase hex: the backend's own encoder is cheaper than one in JavaScript. */
  hmacSha256Hex(key: Uint8Array, data: string): string;
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

export interface SignableRequest {
  method: string;
  /** The path as the service sees it, not yet percent-encoded (e.g. `/` or `/example space/`). */
  path: string;
  /** The raw query string without `?` (e.g. `a=1&b=%E1%88%B4`), or empty. */
  query?: string;
  /** Header names in any case; a repeated header is an array of its values in order. */
  headers: Record<string, string | string[]>;
  body?: string | Uint8Array;
}

export interface SigningOptions {
  credentials: Credentials;
  region: string;
  service: string;
  /** Signing time; defaults to now. */
  date?: Date;
  /** Remove dot segments and repeated slashes from the path (every service but S3). Default true. */
  normalizePath?: boolean;
  /** Add and sign `x-amz-content-sha256` (S3 style). Default false. */
  signBody?: boolean;
  /** Add the session token after signing instead of signing it (a few services want that). Default false. */
  omitSessionTokenFromSignature?: boolean;
}

export interface SignedRequest {
  /** The headers to send: the request's own plus X-Amz-Date, Authorization and, where needed, the token. */
  headers: Record<string, string>;
  authorization: string;
  signature: string;
  canonicalRequest: string;
  stringToSign: string;
}

/** `20150830T123600Z` */
export function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** RFC 3986 percent-encoding of everything but the unreserved characters, as SigV4 requires. */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Percent-decoding that leaves a malformed escape as it is. */
export function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function canonicalUri(path: string, normalize = true): string {
  // Every AWS JSON request goes to `/`.
  if (path === '/') return path;
  if (!normalize) return path.split('/').map(uriEncode).join('/') || '/';
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(uriEncode(segment));
  }
  const joined = `/${segments.join('/')}`;
  return path.endsWith('/') && segments.length > 0 ? `${joined}/` : joined;
}

export function canonicalQueryString(query: string | undefined): string {
  if (!query) return '';
  const pairs: [string, string][] = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    pairs.push([uriEncode(safeDecode(key)), uriEncode(safeDecode(value))]);
  }
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** Whitespace that canonicalization changes inside a trimmed value: a run of it, or any but a plain space. */
const FOLDABLE_WHITESPACE = /\s\s|[^\S ]/;

function canonicalValue(value: string): string {
  const trimmed = value.trim();
  return FOLDABLE_WHITESPACE.test(trimmed) ? trimmed.replace(/\s+/g, ' ') : trimmed;
}

/** Lowercased, sorted headers with trimmed, space-folded values; repeated headers are joined with commas. */
export function canonicalHeaders(
  headers: Record<string, string | string[]>,
  only?: readonly string[],
): { canonicalHeaders: string; signedHeaders: string } {
  const byName = new Map<string, string[]>();
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    if (only && !only.includes(lower)) continue;
    const raw = headers[name];
    const values = byName.get(lower) ?? [];
    for (const value of Array.isArray(raw) ? raw : [raw ?? '']) values.push(canonicalValue(value));
    byName.set(lower, values);
  }
  const names = [...byName.keys()].sort();
  let canonical = '';
  for (const name of names) canonical += `${name}:${(byName.get(name) ?? []).join(',')}\n`;
  return { canonicalHeaders: canonical, signedHeaders: names.join(';') };
}

export function canonicalRequest(
  method: string,
  uri: string,
  query: string,
  headers: { canonicalHeaders: string; signedHeaders: string },
  payloadHash: string,
): string {
  return `${method}\n${uri}\n${query}\n${headers.canonicalHeaders}\n${headers.signedHeaders}\n${payloadHash}`;
}

export function credentialScope(dateStamp: string, region: string, service: string): string {
  return `${dateStamp}/${region}/${service}/aws4_request`;
}

export function stringToSign(requestDate: string, scope: string, canonicalRequestHash: string): string {
  return `${ALGORITHM}\n${requestDate}\n${scope}\n${canonicalRequestHash}`;
}

const MAX_CACHED_KEYS = 64;

/** Signs and verifies with one crypto backend; derived signing keys are cached per secret, day, region, service. */
export class SigV4 {
  readonly crypto: SigV4Crypto;
  readonly #signingKeys = new Map<string, Uint8Array>();

  constructor(crypto: SigV4Crypto) {
    this.crypto = crypto;
  }

  signingKey(secretAccessKey: string, dateStamp: string, region: string, service: string): Uint8Array {
    const cacheKey = `${secretAccessKey}\n${dateStamp}\n${region}\n${service}`;
    let key = this.#signingKeys.get(cacheKey);
    if (!key) {
      const hmac = this.crypto.hmacSha256;
      const kDate = hmac(`AWS4${secretAccessKey}`, dateStamp);
      key = hmac(hmac(hmac(kDate, region), service), 'aws4_request');
      if (this.#signingKeys.size >= MAX_CACHED_KEYS) this.#signingKeys.clear();
      this.#signingKeys.set(cacheKey, key);
    }
    return key;
  }

  signature(signingKey: Uint8Array, toSign: string): string {
    return this.crypto.hmacSha256Hex(signingKey, toSign);
  }

  payloadHash(body: string | Uint8Array | undefined): string {
    return body === undefined || body.length === 0 ? EMPTY_SHA256 : this.crypto.sha256Hex(body);
  }

  /** Signs a request with an Authorization header. */
  sign(request: SignableRequest, options: SigningOptions): SignedRequest {
    const { credentials, region, service } = options;
    const requestDate = amzDate(options.date ?? new Date());
    const dateStamp = requestDate.slice(0, 8);
    const payloadHash = this.payloadHash(request.body);

    const headers: Record<string, string | string[]> = { ...request.headers, 'X-Amz-Date': requestDate };
    if (options.signBody) headers['X-Amz-Content-Sha256'] = payloadHash;
    const token = credentials.sessionToken;
    if (token && !options.omitSessionTokenFromSignature) headers['X-Amz-Security-Token'] = token;

    const scope = credentialScope(dateStamp, region, service);
    const canonicalised = canonicalHeaders(headers);
    const canonical = canonicalRequest(
      request.method,
      canonicalUri(request.path, options.normalizePath ?? true),
      canonicalQueryString(request.query),
      canonicalised,
      payloadHash,
    );
    const toSign = stringToSign(requestDate, scope, this.crypto.sha256Hex(canonical));
    const signature = this.signature(
      this.signingKey(credentials.secretAccessKey, dateStamp, region, service),
      toSign,
    );
    const authorization = `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${canonicalised.signedHeaders}, Signature=${signature}`;

    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers))
      out[name] = Array.isArray(value) ? value.join(',') : value;
    if (token && options.omitSessionTokenFromSignature) out['X-Amz-Security-Token'] = token;
    out.Authorization = authorization;
    return { headers: out, authorization, signature, canonicalRequest: canonical, stringToSign: toSign };
  }
}

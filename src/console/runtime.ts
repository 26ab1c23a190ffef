// The client's Runtime in a browser: the page is a KMS client like any other, signing with the user's credentials
// and posting to the kmslab that served it. SigV4Crypto is synchronous and WebCrypto is not, so hashing comes from
// @noble/hashes.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { HttpOutcome, HttpRequest, Runtime } from '../client/runtime/runtime.ts';
import type { SigV4Crypto } from '../sigv4/index.ts';

const bytes = (data: string | Uint8Array): Uint8Array =>
  typeof data === 'string' ? utf8ToBytes(data) : data;

export const browserCrypto: SigV4Crypto = {
  sha256Hex: (data) => bytesToHex(sha256(bytes(data))),
  hmacSha256: (key, data) => hmac(sha256, bytes(key), utf8ToBytes(data)),
  hmacSha256Hex: (key, data) => bytesToHex(hmac(sha256, key, utf8ToBytes(data))),
};

function base64(data: string | Uint8Array): string {
  let binary = '';
  for (const byte of bytes(data)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The browser sends the page's own Host, which is what the client signed (the endpoint is location.origin). */
async function post({ endpoint, headers, body, timeoutMs }: HttpRequest): Promise<HttpOutcome> {
  try {
    const response = await fetch(`${endpoint.url}/`, {
      method: 'POST',
      headers,
      body,
      credentials: 'omit',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const answer: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      answer[name] = value;
    });
    return { status: response.status, headers: answer, body: await response.text() };
  } catch (error) {
    const { name, message } = error as Error;
    return { networkError: { code: name, message } };
  }
}

export const browserRuntime: Runtime = {
  crypto: browserCrypto,
  // A page has no environment and no shared AWS files: credentials come from the login form.
  env: () => undefined,
  profile: () => undefined,
  base64,
  post,
};

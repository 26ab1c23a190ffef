import { hmac, sha256 } from 'k6/crypto';
import { b64encode } from 'k6/encoding';
import http from 'k6/http';
import type { Runtime } from './runtime.ts';

export const k6Runtime: Runtime = {
  crypto: {
    sha256Hex: (data) => sha256(data, 'hex'),
    hmacSha256: (key, data) => new Uint8Array(hmac('sha256', key, data, 'binary')),
    hmacSha256Hex: (key, data) => hmac('sha256', key, data, 'hex'),
  },
  env: (name) => __ENV[name],
  profile: () => undefined,
  base64: (data) => b64encode(data, 'std'),
  async post({ endpoint, headers, body, timeoutMs }) {
    const res = await http.asyncRequest('POST', `${endpoint.url}/`, body, {
      // An explicit Host makes k6 send exactly the host that was signed.
      headers: { ...headers, Host: endpoint.host },
      // 'text' keeps the body even when the script sets discardResponseBodies.
      responseType: 'text',
      timeout: timeoutMs,
      // Transport errors come back as a Response to inspect, whatever the script's global `throw` option.
      throw: false,
    });
    // 1400-1599 are HTTP statuses (1000 + status); every other non-zero code is a transport failure.
    if (res.error_code !== 0 && (res.error_code < 1400 || res.error_code >= 1600)) {
      return { networkError: { code: String(res.error_code), message: res.error } };
    }
    const lowercased: Record<string, string> = {};
    for (const name of Object.keys(res.headers)) lowercased[name.toLowerCase()] = res.headers[name] ?? '';
    return { status: res.status, headers: lowercased, body: res.body ?? '' };
  },
};

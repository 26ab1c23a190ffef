import { nodeSigV4Crypto } from '../../sigv4/node.ts';
import type { HttpOutcome, Runtime } from './runtime.ts';

function transportCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  return error instanceof Error ? error.name : 'Error';
}

function transportMessage(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

export const nodeRuntime: Runtime = {
  crypto: nodeSigV4Crypto,
  env: (name) => process.env[name],
  base64: (data) => Buffer.from(data).toString('base64'),
  // Global fetch keeps connections alive (undici's default agent); it derives Host from the URL, which is
  // the same host the client signed.
  async post({ url, headers, body, timeoutMs }): Promise<HttpOutcome> {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      const lowercased: Record<string, string> = {};
      res.headers.forEach((value, name) => {
        lowercased[name] = value;
      });
      return { status: res.status, headers: lowercased, body: text };
    } catch (error) {
      return { networkError: { code: transportCode(error), message: transportMessage(error) } };
    }
  },
};

// The few k6 APIs the client uses, as k6 v1 implements them (see shared/k6-runtime.md §2-4).

declare const __ENV: Record<string, string | undefined>;

declare module 'k6/http' {
  interface Response {
    status: number;
    headers: Record<string, string>;
    body: string | null;
    error: string;
    error_code: number;
  }
  interface Params {
    headers?: Record<string, string>;
    responseType?: 'text' | 'binary' | 'none';
    timeout?: number;
    throw?: boolean;
  }
  const http: {
    asyncRequest(method: string, url: string, body?: string | null, params?: Params): Promise<Response>;
  };
  export default http;
}

declare module 'k6/crypto' {
  export function randomBytes(size: number): ArrayBuffer;
  export function sha256(input: string | Uint8Array, outputEncoding: 'hex'): string;
  export function hmac(
    algorithm: 'sha256' | 'sha512',
    key: string | Uint8Array,
    input: string | Uint8Array,
    outputEncoding: 'binary',
  ): ArrayBuffer;
  export function hmac(
    algorithm: 'sha256',
    key: string | Uint8Array,
    input: string,
    outputEncoding: 'hex',
  ): string;
}

declare module 'k6/encoding' {
  export function b64encode(input: string | Uint8Array | ArrayBuffer, encoding?: 'std'): string;
  export function b64decode(input: string, encoding: 'std'): ArrayBuffer;
  export function b64decode(input: string, encoding: 'std', format: 's'): string;
}

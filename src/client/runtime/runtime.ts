import type { SigV4Crypto } from '../../sigv4/index.ts';

/** A parsed endpoint. `host` carries the port only when it is not the scheme's default: it is what gets signed. */
export interface Endpoint {
  protocol: 'http' | 'https';
  hostname: string;
  port: number;
  host: string;
  url: string;
}

/** One signed POST to the endpoint's `/`; `endpoint.host` is the exact Host header value that was signed. */
export interface HttpRequest {
  endpoint: Endpoint;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

/** An HTTP answer of any status (header names lowercased), or a transport failure. */
export type HttpOutcome =
  | { status: number; headers: Record<string, string>; body: string }
  | { networkError: { code: string; message: string } };

/** One profile of the shared AWS config and credentials files, as the AWS SDKs read it. */
export interface SharedProfile {
  /** Which profile of which files, for messages. */
  source: string;
  region?: string | undefined;
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
  sessionToken?: string | undefined;
  /** The `services` section's kms `endpoint_url`, else the profile's `endpoint_url`. */
  endpoint?: string | undefined;
  endpointSource: string;
  /** `ignore_configured_endpoint_urls`, as written. */
  ignoreConfiguredEndpointUrls?: string | undefined;
  /** A credential source other than static keys (`role_arn`...), when the profile has no keys. */
  unsupportedCredentials?: string | undefined;
}

/** What differs between k6 and Node; everything else in the client is shared. */
export interface Runtime {
  crypto: SigV4Crypto;
  env(name: string): string | undefined;
  /** A profile of the shared AWS files (`name`, else AWS_PROFILE, else default); k6 cannot read them. */
  profile(name?: string): SharedProfile | undefined;
  post(request: HttpRequest): Promise<HttpOutcome>;
  /** Standard padded base64 of bytes, or of a string's UTF-8 bytes. */
  base64(data: string | Uint8Array): string;
}

let current: Runtime | undefined;

/** Called once by each entry point (k6 or Node) before any user code runs. */
export function useRuntime(runtime: Runtime): void {
  current = runtime;
}

export function runtime(): Runtime {
  if (!current) throw new Error('kmslab client: import it from its k6 bundle or its Node entry point');
  return current;
}

import { REGION_PATTERN } from '../protocol/regions.ts';
import { type Endpoint, runtime } from './runtime/runtime.ts';

/** A configuration value is missing or malformed; the message says which one and why. */
export class InvalidAWSConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAWSConfigError';
  }
}

/** Where to connect, as k6-jslib-aws takes it: an endpoint and, for one without a scheme, the scheme. */
export interface AWSConnectionOptions {
  /**
   * `http(s)://host[:port]`, or `host[:port]` (then `scheme`, default https), or an object with such an `href`
   * (the jslib's Endpoint). Defaults to AWS_ENDPOINT_URL_KMS, then AWS_ENDPOINT_URL, then AWS's own endpoint.
   */
  endpoint?: string | { href: string };
  scheme?: 'http' | 'https';
  /** Node: the profile of the shared AWS files to read; default AWS_PROFILE, then `default`. */
  profile?: string;
}

export interface AWSConfigOptions extends AWSConnectionOptions {
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
// A DNS name, an IPv4 address or a bracketed IPv6 address, then an optional port.
const HOST_PORT = /^(\[[\da-f:.]+\]|[a-z\d]([a-z\d.-]*[a-z\d])?)(?::(\d{1,5}))?$/i;

/** Parses an endpoint by hand: k6 has no URL global. */
export function parseEndpoint(value: string, source = 'endpoint'): Endpoint {
  const invalid = (reason: string) =>
    new InvalidAWSConfigError(`invalid ${source} '${value}'; reason: ${reason}`);
  const scheme = SCHEME.exec(value);
  if (!scheme) throw invalid('should start with http:// or https://');
  const protocol = (scheme[1] ?? '').toLowerCase();
  if (protocol !== 'http' && protocol !== 'https') throw invalid(`unsupported scheme '${protocol}'`);
  const rest = value.slice(scheme[0].length).replace(/\/$/, '');
  if (/[/?#]/.test(rest)) throw invalid('should have no path, query or fragment');
  if (rest.includes('@')) throw invalid('should have no user information');
  const hostPort = HOST_PORT.exec(rest);
  if (!hostPort) throw invalid(`'${rest}' is not a valid host[:port]`);
  const hostname = (hostPort[1] ?? '').toLowerCase();
  const defaultPort = protocol === 'https' ? 443 : 80;
  const port = hostPort[3] === undefined ? defaultPort : Number(hostPort[3]);
  if (port < 1 || port > 65535) throw invalid(`port ${port} is out of range 1-65535`);
  const host = port === defaultPort ? hostname : `${hostname}:${port}`;
  return { protocol, hostname, port, host, url: `${protocol}://${host}` };
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}

function nonEmpty(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidAWSConfigError(
      `invalid ${name}; reason: should be a non empty string, got ${describe(value)}`,
    );
  }
  return value;
}

/** Where and as whom to call KMS. Validated on construction. */
export class AWSConfig {
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string | undefined;
  /** Normalised `http(s)://host[:port]`, the port only when it is not the default. */
  readonly endpoint: string;

  constructor(options: AWSConfigOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidAWSConfigError('invalid AWS config; reason: expected an options object');
    }
    const region = nonEmpty('AWS region', options.region);
    if (!REGION_PATTERN.test(region)) {
      throw new InvalidAWSConfigError(`invalid AWS region '${region}'; reason: should look like 'us-east-1'`);
    }
    const accessKeyId = nonEmpty('AWS access key ID', options.accessKeyId);
    if (accessKeyId.length < 16 || accessKeyId.length > 128) {
      throw new InvalidAWSConfigError(
        `invalid AWS access key ID; reason: size should be between 16 and 128 characters, got ${accessKeyId.length}`,
      );
    }
    const { sessionToken } = options;
    if (sessionToken !== undefined && typeof sessionToken !== 'string') {
      throw new InvalidAWSConfigError(
        `invalid AWS session token; reason: should be a string, got ${sessionToken}`,
      );
    }
    this.region = region;
    this.accessKeyId = accessKeyId;
    this.secretAccessKey = nonEmpty('AWS secret access key', options.secretAccessKey);
    this.sessionToken = sessionToken || undefined;
    this.endpoint = resolveEndpoint(options, region).url;
  }

  /**
   * Reads AWS_REGION (or AWS_DEFAULT_REGION), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and the
   * endpoint variables: `__ENV` in k6, `process.env` in Node. In Node, what the environment leaves unset comes
   * from a profile of the shared AWS files, as in the AWS SDKs. `options` may name the endpoint, as in the jslib.
   */
  static fromEnvironment(options: AWSConnectionOptions = {}): AWSConfig {
    const env = (name: string) => runtime().env(name) || undefined;
    const profile = runtime().profile(options.profile);
    const region = env('AWS_REGION') ?? env('AWS_DEFAULT_REGION') ?? profile?.region;
    // The keys come as a pair, from the environment when it has both, else from the profile (as in the SDKs).
    const fromEnv = {
      accessKeyId: env('AWS_ACCESS_KEY_ID'),
      secretAccessKey: env('AWS_SECRET_ACCESS_KEY'),
      sessionToken: env('AWS_SESSION_TOKEN'),
    };
    const keys =
      (fromEnv.accessKeyId && fromEnv.secretAccessKey) || !profile?.accessKeyId ? fromEnv : profile;
    const { accessKeyId, secretAccessKey, sessionToken } = keys;
    const missing = [
      region ? '' : 'AWS_REGION',
      accessKeyId ? '' : 'AWS_ACCESS_KEY_ID',
      secretAccessKey ? '' : 'AWS_SECRET_ACCESS_KEY',
    ].filter(Boolean);
    if (!region || !accessKeyId || !secretAccessKey) {
      const unsupported = profile?.unsupportedCredentials;
      throw new InvalidAWSConfigError(
        `invalid AWS config; reason: ${missing.join(', ')} not set in the environment${profile ? ` nor in ${profile.source}` : ''}${unsupported ? `, whose ${unsupported} this client cannot use: export static keys (aws configure export-credentials --format env)` : ''}`,
      );
    }
    return new AWSConfig({
      ...options,
      region,
      accessKeyId,
      secretAccessKey,
      ...(sessionToken ? { sessionToken } : {}),
    });
  }
}

/**
 * An explicit endpoint wins, then the variables the AWS SDKs and CLI honour, then (Node) the profile's, then AWS's
 * regional endpoint. AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true (or the profile's ignore_configured_endpoint_urls)
 * skips the variables and the profile, as in the SDKs.
 */
function resolveEndpoint(options: AWSConnectionOptions, region: string): Endpoint {
  const { endpoint, scheme } = options;
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') {
    throw new InvalidAWSConfigError(
      `invalid scheme ${describe(scheme)}; reason: should be 'http' or 'https'`,
    );
  }
  if (endpoint !== undefined) {
    const href = typeof endpoint === 'object' && endpoint !== null ? endpoint.href : endpoint;
    if (typeof href !== 'string') {
      throw new InvalidAWSConfigError(
        `invalid endpoint; reason: should be a string or an Endpoint, got ${describe(endpoint)}`,
      );
    }
    return parseEndpoint(SCHEME.test(href) ? href : `${scheme ?? 'https'}://${href}`);
  }
  const env = runtime().env;
  const profile = runtime().profile(options.profile);
  const ignore = env('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS') ?? profile?.ignoreConfiguredEndpointUrls;
  if (ignore?.toLowerCase() !== 'true') {
    for (const name of ['AWS_ENDPOINT_URL_KMS', 'AWS_ENDPOINT_URL']) {
      const value = env(name);
      if (value) return parseEndpoint(value, name);
    }
    if (profile?.endpoint) return parseEndpoint(profile.endpoint, profile.endpointSource);
  }
  return parseEndpoint(`https://kms.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`);
}

/**
 * The verifying side of SigV4: reading the signature a request carries, in its Authorization header or in a
 * presigned URL's query, and recomputing it from the request as received. Only the server imports this module,
 * so none of it reaches the client's bundle.
 */
import {
  ALGORITHM,
  canonicalHeaders,
  canonicalQueryString,
  canonicalRequest,
  canonicalUri,
  credentialScope,
  type SignableRequest,
  type SigV4,
  safeDecode,
  stringToSign,
} from './index.ts';

/** What a request says about its signature: the credential scope, the headers it signs and the signature. */
export interface ReceivedSignature {
  accessKeyId: string;
  dateStamp: string;
  region: string;
  service: string;
  /** The scope's last element, `aws4_request` when the scope is well formed. */
  terminator: string;
  /** Lowercase names, as listed. */
  signedHeaders: string[];
  signature: string;
}

/** A presigned URL's signature, with the signing time and lifetime that the query carries. */
export interface PresignedSignature extends ReceivedSignature {
  /** `X-Amz-Date`. */
  requestDate: string;
  /** `X-Amz-Expires`, as given: seconds; without it, AWS's 15 minutes apply. */
  expires: string | undefined;
  /** `X-Amz-Security-Token`, when the signer had a session token. */
  securityToken: string | undefined;
}

/**
 * What is wrong with the form of a received signature. The server words it in AWS's terms (server/messages.ts):
 * this module reads, it does not answer.
 */
export type SignatureProblem =
  | { kind: 'algorithm'; algorithm: typeof ALGORITHM }
  | { kind: 'missingFields'; fields: string[] }
  | { kind: 'credentialElements'; credential: string }
  | { kind: 'missingQueryParameters'; parameters: string[] };

/** What a signature was computed over besides the request itself. */
export interface SignatureScope {
  /** `X-Amz-Date` of the header or of the query. */
  requestDate: string;
  dateStamp: string;
  region: string;
  service: string;
  signedHeaders: readonly string[];
}

/** `AK/20150830/us-east-1/kms/aws4_request` → its five elements, or undefined. */
function credentialElements(
  credential: string,
): Pick<ReceivedSignature, 'accessKeyId' | 'dateStamp' | 'region' | 'service' | 'terminator'> | undefined {
  const scope = credential.split('/');
  if (scope.length !== 5) return undefined;
  const [accessKeyId = '', dateStamp = '', region = '', service = '', terminator = ''] = scope;
  return { accessKeyId, dateStamp, region, service, terminator };
}

function signedHeaderNames(list: string): string[] {
  const names = list.split(';');
  for (let i = 0; i < names.length; i++) names[i] = (names[i] ?? '').trim().toLowerCase();
  return names;
}

/** Parses `AWS4-HMAC-SHA256 Credential=AK/20150830/us-east-1/kms/aws4_request, SignedHeaders=..., Signature=...`. */
export function parseAuthorization(header: string): ReceivedSignature | { error: SignatureProblem } {
  if (!header.startsWith(`${ALGORITHM} `)) return { error: { kind: 'algorithm', algorithm: ALGORITHM } };
  // A repeated field counts once, its last value.
  let credential = '';
  let signedHeaders = '';
  let signature = '';
  // Comma-separated `name=value` fields, scanned in place: splitting a fresh header string costs more.
  for (let start = ALGORITHM.length + 1; start < header.length; ) {
    const comma = header.indexOf(',', start);
    const end = comma < 0 ? header.length : comma;
    const eq = header.indexOf('=', start);
    if (eq > start && eq < end) {
      const name = header.slice(start, eq).trim();
      if (name === 'Credential') credential = header.slice(eq + 1, end).trim();
      else if (name === 'SignedHeaders') signedHeaders = header.slice(eq + 1, end).trim();
      else if (name === 'Signature') signature = header.slice(eq + 1, end).trim();
    }
    start = end + 1;
  }
  if (!credential || !signedHeaders || !signature) {
    const fields = [
      credential ? '' : 'Credential',
      signedHeaders ? '' : 'SignedHeaders',
      signature ? '' : 'Signature',
    ].filter(Boolean);
    return { error: { kind: 'missingFields', fields } };
  }
  const scope = credentialElements(credential);
  if (!scope) return { error: { kind: 'credentialElements', credential } };
  // Named one by one: spreading `scope` here cost several microseconds a request.
  return {
    accessKeyId: scope.accessKeyId,
    dateStamp: scope.dateStamp,
    region: scope.region,
    service: scope.service,
    terminator: scope.terminator,
    signedHeaders: signedHeaderNames(signedHeaders),
    signature,
  };
}

/** The parameters of a query string, decoded; of a repeated name the first value counts, as AWS reads them. */
export function queryParameters(query: string): Map<string, string> {
  const parameters = new Map<string, string>();
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = safeDecode(eq < 0 ? part : part.slice(0, eq));
    if (!parameters.has(name)) parameters.set(name, safeDecode(eq < 0 ? '' : part.slice(eq + 1)));
  }
  return parameters;
}

/**
 * What a presigned URL must carry besides `X-Amz-Algorithm`, in the order AWS names them when missing
 * (recorded from AWS in mhart/dynalite's index.js; `X-Amz-Expires` is not among them).
 */
const PRESIGNED_PARAMETERS = [
  'X-Amz-Credential',
  'X-Amz-Signature',
  'X-Amz-SignedHeaders',
  'X-Amz-Date',
] as const;

/**
 * Reads a presigned URL's signature from its query parameters (`X-Amz-Algorithm` already known to be
 * AWS4-HMAC-SHA256). A missing parameter is named, each one missing, as AWS names them.
 */
export function parsePresigned(
  parameters: Map<string, string>,
): PresignedSignature | { error: SignatureProblem } {
  const missing = PRESIGNED_PARAMETERS.filter((name) => !parameters.get(name));
  if (missing.length > 0) return { error: { kind: 'missingQueryParameters', parameters: missing } };
  const credential = parameters.get('X-Amz-Credential') ?? '';
  const scope = credentialElements(credential);
  if (!scope) return { error: { kind: 'credentialElements', credential } };
  return {
    ...scope,
    signedHeaders: signedHeaderNames(parameters.get('X-Amz-SignedHeaders') ?? ''),
    signature: parameters.get('X-Amz-Signature') ?? '',
    requestDate: parameters.get('X-Amz-Date') ?? '',
    expires: parameters.get('X-Amz-Expires'),
    securityToken: parameters.get('X-Amz-Security-Token'),
  };
}

/** The query a presigned URL's signature covers: all of it but `X-Amz-Signature` itself. */
export function queryWithoutSignature(query: string): string {
  return query
    .split('&')
    .filter((part) => {
      const eq = part.indexOf('=');
      return safeDecode(eq < 0 ? part : part.slice(0, eq)) !== 'X-Amz-Signature';
    })
    .join('&');
}

/**
 * Recomputes the signature of a received request with the secret of the access key it names. Only the headers
 * the signature lists take part, and the payload hash is always that of the body received: a service other
 * than S3 takes no `x-amz-content-sha256` or `UNSIGNED-PAYLOAD` in its place.
 */
export function expectedSignature(
  sigv4: SigV4,
  request: SignableRequest,
  scope: SignatureScope,
  secretAccessKey: string,
): string {
  const canonical = canonicalRequest(
    request.method,
    canonicalUri(request.path, scope.service !== 's3'),
    canonicalQueryString(request.query),
    canonicalHeaders(request.headers, scope.signedHeaders),
    sigv4.payloadHash(request.body),
  );
  const toSign = stringToSign(
    scope.requestDate,
    credentialScope(scope.dateStamp, scope.region, scope.service),
    sigv4.crypto.sha256Hex(canonical),
  );
  return sigv4.signature(
    sigv4.signingKey(secretAccessKey, scope.dateStamp, scope.region, scope.service),
    toSign,
  );
}

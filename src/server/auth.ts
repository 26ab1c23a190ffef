import { timingSafeEqual } from 'node:crypto';
import { amzDate, expectedSignature, parseAuthorization, type SigV4 } from '../sigv4/index.ts';
import { createNodeSigV4 } from '../sigv4/node.ts';
import type { Caller, CredentialEntry } from './context.ts';
import { KMSError } from './errors.ts';
import { firstHeaderValue, headerValuesByName } from './raw-headers.ts';

export type AuthMode = 'sigv4' | 'none';

/** What authentication needs of a received request. */
export interface ReceivedRequest {
  method: string;
  /** The request target as received: path and query (`/?a=b`). */
  url: string;
  /** Header names and values as received, alternating (node:http's `rawHeaders`). */
  rawHeaders: readonly string[];
  body: Uint8Array;
}

const SERVICE = 'kms';
/** AWS rejects requests signed more than 15 minutes before or after its own clock. */
const MAX_SKEW_MS = 15 * 60 * 1000;

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

function incomplete(message: string): KMSError {
  return new KMSError('IncompleteSignatureException', message);
}

function invalidSignature(message: string): KMSError {
  return new KMSError('InvalidSignatureException', message);
}

const AMZ_DATE = /^\d{8}T\d{6}Z$/;

/** `20150830T123600Z` → epoch ms, or NaN. */
function parseAmzDate(value: string): number {
  if (!AMZ_DATE.test(value)) return Number.NaN;
  return Date.UTC(
    Number(value.slice(0, 4)),
    Number(value.slice(4, 6)) - 1,
    Number(value.slice(6, 8)),
    Number(value.slice(9, 11)),
    Number(value.slice(11, 13)),
    Number(value.slice(13, 15)),
  );
}

/**
 * Maps a signed request to its caller: the account that owns the access key and the region of the credential
 * scope. It answers as AWS does: no Authorization → MissingAuthenticationTokenException, an unknown access key →
 * UnrecognizedClientException, a bad or stale signature → InvalidSignatureException.
 */
export class Authenticator {
  readonly #byAccessKey: Map<string, CredentialEntry>;
  readonly #mode: AuthMode;
  readonly #defaultAccountId: string;
  readonly #sigv4: SigV4;

  constructor(credentials: readonly CredentialEntry[], mode: AuthMode, defaultAccountId: string) {
    this.#byAccessKey = new Map(credentials.map((c) => [c.accessKeyId, c]));
    this.#mode = mode;
    this.#defaultAccountId = defaultAccountId;
    this.#sigv4 = createNodeSigV4();
  }

  authenticate(request: ReceivedRequest, now: Date): Caller {
    const header = firstHeaderValue(request.rawHeaders, 'authorization');
    if (!header) throw new KMSError('MissingAuthenticationTokenException', 'Missing Authentication Token');
    const auth = parseAuthorization(header);
    if ('error' in auth) throw incomplete(auth.error);

    const requestDate = firstHeaderValue(request.rawHeaders, 'x-amz-date');
    if (!requestDate) {
      throw incomplete(
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
      );
    }
    const credential = this.#byAccessKey.get(auth.accessKeyId);
    const caller = {
      accountId: credential?.accountId ?? this.#defaultAccountId,
      region: auth.region,
      accessKeyId: auth.accessKeyId,
    };
    if (this.#mode === 'none') return caller;
    if (!credential) {
      throw new KMSError(
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
      );
    }

    const signedAt = parseAmzDate(requestDate);
    if (Number.isNaN(signedAt)) {
      throw incomplete(
        `Date must be in ISO-8601 'basic format'. Got '${requestDate}'. See http://en.wikipedia.org/wiki/ISO_8601`,
      );
    }
    if (auth.dateStamp !== requestDate.slice(0, 8)) {
      throw invalidSignature(
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.dateStamp}' != '${requestDate.slice(0, 8)}', from '${requestDate}'.`,
      );
    }
    const nowMs = now.getTime();
    if (signedAt < nowMs - MAX_SKEW_MS) {
      throw invalidSignature(
        `Signature expired: ${requestDate} is now earlier than ${amzDate(new Date(nowMs - MAX_SKEW_MS))} (${amzDate(now)} - 15 min.)`,
      );
    }
    if (signedAt > nowMs + MAX_SKEW_MS) {
      throw invalidSignature(
        `Signature not yet current: ${requestDate} is still later than ${amzDate(new Date(nowMs + MAX_SKEW_MS))} (${amzDate(now)} + 15 min.)`,
      );
    }
    if (auth.service !== SERVICE)
      throw invalidSignature(`Credential should be scoped to correct service: '${SERVICE}'.`);
    if (!auth.signedHeaders.includes('host')) {
      throw invalidSignature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    }

    const headers = headerValuesByName(request.rawHeaders, auth.signedHeaders);
    const q = request.url.indexOf('?');
    const signable = {
      method: request.method,
      path: q < 0 ? request.url : request.url.slice(0, q),
      query: q < 0 ? '' : request.url.slice(q + 1),
      headers,
      body: request.body,
    };
    const expected = expectedSignature(this.#sigv4, signable, auth, credential.secretAccessKey);
    const given = Buffer.from(auth.signature);
    if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected))) {
      throw invalidSignature(SIGNATURE_MISMATCH);
    }
    return caller;
  }
}

import { timingSafeEqual } from 'node:crypto';
import { partitionOf } from '../protocol/regions.ts';
import { ALGORITHM, amzDate, type SigV4 } from '../sigv4/index.ts';
import { createNodeSigV4 } from '../sigv4/node.ts';
import {
  expectedSignature,
  type PresignedSignature,
  parseAuthorization,
  parsePresigned,
  queryParameters,
  queryWithoutSignature,
  type ReceivedSignature,
  type SignatureScope,
} from '../sigv4/verify.ts';
import { createPrincipal, type Principal } from './access/index.ts';
import type { Caller, CredentialEntry } from './context.ts';
import { accountRootArn } from './keys/arn.ts';
import { AuthErrors, ScopeProblem } from './messages.ts';
import { firstHeaderValue, headerValuesByName } from './raw-headers.ts';

export type AuthMode = 'sigv4' | 'none';

/** What authentication reads of a request before its body: the request line and the headers. */
export interface RequestHead {
  method: string;
  /** The request target as received: path and query (`/?a=b`). */
  url: string;
  /** Header names and values as received, alternating (node:http's `rawHeaders`). */
  rawHeaders: readonly string[];
}

/** A request whose signature checked out in every part but the one that needs the body. */
export interface Authentication {
  caller: Caller;
  /** What `verifySignature` recomputes once the body is in; undefined under `--auth none`. */
  pending: PendingSignature | undefined;
}

interface PendingSignature {
  request: RequestHead;
  path: string;
  /** The query the signature covers. */
  query: string;
  scope: SignatureScope;
  signature: string;
  secretAccessKey: string;
}

const SERVICE = 'kms';
const TERMINATOR = 'aws4_request';
/** AWS rejects requests signed more than 15 minutes before or after its own clock. */
const MAX_SKEW_MS = 15 * 60 * 1000;
/** A presigned URL lives at most seven days, as long as the day-scoped signing key it was made with. */
const MAX_EXPIRES_SECONDS = 7 * 24 * 60 * 60;

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
 * A header that the signature must cover. Without these a signature could be replayed with another target
 * (X-Amz-Target names the operation), at another time or with another session token.
 */
function requireSigned(signedHeaders: readonly string[], name: string): void {
  if (!signedHeaders.includes(name)) throw AuthErrors.unsignedHeader(name);
}

/**
 * Maps a signed request to its caller: the account that owns the access key and the region of the credential
 * scope. It checks in two steps, as AWS orders its errors (mhart/dynalite index.js records them from AWS;
 * scratchstack-aws-signature follows AWS's "Auth Error Ordering"): `authenticate` takes everything but the body
 * (the Authorization header or the presigned query, the signed headers, the time, the credential scope and
 * the access key), so that an unauthenticated request is refused before its body is read; `verifySignature`
 * then checks the signature over the body received.
 *
 * Answers: no signature → MissingAuthenticationTokenException; a malformed one → IncompleteSignatureException;
 * an unknown access key → UnrecognizedClientException; a required header left unsigned, a bad time, scope or
 * signature → InvalidSignatureException.
 */
export class Authenticator {
  readonly #byAccessKey: Map<string, CredentialEntry>;
  readonly #mode: AuthMode;
  readonly #defaultAccountId: string;
  readonly #sigv4: SigV4;
  /** The root principal of each account seen, by ARN: access keys without an identity act as their account's root. */
  readonly #roots = new Map<string, Principal>();

  constructor(credentials: readonly CredentialEntry[], mode: AuthMode, defaultAccountId: string) {
    this.#byAccessKey = new Map(credentials.map((c) => [c.accessKeyId, c]));
    this.#mode = mode;
    this.#defaultAccountId = defaultAccountId;
    this.#sigv4 = createNodeSigV4();
  }

  /**
   * Everything that does not need the body. `--auth none` checks only that the signature is well formed.
   * `requireTarget: false` is for kmslab's own signed GETs (the console's request stream), which name no
   * operation: there is no X-Amz-Target to sign.
   */
  authenticate(request: RequestHead, now: Date, { requireTarget = true } = {}): Authentication {
    const header = firstHeaderValue(request.rawHeaders, 'authorization') || undefined;
    const q = request.url.indexOf('?');
    const parameters = q < 0 ? undefined : queryParameters(request.url.slice(q + 1));
    const algorithm = parameters?.get('X-Amz-Algorithm');
    if (header !== undefined && algorithm !== undefined) throw AuthErrors.signedTwice();

    let received: ReceivedSignature;
    let requestDate: string;
    let presigned: PresignedSignature | undefined;
    if (header !== undefined) {
      const parsed = parseAuthorization(header);
      if ('error' in parsed) throw AuthErrors.malformedSignature(parsed.error);
      const date = firstHeaderValue(request.rawHeaders, 'x-amz-date');
      if (!date) throw AuthErrors.signatureWithoutDate();
      received = parsed;
      requestDate = date;
    } else if (algorithm === ALGORITHM && parameters) {
      const parsed = parsePresigned(parameters);
      if ('error' in parsed) throw AuthErrors.malformedSignature(parsed.error);
      received = presigned = parsed;
      requestDate = parsed.requestDate;
    } else {
      throw AuthErrors.missingAuthentication();
    }

    const credential = this.#byAccessKey.get(received.accessKeyId);
    const accountId = credential?.accountId ?? this.#defaultAccountId;
    const caller = {
      accountId,
      region: received.region,
      accessKeyId: received.accessKeyId,
      principal: credential?.principal ?? this.#root(accountRootArn(accountId, received.region)),
    };
    if (this.#mode === 'none') {
      // The region still matters: it goes into every ARN the caller gets.
      if (!partitionOf(received.region))
        throw AuthErrors.credentialScope([ScopeProblem.region(received.region)]);
      return { caller, pending: undefined };
    }

    const { signedHeaders } = received;
    requireSigned(signedHeaders, 'host');
    if (requireTarget) requireSigned(signedHeaders, 'x-amz-target');
    if (!presigned) requireSigned(signedHeaders, 'x-amz-date');
    if (firstHeaderValue(request.rawHeaders, 'x-amz-security-token') !== undefined) {
      requireSigned(signedHeaders, 'x-amz-security-token');
    }
    checkTime(requestDate, presigned?.expires, now);
    checkScope(received, requestDate);
    if (!credential) throw AuthErrors.unknownAccessKey();
    if (credential.sessionToken !== undefined) {
      const token = presigned
        ? parameters?.get('X-Amz-Security-Token')
        : firstHeaderValue(request.rawHeaders, 'x-amz-security-token');
      if (token !== credential.sessionToken) throw AuthErrors.unknownAccessKey();
    }

    const query = q < 0 ? '' : request.url.slice(q + 1);
    return {
      caller,
      pending: {
        request,
        path: q < 0 ? request.url : request.url.slice(0, q),
        query: presigned ? queryWithoutSignature(query) : query,
        scope: {
          requestDate,
          dateStamp: received.dateStamp,
          region: received.region,
          service: received.service,
          signedHeaders,
        },
        signature: received.signature,
        secretAccessKey: credential.secretAccessKey,
      },
    };
  }

  #root(arn: string): Principal {
    let root = this.#roots.get(arn);
    if (!root) {
      root = createPrincipal({ arn });
      this.#roots.set(arn, root);
    }
    return root;
  }

  /**
   * The signature over the request and the body received. The payload hash is always the body's: a service
   * other than S3 takes no `x-amz-content-sha256` in its place (aws-sdk-go's v4 signer sends that header to
   * S3 and Glacier only), so a header claiming another hash, or UNSIGNED-PAYLOAD, can only mean a signature
   * that does not match, which AWS answers with SignatureDoesNotMatch, for JSON services
   * InvalidSignatureException (apache/opendal-reqsign#346: UNSIGNED-PAYLOAD sent to a service other than S3
   * "would result in `SignatureDoesNotMatch` error"). S3's own XAmzContentSHA256Mismatch does not exist in
   * KMS's protocol.
   */
  verifySignature(authentication: Authentication, body: Uint8Array): void {
    const pending = authentication.pending;
    if (!pending) return;
    const { request, scope } = pending;
    const claimed = firstHeaderValue(request.rawHeaders, 'x-amz-content-sha256');
    if (claimed !== undefined && claimed !== this.#sigv4.payloadHash(body))
      throw AuthErrors.signatureMismatch();
    const signable = {
      method: request.method,
      path: pending.path,
      query: pending.query,
      headers: headerValuesByName(request.rawHeaders, scope.signedHeaders),
      body,
    };
    const expected = expectedSignature(this.#sigv4, signable, scope, pending.secretAccessKey);
    const given = Buffer.from(pending.signature);
    if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected))) {
      throw AuthErrors.signatureMismatch();
    }
  }
}

/**
 * The signing time against the server's clock: within 15 minutes either way, except that a presigned URL with
 * X-Amz-Expires lives until then (at most seven days, as AWS allows).
 */
function checkTime(requestDate: string, expires: string | undefined, now: Date): void {
  const signedAt = parseAmzDate(requestDate);
  if (Number.isNaN(signedAt)) throw AuthErrors.amzDateFormat(requestDate);
  const nowMs = now.getTime();
  if (signedAt > nowMs + MAX_SKEW_MS) {
    throw AuthErrors.signatureNotYetCurrent(
      requestDate,
      amzDate(new Date(nowMs + MAX_SKEW_MS)),
      amzDate(now),
    );
  }
  if (expires !== undefined) {
    if (!/^-?\d+$/.test(expires)) throw AuthErrors.expiresNotANumber();
    const seconds = Number(expires);
    if (seconds < 0) throw AuthErrors.expiresNegative();
    if (seconds > MAX_EXPIRES_SECONDS) throw AuthErrors.expiresTooLong(MAX_EXPIRES_SECONDS);
    if (nowMs > signedAt + seconds * 1000) throw AuthErrors.presignedExpired();
  } else if (signedAt < nowMs - MAX_SKEW_MS) {
    throw AuthErrors.signatureExpired(requestDate, amzDate(new Date(nowMs - MAX_SKEW_MS)), amzDate(now));
  }
}

/** The credential scope's region, service, terminator and date; AWS lists every one that is wrong. */
function checkScope(received: ReceivedSignature, requestDate: string): void {
  const problems: string[] = [];
  if (!partitionOf(received.region)) problems.push(ScopeProblem.region(received.region));
  if (received.service !== SERVICE) problems.push(ScopeProblem.service(SERVICE));
  if (received.terminator !== TERMINATOR)
    problems.push(ScopeProblem.terminator(TERMINATOR, received.terminator));
  const day = requestDate.slice(0, 8);
  if (received.dateStamp !== day) problems.push(ScopeProblem.date(received.dateStamp, day, requestDate));
  if (problems.length > 0) throw AuthErrors.credentialScope(problems);
}

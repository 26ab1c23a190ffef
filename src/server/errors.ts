/**
 * An error that the server returns to the caller with AWS's error type, message and HTTP status.
 * The wire form is `{"__type": type, "message": message}` (awsJson1_1), with the type also in
 * `X-Amzn-ErrorType`.
 */
export class KMSError extends Error {
  readonly type: string;
  readonly status: number;
  /**
   * For an AccessDeniedException, why (access/authorize.ts's explanation): logged at debug and answered in the
   * x-kmslab-denial header, which AWS clients ignore. Never holds a secret or plaintext.
   */
  denial?: string;

  constructor(type: string, message: string, status = 400) {
    super(message);
    this.name = 'KMSError';
    this.type = type;
    this.status = status;
  }
}

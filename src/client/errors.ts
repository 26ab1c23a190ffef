/** The base of every error the client raises for a failed call: `code` is machine-readable, `message` is for people. */
export class AWSError extends Error {
  code: string;

  constructor(message: string, code: string) {
    super(message);
    // Set by hand: minified bundles rename classes, and users match on `name`.
    this.name = 'AWSError';
    this.code = code;
  }
}

/** An error KMS answered with: `code` is the AWS error type (e.g. `NotFoundException`). */
export class KMSServiceError extends AWSError {
  /** The KMS operation that failed, e.g. `GenerateDataKey`. */
  operation: string;
  /** The HTTP status of the answer. */
  statusCode: number;

  constructor(message: string, code: string, operation: string, statusCode: number) {
    super(message, code);
    this.name = 'KMSServiceError';
    this.operation = operation;
    this.statusCode = statusCode;
  }
}

/** KMS rejected the request's signature: wrong secret, clock skew, or a host that differs from the one signed. */
export class InvalidSignatureError extends KMSServiceError {
  constructor(message: string, code: string, operation: string, statusCode: number) {
    super(message, code, operation, statusCode);
    this.name = 'InvalidSignatureError';
  }
}

/**
 * The request never got an HTTP answer: refused or reset connection, timeout, DNS failure. `code` is the k6
 * error code (e.g. `1050`, `1220`) in k6 and the cause's code (e.g. `ECONNRESET`, `TimeoutError`) in Node.
 */
export class NetworkError extends AWSError {
  operation: string;

  constructor(message: string, code: string, operation: string) {
    super(message, code);
    this.name = 'NetworkError';
    this.operation = operation;
  }
}

import { AWSConfig } from '../client/aws-config.ts';
import { AWSError } from '../client/errors.ts';
import { KMSClient } from '../client/kms-client.ts';

/** What the user signs in with. Kept in the tab's sessionStorage only: it goes when the tab closes. */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
  region: string;
}

/** kmslab's default region; a user of another region types it. */
export const DEFAULT_REGION = 'us-east-1';

const STORAGE_KEY = 'kmslab-console-credentials';

export function storedCredentials(): Credentials | undefined {
  const raw = sessionStorage.getItem(STORAGE_KEY);
  if (!raw) return undefined;
  try {
    const parsed = JSON.parse(raw) as Credentials;
    return typeof parsed.accessKeyId === 'string' && typeof parsed.secretAccessKey === 'string'
      ? parsed
      : undefined;
  } catch {
    return undefined;
  }
}

export function storeCredentials(credentials: Credentials): void {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(credentials));
}

export function forgetCredentials(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

/**
 * A KMS client for the kmslab that served the page: its endpoint is the page's origin, so the Host it signs is
 * the one the browser sends. Throws InvalidAWSConfigError for a malformed region or access key ID.
 */
export function clientFor(credentials: Credentials): KMSClient {
  const config = new AWSConfig({ ...credentials, endpoint: location.origin });
  return new KMSClient(config, { maxAttempts: 2, timeoutMs: 30_000 });
}

/** An error as the page shows it: AWS's error type and message, or what went wrong before any answer. */
export function errorText(error: unknown): string {
  if (error instanceof AWSError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

import type { CredentialEntry } from './context.ts';

/**
 * The documented defaults: a credential pair long enough for the k6 AWSConfig (16+ characters), an account in
 * AWS's documentation range and the region most examples use. They are public on purpose: kmslab is a local tool.
 */
export const DEFAULT_ACCOUNT_ID = '111122223333';
export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 4599;

export const DEFAULT_CREDENTIALS: CredentialEntry = {
  accessKeyId: 'AKIAKMSLABDEFAULT000',
  secretAccessKey: 'kmslabDefaultSecretAccessKey0000000000000',
  accountId: DEFAULT_ACCOUNT_ID,
};

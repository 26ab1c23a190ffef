import type { CredentialEntry } from '../context.ts';
/**
 * What a seed declares, whatever the file's format: keys that exist from the first start on (seed/parse.ts reads
 * it from YAML, seed/apply.ts creates what is missing).
 */

import type { KeySpec, KeyUsageType } from '../../protocol/index.ts';

export interface SeedKey {
  keyId: string;
  /** SYMMETRIC_DEFAULT when absent; checked against the model's values when the seed is applied. */
  keySpec?: KeySpec;
  /** The spec's default (ENCRYPT_DECRYPT for symmetric keys) when absent; required for the others, as by CreateKey. */
  keyUsage?: KeyUsageType;
  accountId?: string;
  region?: string;
  description?: string;
  enabled?: boolean;
  /**
   * Key material versions, oldest first; the last one is current. Generated when absent. AES-256 keys for a
   * symmetric key; one version for the other specs, which do not rotate: the HMAC secret, or the private key as
   * DER (PKCS#8, which seed/apply.ts re-encodes as kmslab keeps it).
   */
  materials?: Uint8Array[];
  aliases?: string[];
  tags?: { TagKey: string; TagValue: string }[];
}

export interface SeedSpec {
  keys: SeedKey[];
  /** Aliases declared apart from their key (local-kms's `Aliases:` list). */
  aliases?: { aliasName: string; targetKeyId: string; accountId?: string; region?: string }[];
  /** The access keys of the users and role sessions of kmslab's `identities:` section (identities.ts). */
  identities?: CredentialEntry[];
}

/** A seed that can't be applied: the message names the file, the key and what is wrong. */
export class SeedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SeedError';
  }
}

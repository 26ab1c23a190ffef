/**
 * What a seed declares, whatever the file's format: keys that exist from the first start on (seed/parse.ts reads
 * it from YAML, seed/apply.ts creates what is missing).
 */

export interface SeedKey {
  keyId: string;
  accountId?: string;
  region?: string;
  description?: string;
  enabled?: boolean;
  /** AES-256 key material versions, oldest first; the last one is current. Generated when absent. */
  materials?: Uint8Array[];
  aliases?: string[];
  tags?: { TagKey: string; TagValue: string }[];
}

export interface SeedSpec {
  keys: SeedKey[];
  /** Aliases declared apart from their key (local-kms's `Aliases:` list). */
  aliases?: { aliasName: string; targetKeyId: string; accountId?: string; region?: string }[];
}

/** A seed that can't be applied: the message names the file, the key and what is wrong. */
export class SeedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SeedError';
  }
}

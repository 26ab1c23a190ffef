/**
 * Cryptographic materials managers (aws-encryption-sdk-specification framework/default-cmm and caching-cmm): what
 * a message is encrypted or decrypted with. The default one adds the signing key of signed suites to the keyring's
 * data key; the caching one reuses its materials within limits, so that a load test makes one KMS call per many
 * messages instead of one per message.
 */
import { envelopeCrypto, type SigningKey, type VerificationKey } from '../runtime/envelope-crypto.ts';
import { EnvelopeError } from './errors.ts';
import type { EncryptedDataKey, EncryptionContext } from './format.ts';
import type { KmsKeyring } from './keyring.ts';
import { type AlgorithmSuiteId, isSigned, PUBLIC_KEY_CONTEXT_KEY } from './suites.ts';

export interface EncryptionMaterialsRequest {
  suiteId: AlgorithmSuiteId;
  encryptionContext: EncryptionContext;
  plaintextLength: number;
}

export interface EncryptionMaterials {
  suiteId: AlgorithmSuiteId;
  /** The caller's context, plus `aws-crypto-public-key` for signed suites. */
  encryptionContext: EncryptionContext;
  dataKey: Uint8Array;
  encryptedDataKeys: EncryptedDataKey[];
  signingKey: SigningKey | undefined;
}

export interface DecryptionMaterialsRequest {
  suiteId: AlgorithmSuiteId;
  encryptionContext: EncryptionContext;
  encryptedDataKeys: EncryptedDataKey[];
}

export interface DecryptionMaterials {
  dataKey: Uint8Array;
  verificationKey: VerificationKey | undefined;
}

export interface MaterialsManager {
  getEncryptionMaterials(request: EncryptionMaterialsRequest): Promise<EncryptionMaterials>;
  decryptMaterials(request: DecryptionMaterialsRequest): Promise<DecryptionMaterials>;
}

/** A new data key (and signing key) for every message, straight from the keyring. */
export class DefaultMaterialsManager implements MaterialsManager {
  readonly #keyring: KmsKeyring;

  constructor(keyring: KmsKeyring) {
    this.#keyring = keyring;
  }

  async getEncryptionMaterials({
    suiteId,
    encryptionContext,
  }: EncryptionMaterialsRequest): Promise<EncryptionMaterials> {
    let signingKey: SigningKey | undefined;
    let context = encryptionContext;
    if (isSigned(suiteId)) {
      const crypto = envelopeCrypto();
      signingKey = await crypto.generateSigningKey();
      // KMS binds the data key to the public key too: the signer can't be swapped without the KMS key.
      context = { ...context, [PUBLIC_KEY_CONTEXT_KEY]: crypto.base64(signingKey.publicKey) };
    }
    const { dataKey, encryptedDataKeys } = await this.#keyring.onEncrypt(context);
    return { suiteId, encryptionContext: context, dataKey, encryptedDataKeys, signingKey };
  }

  async decryptMaterials({
    suiteId,
    encryptionContext,
    encryptedDataKeys,
  }: DecryptionMaterialsRequest): Promise<DecryptionMaterials> {
    const publicKey = Object.hasOwn(encryptionContext, PUBLIC_KEY_CONTEXT_KEY)
      ? encryptionContext[PUBLIC_KEY_CONTEXT_KEY]
      : undefined;
    if (isSigned(suiteId) !== (publicKey !== undefined)) {
      throw new EnvelopeError(
        `malformed message: ${PUBLIC_KEY_CONTEXT_KEY} in the encryption context must come with a signed suite`,
      );
    }
    const verificationKey = publicKey === undefined ? undefined : await verificationKeyOf(publicKey);
    const dataKey = await this.#keyring.onDecrypt(encryptedDataKeys, encryptionContext);
    return { dataKey, verificationKey };
  }
}

async function verificationKeyOf(publicKey: string): Promise<VerificationKey> {
  const crypto = envelopeCrypto();
  try {
    return await crypto.verificationKey(crypto.fromBase64(publicKey));
  } catch (error) {
    throw new EnvelopeError(`malformed message: ${PUBLIC_KEY_CONTEXT_KEY} is not a base64 P-384 public key`, {
      cause: error,
    });
  }
}

export interface CachingMaterialsManagerOptions {
  keyring: KmsKeyring;
  /** Milliseconds a data key is used for, from the KMS call that made (or decrypted) it. */
  maxAge: number;
  /** Messages one data key encrypts at most. Default 2^32, the specification's bound. */
  maxMessagesEncrypted?: number;
  /** Plaintext bytes one data key encrypts at most, across its messages. Default 2^53 - 1. */
  maxBytesEncrypted?: number;
  /** Entries kept (least recently used evicted first), for encryption and for decryption each. Default 1000. */
  capacity?: number;
}

interface EncryptEntry {
  created: number;
  messages: number;
  bytes: number;
  materials: Promise<EncryptionMaterials>;
}

interface DecryptEntry {
  created: number;
  materials: Promise<DecryptionMaterials>;
}

function limit(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new EnvelopeError(
      `invalid CachingMaterialsManager ${name}: expected an integer >= ${min}, got ${value}`,
    );
  }
  return value;
}

/** One canonical string per context: the same pairs in any order give the same key. */
function contextKey(context: EncryptionContext): string {
  return JSON.stringify(Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Reuses materials, keyed by algorithm suite and encryption context (and, for decryption, the encrypted data keys),
 * for one keyring. Concurrent messages that miss together share one KMS call.
 */
export class CachingMaterialsManager implements MaterialsManager {
  readonly maxAge: number;
  readonly maxMessagesEncrypted: number;
  readonly maxBytesEncrypted: number;
  readonly capacity: number;
  readonly #backing: DefaultMaterialsManager;
  readonly #encrypting = new Map<string, EncryptEntry>();
  readonly #decrypting = new Map<string, DecryptEntry>();

  constructor(options: CachingMaterialsManagerOptions) {
    const { keyring, maxAge, maxMessagesEncrypted, maxBytesEncrypted, capacity } = options ?? {};
    if (typeof keyring?.onEncrypt !== 'function') {
      throw new EnvelopeError('invalid CachingMaterialsManager keyring: expected a KmsKeyring');
    }
    if (typeof maxAge !== 'number' || !(maxAge > 0)) {
      throw new EnvelopeError(
        `invalid CachingMaterialsManager maxAge: expected milliseconds > 0, got ${maxAge}`,
      );
    }
    this.maxAge = maxAge;
    this.maxMessagesEncrypted = limit('maxMessagesEncrypted', maxMessagesEncrypted, 2 ** 32, 1);
    this.maxBytesEncrypted = limit('maxBytesEncrypted', maxBytesEncrypted, Number.MAX_SAFE_INTEGER, 0);
    this.capacity = limit('capacity', capacity, 1000, 1);
    this.#backing = new DefaultMaterialsManager(keyring);
  }

  getEncryptionMaterials(request: EncryptionMaterialsRequest): Promise<EncryptionMaterials> {
    const length = request.plaintextLength;
    // A message over the byte limit on its own gets a data key of its own, which is not kept.
    if (length > this.maxBytesEncrypted) return this.#backing.getEncryptionMaterials(request);
    const id = `${request.suiteId}:${contextKey(request.encryptionContext)}`;
    const now = Date.now();
    let entry = this.#lookup(this.#encrypting, id);
    if (
      !entry ||
      now - entry.created >= this.maxAge ||
      entry.messages >= this.maxMessagesEncrypted ||
      entry.bytes + length > this.maxBytesEncrypted
    ) {
      entry = {
        created: now,
        messages: 0,
        bytes: 0,
        materials: this.#backing.getEncryptionMaterials(request),
      };
      this.#store(this.#encrypting, id, entry);
    }
    entry.messages += 1;
    entry.bytes += length;
    return entry.materials;
  }

  decryptMaterials(request: DecryptionMaterialsRequest): Promise<DecryptionMaterials> {
    const keys = request.encryptedDataKeys
      .map((key) =>
        JSON.stringify([key.providerId, key.providerInfo, envelopeCrypto().base64(key.encryptedDataKey)]),
      )
      .sort();
    const id = `${request.suiteId}:${contextKey(request.encryptionContext)}:${keys.join()}`;
    const now = Date.now();
    let entry = this.#lookup(this.#decrypting, id);
    if (!entry || now - entry.created >= this.maxAge) {
      entry = { created: now, materials: this.#backing.decryptMaterials(request) };
      this.#store(this.#decrypting, id, entry);
    }
    return entry.materials;
  }

  /** The entry under `id`, now the most recently used. */
  #lookup<Entry>(cache: Map<string, Entry>, id: string): Entry | undefined {
    const entry = cache.get(id);
    if (entry) {
      cache.delete(id);
      cache.set(id, entry);
    }
    return entry;
  }

  /** Inserts as most recently used, evicts the least recently used, and forgets an entry whose KMS call failed. */
  #store<Entry extends { materials: Promise<unknown> }>(
    cache: Map<string, Entry>,
    id: string,
    entry: Entry,
  ): void {
    cache.delete(id);
    cache.set(id, entry);
    if (cache.size > this.capacity) cache.delete(cache.keys().next().value as string);
    entry.materials.catch(() => {
      if (cache.get(id) === entry) cache.delete(id);
    });
  }
}

// The AWS Encryption SDK for JavaScript (@aws-crypto/client-node) pointed at a KMS endpoint: the reference that
// the envelope tests and bench/client/envelope.ts hold kmslab/envelope against.
import {
  buildClient,
  CommitmentPolicy,
  getClient,
  getLocalCryptographicMaterialsCache,
  KMS,
  KmsKeyringNode,
  NodeCachingMaterialsManager,
} from '@aws-crypto/client-node';

export interface Esdk {
  /** encrypt and decrypt, committing suites only (the SDK's default policy). */
  client: ReturnType<typeof buildClient>;
  /** The SDK's KMS keyring, its KMS client (AWS SDK v3) sent to `endpoint` with the given credentials. */
  keyring(options: { generatorKeyId?: string; keyIds?: string[] }): KmsKeyringNode;
  /** The SDK's caching materials manager: 60 s per data key, at most `maxMessagesEncrypted` messages. */
  cachingManager(keyring: KmsKeyringNode, maxMessagesEncrypted: number): NodeCachingMaterialsManager;
}

export function esdkAt(
  endpoint: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
): Esdk {
  const clientProvider = getClient(KMS, { endpoint, credentials });
  return {
    client: buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT),
    keyring: (options) => new KmsKeyringNode({ ...options, clientProvider }),
    cachingManager: (keyring, maxMessagesEncrypted) =>
      new NodeCachingMaterialsManager({
        backingMaterials: keyring,
        cache: getLocalCryptographicMaterialsCache(100),
        maxAge: 60_000,
        maxMessagesEncrypted,
      }),
  };
}

// What the envelope tests share: a kmslab server with KMS keys, our client and the AWS Encryption SDK for
// JavaScript (@aws-crypto/client-node) both pointed at it.
import {
  buildClient,
  CommitmentPolicy,
  getClient,
  getLocalCryptographicMaterialsCache,
  KMS,
  KmsKeyringNode,
  NodeCachingMaterialsManager,
} from '@aws-crypto/client-node';
import { AWSConfig, KMSClient } from '../../src/client/index.ts';
import { type Kmslab, startKmslab } from './kmslab.ts';

export interface EnvelopeLab {
  lab: Kmslab;
  kms: KMSClient;
  /** ARNs of fresh symmetric keys. */
  keyArns: string[];
  esdk: ReturnType<typeof buildClient>;
  /** The ESDK's KMS keyring, its KMS client talking to kmslab with kmslab's credentials. */
  esdkKeyring(options: { generatorKeyId?: string; keyIds?: string[] }): KmsKeyringNode;
  esdkCachingManager(keyring: KmsKeyringNode, maxMessagesEncrypted: number): NodeCachingMaterialsManager;
  /** Requests kmslab served of one operation since `since` (an index into lab.logs). */
  count(operation: string, since?: number): number;
  stop(): Promise<void>;
}

export async function startEnvelopeLab(keys = 2): Promise<EnvelopeLab> {
  const lab = await startKmslab();
  const kms = new KMSClient(
    new AWSConfig({
      region: lab.region,
      accessKeyId: lab.accessKeyId,
      secretAccessKey: lab.secretAccessKey,
      endpoint: lab.endpoint,
    }),
    { maxAttempts: 1 },
  );
  const keyArns: string[] = [];
  for (let i = 0; i < keys; i++) keyArns.push((await kms.createKey()).Arn ?? '');
  const clientProvider = getClient(KMS, {
    endpoint: lab.endpoint,
    credentials: { accessKeyId: lab.accessKeyId, secretAccessKey: lab.secretAccessKey },
  });
  return {
    lab,
    kms,
    keyArns,
    esdk: buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT),
    esdkKeyring: (options) => new KmsKeyringNode({ ...options, clientProvider }),
    esdkCachingManager: (keyring, maxMessagesEncrypted) =>
      new NodeCachingMaterialsManager({
        backingMaterials: keyring,
        cache: getLocalCryptographicMaterialsCache(100),
        maxAge: 60_000,
        maxMessagesEncrypted,
      }),
    count: (operation, since = 0) =>
      lab.logs.slice(since).filter((entry) => entry.operation === operation).length,
    stop: () => lab.stop(),
  };
}

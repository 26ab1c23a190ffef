// What the envelope tests share: a kmslab server with KMS keys, our client and the AWS Encryption SDK for
// JavaScript (@aws-crypto/client-node) both pointed at it.
import type { KmsKeyringNode, NodeCachingMaterialsManager } from '@aws-crypto/client-node';
import { AWSConfig, KMSClient } from '../../src/client/index.ts';
import { esdkAt } from './esdk.ts';
import { type Kmslab, startKmslab } from './kmslab.ts';

export interface EnvelopeLab {
  lab: Kmslab;
  kms: KMSClient;
  /** ARNs of fresh symmetric keys. */
  keyArns: string[];
  esdk: ReturnType<typeof esdkAt>['client'];
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
  const esdk = esdkAt(lab.endpoint, { accessKeyId: lab.accessKeyId, secretAccessKey: lab.secretAccessKey });
  return {
    lab,
    kms,
    keyArns,
    esdk: esdk.client,
    esdkKeyring: esdk.keyring,
    esdkCachingManager: esdk.cachingManager,
    count: (operation, since = 0) =>
      lab.logs.slice(since).filter((entry) => entry.operation === operation).length,
    stop: () => lab.stop(),
  };
}

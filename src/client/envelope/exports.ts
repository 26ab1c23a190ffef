// The public envelope API, shared by the k6 bundle (dist/k6/envelope.js) and the Node entry (kmslab/envelope).

export { EnvelopeError } from './errors.ts';
export type { EncryptedDataKey, EncryptionContext, MessageHeader } from './format.ts';
export { type KeyringKMSClient, KmsKeyring, type KmsKeyringOptions } from './keyring.ts';
export {
  CachingMaterialsManager,
  type CachingMaterialsManagerOptions,
  type DecryptionMaterials,
  type DecryptionMaterialsRequest,
  type EncryptionMaterials,
  type EncryptionMaterialsRequest,
  type MaterialsManager,
} from './materials.ts';
export {
  type DecryptOptions,
  type DecryptResult,
  decrypt,
  type EncryptOptions,
  type EncryptResult,
  encrypt,
  type Materials,
} from './message.ts';
export { type AlgorithmSuiteId, AlgorithmSuiteIdentifier } from './suites.ts';

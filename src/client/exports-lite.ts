// The jslib's surface and the core client (send, paginate, encrypt, decrypt...): the lite k6 bundle's whole API,
// and the base of exports.ts.

export type * from '../protocol/index.ts';
export {
  AWSConfig,
  type AWSConfigOptions,
  type AWSConnectionOptions,
  InvalidAWSConfigError,
} from './aws-config.ts';
export { AWSError, InvalidSignatureError, KMSServiceError, NetworkError } from './errors.ts';
export { KMSClient, type KMSClientOptions } from './kms-client.ts';
export * from './models.ts';

// The public API, shared by the k6 and Node entry points.

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

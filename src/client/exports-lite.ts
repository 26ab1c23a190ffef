// The jslib's surface (AWSConfig, KMSClient with listKeys and generateDataKey, the models and errors) and the
// client's core (send, paginate): the lite k6 bundle's whole API, and the base of exports.ts.

export type * from '../protocol/index.ts';
export {
  AWSConfig,
  type AWSConfigOptions,
  type AWSConnectionOptions,
  InvalidAWSConfigError,
} from './aws-config.ts';
export { AWSError, InvalidSignatureError, KMSServiceError, NetworkError } from './errors.ts';
export { KMSClientLite as KMSClient, type KMSClientOptions } from './kms-client-lite.ts';
export * from './models.ts';

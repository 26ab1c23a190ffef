// The public API of the Node entry and the full k6 bundle: the lite API with the client that has every method.

export * from './exports-lite.ts';
export { KMSClient } from './kms-client.ts';

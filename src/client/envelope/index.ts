// The Node entry point of envelope encryption (`kmslab/envelope`): node:crypto.
import { useEnvelopeCrypto } from '../runtime/envelope-crypto.ts';
import { nodeEnvelopeCrypto } from '../runtime/envelope-node.ts';

useEnvelopeCrypto(nodeEnvelopeCrypto);

export * from './exports.ts';

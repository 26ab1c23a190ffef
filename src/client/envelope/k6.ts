// The k6 entry point of envelope encryption, bundled into dist/k6/envelope.js apart from kms.js so that scripts
// that only call KMS stay small: WebCrypto, k6/crypto and k6/encoding.
import { useEnvelopeCrypto } from '../runtime/envelope-crypto.ts';
import { k6EnvelopeCrypto } from '../runtime/envelope-k6.ts';

useEnvelopeCrypto(k6EnvelopeCrypto);

export * from './exports.ts';

// The k6 entry point, bundled into dist/k6/kms.js: k6/http, k6/crypto, k6/encoding and __ENV.
import { k6Runtime } from './runtime/k6.ts';
import { useRuntime } from './runtime/runtime.ts';

useRuntime(k6Runtime);

export * from './exports.ts';

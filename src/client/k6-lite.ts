// The lite k6 entry point, bundled into dist/k6/kms-lite.js: the jslib's surface and the core client only.
import { k6Runtime } from './runtime/k6.ts';
import { useRuntime } from './runtime/runtime.ts';

useRuntime(k6Runtime);

export * from './exports-lite.ts';

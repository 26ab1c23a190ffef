// The Node entry point: fetch and node:crypto.
import { nodeRuntime } from './runtime/node.ts';
import { useRuntime } from './runtime/runtime.ts';

useRuntime(nodeRuntime);

export * from './exports.ts';

#!/usr/bin/env node
// Runs the TypeScript CLI straight from a clone (`npx kmslab serve`): tsx compiles it on load.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');

#!/usr/bin/env node
// Starts the kmslab CLI. A bundle built by `npm run build` (dist/cli/main.js) starts in a fraction of the time
// tsx needs to register itself, so it is used when it is at least as new as every source file; otherwise (a fresh
// clone, or sources edited since the build) tsx compiles src/cli/main.ts on load.
import { existsSync, readdirSync, statSync } from 'node:fs';

const bundle = new URL('../dist/cli/main.js', import.meta.url);
const sources = new URL('../src/', import.meta.url);

function bundleIsFresh() {
  if (!existsSync(bundle)) return false;
  if (!existsSync(sources)) return true;
  const built = statSync(bundle).mtimeMs;
  return readdirSync(sources, { recursive: true }).every(
    (file) => statSync(new URL(file, sources)).mtimeMs <= built,
  );
}

if (bundleIsFresh()) {
  await import(bundle.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}

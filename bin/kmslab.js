#!/usr/bin/env node
// Starts the kmslab CLI: the bundle that `npm run build` writes (dist/cli/main.js, built by `npm ci` too), which
// needs only the package's dependencies. The published package has no sources, so it always runs the bundle. In a
// checkout whose sources changed since the last build, tsx (a devDependency) compiles src/cli/main.ts on load
// instead, so that `npm run serve` runs what was just edited.
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

// Builds the k6 bundle (dist/k6/kms.js) and the Node entry with declarations (dist/node), and checks that the
// k6 bundle stays small and only needs what k6 provides.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const k6Bundle = join(root, 'dist/k6/kms.js');
const MAX_K6_BYTES = 12_000;

// Globals that Node or browsers have and k6 v1 lacks (shared/k6-runtime.md §1.2), and syntax Sobek rejects.
const FOREIGN_GLOBALS =
  /\b(Buffer|process|require|TextEncoder|TextDecoder|URL|URLSearchParams|atob|btoa|fetch|structuredClone|queueMicrotask|Intl|WeakRef)\b/;
const REJECTED_SYNTAX = /for\s*await|async\s*function\s*\*|async\s*\*|\\[pP]\{/;

function fail(message) {
  console.error(`build failed: ${message}`);
  process.exit(1);
}

rmSync(join(root, 'dist'), { recursive: true, force: true });

const result = await build({
  entryPoints: [join(root, 'src/client/k6.ts')],
  outfile: k6Bundle,
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  external: ['k6', 'k6/*'],
  // Lowered rather than emitted: Sobek cannot parse them.
  supported: { 'async-generator': false, 'for-await': false },
  metafile: true,
  logLevel: 'warning',
});

for (const output of Object.values(result.metafile.outputs)) {
  for (const { path } of output.imports) {
    if (path !== 'k6' && !path.startsWith('k6/'))
      fail(`dist/k6/kms.js imports '${path}'; only k6 and k6/* exist in k6`);
  }
}
const code = readFileSync(k6Bundle, 'utf8');
const foreign = FOREIGN_GLOBALS.exec(code);
if (foreign) fail(`dist/k6/kms.js uses '${foreign[0]}', which k6 does not provide`);
const rejected = REJECTED_SYNTAX.exec(code);
if (rejected) fail(`dist/k6/kms.js contains '${rejected[0]}', which k6's JavaScript engine rejects`);
const raw = Buffer.byteLength(code);
const gzip = gzipSync(code).length;
console.log(`dist/k6/kms.js: ${raw} bytes minified, ${gzip} bytes gzip (limit ${MAX_K6_BYTES})`);
if (raw >= MAX_K6_BYTES) fail(`dist/k6/kms.js is ${raw} bytes, over the ${MAX_K6_BYTES}-byte budget`);

const tsc = spawnSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
});
if (tsc.status !== 0) fail('tsc -p tsconfig.build.json');
console.log('dist/node/client/index.js + index.d.ts: built');

// The CLI as one ES module (dependencies stay in node_modules): it starts without compiling TypeScript on load.
// Two folders deep, like src/cli/main.ts, so that its read of ../../package.json still resolves.
await build({
  entryPoints: [join(root, 'src/cli/main.ts')],
  outfile: join(root, 'dist/cli/main.js'),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
console.log('dist/cli/main.js: built');

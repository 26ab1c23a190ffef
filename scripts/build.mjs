// Builds the k6 bundles (dist/k6/kms.js, kms-lite.js, envelope.js) and the Node entries with declarations
// (dist/node), and checks that each k6 bundle stays within its budget and only needs what k6 provides; assembles
// the client-only package (packages/client) from them.
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Every k6 bundle with its budget (minified bytes): kms.js has the whole API, kms-lite.js the jslib's surface for
// scripts that want the smallest per-VU cost; envelope encryption is its own bundle, so that scripts that only
// call KMS load none of it.
const K6_BUNDLES = [
  { entry: 'src/client/k6.ts', out: 'dist/k6/kms.js', maxBytes: 30_000 },
  { entry: 'src/client/k6-lite.ts', out: 'dist/k6/kms-lite.js', maxBytes: 12_000 },
  { entry: 'src/client/envelope/k6.ts', out: 'dist/k6/envelope.js', maxBytes: 17_500 },
];

// Globals that Node or browsers have and k6 v1 lacks (shared/k6-runtime.md §1.2), and syntax Sobek rejects.
const FOREIGN_GLOBALS =
  /\b(Buffer|process|require|TextEncoder|TextDecoder|URL|URLSearchParams|atob|btoa|fetch|structuredClone|queueMicrotask|Intl|WeakRef)\b/;
const REJECTED_SYNTAX = /for\s*await|async\s*function\s*\*|async\s*\*|\\[pP]\{/;

function fail(message) {
  console.error(`build failed: ${message}`);
  process.exit(1);
}

// kmslab-client (packages/client) carries the same client as kmslab: one version number names the same client in both.
const CLIENT_PACKAGE = join(root, 'packages/client');
const version = (directory) => JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')).version;
if (version(CLIENT_PACKAGE) !== version(root)) {
  fail(
    `packages/client/package.json has version ${version(CLIENT_PACKAGE)}, kmslab ${version(root)}: make them equal`,
  );
}
rmSync(join(root, 'dist'), { recursive: true, force: true });
rmSync(join(CLIENT_PACKAGE, 'dist'), { recursive: true, force: true });

for (const { entry, out, maxBytes } of K6_BUNDLES) {
  const outfile = join(root, out);
  const result = await build({
    entryPoints: [join(root, entry)],
    outfile,
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
        fail(`${out} imports '${path}'; only k6 and k6/* exist in k6`);
    }
  }
  const code = readFileSync(outfile, 'utf8');
  const foreign = FOREIGN_GLOBALS.exec(code);
  if (foreign) fail(`${out} uses '${foreign[0]}', which k6 does not provide`);
  const rejected = REJECTED_SYNTAX.exec(code);
  if (rejected) fail(`${out} contains '${rejected[0]}', which k6's JavaScript engine rejects`);
  const raw = Buffer.byteLength(code);
  const gzip = gzipSync(code).length;
  console.log(`${out}: ${raw} bytes minified, ${gzip} bytes gzip (limit ${maxBytes})`);
  if (raw > maxBytes) fail(`${out} is ${raw} bytes, over its ${maxBytes}-byte budget`);
}

const tsc = spawnSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
});
if (tsc.status !== 0) fail('tsc -p tsconfig.build.json');
console.log('dist/node/client/index.js, envelope/index.js + .d.ts: built');

// kmslab-client: the same built client entries and k6 bundles as kmslab's, at the same paths, and nothing else.
for (const path of ['dist/node', 'dist/k6'])
  cpSync(join(root, path), join(CLIENT_PACKAGE, path), { recursive: true });
cpSync(join(root, 'LICENSE'), join(CLIENT_PACKAGE, 'LICENSE'));
console.log('packages/client: kmslab-client assembled (dist/node, dist/k6, LICENSE)');

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

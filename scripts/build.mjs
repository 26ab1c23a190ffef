// Builds the k6 bundles (dist/k6/kms.js, kms-lite.js, envelope.js), the Node entries with declarations
// (dist/node), the CLI and the web console (dist/console), and checks that each k6 bundle stays within its budget
// and only needs what k6 provides, and that the console stays within its own; assembles the client-only package
// (packages/client) from the client's files.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, readFileSync, rmSync } from 'node:fs';
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

// The web console (src/console, served by `kmslab serve` at /_kmslab/): ES modules with Preact, uPlot and
// @noble/hashes inside, its stylesheet, uPlot's, and the page; nothing is fetched from elsewhere. The live view
// (uPlot, the largest library) is a chunk of its own, loaded when it is opened. Budgets, gzip bytes: what a first
// visit downloads (the page, its stylesheets, app.js and the chunks it imports), and everything.
const CONSOLE_FIRST_LOAD_BUDGET = 35_000;
const CONSOLE_TOTAL_BUDGET = 60_000;
const consoleDir = join(root, 'dist/console');
const consoleBuild = await build({
  entryPoints: { app: join(root, 'src/console/main.tsx') },
  outdir: consoleDir,
  bundle: true,
  splitting: true,
  chunkNames: '[name]-[hash]',
  format: 'esm',
  platform: 'browser',
  target: ['chrome111', 'firefox111', 'safari16.4'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  // No source maps: they would name sources the package does not ship, and triple what it carries.
  metafile: true,
  logLevel: 'warning',
});
copyFileSync(join(root, 'src/console/index.html'), join(consoleDir, 'index.html'));
copyFileSync(join(root, 'src/console/app.css'), join(consoleDir, 'app.css'));
copyFileSync(join(root, 'node_modules/uplot/dist/uPlot.min.css'), join(consoleDir, 'uPlot.min.css'));

const gzipped = (file) => {
  const content = readFileSync(join(root, file));
  const gzip = gzipSync(content).length;
  console.log(`${file}: ${content.length} bytes, ${gzip} bytes gzip`);
  return gzip;
};
const scripts = Object.entries(consoleBuild.metafile.outputs).filter(([file]) => file.endsWith('.js'));
// app.js and what it imports statically; a dynamic import() is a chunk loaded later.
const firstLoad = new Set(['dist/console/app.js']);
for (const file of firstLoad) {
  for (const { path, kind } of consoleBuild.metafile.outputs[file]?.imports ?? []) {
    if (kind === 'import-statement') firstLoad.add(path);
  }
}
let firstLoadGzip = ['dist/console/index.html', 'dist/console/app.css', 'dist/console/uPlot.min.css']
  .map(gzipped)
  .reduce((a, b) => a + b, 0);
let totalGzip = firstLoadGzip;
for (const [file] of scripts) {
  const gzip = gzipped(file);
  totalGzip += gzip;
  if (firstLoad.has(file)) firstLoadGzip += gzip;
}
console.log(
  `dist/console: ${firstLoadGzip} bytes gzip on first load (limit ${CONSOLE_FIRST_LOAD_BUDGET}), ${totalGzip} in all (limit ${CONSOLE_TOTAL_BUDGET})`,
);
if (firstLoadGzip > CONSOLE_FIRST_LOAD_BUDGET)
  fail(
    `the console's first load is ${firstLoadGzip} bytes gzip, over its ${CONSOLE_FIRST_LOAD_BUDGET}-byte budget`,
  );
if (totalGzip > CONSOLE_TOTAL_BUDGET)
  fail(`dist/console is ${totalGzip} bytes gzip, over its ${CONSOLE_TOTAL_BUDGET}-byte budget`);

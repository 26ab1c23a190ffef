/**
 * The console's key list with many keys, in Chromium: how soon the first rows show, how soon their DescribeKey
 * columns fill, how long listing every key and alias takes, how long the main thread is blocked meanwhile, and
 * how fast a search and a page flip answer. Runs `kmslab serve` on a data dir that `npm run bench:scale` left:
 *
 *   npm run bench:scale -- --keys 100000 --keep      # once: /tmp/kmslab-scale-100000 (an alias per tenth key)
 *   npm run bench:console -- [--data-dir /tmp/kmslab-scale-100000]
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CREDENTIALS } from '../src/server/defaults.ts';
import { openConsole } from '../test/console/browser.ts';
import { freePort } from './free-port.ts';

// What the functions below run inside the page use of the DOM; the bench is typechecked without its types.
declare const document: {
  querySelector(selector: string): {
    textContent: string;
    value: string;
    dispatchEvent(event: unknown): boolean;
  };
  querySelectorAll(selector: string): ArrayLike<{ textContent: string; click(): void }>;
};
declare const Event: new (type: string, init: { bubbles: boolean }) => unknown;
declare const PerformanceObserver: new (
  callback: (list: { getEntries(): { duration: number }[] }) => void,
) => { observe(options: { type: string; buffered: boolean }): void };
declare const requestAnimationFrame: (callback: () => void) => void;
declare const window: { longTasks: number[] };

const { values } = parseArgs({
  options: { 'data-dir': { type: 'string', default: join(tmpdir(), 'kmslab-scale-100000') } },
});
const dataDir = values['data-dir'];
if (!existsSync(join(dataDir, 'kmslab.sqlite3'))) {
  console.error(`${dataDir} holds no kmslab: run npm run bench:scale -- --keys 100000 --keep first`);
  process.exit(1);
}

const port = await freePort();
const server = spawn(
  process.execPath,
  [
    join(import.meta.dirname, '..', 'bin/kmslab.js'),
    'serve',
    '--data-dir',
    dataDir,
    '--port',
    String(port),
    '--log-level',
    'warn',
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
await new Promise<void>((resolve) =>
  server.stdout.on('data', (chunk: Buffer) => chunk.includes('listening') && resolve()),
);
const endpoint = `http://127.0.0.1:${port}`;
const chromium = await openConsole(endpoint);
const { page } = chromium;
const rows: [string, string][] = [];
try {
  await page.evaluate(() => {
    window.longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.longTasks.push(entry.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.type('input[name=accessKeyId]', DEFAULT_CREDENTIALS.accessKeyId);
  await page.type('input[name=secretAccessKey]', DEFAULT_CREDENTIALS.secretAccessKey);
  const started = Date.now();
  await page.click('form button[type=submit]');
  await page.waitForFunction(() => document.querySelectorAll('table.keys tbody tr').length > 0);
  rows.push(['sign in → first rows of the list', `${Date.now() - started} ms`]);
  await page.waitForFunction(() => !document.querySelector('table.keys').textContent.includes('…'), {
    timeout: 300_000,
  });
  rows.push([
    'sign in → the first page described (DescribeKey of its 50 rows)',
    `${Date.now() - started} ms`,
  ]);
  await page.waitForFunction(() => !document.querySelector('p.status').textContent.includes('Loading'), {
    timeout: 300_000,
  });
  rows.push(['sign in → every key and alias listed', `${Date.now() - started} ms`]);
  rows.push(['keys listed', await page.$eval('p.status', (node) => node.textContent ?? '')]);
  const longTasks = await page.evaluate(() => window.longTasks);
  rows.push([
    'main thread blocked meanwhile (tasks over 50 ms: count, longest, total)',
    `${longTasks.length}, ${Math.max(0, ...longTasks).toFixed(0)} ms, ${longTasks.reduce((a, b) => a + b, 0).toFixed(0)} ms`,
  ]);
  // Input → the next frame painted with the result.
  const search = (query: string) =>
    page.evaluate(async (value) => {
      const input = document.querySelector('input[type=search]');
      const start = performance.now();
      input.value = value;
      input.dispatchEvent(new Event('input', { bubbles: true }));
      await new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      return `${(performance.now() - start).toFixed(0)} ms (${document.querySelector('p.status').textContent})`;
    }, query);
  rows.push(['search by a key ID prefix', await search('5ca1e000-0000-4000-8000-00000000ff')]);
  rows.push(['search by alias', await search('alias/')]);
  rows.push(['search that matches nothing', await search('no-such-key')]);
  rows.push(['clear the search', await search('')]);
  const flip = await page.evaluate(async () => {
    const next = Array.from(document.querySelectorAll('button')).find(
      (button) => button.textContent === 'Next',
    );
    const start = performance.now();
    next?.click();
    await new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    return performance.now() - start;
  });
  rows.push(['next page (rows drawn; their DescribeKey follows)', `${flip.toFixed(0)} ms`]);
} finally {
  await chromium.close();
  server.kill('SIGTERM');
}
console.log(`\nThe console's key list, ${dataDir}, Chromium headless 1280×800\n`);
console.log('| measurement | value |\n|---|---|');
for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);

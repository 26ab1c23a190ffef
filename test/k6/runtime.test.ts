import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { checkCounts, failedChecks, runSandbox, ScriptDir } from './run-sandbox.ts';

const scripts = new ScriptDir();
after(() => scripts.remove());

describe('k6 sandbox: globals', { concurrency: true }, () => {
  it('has only the globals k6 provides', async () => {
    const script = scripts.write(
      'globals.js',
      `import { check } from 'k6';
      const text = open('./data.txt');
      const bytes = open('./data.txt', 'b');
      let iterInInit;
      try { iterInInit = __ITER; } catch (e) { iterInInit = e.name; }
      export default function () {
        const missing = ['Intl', 'WeakRef', 'FinalizationRegistry', 'SharedArrayBuffer', 'Atomics', 'WebAssembly',
          'URL', 'URLSearchParams', 'TextEncoder', 'TextDecoder', 'Buffer', 'fetch', 'atob', 'btoa', 'structuredClone',
          'queueMicrotask', 'process', 'require', 'performance', 'self', 'window', 'setImmediate'];
        for (const name of missing) check(globalThis[name], { [name + ' is missing']: (v) => v === undefined });
        check(null, {
          'URL is a ReferenceError': () => { try { new URL('http://x'); return false; } catch (e) { return e instanceof ReferenceError; } },
          '__ITER is not defined in init': () => iterInInit === 'ReferenceError',
          '__ITER in an iteration': () => __ITER === 0,
          '__VU is 1': () => __VU === 1,
          'open() in init reads text and bytes': () => text === 'héllo' && bytes instanceof ArrayBuffer && bytes.byteLength === 6,
          'open() outside init throws': () => { try { open('./data.txt'); return false; } catch (e) { return /init context/.test(e.message); } },
          '__ENV holds strings': () => __ENV.GREETING === 'hi there' && __ENV.MISSING === undefined,
          'global is globalThis': () => global === globalThis,
          'console has k6 methods only': () => ['log', 'info', 'debug', 'warn', 'error'].every((m) => typeof console[m] === 'function') && console.table === undefined && console.trace === undefined,
          'timers return numeric ids': () => { const id = setTimeout(() => {}, 0); clearTimeout(id); return typeof id === 'number'; },
          'crypto.randomUUID': () => /^[0-9a-f-]{36}$/.test(crypto.randomUUID()),
          'crypto.getRandomValues': () => crypto.getRandomValues(new Uint8Array(8)).length === 8,
          'V8 extras are gone': () => Error.captureStackTrace === undefined && Promise.withResolvers === undefined
            && Array.fromAsync === undefined && Object.groupBy === undefined && ''.isWellFormed === undefined
            && ArrayBuffer.prototype.transfer === undefined && Uint8Array.fromBase64 === undefined,
          'ES built-ins stay': () => typeof Proxy === 'function' && typeof BigInt === 'function' && [1, 2].at(-1) === 2,
          'regexp d flag fails at runtime': () => { try { new RegExp('a', 'd'); return false; } catch (e) { return e instanceof SyntaxError; } },
          'regexp \\\\p fails at runtime': () => { try { RegExp('\\\\p{L}', 'u'); return false; } catch (e) { return e instanceof SyntaxError; } },
        });
      }`,
    );
    scripts.write('data.txt', 'héllo');
    const run = await runSandbox(script, { args: ['-e', 'GREETING=hi there'] });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(failedChecks(run), []);
    assert.equal(checkCounts(run, 'URL is missing').passes, 1);
    assert.equal(checkCounts(run, '__ITER is not defined in init').passes, 1);
  });
});

describe('k6 sandbox: lifecycle', { concurrency: true }, () => {
  it('runs init per VU, setup once, shared iterations, teardown with the JSON of setup data', async () => {
    const script = scripts.write(
      'lifecycle.js',
      `import { check, sleep } from 'k6';
      import exec from 'k6/execution';
      class Box { constructor() { this.value = 7; } get twice() { return 14; } }
      export const options = { vus: 3, iterations: 7 };
      export function setup() {
        check(exec.vu.idInTest, { 'setup runs in VU 0': (id) => id === 0 && __VU === 0 });
        return new Box();
      }
      export default async function (data) {
        check(data, {
          'setup data is plain JSON': (d) => d.value === 7 && d.twice === undefined && !(d instanceof Box),
          'VU ids are 1..3': () => __VU >= 1 && __VU <= 3 && exec.vu.idInTest === __VU,
        });
        await new Promise((resolve) => setTimeout(resolve, 20));
        check(exec.scenario, { 'shared iterations': (s) => s.executor === 'shared-iterations' && s.iterationInTest < 7 });
      }
      export function teardown(data) {
        check(data, { 'teardown gets setup data': (d) => d.value === 7 && __VU === 0 });
      }`,
    );
    const run = await runSandbox(script);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(failedChecks(run), []);
    assert.deepEqual(run.summary?.iterations, { planned: 7, completed: 7, interrupted: 0 });
    assert.equal(checkCounts(run, 'setup runs in VU 0').passes, 1);
    assert.equal(checkCounts(run, 'VU ids are 1..3').passes, 7);
    assert.equal(checkCounts(run, 'shared iterations').passes, 7);
    assert.equal(checkCounts(run, 'teardown gets setup data').passes, 1);
  });

  it('--vus and --iterations override the options; an iteration waits for its pending timers', async () => {
    const script = scripts.write(
      'pending.js',
      `import { check } from 'k6';
      export const options = { vus: 5, iterations: 50 };
      export default function () {
        setTimeout(() => check(1, { 'timer fired before the iteration ended': () => true }), 30);
      }`,
    );
    const run = await runSandbox(script, { args: ['--vus', '2', '--iterations', '3'] });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.summary?.vus, 2);
    assert.equal(checkCounts(run, 'timer fired before the iteration ended').passes, 3);
  });

  it('exits non-zero on an exception in init code', async () => {
    const script = scripts.write(
      'init-throws.js',
      `throw new Error('bad init');\nexport default function () {}`,
    );
    const run = await runSandbox(script);
    assert.equal(run.code, 107);
    assert.match(run.stderr, /bad init/);
  });

  it('keeps running after an exception in an iteration and reports it', async () => {
    const script = scripts.write(
      'iteration-throws.js',
      `export const options = { iterations: 2 };
      export default function () { throw new Error('boom ' + __ITER); }`,
    );
    const run = await runSandbox(script);
    assert.equal(run.code, 0);
    assert.deepEqual(run.summary?.iterations, { planned: 2, completed: 0, interrupted: 2 });
    assert.equal(run.summary?.errors.length, 2);
  });

  it('check() rejects async functions, and check()/group() are not allowed in init', async () => {
    const script = scripts.write(
      'check-async.js',
      `import { check, group } from 'k6';
      let initError = '';
      try { check(1, { x: () => true }); } catch (e) { initError = e.message; }
      export default function () {
        let asyncError = '';
        try { check(1, { 'async': async () => true }); } catch (e) { asyncError = e.message; }
        check(null, {
          'async check throws': () => /async/.test(asyncError),
          'check in init throws': () => /init context/.test(initError),
          'group returns its value': () => group('g', () => 5) === 5,
        });
      }`,
    );
    const run = await runSandbox(script);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(failedChecks(run), []);
    assert.equal(checkCounts(run, 'async check throws').passes, 1);
  });
});

describe('k6 sandbox: k6/execution', { concurrency: true }, () => {
  it('exec.test.abort() stops the test with exit code 108 and skips the rest of the iteration', async () => {
    const script = scripts.write(
      'abort.js',
      `import exec from 'k6/execution';
      import { check } from 'k6';
      export const options = { vus: 2, iterations: 10 };
      export default async function () {
        await new Promise((r) => setTimeout(r, 5));
        if (exec.scenario.iterationInTest === 2) exec.test.abort('key missing');
        check(1, { 'iteration went on': () => true });
      }
      export function teardown() { check(1, { 'teardown ran after the abort': () => true }); }`,
    );
    const run = await runSandbox(script);
    assert.equal(run.code, 108, run.stderr);
    assert.equal(run.summary?.aborted, 'test aborted: key missing');
    assert.deepEqual(run.summary?.violations, []);
    assert.ok(checkCounts(run, 'iteration went on').passes < 10);
    assert.equal(checkCounts(run, 'teardown ran after the abort').passes, 1);
  });

  it('reports a library that catches the abort as a failure (k6 makes it uncatchable)', async () => {
    mkdirSync(path.join(scripts.path, 'lib'), { recursive: true });
    scripts.write(
      'lib/careless.js',
      `export async function guarded(fn) { try { return await fn(); } catch (e) { return 'recovered'; } }`,
    );
    const script = scripts.write(
      'abort-caught.js',
      `import exec from 'k6/execution';
      import { guarded } from './lib/careless.js';
      export default async function () { await guarded(async () => exec.test.abort('stop')); }`,
    );
    const run = await runSandbox(script);
    assert.equal(run.code, 90);
    assert.match(run.summary?.violations[0] ?? '', /exec\.test\.abort\(\) was caught/);
  });

  it('reports code that calls k6 APIs after catching the abort', async () => {
    const script = scripts.write(
      'abort-continued.js',
      `import exec from 'k6/execution';
      import { sleep } from 'k6';
      export default function () {
        try { exec.test.abort(); } finally { sleep(0); }
      }`,
    );
    const run = await runSandbox(script);
    assert.equal(run.code, 90);
    assert.match(
      run.summary?.violations.join('\n') ?? '',
      /sleep\(\) was called after exec\.test\.abort\(\)/,
    );
  });

  it('exec.test.fail() marks the test failed (exit 110) and keeps running; exec.vu throws in init', async () => {
    const script = scripts.write(
      'fail.js',
      `import exec from 'k6/execution';
      import { check } from 'k6';
      let vuInInit = '';
      try { exec.vu; } catch (e) { vuInInit = e.message; }
      export const options = { iterations: 3 };
      export default function () {
        if (__ITER === 0) exec.test.fail('first iteration');
        check(vuInInit, { 'exec.vu throws in init': (m) => /init context/.test(m) });
      }`,
    );
    const run = await runSandbox(script);
    assert.equal(run.code, 110);
    assert.equal(run.summary?.iterations.completed, 3);
    assert.equal(checkCounts(run, 'exec.vu throws in init').passes, 3);
  });

  it('fails the run with exit 99 when a checks threshold is crossed', async () => {
    const script = scripts.write(
      'threshold.js',
      `import { check } from 'k6';
      export const options = { iterations: 4, thresholds: { checks: ['rate>0.9'] } };
      export default function () { check(__ITER, { 'even': (i) => i % 2 === 0 }); }`,
    );
    const run = await runSandbox(script);
    assert.equal(run.code, 99);
    assert.deepEqual(checkCounts(run, 'even'), { passes: 2, fails: 2 });
  });
});

describe('k6 sandbox: modules and syntax', { concurrency: true }, () => {
  it('rejects for await, async generators, \\p{} and the d flag in any loaded module', async () => {
    const cases = {
      'for-await.js': 'export default async function () { for await (const x of []) {} }',
      'async-gen.js': 'async function* g() {}\nexport default function () {}',
      'unicode-property.js': 'const letters = /\\p{L}+/u;\nexport default function () {}',
      'indices.js': 'const re = /a/d;\nexport default function () {}',
    };
    await Promise.all(
      Object.entries(cases).map(async ([name, source]) => {
        const run = await runSandbox(scripts.write(name, source));
        assert.equal(run.code, 107, `${name} should fail to load`);
        assert.match(run.stderr, /SyntaxError/, name);
      }),
    );
    scripts.write('lib-for-await.js', 'export async function f(xs) { for await (const x of xs) {} }');
    const run = await runSandbox(
      scripts.write(
        'imports-bad.js',
        "import { f } from './lib-for-await.js';\nexport default function () {}",
      ),
    );
    assert.equal(run.code, 107);
    assert.match(run.stderr, /lib-for-await\.js: 'for await' is not supported/);
  });

  it('does not flag strings or comments that merely mention unsupported syntax', async () => {
    const script = scripts.write(
      'mentions.js',
      `// for await (const x of y) and async function* g() {}
      const text = 'for await (x of y) /\\\\p{L}/u async function* ';
      export default function () { return text; }`,
    );
    const run = await runSandbox(script);
    assert.equal(run.code, 0, run.stderr);
  });

  it('resolves relative imports against the importing file and fails on bare or remote specifiers', async () => {
    mkdirSync(path.join(scripts.path, 'nested/deeper'), { recursive: true });
    scripts.write('nested/deeper/value.js', 'export const value = 42;');
    scripts.write('nested/index.js', "export { value } from './deeper/value.js';");
    const ok = await runSandbox(
      scripts.write(
        'relative.js',
        `import { value } from './nested/index.js';
        import { check } from 'k6';
        export default function () { check(value, { 'imported': (v) => v === 42 }); }`,
      ),
    );
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(checkCounts(ok, 'imported').passes, 1);

    const bare = await runSandbox(
      scripts.write('bare.js', "import x from 'lodash';\nexport default function () {}"),
    );
    assert.equal(bare.code, 107);
    assert.match(bare.stderr, /The moduleSpecifier "lodash" couldn't be recognised as something k6 supports/);

    const remote = await runSandbox(
      scripts.write(
        'remote.js',
        "import x from 'https://jslib.k6.io/aws/0.14.0/kms.js';\nexport default function () {}",
      ),
    );
    assert.equal(remote.code, 107);
    assert.match(remote.stderr, /remote module/);
  });
});

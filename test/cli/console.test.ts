import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { REPO, serve } from './spawn.ts';

/**
 * `kmslab serve` serves the web console on its port, from the package's dist/console, and says where in its
 * banner; `--no-console` (or KMSLAB_NO_CONSOLE) removes the route.
 */

const BUILT = existsSync(join(REPO, 'dist/console/index.html'));

describe('kmslab serve and the web console', () => {
  test('the banner names the console URL, which answers the built console (or says to build it)', async () => {
    const server = await serve(['--in-memory']);
    try {
      const { stdout } = server.output();
      const url = `${server.endpoint}/_kmslab/`;
      const response = await fetch(url);
      if (BUILT) {
        assert.match(stdout, new RegExp(`\\n {2}console {3}${url}\\n`));
        assert.equal(response.status, 200);
        assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
      } else {
        assert.match(
          stdout,
          new RegExp(`\\n {2}console {3}not built: run npm run build \\(then ${url}\\)\\n`),
        );
        assert.equal(response.status, 404);
        assert.match(await response.text(), /npm run build/);
      }
      assert.ok(response.headers.get('content-security-policy')?.startsWith("default-src 'self'"));
    } finally {
      assert.equal((await server.stop()).code, 0);
    }
  });

  for (const [how, args, env] of [
    ['--no-console', ['--in-memory', '--no-console'], {}],
    ['KMSLAB_NO_CONSOLE=1', ['--in-memory'], { KMSLAB_NO_CONSOLE: '1' }],
  ] as const) {
    test(`${how}: no /_kmslab/ route, and the banner says the console is off`, async () => {
      const server = await serve([...args], env);
      try {
        assert.match(server.output().stdout, /\n {2}console {3}off \(--no-console\)\n/);
        for (const path of ['/_kmslab/', '/_kmslab', '/_kmslab/api/requests']) {
          const response = await fetch(`${server.endpoint}${path}`, { redirect: 'manual' });
          assert.equal(response.status, 400, path);
          assert.equal(response.headers.get('x-amzn-errortype'), 'UnknownOperationException', path);
        }
      } finally {
        assert.equal((await server.stop()).code, 0);
      }
    });
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { run } from './spawn.ts';

test('npm start (kmslab demo) runs the k6 reference flow, exits 0 and prints no key material', async () => {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = await run(['start', '--silent'], {}, [npm]);
  assert.equal(result.code, 0, result.stderr);
  const out = result.stdout;
  assert.match(
    out,
    /1\. listKeys: 1 key\(s\); found arn:aws:kms:us-east-1:111122223333:key\/e67f95-4c047567-4-a0b7-62f7ce8ec8f48/,
  );
  assert.match(
    out,
    /2\. generateDataKey: a 32-byte data key under arn:aws:kms:us-east-1:111122223333:key\/e67f95-/,
  );
  assert.match(out, /3\. decrypt: the encrypted copy decrypts to the same 32 bytes/);
  assert.match(out, /^OK: /m);
  // The plaintext is unknown here, so look for anything shaped like 32 bytes: 44 base64 or 64 hex characters.
  assert.doesNotMatch(out + result.stderr, /[A-Za-z0-9+/]{43}=|[0-9a-fA-F]{64}/);
});

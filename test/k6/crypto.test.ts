import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { checkCounts, failedChecks, runSandbox, ScriptDir } from './run-sandbox.ts';

const scripts = new ScriptDir();
after(() => scripts.remove());

describe('k6 sandbox: k6/crypto and k6/encoding', () => {
  it('hashes the input types k6 accepts, encodes digests k6s ways and rejects the rest', async () => {
    // Expected values come from node:crypto in this process, not from the emulation under test.
    const view = Buffer.from([2, 3]);
    const key = createHmac('sha256', 'key').update('date').digest();
    const expected = {
      SHA_HEX: createHash('sha256').update('é', 'utf8').digest('hex'),
      SHA_VIEW_B64: createHash('sha256').update(view).digest('base64'),
      HMAC_CHAIN: createHmac('sha256', key).update('region').digest('hex'),
      SHA1_URL: createHash('sha1').update('a').digest('base64url'),
      MD5_HEX: createHash('md5').update('').digest('hex'),
    };
    const script = scripts.write(
      'crypto.js',
      `import crypto from 'k6/crypto';
      import { sha256, hmac, createHash, createHMAC, randomBytes, hexEncode } from 'k6/crypto';
      import { b64encode, b64decode } from 'k6/encoding';
      import { check } from 'k6';
      const throws = (fn, pattern) => { try { fn(); return false; } catch (e) { return pattern.test(e.message); } };
      export default function () {
        check(null, {
          'string is UTF-8': () => sha256('é', 'hex') === __ENV.SHA_HEX,
          'Uint8Array hashes its view': () => sha256(new Uint8Array([1, 2, 3, 4]).subarray(1, 3), 'base64') === __ENV.SHA_VIEW_B64,
          'binary digest is an ArrayBuffer usable as the next key': () => {
            const k = hmac('sha256', 'key', 'date', 'binary');
            return k instanceof ArrayBuffer && hmac('sha256', k, 'region', 'hex') === __ENV.HMAC_CHAIN;
          },
          'base64url is padded, base64rawurl is not': () => crypto.sha1('a', 'base64url') === __ENV.SHA1_URL + '='
            && crypto.sha1('a', 'base64rawurl') === __ENV.SHA1_URL,
          'createHash update/digest': () => { const h = createHash('md5'); h.update(''); return h.digest('hex') === __ENV.MD5_HEX; },
          'createHMAC matches hmac': () => { const h = createHMAC('sha256', 'key'); h.update('da'); h.update('te');
            return h.digest('hex') === hmac('sha256', 'key', 'date', 'hex'); },
          'unknown encoding throws': () => throws(() => sha256('x', 'base64raw'), /invalid output encoding: base64raw/),
          'unknown algorithm throws': () => throws(() => hmac('sha3', 'k', 'x', 'hex'), /invalid algorithm: sha3/),
          'DataView is rejected': () => throws(() => sha256(new DataView(new ArrayBuffer(2)), 'hex'), /invalid type/),
          'Int16Array is rejected': () => throws(() => sha256(new Int16Array(2), 'hex'), /invalid type \\[\\]int16/),
          'undefined is rejected': () => throws(() => sha256(undefined, 'hex'), /invalid type/),
          'randomBytes gives an ArrayBuffer': () => randomBytes(16) instanceof ArrayBuffer && randomBytes(16).byteLength === 16,
          'randomBytes(0) throws': () => throws(() => randomBytes(0), /invalid size/),
          'hexEncode': () => hexEncode(new Uint8Array([0, 171])) === '00ab',
          'b64encode variants': () => b64encode('\\xff\\xfe?') === 'w7/Dvj8=' && b64encode(new Uint8Array([251, 255]), 'rawurl') === '-_8'
            && b64encode(new Uint8Array([251, 255]), 'url') === '-_8=' && b64encode('a', 'rawstd') === 'YQ' && b64encode('a', 'nope') === 'YQ==',
          'b64decode returns an ArrayBuffer': () => { const b = b64decode('AP8='); return b instanceof ArrayBuffer && new Uint8Array(b)[1] === 255; },
          'b64decode s format is UTF-8 text': () => b64decode('w6k=', 'std', 's') === 'é' && b64decode('/w==', 'std', 's') === '\\ufffd',
          'std requires padding': () => throws(() => b64decode('YQ'), /illegal base64 data at input byte/),
          'rawstd forbids padding': () => throws(() => b64decode('YQ==', 'rawstd'), /illegal base64 data/),
          'std rejects the URL alphabet': () => throws(() => b64decode('-_8='), /illegal base64 data at input byte 0/),
          'newlines are skipped': () => new Uint8Array(b64decode('YW\\nJj')).length === 3,
        });
      }`,
    );
    const run = await runSandbox(script, {
      args: Object.entries(expected).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
    });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(failedChecks(run), []);
    assert.equal(checkCounts(run, 'binary digest is an ArrayBuffer usable as the next key').passes, 1);
    assert.equal(checkCounts(run, 'std requires padding').passes, 1);
  });

  it('WebCrypto digests ArrayBuffers, rejects strings and algorithms k6 lacks', async () => {
    const script = scripts.write(
      'webcrypto.js',
      `import { check } from 'k6';
      export default async function () {
        const digest = await crypto.subtle.digest('SHA-256', new Uint8Array([97, 98, 99]));
        let stringError;
        try { await crypto.subtle.digest('SHA-256', 'abc'); } catch (e) { stringError = e; }
        let hkdfError;
        try { await crypto.subtle.importKey('raw', new Uint8Array(4), 'HKDF', false, ['deriveBits']); } catch (e) { hkdfError = e; }
        check(null, {
          'digest is an ArrayBuffer': () => digest instanceof ArrayBuffer && new Uint8Array(digest)[0] === 0xba,
          'strings are rejected': () => stringError !== undefined && !(stringError instanceof Error),
          'HKDF is not supported': () => hkdfError?.name === 'NotSupportedError',
        });
      }`,
    );
    const run = await runSandbox(script);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(failedChecks(run), []);
    assert.equal(checkCounts(run, 'HKDF is not supported').passes, 1);
  });
});

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { thrown } from '../unit/keys.ts';
import { newKey, openssl, opensslVerifies, peer, scratch, signatureScheme, tampered } from './tools.ts';

const files = scratch();
after(files.remove);

const key = await newKey(files, 'ECC_NIST_EDWARDS25519');
const message = Buffer.from('kmslab signs this message with Ed25519');
const messageFile = files.file('message', message);
/** What a caller sends as the DIGEST of ED25519_PH_SHA_512: the message's SHA-512, computed by openssl. */
const digest = openssl(['dgst', '-sha512', '-binary', messageFile]);
const digestFile = files.file('digest', digest);

describe('Ed25519 (ECC_NIST_EDWARDS25519)', () => {
  test('ED25519_SHA_512 (RAW): our signatures verify with openssl, and openssl signatures verify here', async () => {
    const scheme = signatureScheme('ECC_NIST_EDWARDS25519', 'ED25519_SHA_512');
    const ours = scheme.sign(key.material, message, 'RAW');
    assert.equal(ours.length, 64);
    const oursFile = files.file('raw.sig', ours);
    const verify = ['pkeyutl', '-verify', '-pubin', '-inkey', key.publicPem, '-rawin', '-in', messageFile];
    assert.ok(opensslVerifies([...verify, '-sigfile', oursFile]));

    const theirs = openssl(['pkeyutl', '-sign', '-inkey', key.privatePem, '-rawin', '-in', messageFile]);
    assert.equal(scheme.verify(key.material, message, 'RAW', theirs), true);
    assert.equal(scheme.verify(key.material, message, 'RAW', tampered(theirs)), false);
    assert.equal(scheme.verify(key.material, tampered(message), 'RAW', theirs), false);
    assert.equal(scheme.verify(key.material, message, 'RAW', theirs.subarray(1)), false);
  });

  test('ED25519_PH_SHA_512 (DIGEST) is RFC 8032 Ed25519ph over the digest, both ways with libsodium', async () => {
    const scheme = signatureScheme('ECC_NIST_EDWARDS25519', 'ED25519_PH_SHA_512');
    const ours = scheme.sign(key.material, digest, 'DIGEST');
    assert.equal(
      peer('ed25519ph-verify', { privateKey: key.material, message: digest, signature: ours }).valid,
      true,
    );
    assert.equal(
      opensslVerifies([
        ...['pkeyutl', '-verify', '-pubin', '-inkey', key.publicPem, '-rawin', '-in', digestFile],
        ...['-sigfile', files.file('ph.sig', ours)],
      ]),
      false,
      'not a pure Ed25519 signature of the digest',
    );

    const theirs = peer('ed25519ph-sign', { privateKey: key.material, message: digest }).signature;
    assert.ok(Buffer.isBuffer(theirs));
    assert.equal(scheme.verify(key.material, digest, 'DIGEST', theirs), true);
    assert.equal(scheme.verify(key.material, digest, 'DIGEST', tampered(theirs)), false);
    assert.equal(scheme.verify(key.material, tampered(digest), 'DIGEST', theirs), false);
  });

  test('each algorithm takes one message type, and a prehash digest is 64 bytes, in the words AWS answers', async () => {
    const raw = signatureScheme('ECC_NIST_EDWARDS25519', 'ED25519_SHA_512');
    const ph = signatureScheme('ECC_NIST_EDWARDS25519', 'ED25519_PH_SHA_512');
    const cases: [(Error & { type?: string }) | undefined, string][] = [
      [
        thrown(() => raw.sign(key.material, digest, 'DIGEST')),
        'Message type DIGEST is incompatible with algorithm ED25519_SHA_512.',
      ],
      [
        thrown(() => ph.sign(key.material, message, 'RAW')),
        'Message type RAW is incompatible with algorithm ED25519_PH_SHA_512.',
      ],
      [
        thrown(() => ph.verify(key.material, digest.subarray(32), 'DIGEST', Buffer.alloc(64))),
        'Digest is invalid length for algorithm ED25519_PH_SHA_512.',
      ],
      [
        thrown(() => raw.verify(key.material, digest, 'EXTERNAL_MU', Buffer.alloc(64))),
        'Message type EXTERNAL_MU is incompatible with algorithm ED25519_SHA_512.',
      ],
    ];
    for (const [error, expected] of cases)
      assert.deepEqual(
        { type: error?.type, message: error?.message },
        { type: 'ValidationException', message: expected },
      );
  });
});

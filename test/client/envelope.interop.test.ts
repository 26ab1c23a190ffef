// Our envelope messages and the AWS Encryption SDK's (@aws-crypto/client-node), both ways, against kmslab: the
// signed default suite and the unsigned committing suite, two KMS keys that each decrypt alone, the encryption
// context carried and checked, and altered messages refused.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  type AlgorithmSuiteId,
  AlgorithmSuiteIdentifier,
  decrypt,
  EnvelopeError,
  encrypt,
  KmsKeyring,
} from '../../src/client/envelope/index.ts';
import { type EnvelopeLab, startEnvelopeLab } from '../helpers/envelope.ts';
import { rejection } from '../helpers/rejection.ts';

const SUITES: [string, AlgorithmSuiteId][] = [
  ['signed (0x0578)', AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384],
  ['unsigned (0x0478)', AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY],
];
const CONTEXT = { tenant: 'acme', 'purpose with spaces': 'envelope interop ✓' };

describe('envelope messages and the AWS Encryption SDK for JavaScript, against kmslab', () => {
  let env: EnvelopeLab;
  let first: string;
  let second: string;
  before(async () => {
    env = await startEnvelopeLab(2);
    [first = '', second = ''] = env.keyArns;
  });
  after(() => env?.stop());

  for (const [name, suiteId] of SUITES) {
    describe(name, () => {
      it('the ESDK decrypts ours with either key alone, with our context and suite', async () => {
        const ours = new KmsKeyring(env.kms, { generatorKeyId: first, keyIds: [second] });
        // Sizes around the 4096-byte frame: empty, within one frame, exactly one, several with a remainder.
        for (const size of [0, 1000, 4096, 10_000]) {
          const plaintext = randomBytes(size);
          const { ciphertext, messageHeader } = await encrypt(ours, plaintext, {
            suiteId,
            encryptionContext: CONTEXT,
          });
          assert.equal(messageHeader.encryptedDataKeys.length, 2);
          for (const keyring of [
            env.esdkKeyring({ generatorKeyId: first }),
            env.esdkKeyring({ keyIds: [second] }),
          ]) {
            const out = await env.esdk.decrypt(keyring, ciphertext);
            assert.deepEqual(out.plaintext, plaintext, `size ${size}`);
            assert.equal(out.messageHeader.suiteId, suiteId);
            assert.equal(out.messageHeader.frameLength, 4096);
            for (const [key, value] of Object.entries(CONTEXT))
              assert.equal(out.messageHeader.encryptionContext[key], value);
          }
        }
      });

      it('the ESDK decrypts ours with any frame length', async () => {
        const ours = new KmsKeyring(env.kms, { generatorKeyId: first });
        const plaintext = randomBytes(1000);
        for (const frameLength of [1, 100, 999, 1000, 1001]) {
          const { ciphertext } = await encrypt(ours, plaintext, { suiteId, frameLength });
          const out = await env.esdk.decrypt(env.esdkKeyring({ generatorKeyId: first }), ciphertext);
          assert.deepEqual(out.plaintext, plaintext, `frame length ${frameLength}`);
        }
      });

      it('ours decrypts the ESDK’s with either key alone, and returns its context', async () => {
        const theirs = env.esdkKeyring({ generatorKeyId: first, keyIds: [second] });
        for (const size of [0, 1000, 10_000]) {
          const plaintext = randomBytes(size);
          const { result } = await env.esdk.encrypt(theirs, plaintext, {
            suiteId: suiteId as never,
            encryptionContext: CONTEXT,
          });
          for (const keyring of [
            new KmsKeyring(env.kms, { keyIds: [first] }),
            new KmsKeyring(env.kms, { keyIds: [second] }),
          ]) {
            const out = await decrypt(keyring, result, { encryptionContext: CONTEXT });
            assert.deepEqual(Buffer.from(out.plaintext), plaintext, `size ${size}`);
            assert.equal(out.messageHeader.suiteId, suiteId);
            assert.equal(
              Object.hasOwn(out.messageHeader.encryptionContext, 'aws-crypto-public-key'),
              name.startsWith('signed'),
            );
            for (const [key, value] of Object.entries(CONTEXT))
              assert.equal(out.messageHeader.encryptionContext[key], value);
          }
        }
      });

      it('a required encryption context that the message lacks or contradicts fails, before any KMS call', async () => {
        const theirs = env.esdkKeyring({ generatorKeyId: first });
        const { result } = await env.esdk.encrypt(theirs, 'secret', {
          suiteId: suiteId as never,
          encryptionContext: CONTEXT,
        });
        const ours = new KmsKeyring(env.kms, { keyIds: [first] });
        const since = env.lab.logs.length;
        const contradictions: Record<string, string>[] = [
          { tenant: 'other' },
          { missing: 'x' },
          { ...CONTEXT, extra: 'y' },
        ];
        for (const required of contradictions) {
          const error = await rejection(decrypt(ours, result, { encryptionContext: required }));
          assert.ok(error instanceof EnvelopeError, String(error));
          assert.match(error.message, /encryption context does not match/);
        }
        assert.equal(env.count('Decrypt', since), 0);
        assert.equal(
          Buffer.from(
            (await decrypt(ours, result, { encryptionContext: { tenant: 'acme' } })).plaintext,
          ).toString(),
          'secret',
        );
      });

      it('an altered byte anywhere in an ESDK message makes ours fail with an EnvelopeError', async () => {
        const { result } = await env.esdk.encrypt(
          env.esdkKeyring({ generatorKeyId: first }),
          randomBytes(100),
          {
            suiteId: suiteId as never,
            encryptionContext: { tenant: 'acme' },
          },
        );
        const ours = new KmsKeyring(env.kms, { keyIds: [first] });
        for (let i = 0; i < result.length; i++) {
          const altered = Buffer.from(result);
          altered[i] = (altered[i] ?? 0) ^ 0x01;
          const error = await rejection(decrypt(ours, altered));
          assert.ok(error instanceof EnvelopeError, `byte ${i}: ${error}`);
        }
        const truncated = await rejection(decrypt(ours, result.subarray(0, result.length - 1)));
        assert.ok(truncated instanceof EnvelopeError);
        const extended = await rejection(decrypt(ours, Buffer.concat([result, Buffer.of(0)])));
        assert.ok(extended instanceof EnvelopeError);
      });

      it('the ESDK refuses ours with an altered byte', async () => {
        const { ciphertext } = await encrypt(
          new KmsKeyring(env.kms, { generatorKeyId: first }),
          randomBytes(100),
          {
            suiteId,
            encryptionContext: { tenant: 'acme' },
          },
        );
        const keyring = env.esdkKeyring({ generatorKeyId: first });
        // In the header, in the final frame (the signature takes at most 106 bytes), the last byte.
        for (const i of [40, ciphertext.length - 120, ciphertext.length - 1]) {
          const altered = Buffer.from(ciphertext);
          altered[i] = (altered[i] ?? 0) ^ 0x01;
          await assert.rejects(env.esdk.decrypt(keyring, altered), `byte ${i}`);
        }
      });
    });
  }

  it('a message whose keys are all outside the keyring names them, and calls KMS for none', async () => {
    const { ciphertext } = await encrypt(new KmsKeyring(env.kms, { generatorKeyId: first }), 'x');
    const since = env.lab.logs.length;
    const error = await rejection(decrypt(new KmsKeyring(env.kms, { keyIds: [second] }), ciphertext));
    assert.ok(error instanceof EnvelopeError);
    assert.ok(error.message.includes(first) && error.message.includes(second), error.message);
    assert.equal(env.count('Decrypt', since), 0);
  });

  it('a KMS refusal is reported per key, and the next key is tried', async () => {
    const both = new KmsKeyring(env.kms, { generatorKeyId: first, keyIds: [second] });
    const { ciphertext } = await encrypt(both, 'two copies');
    await env.kms.send('DisableKey', { KeyId: first });
    try {
      const out = await decrypt(both, ciphertext);
      assert.equal(Buffer.from(out.plaintext).toString(), 'two copies');
      const error = await rejection(decrypt(new KmsKeyring(env.kms, { keyIds: [first] }), ciphertext));
      assert.ok(error instanceof EnvelopeError);
      assert.match(error.message, /DisabledException/);
    } finally {
      await env.kms.send('EnableKey', { KeyId: first });
    }
  });
});

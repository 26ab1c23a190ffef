// Envelope encryption inside the k6 sandbox, as k6 would run it, against a real KMS. It prints the messages it
// encrypts (`MESSAGE <suite> <base64>`) for the test to decrypt with the AWS Encryption SDK, decrypts the SDK's
// messages it is given (ESDK_SIGNED, ESDK_UNSIGNED), refuses a wrong context and altered bytes, and encrypts
// CACHED_MESSAGES messages through the data-key cache under KEY_3 for the test to count the KMS calls.
import { check } from 'k6';
import { b64decode, b64encode } from 'k6/encoding';
import {
  AlgorithmSuiteIdentifier,
  CachingMaterialsManager,
  decrypt,
  EnvelopeError,
  encrypt,
  KmsKeyring,
} from '../../../dist/k6/envelope.js';
import { AWSConfig, KMSClient } from '../../../dist/k6/kms.js';

export const options = { vus: 1, iterations: 1 };

const kms = new KMSClient(AWSConfig.fromEnvironment(), { maxAttempts: 1 });
const both = new KmsKeyring(kms, { generatorKeyId: __ENV.KEY_1, keyIds: [__ENV.KEY_2] });
const onlyFirst = new KmsKeyring(kms, { keyIds: [__ENV.KEY_1] });
const onlySecond = new KmsKeyring(kms, { keyIds: [__ENV.KEY_2] });
const CONTEXT = JSON.parse(__ENV.CONTEXT);
const SUITES = {
  signed: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
  unsigned: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY,
};

/** UTF-8 bytes to a string with what k6 v1 has (no TextDecoder). */
function text(bytes) {
  return b64decode(b64encode(bytes), 'std', 's');
}

/** What a promise rejects with; undefined when it resolves. */
const rejection = (promise) =>
  promise.then(
    () => undefined,
    (error) => error,
  );

export default async function () {
  for (const [name, suiteId] of Object.entries(SUITES)) {
    const { ciphertext } = await encrypt(both, __ENV.PLAINTEXT, { suiteId, encryptionContext: CONTEXT });
    console.log(`MESSAGE ${name} ${b64encode(ciphertext)}`);
    const viaFirst = await decrypt(onlyFirst, ciphertext, { encryptionContext: CONTEXT });
    const viaSecond = await decrypt(onlySecond, ciphertext);
    check(null, {
      [`${name}: the generator key alone decrypts ours`]: () => text(viaFirst.plaintext) === __ENV.PLAINTEXT,
      [`${name}: the other key alone decrypts ours`]: () => text(viaSecond.plaintext) === __ENV.PLAINTEXT,
    });

    const theirs = b64decode(__ENV[`ESDK_${name.toUpperCase()}`], 'std');
    for (const [keyName, keyring] of [
      ['first', onlyFirst],
      ['second', onlySecond],
    ]) {
      const out = await decrypt(keyring, theirs, { encryptionContext: CONTEXT });
      check(out, {
        [`${name}: the ${keyName} key alone decrypts the ESDK's message`]: (o) =>
          text(o.plaintext) === __ENV.PLAINTEXT && o.messageHeader.suiteId === suiteId,
      });
    }

    const wrongContext = await rejection(decrypt(both, theirs, { encryptionContext: { tenant: 'other' } }));
    check(wrongContext, {
      [`${name}: a wrong encryption context fails`]: (e) =>
        e instanceof EnvelopeError && /encryption context does not match/.test(e.message),
    });
    // A byte in the header, one in the body, and the last one (the signature, or the final frame's tag).
    for (const index of [40, ciphertext.length - 120, ciphertext.length - 1]) {
      const altered = ciphertext.slice();
      altered[index] ^= 1;
      const tampered = await rejection(decrypt(both, altered));
      check(tampered, { [`${name}: an altered byte fails`]: (e) => e instanceof EnvelopeError });
    }
  }

  const cache = new CachingMaterialsManager({
    keyring: new KmsKeyring(kms, { generatorKeyId: __ENV.KEY_3 }),
    maxAge: 60_000,
    maxMessagesEncrypted: Number(__ENV.MAX_MESSAGES),
  });
  for (let i = 0; i < Number(__ENV.CACHED_MESSAGES); i++) {
    const { ciphertext } = await encrypt(cache, `cached message ${i}`, { encryptionContext: CONTEXT });
    const out = await decrypt(cache, ciphertext);
    check(out, { 'cached: each message decrypts': (o) => text(o.plaintext) === `cached message ${i}` });
    if (i === 0) console.log(`MESSAGE cached ${b64encode(ciphertext)}`);
  }
}

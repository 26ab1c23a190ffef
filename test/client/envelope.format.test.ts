// The parts of envelope encryption that no peer exercises on its own: the P-384 encodings the k6 runtime needs
// (checked against OpenSSL through node:crypto), non-framed messages (the ESDK no longer writes them; built here
// with node:crypto), the encryption context's byte order, and the errors for bad arguments and non-messages.
import assert from 'node:assert/strict';
import {
  createCipheriv,
  createECDH,
  ECDH,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { serializeEncryptionContext, serializeHeaderBody } from '../../src/client/envelope/format.ts';
import {
  AlgorithmSuiteIdentifier,
  decrypt,
  EnvelopeError,
  encrypt,
  KmsKeyring,
} from '../../src/client/envelope/index.ts';
import { compressPoint, decompressPoint, derToP1363, p1363ToDer } from '../../src/client/runtime/p384.ts';
import { type EnvelopeLab, startEnvelopeLab } from '../helpers/envelope.ts';
import { rejection } from '../helpers/rejection.ts';

describe('P-384 encodings for WebCrypto (the k6 runtime), against OpenSSL', () => {
  it('compresses and decompresses public points as OpenSSL does', () => {
    for (let i = 0; i < 50; i++) {
      const ecdh = createECDH('secp384r1');
      ecdh.generateKeys();
      const uncompressed = ecdh.getPublicKey();
      const compressed = ecdh.getPublicKey(null, 'compressed');
      assert.deepEqual(Buffer.from(compressPoint(uncompressed)), compressed);
      assert.deepEqual(Buffer.from(decompressPoint(compressed)), uncompressed);
    }
  });

  it('refuses an x with no point on the curve, a wrong prefix or length', () => {
    const ecdh = createECDH('secp384r1');
    ecdh.generateKeys();
    const compressed = ecdh.getPublicKey(null, 'compressed');
    let refused = 0;
    for (let delta = 1; refused < 5; delta++) {
      const other = Buffer.from(compressed);
      other[48] = ((other[48] ?? 0) + delta) & 0xff;
      let openssl: Buffer | undefined;
      try {
        openssl = ECDH.convertKey(other, 'secp384r1', undefined, undefined, 'uncompressed') as Buffer;
      } catch {
        openssl = undefined;
      }
      if (openssl) assert.deepEqual(Buffer.from(decompressPoint(other)), openssl);
      else {
        assert.throws(() => decompressPoint(other));
        refused++;
      }
    }
    assert.throws(() => decompressPoint(Buffer.concat([Buffer.of(4), compressed.subarray(1)])));
    assert.throws(() => decompressPoint(compressed.subarray(0, 48)));
  });

  it('converts signatures between r||s and DER both ways, as OpenSSL reads them', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const data = Buffer.from('signed bytes');
    // Half of all r and s have their high bit set, which DER pads with a zero byte.
    for (let i = 0; i < 100; i++) {
      const p1363 = sign('sha384', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      const der = p1363ToDer(p1363);
      assert.ok(verify('sha384', data, { key: publicKey, dsaEncoding: 'der' }, der));
      assert.deepEqual(Buffer.from(derToP1363(der) ?? []), p1363);
      const openssl = sign('sha384', data, privateKey);
      assert.ok(
        verify(
          'sha384',
          data,
          { key: publicKey, dsaEncoding: 'ieee-p1363' },
          derToP1363(openssl) ?? Buffer.of(),
        ),
      );
    }
    // Leading zero bytes (1 in 256 signatures) are dropped in DER and restored in r||s.
    const r = Buffer.concat([Buffer.alloc(47), Buffer.of(5)]);
    const s = Buffer.concat([Buffer.of(0x80), Buffer.alloc(47, 1)]);
    const der = p1363ToDer(Buffer.concat([r, s]));
    assert.deepEqual(
      Buffer.from(der),
      Buffer.concat([Buffer.from('30360201050231', 'hex'), Buffer.of(0), s]),
    );
    assert.deepEqual(Buffer.from(derToP1363(der) ?? []), Buffer.concat([r, s]));
  });

  it('reads no DER that is not exactly one SEQUENCE of two INTEGERs', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const der = sign('sha384', Buffer.of(1), privateKey);
    for (const bad of [
      Buffer.concat([der, Buffer.of(0)]),
      der.subarray(0, der.length - 1),
      Buffer.concat([Buffer.of(0x31), der.subarray(1)]),
      Buffer.of(0x30, 0x00),
      Buffer.of(0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x02, 0x01),
      Buffer.concat([Buffer.of(0x30, 0x36, 0x02, 0x31), Buffer.alloc(49, 1), Buffer.of(0x02, 0x01, 0x01)]),
    ]) {
      assert.equal(derToP1363(bad), undefined, bad.toString('hex'));
    }
  });
});

describe('envelope messages: format details and arguments', () => {
  let env: EnvelopeLab;
  let keyring: KmsKeyring;
  let arn: string;
  before(async () => {
    env = await startEnvelopeLab(1);
    arn = env.keyArns[0] ?? '';
    keyring = new KmsKeyring(env.kms, { generatorKeyId: arn });
  });
  after(() => env?.stop());

  it('sorts the encryption context by the keys’ UTF-8 bytes, not by JavaScript’s UTF-16 order', () => {
    // U+FB01 is EF AC 81 in UTF-8 and U+1F600 is F0 9F 98 80: in UTF-16 the order is the other way round.
    const serialized = Buffer.from(serializeEncryptionContext({ '😀': '1', ﬁ: '2', a: '3' }));
    assert.deepEqual(
      serialized,
      Buffer.concat([
        Buffer.from('0003', 'hex'),
        ...[
          ['a', '3'],
          ['ﬁ', '2'],
          ['😀', '1'],
        ].flatMap(([key = '', value = '']) => [
          Buffer.from([0, Buffer.byteLength(key)]),
          Buffer.from(key),
          Buffer.from([0, Buffer.byteLength(value)]),
          Buffer.from(value),
        ]),
      ]),
    );
    assert.equal(serializeEncryptionContext({}).length, 0);
  });

  it('decrypts a non-framed version 2 message (written here with node:crypto, as older SDKs could)', async () => {
    const suiteId = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;
    const context = { kind: 'non-framed' };
    const dataKey = await env.kms.generateDataKey(arn, { numberOfBytes: 32, encryptionContext: context });
    const messageId = randomBytes(32);
    const ikm = Buffer.from(dataKey.plaintext, 'base64');
    const info = Buffer.concat([Buffer.of(suiteId >> 8, suiteId & 0xff), Buffer.from('DERIVEKEY')]);
    const key = Buffer.from(hkdfSync('sha512', ikm, messageId, info, 32));
    const commitment = Buffer.from(hkdfSync('sha512', ikm, messageId, 'COMMITKEY', 32));
    const headerBody = serializeHeaderBody(
      {
        version: 2,
        suiteId,
        messageId,
        encryptionContext: context,
        encryptedDataKeys: [
          {
            providerId: 'aws-kms',
            providerInfo: arn,
            encryptedDataKey: Buffer.from(dataKey.ciphertextBlob, 'base64'),
          },
        ],
        contentType: 1,
        frameLength: 0,
      },
      commitment,
    );
    const seal = (iv: Buffer, plaintext: Buffer, aad: Uint8Array) => {
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
      return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    };
    const plaintext = randomBytes(5000);
    const iv = Buffer.alloc(12);
    iv.writeUInt32BE(1, 8);
    const length = Buffer.alloc(8);
    length.writeBigUInt64BE(BigInt(plaintext.length));
    const bodyAad = Buffer.concat([
      messageId,
      Buffer.from('AWSKMSEncryptionClient Single Block'),
      Buffer.from('00000001', 'hex'),
      length,
    ]);
    const message = Buffer.concat([
      headerBody,
      seal(Buffer.alloc(12), Buffer.alloc(0), headerBody),
      iv,
      length,
      seal(iv, plaintext, bodyAad),
    ]);
    const out = await decrypt(keyring, message);
    assert.deepEqual(Buffer.from(out.plaintext), plaintext);
    assert.equal(out.messageHeader.contentType, 1);
    message[message.length - 20] = (message[message.length - 20] ?? 0) ^ 1;
    assert.ok((await rejection(decrypt(keyring, message))) instanceof EnvelopeError);
  });

  it('accepts plaintext as a string (UTF-8), bytes or an ArrayBuffer, and ciphertext as bytes or an ArrayBuffer', async () => {
    const text = 'héllo ✓';
    for (const plaintext of [text, Buffer.from(text), new Uint8Array(Buffer.from(text)).buffer]) {
      const { ciphertext } = await encrypt(keyring, plaintext);
      const copy = ciphertext.slice().buffer;
      assert.equal(Buffer.from((await decrypt(keyring, copy)).plaintext).toString(), text);
    }
  });

  it('rejects bad arguments with an EnvelopeError naming what is wrong, before any KMS call', async () => {
    const since = env.lab.logs.length;
    const cases: [() => Promise<unknown>, RegExp][] = [
      [() => encrypt(keyring, 42 as never), /invalid plaintext/],
      [() => encrypt(keyring, 'x', { suiteId: 0x0378 as never }), /invalid suiteId/],
      [() => encrypt(keyring, 'x', { frameLength: 0 }), /invalid frameLength/],
      [() => encrypt(keyring, 'x', { frameLength: 2 ** 32 }), /invalid frameLength/],
      [() => encrypt(keyring, 'x', { encryptionContext: { a: 1 as never } }), /'a' is not a string/],
      [() => encrypt(keyring, 'x', { encryptionContext: { 'aws-crypto-public-key': 'x' } }), /reserved/],
      [() => encrypt({} as never, 'x'), /expected a KmsKeyring/],
      [() => encrypt(new KmsKeyring(env.kms, { keyIds: [arn] }), 'x'), /no generatorKeyId/],
      [() => decrypt(keyring, 'text' as never), /invalid ciphertext/],
      [() => decrypt(keyring, Buffer.alloc(0)), /malformed message/],
      [() => decrypt(keyring, Buffer.from('{"not":"a message"}')), /not an AWS Encryption SDK message/],
      [() => decrypt(keyring, Buffer.concat([Buffer.of(1, 0x80, 0x05, 0x78), randomBytes(60)])), /version 1/],
      [
        () => decrypt(keyring, Buffer.concat([Buffer.of(2, 0x03, 0x78), randomBytes(60)])),
        /unsupported algorithm suite 0x378/,
      ],
    ];
    for (const [call, message] of cases) {
      const error = await rejection(call());
      assert.ok(error instanceof EnvelopeError, `${message}: ${error}`);
      assert.match(error.message, message);
    }
    for (const options of [{}, { generatorKeyId: '' }, { keyIds: 'x' as never }, { keyIds: [''] }]) {
      assert.throws(() => new KmsKeyring(env.kms, options), EnvelopeError, JSON.stringify(options));
    }
    assert.throws(() => new KmsKeyring({} as never, { generatorKeyId: arn }), EnvelopeError);
    assert.equal(env.lab.logs.length, since);
    const oversized = await rejection(
      encrypt(keyring, 'x', { encryptionContext: { big: 'v'.repeat(70_000) } }),
    );
    assert.ok(oversized instanceof EnvelopeError);
    assert.match(oversized.message, /'big' is 70000 bytes of UTF-8; the message format allows 65535/);
  });

  it('keeps context keys such as __proto__ as plain keys', async () => {
    const context = JSON.parse('{"__proto__":"x","constructor":"y"}') as Record<string, string>;
    const { ciphertext } = await encrypt(keyring, 'p', { encryptionContext: context });
    const out = await decrypt(keyring, ciphertext, { encryptionContext: context });
    assert.equal(Object.getPrototypeOf(out.messageHeader.encryptionContext), Object.prototype);
    assert.equal(Object.hasOwn(out.messageHeader.encryptionContext, '__proto__'), true);
    assert.equal(out.messageHeader.encryptionContext.constructor, 'y');
  });
});

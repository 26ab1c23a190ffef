import assert from 'node:assert/strict';
import { createDecipheriv } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assertServiceError, type Cli, startCli } from '../helpers/aws-cli.ts';
import type { Kmslab } from '../helpers/kmslab.ts';

/**
 * Imported key material, the way AWS documents it ("Importing key material", steps 1-4): the AWS CLI v2 asks for
 * a wrapping public key and an import token, openssl wraps material made outside kmslab (`openssl pkeyutl
 * -encrypt` with RSAES-OAEP SHA-256, and for RSA_AES_KEY_WRAP `openssl enc -id-aes256-wrap-pad`), and the CLI
 * imports it. What kmslab then encrypts under the key is opened here with the material itself, by node:crypto
 * from kmslab's documented blob layout (src/server/crypto/ciphertext.ts): proof that the key holds exactly the
 * bytes openssl wrapped. HMAC and signing keys are proved the same way: openssl's HMAC with the material equals
 * kmslab's MAC, and kmslab's signatures verify with openssl against the public half of the private key it made.
 */

/** AWS's documented OAEP SHA-256 wrapping of a file with the wrapping public key (DER). */
const OAEP_SHA256 =
  '-keyform DER -pubin -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256';

function u32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value, 0);
  return out;
}

/**
 * Opens a kmslab ciphertext blob (version 2, no encryption context) of a single-Region key with the key material:
 * header = version | u16 key-id length | key id | 32-byte material id | 12-byte IV, then AES-256-GCM ciphertext
 * and tag; authenticated with the header, the key's identity (account, region, key ID) and an empty context.
 */
function openBlob(blob: Buffer, material: Buffer, identity: string[]): Buffer {
  assert.equal(blob[0], 2, 'a version-2 blob');
  const headerLength = 3 + blob.readUInt16BE(1) + 32 + 12;
  const header = blob.subarray(0, headerLength);
  const iv = header.subarray(headerLength - 12);
  const aad = Buffer.concat([
    header,
    u32(identity.length),
    ...identity.flatMap((field) => [u32(Buffer.byteLength(field)), Buffer.from(field)]),
    u32(0),
  ]);
  const decipher = createDecipheriv('aes-256-gcm', material, iv);
  decipher.setAAD(aad);
  decipher.setAuthTag(blob.subarray(blob.length - 16));
  return Buffer.concat([decipher.update(blob.subarray(headerLength, blob.length - 16)), decipher.final()]);
}

describe('imported key material through the AWS CLI v2 and openssl', { concurrency: 2 }, () => {
  let server: Kmslab;
  let cli: Cli;
  let stop: (() => Promise<void>) | undefined;

  before(async () => {
    ({ server, cli, stop } = await startCli());
  });
  after(() => stop?.());

  /** Step 2: the wrapping public key (DER) and import token written to files of `prefix`. */
  async function downloadParameters(keyId: string, algorithm: string, spec: string, prefix: string) {
    const parameters = await cli.json([
      'get-parameters-for-import',
      '--key-id',
      keyId,
      '--wrapping-algorithm',
      algorithm,
      '--wrapping-key-spec',
      spec,
    ]);
    const publicKey = join(cli.dir, `${prefix}-WrappingPublicKey.bin`);
    const token = join(cli.dir, `${prefix}-ImportToken.bin`);
    await writeFile(publicKey, Buffer.from(String(parameters.PublicKey), 'base64'));
    await writeFile(token, Buffer.from(String(parameters.ImportToken), 'base64'));
    return { publicKey, token, parameters };
  }

  async function shell(script: string): Promise<void> {
    const result = await cli.shell(script);
    assert.equal(result.code, 0, `${script}\n${result.stderr}`);
  }

  async function importMaterial(keyId: string, encrypted: string, token: string, ...extra: string[]) {
    return cli.kms([
      'import-key-material',
      '--key-id',
      keyId,
      '--encrypted-key-material',
      `fileb://${encrypted}`,
      '--import-token',
      `fileb://${token}`,
      ...(extra.length > 0 ? extra : ['--expiration-model', 'KEY_MATERIAL_DOES_NOT_EXPIRE']),
    ]);
  }

  async function encrypt(keyId: string, text: string): Promise<Buffer> {
    const file = join(cli.dir, `plain-${keyId}.txt`);
    await writeFile(file, text);
    const encrypted = await cli.json(['encrypt', '--key-id', keyId, '--plaintext', `fileb://${file}`]);
    return Buffer.from(String(encrypted.CiphertextBlob), 'base64');
  }

  test('symmetric material wrapped with RSAES_OAEP_SHA_256: imported, used, deleted, re-imported; only the same material comes back', async () => {
    const created = await cli.json(['create-key', '--origin', 'EXTERNAL', '--description', 'imported']);
    const metadata = created.KeyMetadata as Record<string, unknown>;
    assert.equal(metadata.KeyState, 'PendingImport');
    assert.equal(metadata.Origin, 'EXTERNAL');
    const keyId = String(metadata.KeyId);

    const { publicKey, token, parameters } = await downloadParameters(
      keyId,
      'RSAES_OAEP_SHA_256',
      'RSA_3072',
      'sym',
    );
    assert.equal(parameters.KeyId, metadata.Arn);
    // The CLI prints timestamps as ISO 8601.
    const validFor = Date.parse(String(parameters.ParametersValidTo)) - Date.now();
    assert.ok(Math.abs(validFor - 24 * 3600_000) < 60_000, 'the parameters are valid for 24 hours');
    const material = join(cli.dir, 'sym-PlaintextKeyMaterial.bin');
    const wrapped = join(cli.dir, 'sym-EncryptedKeyMaterial.bin');
    await shell(
      `openssl rand -out ${material} 32 && ` +
        `openssl pkeyutl -encrypt -in ${material} -out ${wrapped} -inkey ${publicKey} ${OAEP_SHA256}`,
    );
    const imported = await importMaterial(keyId, wrapped, token);
    assert.equal(imported.code, 0, imported.stderr);

    const described = (await cli.json(['describe-key', '--key-id', keyId])).KeyMetadata as Record<
      string,
      unknown
    >;
    assert.equal(described.KeyState, 'Enabled');
    assert.equal(described.ExpirationModel, 'KEY_MATERIAL_DOES_NOT_EXPIRE');
    const blob = await encrypt(keyId, 'under imported material');
    const bytes = await readFile(material);
    assert.equal(
      openBlob(blob, bytes, [server.accountId, server.region, keyId]).toString(),
      'under imported material',
      'the ciphertext opens with the material openssl made',
    );

    // Deleted: the key waits for an import, and says so as AWS does.
    assert.equal((await cli.kms(['delete-imported-key-material', '--key-id', keyId])).code, 0);
    assertServiceError(
      await cli.kms(['encrypt', '--key-id', keyId, '--plaintext', 'eA==']),
      'KMSInvalidStateException',
      'is pending import.',
    );

    // Other material is refused, the same material (wrapped anew under new parameters) restores the key.
    const again = await downloadParameters(keyId, 'RSAES_OAEP_SHA_1', 'RSA_2048', 'sym2');
    const other = join(cli.dir, 'sym-other.bin');
    const otherWrapped = join(cli.dir, 'sym-other-wrapped.bin');
    const sameWrapped = join(cli.dir, 'sym-same-wrapped.bin');
    const sha1 = OAEP_SHA256.replaceAll('sha256', 'sha1');
    await shell(
      `openssl rand -out ${other} 32 && ` +
        `openssl pkeyutl -encrypt -in ${other} -out ${otherWrapped} -inkey ${again.publicKey} ${sha1} && ` +
        `openssl pkeyutl -encrypt -in ${material} -out ${sameWrapped} -inkey ${again.publicKey} ${sha1}`,
    );
    assertServiceError(
      await importMaterial(keyId, otherWrapped, again.token),
      'IncorrectKeyMaterialException',
    );
    assert.equal((await importMaterial(keyId, sameWrapped, again.token)).code, 0);
    const decrypted = await cli.json(['decrypt', '--ciphertext-blob', `fileb://${await writeBlob(blob)}`]);
    assert.equal(Buffer.from(String(decrypted.Plaintext), 'base64').toString(), 'under imported material');
  });

  async function writeBlob(blob: Buffer): Promise<string> {
    const file = join(cli.dir, `blob-${blob.subarray(-8).toString('hex')}.bin`);
    await writeFile(file, blob);
    return file;
  }

  test('an import token works only for its own key, and wrapping that does not open is refused', async () => {
    const [first, second] = await Promise.all([
      cli.json(['create-key', '--origin', 'EXTERNAL']),
      cli.json(['create-key', '--origin', 'EXTERNAL']),
    ]);
    const firstId = String((first.KeyMetadata as Record<string, unknown>).KeyId);
    const secondId = String((second.KeyMetadata as Record<string, unknown>).KeyId);
    const { publicKey, token } = await downloadParameters(firstId, 'RSAES_OAEP_SHA_256', 'RSA_2048', 'bound');
    const material = join(cli.dir, 'bound-material.bin');
    const wrapped = join(cli.dir, 'bound-wrapped.bin');
    await shell(
      `openssl rand -out ${material} 32 && ` +
        `openssl pkeyutl -encrypt -in ${material} -out ${wrapped} -inkey ${publicKey} ${OAEP_SHA256}`,
    );
    assertServiceError(await importMaterial(secondId, wrapped, token), 'InvalidImportTokenException');
    // Wrapped with SHA-1 where the token says SHA-256.
    const sha1Wrapped = join(cli.dir, 'bound-sha1.bin');
    await shell(
      `openssl pkeyutl -encrypt -in ${material} -out ${sha1Wrapped} -inkey ${publicKey} ${OAEP_SHA256.replaceAll('sha256', 'sha1')}`,
    );
    assertServiceError(await importMaterial(firstId, sha1Wrapped, token), 'InvalidCiphertextException');
    assert.equal((await importMaterial(firstId, wrapped, token)).code, 0);
  });

  /**
   * AWS's documented RSA_AES_KEY_WRAP wrapping of `material` (a file): a fresh AES-256 key wraps it with
   * `openssl enc -id-aes256-wrap-pad`, the AES key goes under the wrapping public key with OAEP SHA-256, and the
   * two are concatenated. Returns the EncryptedKeyMaterial file.
   */
  async function aesKeyWrap(material: string, publicKey: string, prefix: string): Promise<string> {
    const d = (name: string) => join(cli.dir, `${prefix}-${name}`);
    await shell(
      `openssl rand -out ${d('aes.bin')} 32 && ` +
        `openssl enc -id-aes256-wrap-pad -K $(xxd -p -c 64 ${d('aes.bin')}) -iv A65959A6 ` +
        `-in ${material} -out ${d('key-wrapped.bin')} && ` +
        `openssl pkeyutl -encrypt -in ${d('aes.bin')} -out ${d('aes-wrapped.bin')} -inkey ${publicKey} ${OAEP_SHA256} && ` +
        `cat ${d('aes-wrapped.bin')} ${d('key-wrapped.bin')} > ${d('EncryptedKeyMaterial.bin')}`,
    );
    return d('EncryptedKeyMaterial.bin');
  }

  /** An EXTERNAL key of `create`'s spec holding `material` (a file), imported with RSA_AES_KEY_WRAP_SHA_256. */
  async function importedKey(create: string[], material: string, prefix: string): Promise<string> {
    const created = await cli.json(['create-key', '--origin', 'EXTERNAL', ...create]);
    const keyId = String((created.KeyMetadata as Record<string, unknown>).KeyId);
    const { publicKey, token } = await downloadParameters(
      keyId,
      'RSA_AES_KEY_WRAP_SHA_256',
      'RSA_4096',
      prefix,
    );
    const imported = await importMaterial(keyId, await aesKeyWrap(material, publicKey, prefix), token);
    assert.equal(imported.code, 0, imported.stderr);
    return keyId;
  }

  test("HMAC_256 material wrapped with RSA_AES_KEY_WRAP_SHA_256: kmslab's MAC equals openssl's HMAC with that material", async () => {
    const d = (name: string) => join(cli.dir, `hmac-${name}`);
    await shell(`openssl rand -out ${d('key.bin')} 32 && printf 'MAC me, openssl' > ${d('message.txt')}`);
    const keyId = await importedKey(
      ['--key-spec', 'HMAC_256', '--key-usage', 'GENERATE_VERIFY_MAC'],
      d('key.bin'),
      'hmac',
    );
    const metadata = (await cli.json(['describe-key', '--key-id', keyId])).KeyMetadata as Record<
      string,
      unknown
    >;
    assert.equal(metadata.KeyState, 'Enabled');
    assert.deepEqual(metadata.MacAlgorithms, ['HMAC_SHA_256']);

    const generated = await cli.json([
      'generate-mac',
      '--key-id',
      keyId,
      '--mac-algorithm',
      'HMAC_SHA_256',
      '--message',
      `fileb://${d('message.txt')}`,
    ]);
    const openssl = await cli.shell(
      `openssl dgst -sha256 -mac HMAC -macopt hexkey:$(xxd -p -c 64 ${d('key.bin')}) -r ${d('message.txt')}`,
    );
    assert.equal(openssl.code, 0, openssl.stderr);
    assert.equal(
      Buffer.from(String(generated.Mac), 'base64').toString('hex'),
      openssl.stdout.split(' ')[0],
      'the MAC is HMAC-SHA-256 under the imported material',
    );
  });

  /**
   * An asymmetric SIGN_VERIFY key whose private key openssl made (`openssl genpkey`, PKCS #8 DER as AWS requires),
   * imported with RSA_AES_KEY_WRAP_SHA_256; returns its ID and openssl's public key files (DER SPKI and PEM).
   */
  async function importedSigningKey(keySpec: string, genpkey: string, prefix: string) {
    const d = (name: string) => join(cli.dir, `${prefix}-${name}`);
    await shell(
      `openssl genpkey ${genpkey} -out ${d('private.pem')} && ` +
        `openssl pkcs8 -topk8 -nocrypt -in ${d('private.pem')} -outform DER -out ${d('private.der')} && ` +
        `openssl pkey -in ${d('private.pem')} -pubout -out ${d('public.pem')} && ` +
        `openssl pkey -in ${d('private.pem')} -pubout -outform DER -out ${d('public.der')} && ` +
        `printf 'signed by kmslab, verified by openssl' > ${d('message.txt')}`,
    );
    const keyId = await importedKey(
      ['--key-spec', keySpec, '--key-usage', 'SIGN_VERIFY'],
      d('private.der'),
      prefix,
    );
    const publicKey = await cli.json(['get-public-key', '--key-id', keyId]);
    assert.deepEqual(
      Buffer.from(String(publicKey.PublicKey), 'base64'),
      await readFile(d('public.der')),
      "GetPublicKey answers openssl's SubjectPublicKeyInfo",
    );
    return { keyId, d };
  }

  /** Signs `message` with kmslab through the CLI and writes the signature to `file`. */
  async function sign(keyId: string, algorithm: string, message: string, file: string, type = 'RAW') {
    const signed = await cli.json([
      'sign',
      '--key-id',
      keyId,
      '--signing-algorithm',
      algorithm,
      '--message-type',
      type,
      '--message',
      `fileb://${message}`,
    ]);
    assert.equal(signed.SigningAlgorithm, algorithm);
    await writeFile(file, Buffer.from(String(signed.Signature), 'base64'));
  }

  /** kmslab signs the message of importedSigningKey; `openssl dgst -verify` checks it with openssl's public key. */
  async function signedVerifiesWithDgst(keyId: string, algorithm: string, d: (name: string) => string) {
    await sign(keyId, algorithm, d('message.txt'), d(`${algorithm}.sig`));
    await shell(
      `openssl dgst -sha256 -verify ${d('public.pem')} -signature ${d(`${algorithm}.sig`)} ${d('message.txt')}`,
    );
  }

  test("an ECC_NIST_P256 private key made by openssl: kmslab's signatures verify with openssl against its public key", async () => {
    const { keyId, d } = await importedSigningKey(
      'ECC_NIST_P256',
      '-algorithm EC -pkeyopt ec_paramgen_curve:P-256',
      'ecc',
    );
    await signedVerifiesWithDgst(keyId, 'ECDSA_SHA_256', d);
  });

  test('an RSA_2048 private key made by openssl: PKCS #1 v1.5 and PSS signatures verify with openssl', async () => {
    const { keyId, d } = await importedSigningKey(
      'RSA_2048',
      '-algorithm RSA -pkeyopt rsa_keygen_bits:2048',
      'rsa',
    );
    await signedVerifiesWithDgst(keyId, 'RSASSA_PKCS1_V1_5_SHA_256', d);
    // PSS over a digest (MessageType DIGEST), salt as long as the digest as AWS documents.
    await shell(`openssl dgst -sha256 -binary -out ${d('digest.bin')} ${d('message.txt')}`);
    await sign(keyId, 'RSASSA_PSS_SHA_256', d('digest.bin'), d('pss.bin'), 'DIGEST');
    await shell(
      `openssl pkeyutl -verify -pubin -inkey ${d('public.pem')} -in ${d('digest.bin')} -sigfile ${d('pss.bin')} ` +
        '-pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:32',
    );
  });
});

import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, test } from 'node:test';
import { checkSeed } from '../../src/server/seed/apply.ts';
import { loadSeedFile, parseSeed } from '../../src/server/seed/parse.ts';
import { SeedError } from '../../src/server/seed/spec.ts';

const HEX = '5cdaead27fe7da2de47945d73cd6d79e36494e73802f3cd3869f1d2cb0b5d7a9';
const BASE64 = Buffer.from(HEX, 'hex').toString('base64');

/** A private key in PEM as a YAML block (indented by `indent`), and its DER PKCS#8. */
function pemKey(indent: string, privateKey: KeyObject) {
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return {
    yaml: `|\n${pem
      .trim()
      .split('\n')
      .map((line) => `${indent}${line}`)
      .join('\n')}\n`,
    der: privateKey.export({ format: 'der', type: 'pkcs8' }),
  };
}

/** Why the seed in `text` is refused: by parsing, or by the API's rules that start-up checks it by. */
function failure(text: string): string {
  try {
    checkSeed(parseSeed(text, 'seed.yaml').spec, 'seed.yaml', {
      accountId: '111122223333',
      region: 'us-east-1',
    });
  } catch (error) {
    assert.ok(error instanceof SeedError, String(error));
    return error.message;
  }
  assert.fail('the seed was accepted');
}

describe('seed files: kmslab format', () => {
  test('the shipped example parses: materials, versions, aliases, tags, states, accounts', () => {
    const { spec, format, warnings } = loadSeedFile('examples/seed/kmslab.yaml');
    assert.equal(format, 'kmslab');
    assert.deepEqual(warnings, []);
    assert.equal(spec.keys.length, 4);
    const rotated = spec.keys.find((k) => k.keyId === '0b5f2a1c-3d4e-4f60-8a7b-9c0d1e2f3a4b');
    assert.equal(rotated?.materials?.length, 2);
    assert.ok(rotated?.materials?.every((m) => m.length === 32));
    assert.deepEqual(rotated?.tags, [{ TagKey: 'Team', TagValue: 'payments' }]);
    assert.equal(spec.keys.find((k) => k.keyId === '7d1e6c55-2b9a-4c3e-9f80-1a2b3c4d5e6f')?.enabled, false);
    const other = spec.keys.find((k) => k.accountId !== undefined);
    assert.equal(other?.accountId, '444455556666');
    assert.equal(other?.region, 'eu-west-1');
    assert.deepEqual(spec.aliases, [
      { aliasName: 'alias/reference', targetKeyId: 'e67f95-4c047567-4-a0b7-62f7ce8ec8f48' },
    ]);
  });

  test('hex and base64 material decode to the same bytes; digit-only values stay strings', () => {
    const { spec } = parseSeed(
      `keys:\n  - keyId: a\n    material: ${HEX}\n    account: 000011112222\n  - keyId: b\n    material: ${BASE64}\n`,
      'seed.yaml',
    );
    assert.deepEqual(Buffer.from(spec.keys[0]?.materials?.[0] as Uint8Array), Buffer.from(HEX, 'hex'));
    assert.deepEqual(Buffer.from(spec.keys[1]?.materials?.[0] as Uint8Array), Buffer.from(HEX, 'hex'));
    // YAML 1.2 would read this as the number 11112222; the account ID keeps its leading zeros.
    assert.equal(spec.keys[0]?.accountId, '000011112222');
  });

  test('errors name the file, the key and what is wrong, and never echo material', () => {
    const short = 'deadbeefdeadbeefdeadbeefdeadbeef';
    const message = failure(`keys:\n  - keyId: k1\n    material: [${HEX}, ${short}]\n`);
    assert.match(message, /^seed\.yaml: key "k1": `material\[1\]` must be 32 bytes/);
    assert.ok(!message.includes(short) && !message.includes(HEX));

    assert.match(
      failure('keys:\n  - keyId: k1\n    enabled: sometimes\n'),
      /key "k1": `enabled` must be true or false/,
    );
    assert.match(failure('keys:\n  - keyId: k1\n    alias: [alias/x]\n'), /key "k1": unknown field `alias`/);
    assert.match(failure('keys:\n  - description: no id\n'), /keys\[0\]: `keyId` is required/);
    assert.match(
      failure('keys:\n  - keyId: k1\n    aliases: [x]\n'),
      /^seed\.yaml: key "k1": alias "x": ValidationException: Alias must start with the prefix "alias\/"/,
    );
    assert.match(
      failure('keys:\n  - keyId: k1\n    aliases: [alias/aws/s3]\n'),
      /key "k1": alias "alias\/aws\/s3": InvalidAliasNameException: .*reserved for AWS/,
    );
    assert.match(
      failure('keys:\n  - keyId: k1\n  - keyId: k1\n'),
      /key "k1": the key ID is declared more than once/,
    );
    assert.match(
      failure('keys:\n  - keyId: k1\n    aliases: [alias/a]\n  - keyId: k2\n    aliases: [alias/a]\n'),
      /key "k2": alias "alias\/a" is declared more than once/,
    );
    assert.match(
      failure('keys:\n  - keyId: k1\n    account: 12345\n'),
      /key "k1": account "12345" is not a 12-digit AWS account ID/,
    );
    assert.match(
      failure('keys:\n  - keyId: k1\n    tags: {aws:x: y}\n'),
      /key "k1": TagException: Tags beginning with aws: are reserved/,
    );
    assert.match(failure('keys: [\n'), /^seed\.yaml: not valid YAML: .*line/);
    assert.match(
      failure('keys:\n  - keyId: alias/k1\n'),
      /key "alias\/k1": ValidationException: A key ID cannot begin with 'alias\/'/,
    );
    assert.match(
      failure('keys:\n  - keyId: k1\n    region: mars-east-1\n'),
      /key "k1": region "mars-east-1" is not a region AWS KMS runs in/,
    );
    assert.match(failure('- just a list\n'), /top level must be a mapping/);
    assert.match(failure('keys: []\nKeys: []\n'), /mixes kmslab's format/);
  });

  test('a missing file is a SeedError that names it', () => {
    assert.throws(() => loadSeedFile('/nonexistent/seed.yaml'), {
      name: 'SeedError',
      message: /\/nonexistent\/seed\.yaml: cannot read the seed file/,
    });
  });
});

describe("seed files: local-kms's format, as it is", () => {
  test('the shipped example: AES keys with backing keys, an ECC key from its PEM, aliases', () => {
    const { spec, format, warnings } = loadSeedFile('examples/seed/local-kms.yaml');
    assert.equal(format, 'local-kms');
    assert.deepEqual(
      spec.keys.map((k) => [k.keyId, k.keySpec, k.keyUsage, k.materials?.length, k.description]),
      [
        ['bc436485-5092-42b8-92a3-0aa8b93536dc', undefined, undefined, 1, 'Seeded from a local-kms file'],
        ['49c5492b-b1bc-42a8-9a5c-b2015e810c1c', undefined, undefined, 2, undefined],
        [
          '800d5768-3fd7-4edd-a4b8-4c81c3e4c147',
          'ECC_NIST_P256',
          'SIGN_VERIFY',
          1,
          'ECC key with curve secp256r1',
        ],
      ],
    );
    assert.deepEqual(spec.aliases, [
      { aliasName: 'alias/testing', targetKeyId: 'bc436485-5092-42b8-92a3-0aa8b93536dc' },
      { aliasName: 'alias/rotated', targetKeyId: '49c5492b-b1bc-42a8-9a5c-b2015e810c1c' },
    ]);
    assert.deepEqual(warnings, []);
  });

  test('HMAC, RSA and ECC keys are read with their material; the spec of a PEM key is its own', () => {
    const rsa = pemKey('          ', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    const secp = pemKey('          ', generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey);
    const { spec, warnings } = parseSeed(
      `Keys:
  Symmetric:
    Hmac:
      - Metadata: {KeyId: h1, KeySpec: HMAC_256}
        BackingKeys: [${HEX}, ${HEX.replace('5c', '6c')}]
  Asymmetric:
    Rsa:
      - Metadata: {KeyId: r1, KeyUsage: ENCRYPT_DECRYPT}
        PrivateKeyPem: ${rsa.yaml}    Ecc:
      - Metadata: {KeyId: e1}
        PrivateKeyPem: ${secp.yaml}`,
      'lk.yaml',
    );
    assert.deepEqual(
      spec.keys.map((k) => [
        k.keyId,
        k.keySpec,
        k.keyUsage,
        k.materials?.map((m) => Buffer.from(m).toString('hex')),
      ]),
      [
        ['h1', 'HMAC_256', 'GENERATE_VERIFY_MAC', [HEX]],
        ['r1', 'RSA_2048', 'ENCRYPT_DECRYPT', [rsa.der.toString('hex')]],
        ['e1', 'ECC_SECG_P256K1', 'SIGN_VERIFY', [secp.der.toString('hex')]],
      ],
    );
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0] ?? '', /key "h1".*only the first of `BackingKeys` is used/);
  });

  test('pending-import keys and NextKeyRotation are skipped with warnings; a PEM that is no key is an error', () => {
    const { spec, warnings } = parseSeed(
      `Keys:
  Symmetric:
    Aes:
      - Metadata: {KeyId: k1, Origin: EXTERNAL}
      - Metadata: {KeyId: k2}
        NextKeyRotation: "2019-09-12T15:19:21+00:00"
        BackingKeys: [${HEX}]
`,
      'lk.yaml',
    );
    assert.deepEqual(
      spec.keys.map((k) => k.keyId),
      ['k2'],
    );
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.ok(warnings.some((w) => /key "k1".*EXTERNAL/.test(w)));
    assert.ok(warnings.some((w) => /key "k2".*NextKeyRotation/.test(w)));
    assert.throws(
      () =>
        parseSeed(
          'Keys:\n  Asymmetric:\n    Rsa:\n      - Metadata: {KeyId: r1}\n        PrivateKeyPem: x\n',
          'lk.yaml',
        ),
      {
        name: 'SeedError',
        message: /key "r1" \(Keys\.Asymmetric\.Rsa\[0\]\): `PrivateKeyPem` must be a private key in PEM/,
      },
    );
  });

  test("local-kms's older list form and its Version 2 form", () => {
    const legacy = parseSeed(`Keys:\n  - Metadata: {KeyId: old}\n    BackingKeys: [${HEX}]\n`, 'a.yaml');
    assert.deepEqual(
      legacy.spec.keys.map((k) => k.keyId),
      ['old'],
    );
    const v2 = parseSeed(
      `Version: 2
Keys:
  - KeyId: new
    Metadata: {Description: d, KeySpec: SYMMETRIC_DEFAULT}
    Material: {BackingKeys: [${HEX}]}
  - KeyId: ec
    Metadata: {KeySpec: ECC_NIST_P256}
    Material:
      PrivateKeyPem: ${pemKey('        ', generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey).yaml}
Aliases:
  - AliasName: alias/new
    TargetKeyId: arn:aws:kms:eu-west-2:111122223333:key/new
`,
      'b.yaml',
    );
    assert.deepEqual(
      v2.spec.keys.map((k) => [k.keyId, k.keySpec, k.description, k.materials?.length]),
      [
        ['new', undefined, 'd', 1],
        ['ec', 'ECC_NIST_P256', undefined, 1],
      ],
    );
    assert.deepEqual(v2.warnings, []);
    assert.deepEqual(v2.spec.aliases, [
      { aliasName: 'alias/new', targetKeyId: 'new', accountId: '111122223333', region: 'eu-west-2' },
    ]);
  });

  test('an AES key without BackingKeys or with a bad one is an error naming the key', () => {
    assert.match(
      failure('Keys:\n  Symmetric:\n    Aes:\n      - Metadata: {KeyId: k1}\n'),
      /key "k1" \(Keys\.Symmetric\.Aes\[0\]\): `BackingKeys` must list at least one hex-encoded key/,
    );
    assert.match(
      failure('Keys:\n  Symmetric:\n    Aes:\n      - Metadata: {KeyId: k1}\n        BackingKeys: [abcd]\n'),
      /key "k1" \(Keys\.Symmetric\.Aes\[0\]\): `BackingKeys\[0\]` must be 32 bytes/,
    );
  });
});

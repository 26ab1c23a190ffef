import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  ListAliasesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  UpdateKeyDescriptionCommand,
} from '@aws-sdk/client-kms';
import { run, serve } from './spawn.ts';

const KMSLAB_SEED = 'examples/seed/kmslab.yaml';
const LOCAL_KMS_SEED = 'examples/seed/local-kms.yaml';
const REFERENCE_KEY = 'e67f95-4c047567-4-a0b7-62f7ce8ec8f48';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kmslab-seed-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('kmslab serve --seed', () => {
  test("kmslab's format: keys, aliases, tags and states exist; a restart re-applies nothing", async () => {
    const dir = tempDir();
    const first = await serve(['--data-dir', dir, '--seed', KMSLAB_SEED]);
    const kms = first.sdk();
    assert.match(
      first.output().stdout,
      /seed\s+examples\/seed\/kmslab\.yaml \(kmslab format: 4 keys, 3 aliases\)/,
    );

    const reference = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/k6-reference' }));
    assert.equal(reference.KeyMetadata?.KeyId, REFERENCE_KEY);
    assert.equal(reference.KeyMetadata?.KeyState, 'Enabled');
    assert.equal(reference.KeyMetadata?.Description, 'Data keys for the k6 reference script');
    const viaTopLevelAlias = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/reference' }));
    assert.equal(viaTopLevelAlias.KeyMetadata?.KeyId, REFERENCE_KEY);
    const disabled = await kms.send(
      new DescribeKeyCommand({ KeyId: '7d1e6c55-2b9a-4c3e-9f80-1a2b3c4d5e6f' }),
    );
    assert.equal(disabled.KeyMetadata?.KeyState, 'Disabled');
    const { Tags } = await kms.send(new ListResourceTagsCommand({ KeyId: REFERENCE_KEY }));
    assert.deepEqual(Tags?.map((t) => `${t.TagKey}=${t.TagValue}`).sort(), [
      'Project=kmslab',
      'Purpose=load-test',
    ]);
    const dataKey = await kms.send(
      new GenerateDataKeyCommand({ KeyId: 'alias/app/payments', NumberOfBytes: 32 }),
    );
    assert.equal(dataKey.Plaintext?.length, 32);
    // The key of another account is not visible to the default account.
    const { Keys } = await kms.send(new ListKeysCommand({}));
    assert.deepEqual(Keys?.map((k) => k.KeyId).sort(), [
      '0b5f2a1c-3d4e-4f60-8a7b-9c0d1e2f3a4b',
      '7d1e6c55-2b9a-4c3e-9f80-1a2b3c4d5e6f',
      REFERENCE_KEY,
    ]);

    // Changes made through the API win over the seed at the next start.
    await kms.send(new DisableKeyCommand({ KeyId: REFERENCE_KEY }));
    await kms.send(new UpdateKeyDescriptionCommand({ KeyId: REFERENCE_KEY, Description: 'changed' }));
    assert.equal((await first.stop()).code, 0);

    const second = await serve(['--data-dir', dir, '--seed', KMSLAB_SEED]);
    try {
      const again = second.sdk();
      const after = await again.send(new DescribeKeyCommand({ KeyId: REFERENCE_KEY }));
      assert.equal(after.KeyMetadata?.KeyState, 'Disabled');
      assert.equal(after.KeyMetadata?.Description, 'changed');
      const listed = await again.send(new ListKeysCommand({}));
      assert.equal(listed.Keys?.length, 3);
      const aliases = await again.send(new ListAliasesCommand({}));
      assert.equal(aliases.Aliases?.filter((a) => !a.AliasName?.startsWith('alias/aws/')).length, 3);
    } finally {
      assert.equal((await second.stop()).code, 0);
    }
  });

  test("seeded material is really the key's: another kmslab seeded with the same file decrypts the ciphertext", async () => {
    const a = await serve(['--in-memory', '--seed', LOCAL_KMS_SEED]);
    let blob: Uint8Array | undefined;
    try {
      const { CiphertextBlob } = await a
        .sdk()
        .send(new EncryptCommand({ KeyId: 'alias/rotated', Plaintext: Buffer.from('portable') }));
      blob = CiphertextBlob;
    } finally {
      await a.stop();
    }
    const b = await serve(['--in-memory', '--seed', LOCAL_KMS_SEED]);
    try {
      const { Plaintext, KeyId } = await b.sdk().send(new DecryptCommand({ CiphertextBlob: blob }));
      assert.equal(Buffer.from(Plaintext as Uint8Array).toString(), 'portable');
      assert.match(KeyId ?? '', /key\/49c5492b-b1bc-42a8-9a5c-b2015e810c1c$/);
    } finally {
      await b.stop();
    }
  });

  test("local-kms's format as it is: AES and ECC keys and aliases, idempotent", async () => {
    const dir = tempDir();
    for (let start = 0; start < 2; start++) {
      const server = await serve(['--data-dir', dir], { KMSLAB_SEED: LOCAL_KMS_SEED });
      try {
        const { stdout, stderr } = server.output();
        assert.match(stdout, /local-kms format: 3 keys, 2 aliases/);
        assert.doesNotMatch(stderr, /skipped/);
        const kms = server.sdk();
        const testing = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/testing' }));
        assert.equal(testing.KeyMetadata?.KeyId, 'bc436485-5092-42b8-92a3-0aa8b93536dc');
        assert.equal(testing.KeyMetadata?.Description, 'Seeded from a local-kms file');
        const { Keys } = await kms.send(new ListKeysCommand({}));
        assert.equal(Keys?.length, 3, `start ${start + 1}`);
        const ecc = await kms.send(new DescribeKeyCommand({ KeyId: '800d5768-3fd7-4edd-a4b8-4c81c3e4c147' }));
        assert.deepEqual(
          [ecc.KeyMetadata?.KeySpec, ecc.KeyMetadata?.KeyUsage, ecc.KeyMetadata?.SigningAlgorithms],
          ['ECC_NIST_P256', 'SIGN_VERIFY', ['ECDSA_SHA_256']],
        );
      } finally {
        assert.equal((await server.stop()).code, 0);
      }
    }
  });

  test('a bad seed file stops start-up with exit 2 and a message naming the file and the key', async () => {
    const dir = tempDir();
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'keys:\n  - keyId: broken-key\n    material: 00ff\n');
    const result = await run(['serve', '--in-memory', '--port', '0', '--seed', file]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, new RegExp(`${file}: key "broken-key": \`material\` must be 32 bytes`));
  });

  test('a seed file that declares what the API refuses stops start-up with exit 2, before the data dir is made', async () => {
    const dir = tempDir();
    const file = join(dir, 'reserved.yaml');
    writeFileSync(file, 'keys:\n  - keyId: tagged-key\n    tags: {AWS:team: payments}\n');
    const dataDir = join(dir, 'data');
    const result = await run(['serve', '--data-dir', dataDir, '--port', '0', '--seed', file]);
    assert.equal(result.code, 2);
    assert.ok(
      result.stderr.includes(
        `${file}: key "tagged-key": TagException: Tags beginning with aws: are reserved`,
      ),
      result.stderr,
    );
    assert.ok(!existsSync(dataDir), 'no data dir is created');
  });
});

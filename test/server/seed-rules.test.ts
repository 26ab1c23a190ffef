import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  type KMSClient,
  ListAliasesCommand,
  ListResourceTagsCommand,
  TagResourceCommand,
} from '@aws-sdk/client-kms';
import { keyArn } from '../../src/server/keys/arn.ts';
import { checkSeed } from '../../src/server/seed/apply.ts';
import type { SeedSpec } from '../../src/server/seed/spec.ts';
import { type Kmslab, startKmslab } from '../helpers/kmslab.ts';
import { createKey } from './support.ts';

/**
 * A seed is held to the rules the API holds the same requests to: what a seed may declare, a caller may create
 * (or name), and what the API refuses, a seed file is refused for, with the API's error in its message beside
 * the file and the key.
 */

const SEED = 'seed.yaml';
const DEFAULTS = { accountId: '111122223333', region: 'us-east-1' };

/** Why start-up refuses this seed; fails when it is accepted. */
function seedRefusal(spec: SeedSpec): string {
  try {
    checkSeed(spec, SEED, DEFAULTS);
  } catch (error) {
    assert.equal((error as Error).name, 'SeedError');
    return (error as Error).message;
  }
  assert.fail('the seed was accepted');
}

/** The API's answer to a call that must fail, as `<type>: <message>`. */
async function apiRefusal(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
  assert.fail('the API accepted the call');
}

describe('seeds and the API apply the same rules', () => {
  let server: Kmslab;
  let kms: KMSClient;
  let keyId: string;
  before(async () => {
    server = await startKmslab();
    kms = server.sdk();
    keyId = await createKey(kms);
  });
  after(() => server.stop());

  test('alias names: what CreateAlias refuses a seed is refused for, in the same words', async () => {
    const refused = [
      'not-an-alias', // no alias/ prefix
      'alias/aws/s3', // AWS's own
      'alias/', // nothing after the prefix
      'alias/with space', // the model's pattern
      `alias/${'a'.repeat(251)}`, // the model's length, 256
    ];
    for (const aliasName of refused) {
      const api = await apiRefusal(
        kms.send(new CreateAliasCommand({ AliasName: aliasName, TargetKeyId: keyId })),
      );
      assert.equal(
        seedRefusal({ keys: [{ keyId: 'k1', aliases: [aliasName] }] }),
        `${SEED}: key "k1": alias "${aliasName}": ${api}`,
      );
    }
  });

  test('alias names: one with a colon, which CreateAlias takes, a seed may declare too', async () => {
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/team:api', TargetKeyId: keyId }));
    const seeded = await startKmslab({ seed: { keys: [{ keyId: 'k1', aliases: ['alias/team:seed'] }] } });
    try {
      const { Aliases } = await seeded.sdk().send(new ListAliasesCommand({}));
      assert.deepEqual(
        Aliases?.map((a) => a.AliasName).filter((name) => !name?.startsWith('alias/aws/')),
        ['alias/team:seed'],
      );
    } finally {
      await seeded.stop();
    }
  });

  test('tags: reserved in any case, duplicated, too many or too long are refused by both alike', async () => {
    const cases = [
      [{ TagKey: 'AWS:team', TagValue: 'x' }],
      [
        { TagKey: 'team', TagValue: 'a' },
        { TagKey: 'team', TagValue: 'b' },
      ],
      Array.from({ length: 51 }, (_, i) => ({ TagKey: `t${i}`, TagValue: '' })),
      [{ TagKey: 'k'.repeat(129), TagValue: '' }],
      [{ TagKey: 'team', TagValue: 'v'.repeat(257) }],
    ];
    for (const tags of cases) {
      const api = await apiRefusal(kms.send(new CreateKeyCommand({ Tags: tags })));
      assert.equal(seedRefusal({ keys: [{ keyId: 'k1', tags }] }), `${SEED}: key "k1": ${api}`);
    }
    // The same tags on an existing key: TagResource says the same.
    const [reserved] = cases;
    const api = await apiRefusal(kms.send(new TagResourceCommand({ KeyId: keyId, Tags: reserved })));
    assert.equal(seedRefusal({ keys: [{ keyId: 'k1', tags: reserved ?? [] }] }), `${SEED}: key "k1": ${api}`);
  });

  test('descriptions: longer than the model allows are refused by both alike', async () => {
    const description = 'd'.repeat(8193);
    const api = await apiRefusal(kms.send(new CreateKeyCommand({ Description: description })));
    assert.equal(seedRefusal({ keys: [{ keyId: 'k1', description }] }), `${SEED}: key "k1": ${api}`);
  });

  test('key IDs: any the API reads as a key ID names the seeded key, by ID and by ARN; a longer one is refused alike', async () => {
    const long = `team/payments-${'x'.repeat(200)}`;
    const seeded = await startKmslab({ seed: { keys: [{ keyId: long }] } });
    try {
      const api = seeded.sdk();
      const byId = await api.send(new DescribeKeyCommand({ KeyId: long }));
      assert.equal(byId.KeyMetadata?.KeyId, long);
      const arn = keyArn(seeded.accountId, seeded.region, long);
      assert.equal((await api.send(new DescribeKeyCommand({ KeyId: arn }))).KeyMetadata?.Arn, arn);
    } finally {
      await seeded.stop();
    }

    const tooLong = 'k'.repeat(2049);
    const api = await apiRefusal(kms.send(new DescribeKeyCommand({ KeyId: tooLong })));
    assert.match(api, /^ValidationException: .*Member must have length less than or equal to 2048/);
    assert.equal(seedRefusal({ keys: [{ keyId: tooLong }] }), `${SEED}: key "${tooLong}": ${api}`);
  });

  test('key IDs: one that a request would read as an alias name or an ARN is refused', async () => {
    // The API reads it as an alias...
    const api = await apiRefusal(kms.send(new DescribeKeyCommand({ KeyId: 'alias/k1' })));
    assert.match(api, /^NotFoundException: Alias arn:aws:kms:us-east-1:111122223333:alias\/k1 is not found/);
    // ...so a key of that ID could never be named.
    assert.match(
      seedRefusal({ keys: [{ keyId: 'alias/k1' }] }),
      /^seed\.yaml: key "alias\/k1": ValidationException: A key ID cannot begin with 'alias\/'/,
    );
    assert.match(
      seedRefusal({ keys: [{ keyId: 'arn:k1' }] }),
      /^seed\.yaml: key "arn:k1": ValidationException: A key ID cannot begin with 'arn:'/,
    );
  });

  test('regions: the regions AWS KMS runs in, whose requests the API authenticates, and no other', async () => {
    // A name of the right shape that is no KMS region: no request can be signed for it.
    const api = await apiRefusal(
      server.sdk({ region: 'xx-fake-1' }).send(new DescribeKeyCommand({ KeyId: keyId })),
    );
    assert.equal(
      api,
      "InvalidSignatureException: Credential should be scoped to a valid region, not 'xx-fake-1'.",
    );
    assert.match(
      seedRefusal({ keys: [{ keyId: 'k1', region: 'xx-fake-1' }] }),
      /^seed\.yaml: key "k1": region "xx-fake-1" is not a region AWS KMS runs in/,
    );

    // A region of another partition, which requests may be signed for, holds seeded keys.
    const seeded = await startKmslab({ seed: { keys: [{ keyId: 'k1', region: 'eusc-de-east-1' }] } });
    try {
      const { KeyMetadata } = await seeded
        .sdk({ region: 'eusc-de-east-1' })
        .send(new DescribeKeyCommand({ KeyId: 'k1' }));
      assert.equal(KeyMetadata?.Arn, 'arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/k1');
    } finally {
      await seeded.stop();
    }
  });

  test('a valid seed creates what the API shows: tags included', async () => {
    const tags = [{ TagKey: 'team', TagValue: 'payments' }];
    const seeded = await startKmslab({ seed: { keys: [{ keyId: 'k1', tags }] } });
    try {
      const listed = await seeded.sdk().send(new ListResourceTagsCommand({ KeyId: 'k1' }));
      assert.deepEqual(listed.Tags, tags);
    } finally {
      await seeded.stop();
    }
  });
});

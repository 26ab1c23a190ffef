import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateKeyCommand,
  GetKeyPolicyCommand,
  type KMSClient,
  ListKeyPoliciesCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-kms';
import { type Kmslab, startKmslab } from '../helpers/kmslab.ts';
import { awsError, createKey, rejects } from './support.ts';

describe('tags and key policies', () => {
  let server: Kmslab;
  let kms: KMSClient;
  before(async () => {
    server = await startKmslab();
    kms = server.sdk();
  });
  after(() => server.stop());

  async function tagsOf(keyId: string) {
    return (await kms.send(new ListResourceTagsCommand({ KeyId: keyId }))).Tags;
  }

  test('tags from CreateKey, added, updated and removed, as AWS lists them', async () => {
    const keyId = await createKey(kms, {
      Tags: [
        { TagKey: 'tag1', TagValue: 'value1' },
        { TagKey: 'tag2', TagValue: 'value2' },
      ],
    });
    await kms.send(
      new TagResourceCommand({
        KeyId: keyId,
        Tags: [
          { TagKey: 'tag3', TagValue: 'value3' },
          { TagKey: 'tag2', TagValue: 'updated_value2' },
        ],
      }),
    );
    assert.deepEqual(await tagsOf(keyId), [
      { TagKey: 'tag1', TagValue: 'value1' },
      { TagKey: 'tag2', TagValue: 'updated_value2' },
      { TagKey: 'tag3', TagValue: 'value3' },
    ]);
    await kms.send(new UntagResourceCommand({ KeyId: keyId, TagKeys: ['tag2', 'never-set'] }));
    assert.deepEqual(await tagsOf(keyId), [
      { TagKey: 'tag1', TagValue: 'value1' },
      { TagKey: 'tag3', TagValue: 'value3' },
    ]);
    await kms.send(new UntagResourceCommand({ KeyId: keyId, TagKeys: ['tag1', 'tag3'] }));
    assert.deepEqual(await tagsOf(keyId), []);
  });

  test('tag rules answer with the messages AWS gives', async () => {
    const keyId = await createKey(kms);
    const duplicate = awsError('test_tag_key_with_duplicate_tag_keys_raises_error', 'duplicate-tag-keys');
    await rejects(
      kms.send(
        new TagResourceCommand({
          KeyId: keyId,
          Tags: [
            { TagKey: 'same', TagValue: '1' },
            { TagKey: 'same', TagValue: '2' },
          ],
        }),
      ),
      duplicate.type,
      duplicate.message,
    );
    const tooMany = awsError('test_create_key_with_too_many_tags_raises_error', 'invalid-tag-key');
    const fiftyOne = Array.from({ length: 51 }, (_, i) => ({ TagKey: `k${i}`, TagValue: 'v' }));
    await rejects(kms.send(new CreateKeyCommand({ Tags: fiftyOne })), tooMany.type, tooMany.message);
    await kms.send(new TagResourceCommand({ KeyId: keyId, Tags: fiftyOne.slice(0, 50) }));
    await rejects(
      kms.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: 'one-more', TagValue: 'v' }] })),
      tooMany.type,
      tooMany.message,
    );
    const reserved = awsError('test_tag_existing_key_with_invalid_tag_key', 'invalid-tag-key');
    for (const TagKey of ['aws:x', 'AWS:x']) {
      await rejects(
        kms.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey, TagValue: 'v' }] })),
        reserved.type,
        reserved.message,
      );
    }
    const longKey = 'a'.repeat(129);
    const tooLong = awsError('test_create_key_with_invalid_tag_key[too_long_key]', 'invalid-tag-key');
    assert.ok(tooLong.message.includes(longKey));
    await rejects(
      kms.send(new CreateKeyCommand({ Tags: [{ TagKey: longKey, TagValue: 'v' }] })),
      tooLong.type,
      tooLong.message,
    );
  });

  test('ListResourceTags pages with Limit and Marker', async () => {
    const tags = Array.from({ length: 5 }, (_, i) => ({ TagKey: `t${i}`, TagValue: `v${i}` }));
    const keyId = await createKey(kms, { Tags: tags });
    const seen = [];
    let Marker: string | undefined;
    do {
      const page = await kms.send(new ListResourceTagsCommand({ KeyId: keyId, Limit: 2, Marker }));
      seen.push(...(page.Tags ?? []));
      Marker = page.NextMarker;
    } while (Marker);
    assert.deepEqual(seen, tags);
    await rejects(
      kms.send(new ListResourceTagsCommand({ KeyId: keyId, Marker: '!!' })),
      'InvalidMarkerException',
    );
  });

  test('a new key has AWS default key policy; PutKeyPolicy replaces it; malformed policies are refused', async () => {
    const keyId = await createKey(kms);
    const { Policy, PolicyName } = await kms.send(new GetKeyPolicyCommand({ KeyId: keyId }));
    assert.equal(PolicyName, 'default');
    const parsed = JSON.parse(Policy ?? '');
    assert.equal(parsed.Id, 'key-default-1');
    assert.deepEqual(parsed.Statement[0].Principal, { AWS: `arn:aws:iam::${server.accountId}:root` });
    assert.deepEqual((await kms.send(new ListKeyPoliciesCommand({ KeyId: keyId }))).PolicyNames, ['default']);

    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:*', Resource: '*' }],
    });
    await kms.send(new PutKeyPolicyCommand({ KeyId: keyId, Policy: policy }));
    assert.equal(
      (await kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }))).Policy,
      policy,
    );

    await rejects(
      kms.send(new PutKeyPolicyCommand({ KeyId: keyId, Policy: '{not json' })),
      'MalformedPolicyDocumentException',
    );
    await rejects(
      kms.send(new PutKeyPolicyCommand({ KeyId: keyId, Policy: '{"Version":"2012-10-17"}' })),
      'MalformedPolicyDocumentException',
    );
    await rejects(kms.send(new CreateKeyCommand({ Policy: '[]' })), 'MalformedPolicyDocumentException');
    await rejects(
      kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'custom' })),
      'NotFoundException',
      "Policy 'custom' does not exist: the only key policy is 'default'.",
    );
    const withPolicy = await createKey(kms, { Policy: policy });
    assert.equal((await kms.send(new GetKeyPolicyCommand({ KeyId: withPolicy }))).Policy, policy);
  });
});

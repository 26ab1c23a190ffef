import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GetKeyRotationStatusCommand,
  ListAliasesCommand,
} from '@aws-sdk/client-kms';
import { terraformForSuite, terraformUnavailable } from '../helpers/terraform.ts';

/**
 * Terraform's hashicorp/aws provider manages kmslab's keys as it manages AWS's: it creates them, reads them back
 * with no drift on the next plan, updates them in place and destroys them.
 */
const unavailable = terraformUnavailable();

describe('terraform (hashicorp/aws) against kmslab', { skip: unavailable }, () => {
  const suite = terraformForSuite({ west: 'eu-west-1' });

  test('a symmetric aws_kms_key with an alias, tags and rotation: apply, no drift, update in place, destroy', async () => {
    const { kmslab, tf } = suite;
    const config = (description: string, rotation: boolean) => `
resource "aws_kms_key" "orders" {
  description             = "${description}"
  deletion_window_in_days = 7
  enable_key_rotation     = ${rotation}
  tags = {
    Team = "payments"
  }
}

resource "aws_kms_alias" "orders" {
  name          = "alias/terraform/orders"
  target_key_id = aws_kms_key.orders.key_id
}

output "key_id" {
  value = aws_kms_key.orders.key_id
}
`;
    tf.write(config('orders', true));
    await tf.apply();
    const keyId = String((await tf.outputs()).key_id);
    const kms = kmslab.sdk();
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/terraform/orders' }));
    assert.equal(KeyMetadata?.KeyId, keyId);
    assert.equal(KeyMetadata?.Description, 'orders');
    assert.equal(
      (await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).KeyRotationEnabled,
      true,
    );

    const plan = await tf.planIsEmpty();
    assert.ok(plan.empty, `the plan after apply should be empty (drift):\n${plan.output}`);

    tf.write(config('orders v2', false));
    await tf.apply();
    const updated = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    assert.equal(updated.KeyMetadata?.KeyId, keyId, 'updated in place, not replaced');
    assert.equal(updated.KeyMetadata?.Description, 'orders v2');
    assert.equal(
      (await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).KeyRotationEnabled,
      false,
    );
    assert.ok((await tf.planIsEmpty()).empty);

    await tf.destroy();
    const gone = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    assert.equal(gone.KeyMetadata?.KeyState, 'PendingDeletion');
    const { Aliases } = await kms.send(new ListAliasesCommand({}));
    assert.ok(!Aliases?.some((a) => a.AliasName === 'alias/terraform/orders'));
  });

  test('RSA, ECC and HMAC aws_kms_keys in one configuration: apply, no drift, update in place, destroy', async () => {
    const { kmslab, tf } = suite;
    const config = (suffix: string) => `
resource "aws_kms_key" "rsa" {
  description              = "rsa signing${suffix}"
  customer_master_key_spec = "RSA_2048"
  key_usage                = "SIGN_VERIFY"
  deletion_window_in_days  = 7
}

resource "aws_kms_key" "ecc" {
  description              = "ecc signing${suffix}"
  customer_master_key_spec = "ECC_NIST_P256"
  key_usage                = "SIGN_VERIFY"
  deletion_window_in_days  = 7
}

resource "aws_kms_key" "hmac" {
  description              = "hmac${suffix}"
  customer_master_key_spec = "HMAC_256"
  key_usage                = "GENERATE_VERIFY_MAC"
  deletion_window_in_days  = 7
}

output "key_ids" {
  value = [aws_kms_key.rsa.key_id, aws_kms_key.ecc.key_id, aws_kms_key.hmac.key_id]
}
`;
    tf.write(config(''));
    await tf.apply();
    const keyIds = (await tf.outputs()).key_ids as string[];
    const kms = kmslab.sdk();
    const describe = async () =>
      Promise.all(
        keyIds.map(async (KeyId) => (await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata),
      );
    assert.deepEqual(
      (await describe()).map((m) => [m?.KeySpec, m?.KeyUsage, m?.Description]),
      [
        ['RSA_2048', 'SIGN_VERIFY', 'rsa signing'],
        ['ECC_NIST_P256', 'SIGN_VERIFY', 'ecc signing'],
        ['HMAC_256', 'GENERATE_VERIFY_MAC', 'hmac'],
      ],
    );
    const plan = await tf.planIsEmpty();
    assert.ok(plan.empty, `the plan after apply should be empty (drift):\n${plan.output}`);

    tf.write(config(' v2'));
    await tf.apply();
    const updated = await describe();
    assert.deepEqual(
      updated.map((m) => [m?.KeyId, m?.Description]),
      [
        [keyIds[0], 'rsa signing v2'],
        [keyIds[1], 'ecc signing v2'],
        [keyIds[2], 'hmac v2'],
      ],
      'updated in place, not replaced',
    );

    await tf.destroy();
    assert.deepEqual(
      (await describe()).map((m) => m?.KeyState),
      ['PendingDeletion', 'PendingDeletion', 'PendingDeletion'],
    );
  });

  test('aws_kms_external_key, aws_kms_replica_external_key and aws_kms_replica_key: apply, no drift, destroy', async () => {
    const { kmslab, tf } = suite;
    const material = randomBytes(32).toString('base64');
    tf.write(`
resource "aws_kms_external_key" "imported" {
  description             = "imported"
  enabled                 = true
  key_material_base64     = "${material}"
  multi_region            = true
  deletion_window_in_days = 7
}

resource "aws_kms_replica_external_key" "imported" {
  provider                = aws.west
  primary_key_arn         = aws_kms_external_key.imported.arn
  key_material_base64     = "${material}"
  description             = "imported replica"
  enabled                 = true
  deletion_window_in_days = 7
}

resource "aws_kms_key" "shared" {
  description             = "multi-Region primary"
  multi_region            = true
  deletion_window_in_days = 7
}

resource "aws_kms_replica_key" "shared" {
  provider                = aws.west
  primary_key_arn         = aws_kms_key.shared.arn
  description             = "multi-Region replica"
  deletion_window_in_days = 7
}

output "imported" {
  value = aws_kms_external_key.imported.id
}

output "shared" {
  value = aws_kms_key.shared.key_id
}
`);
    await tf.apply();
    const outputs = await tf.outputs();
    const east = kmslab.sdk();
    const west = kmslab.sdk({ region: 'eu-west-1' });
    for (const keyId of [String(outputs.imported), String(outputs.shared)]) {
      const primary = await east.send(new DescribeKeyCommand({ KeyId: keyId }));
      const replica = await west.send(new DescribeKeyCommand({ KeyId: keyId }));
      assert.equal(primary.KeyMetadata?.KeyState, 'Enabled');
      assert.equal(replica.KeyMetadata?.KeyState, 'Enabled');
      assert.equal(replica.KeyMetadata?.MultiRegionConfiguration?.MultiRegionKeyType, 'REPLICA');
      const { CiphertextBlob } = await east.send(
        new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('tf') }),
      );
      const { Plaintext } = await west.send(new DecryptCommand({ CiphertextBlob }));
      assert.equal(Buffer.from(Plaintext ?? []).toString(), 'tf');
    }
    const imported = await east.send(new DescribeKeyCommand({ KeyId: String(outputs.imported) }));
    assert.equal(imported.KeyMetadata?.Origin, 'EXTERNAL');

    const plan = await tf.planIsEmpty();
    assert.ok(plan.empty, `the plan after apply should be empty (drift):\n${plan.output}`);

    await tf.destroy();
    for (const keyId of [String(outputs.imported), String(outputs.shared)]) {
      const primary = await east.send(new DescribeKeyCommand({ KeyId: keyId }));
      const replica = await west.send(new DescribeKeyCommand({ KeyId: keyId }));
      assert.equal(replica.KeyMetadata?.KeyState, 'PendingDeletion');
      assert.equal(primary.KeyMetadata?.KeyState, 'PendingReplicaDeletion');
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DescribeKeyCommand, GetKeyRotationStatusCommand, ListAliasesCommand } from '@aws-sdk/client-kms';
import { type Kmslab, startKmslab } from '../helpers/kmslab.ts';
import { type Terraform, terraform, terraformUnavailable } from '../helpers/terraform.ts';

/**
 * Terraform's hashicorp/aws provider manages kmslab's keys as it manages AWS's: it creates them, reads them back
 * with no drift on the next plan, updates them in place and destroys them.
 */
const unavailable = terraformUnavailable();

describe('terraform (hashicorp/aws) against kmslab', { skip: unavailable }, () => {
  let kmslab: Kmslab;
  let tf: Terraform;

  before(async () => {
    kmslab = await startKmslab();
    tf = await terraform(kmslab);
  });
  after(async () => {
    tf?.remove();
    await kmslab?.stop();
  });

  test('a symmetric aws_kms_key with an alias, tags and rotation: apply, no drift, update in place, destroy', async () => {
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
});

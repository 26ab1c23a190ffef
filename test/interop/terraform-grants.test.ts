import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DescribeCustomKeyStoresCommand, ListGrantsCommand } from '@aws-sdk/client-kms';
import { terraformForSuite, terraformUnavailable } from '../helpers/terraform.ts';

/**
 * Terraform's hashicorp/aws provider manages grants and custom key stores on kmslab as on AWS: one configuration
 * with an aws_kms_grant (constraints, retiring principal) and an aws_kms_custom_key_store (AWS CloudHSM) is
 * applied, planned again with no drift, and destroyed.
 */
const unavailable = terraformUnavailable();
const TRUST_ANCHOR = fileURLToPath(new URL('../fixtures/custom-key-stores/customerCA.crt', import.meta.url));

describe('terraform: aws_kms_grant and aws_kms_custom_key_store against kmslab', {
  skip: unavailable,
}, () => {
  const suite = terraformForSuite();

  test('apply, no drift, destroy', async () => {
    const { kmslab, tf } = suite;
    tf.write(`
resource "aws_kms_key" "app" {
  description             = "granted"
  deletion_window_in_days = 7
}

resource "aws_kms_grant" "app" {
  name              = "app-grant"
  key_id            = aws_kms_key.app.key_id
  grantee_principal = "arn:aws:iam::${kmslab.accountId}:role/app"
  retiring_principal = "arn:aws:iam::${kmslab.accountId}:role/ops"
  operations        = ["Encrypt", "Decrypt", "GenerateDataKey"]
  constraints {
    encryption_context_equals = {
      Department = "Finance"
    }
  }
}

resource "aws_kms_custom_key_store" "hsm" {
  custom_key_store_name    = "terraform-hsm"
  cloud_hsm_cluster_id     = "cluster-234abcdefgh"
  key_store_password       = "kmsuser-password"
  trust_anchor_certificate = file("${TRUST_ANCHOR}")
}

output "key_id" {
  value = aws_kms_key.app.key_id
}

output "grant_id" {
  value = aws_kms_grant.app.grant_id
}

output "custom_key_store_id" {
  value = aws_kms_custom_key_store.hsm.id
}
`);
    await tf.apply();
    const outputs = await tf.outputs();
    const KeyId = String(outputs.key_id);
    const kms = kmslab.sdk();
    const { Grants } = await kms.send(new ListGrantsCommand({ KeyId }));
    assert.deepEqual(
      // Terraform holds the operations as a set: its order is its own.
      Grants?.map((g) => [g.GrantId, g.Name, [...(g.Operations ?? [])].sort(), g.Constraints]),
      [
        [
          outputs.grant_id,
          'app-grant',
          ['Decrypt', 'Encrypt', 'GenerateDataKey'],
          { EncryptionContextEquals: { Department: 'Finance' } },
        ],
      ],
    );
    const stores = await kms.send(new DescribeCustomKeyStoresCommand({}));
    assert.deepEqual(
      stores.CustomKeyStores?.map((s) => [s.CustomKeyStoreId, s.CustomKeyStoreName, s.ConnectionState]),
      [[outputs.custom_key_store_id, 'terraform-hsm', 'DISCONNECTED']],
    );

    const plan = await tf.planIsEmpty();
    assert.ok(plan.empty, `the plan after apply should be empty (drift):\n${plan.output}`);

    await tf.destroy();
    assert.deepEqual((await kms.send(new ListGrantsCommand({ KeyId }))).Grants, []);
    assert.deepEqual((await kms.send(new DescribeCustomKeyStoresCommand({}))).CustomKeyStores, []);
  });
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  DecryptCommand,
  DescribeCustomKeyStoresCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GetKeyRotationStatusCommand,
  type KMSClient,
  ListAliasesCommand,
  ListGrantsCommand,
  ListResourceTagsCommand,
} from '@aws-sdk/client-kms';
import { terraformForSuite, terraformUnavailable } from '../helpers/terraform.ts';

/**
 * Terraform's hashicorp/aws provider manages kmslab's keys, aliases, grants and custom key stores as it manages
 * AWS's: it creates them, reads them back with no drift on the next plan, updates them in place and destroys them.
 * Each terraform command costs seconds of provider start-up, so one configuration holds every resource and goes
 * through apply → plan → changed apply → plan → destroy once; each step is its own test, sharing the state.
 */
const unavailable = terraformUnavailable();
const TRUST_ANCHOR = fileURLToPath(new URL('../fixtures/custom-key-stores/customerCA.crt', import.meta.url));

/** The configuration's parts that the changed configuration updates in place. */
interface Revision {
  suffix: string;
  rotation: boolean;
  tags: Record<string, string>;
}
const FIRST: Revision = { suffix: '', rotation: true, tags: { Team: 'payments', Stage: 'test' } };
const CHANGED: Revision = { suffix: ' v2', rotation: false, tags: { Team: 'billing' } };

function configuration({ suffix, rotation, tags }: Revision, accountId: string, material: string): string {
  const hclTags = Object.entries(tags)
    .map(([key, value]) => `    ${key} = "${value}"`)
    .join('\n');
  return `
resource "aws_kms_key" "orders" {
  description             = "orders${suffix}"
  deletion_window_in_days = 7
  enable_key_rotation     = ${rotation}
  tags = {
${hclTags}
  }
}

resource "aws_kms_alias" "orders" {
  name          = "alias/terraform/orders"
  target_key_id = aws_kms_key.orders.key_id
}

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

resource "aws_kms_key" "app" {
  description             = "granted"
  deletion_window_in_days = 7
}

resource "aws_kms_grant" "app" {
  name               = "app-grant"
  key_id             = aws_kms_key.app.key_id
  grantee_principal  = "arn:aws:iam::${accountId}:role/app"
  retiring_principal = "arn:aws:iam::${accountId}:role/ops"
  operations         = ["Encrypt", "Decrypt", "GenerateDataKey"]
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

output "orders" {
  value = aws_kms_key.orders.key_id
}

output "signing" {
  value = [aws_kms_key.rsa.key_id, aws_kms_key.ecc.key_id, aws_kms_key.hmac.key_id]
}

output "imported" {
  value = aws_kms_external_key.imported.id
}

output "shared" {
  value = aws_kms_key.shared.key_id
}

output "app" {
  value = aws_kms_key.app.key_id
}

output "grant_id" {
  value = aws_kms_grant.app.grant_id
}

output "custom_key_store_id" {
  value = aws_kms_custom_key_store.hsm.id
}
`;
}

/** The IDs terraform reports for what it created (its outputs). */
interface Created {
  orders: string;
  signing: string[];
  imported: string;
  shared: string;
  app: string;
  grant_id: string;
  custom_key_store_id: string;
}

describe('terraform (hashicorp/aws) against kmslab: one configuration through its whole life', {
  skip: unavailable,
}, () => {
  const suite = terraformForSuite({ west: 'eu-west-1' });
  const material = randomBytes(32).toString('base64');
  let created: Created;
  let east: KMSClient;
  let west: KMSClient;

  const metadata = async (kms: KMSClient, KeyId: string) =>
    (await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata;
  const rotationEnabled = async (KeyId: string) =>
    (await east.send(new GetKeyRotationStatusCommand({ KeyId }))).KeyRotationEnabled;
  const tagsOf = async (KeyId: string) => {
    const { Tags } = await east.send(new ListResourceTagsCommand({ KeyId }));
    return Object.fromEntries((Tags ?? []).map((t) => [t.TagKey, t.TagValue]));
  };
  const assertNoDrift = async (after: string) => {
    const plan = await suite.tf.planIsEmpty();
    assert.ok(plan.empty, `the plan after ${after} should be empty (drift):\n${plan.output}`);
  };

  test('apply creates every resource', async () => {
    const { kmslab, tf } = suite;
    tf.write(configuration(FIRST, kmslab.accountId, material));
    await tf.apply();
    created = (await tf.outputs()) as unknown as Created;
    east = kmslab.sdk();
    west = kmslab.sdk({ region: 'eu-west-1' });
  });

  test('the symmetric key: its alias, description, tags and rotation', async () => {
    const key = await metadata(east, 'alias/terraform/orders');
    assert.equal(key?.KeyId, created.orders);
    assert.equal(key?.Description, 'orders');
    assert.deepEqual(await tagsOf(created.orders), FIRST.tags);
    assert.equal(await rotationEnabled(created.orders), true);
  });

  test('the RSA, ECC and HMAC keys: their specs, usages and descriptions', async () => {
    const keys = await Promise.all(created.signing.map((KeyId) => metadata(east, KeyId)));
    assert.deepEqual(
      keys.map((m) => [m?.KeySpec, m?.KeyUsage, m?.Description]),
      [
        ['RSA_2048', 'SIGN_VERIFY', 'rsa signing'],
        ['ECC_NIST_P256', 'SIGN_VERIFY', 'ecc signing'],
        ['HMAC_256', 'GENERATE_VERIFY_MAC', 'hmac'],
      ],
    );
  });

  test('the external and multi-Region keys: replicas in the second Region decrypt what the primaries encrypt', async () => {
    for (const keyId of [created.imported, created.shared]) {
      const primary = await metadata(east, keyId);
      const replica = await metadata(west, keyId);
      assert.equal(primary?.KeyState, 'Enabled', keyId);
      assert.equal(replica?.KeyState, 'Enabled', keyId);
      assert.equal(replica?.MultiRegionConfiguration?.MultiRegionKeyType, 'REPLICA', keyId);
      const { CiphertextBlob } = await east.send(
        new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('tf') }),
      );
      const { Plaintext } = await west.send(new DecryptCommand({ CiphertextBlob }));
      assert.equal(Buffer.from(Plaintext ?? []).toString(), 'tf', keyId);
    }
    assert.equal((await metadata(east, created.imported))?.Origin, 'EXTERNAL');
  });

  test('the grant: its name, principals, operations and constraints', async () => {
    const { accountId } = suite.kmslab;
    const { Grants } = await east.send(new ListGrantsCommand({ KeyId: created.app }));
    assert.deepEqual(
      Grants?.map((g) => [
        g.GrantId,
        g.Name,
        g.GranteePrincipal,
        g.RetiringPrincipal,
        // Terraform holds the operations as a set: its order is its own.
        [...(g.Operations ?? [])].sort(),
        g.Constraints,
      ]),
      [
        [
          created.grant_id,
          'app-grant',
          `arn:aws:iam::${accountId}:role/app`,
          `arn:aws:iam::${accountId}:role/ops`,
          ['Decrypt', 'Encrypt', 'GenerateDataKey'],
          { EncryptionContextEquals: { Department: 'Finance' } },
        ],
      ],
    );
  });

  test('the custom key store: created DISCONNECTED', async () => {
    const stores = await east.send(new DescribeCustomKeyStoresCommand({}));
    assert.deepEqual(
      stores.CustomKeyStores?.map((s) => [s.CustomKeyStoreId, s.CustomKeyStoreName, s.ConnectionState]),
      [[created.custom_key_store_id, 'terraform-hsm', 'DISCONNECTED']],
    );
  });

  test('plan after apply shows no drift', () => assertNoDrift('apply'));

  test('a changed configuration updates descriptions, tags and rotation in place', async () => {
    const { kmslab, tf } = suite;
    tf.write(configuration(CHANGED, kmslab.accountId, material));
    await tf.apply();
    const orders = await metadata(east, created.orders);
    assert.equal(orders?.KeyId, created.orders, 'updated in place, not replaced');
    assert.equal(orders?.Description, 'orders v2');
    assert.deepEqual(await tagsOf(created.orders), CHANGED.tags);
    assert.equal(await rotationEnabled(created.orders), false);
    const signing = await Promise.all(created.signing.map((KeyId) => metadata(east, KeyId)));
    assert.deepEqual(
      signing.map((m) => [m?.KeyId, m?.Description]),
      [
        [created.signing[0], 'rsa signing v2'],
        [created.signing[1], 'ecc signing v2'],
        [created.signing[2], 'hmac v2'],
      ],
      'updated in place, not replaced',
    );
  });

  test('plan after the change shows no drift', () => assertNoDrift('the change'));

  test('destroy schedules every key for deletion and removes the alias, grant and custom key store', async () => {
    await suite.tf.destroy();
    const scheduled = await Promise.all(
      [created.orders, ...created.signing, created.app].map((KeyId) => metadata(east, KeyId)),
    );
    assert.deepEqual(
      scheduled.map((m) => m?.KeyState),
      Array(scheduled.length).fill('PendingDeletion'),
    );
    for (const keyId of [created.imported, created.shared]) {
      assert.equal((await metadata(west, keyId))?.KeyState, 'PendingDeletion', keyId);
      assert.equal((await metadata(east, keyId))?.KeyState, 'PendingReplicaDeletion', keyId);
    }
    const { Aliases } = await east.send(new ListAliasesCommand({}));
    assert.ok(!Aliases?.some((a) => a.AliasName === 'alias/terraform/orders'));
    assert.deepEqual((await east.send(new ListGrantsCommand({ KeyId: created.app }))).Grants, []);
    assert.deepEqual((await east.send(new DescribeCustomKeyStoresCommand({}))).CustomKeyStores, []);
  });
});

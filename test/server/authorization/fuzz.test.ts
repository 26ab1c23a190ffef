import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateKeyCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  type KMSClient,
  KMSServiceException,
  PutKeyPolicyCommand,
} from '@aws-sdk/client-kms';
import { DEFAULT_CREDENTIALS } from '../../../src/server/defaults.ts';
import type { Kmslab } from '../../helpers/kmslab.ts';
import { A, B, B_ROOT_CREDENTIALS, IDENTITIES, startWithIdentities } from './identities.ts';

/**
 * Random key policies and requests against a real server: whatever the policy (well formed or not) and the
 * request, the server never answers 500, and a request that an explicit Deny covers is always denied.
 * ACCESS_FUZZ_SEED replays a run.
 */

const SEED = Number(process.env.ACCESS_FUZZ_SEED ?? 20_261_201);
const RUNS = 60;

/** mulberry32: a small seeded generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OPERATIONS = ['Encrypt', 'GenerateDataKey', 'DescribeKey'] as const;
const CALLERS = [DEFAULT_CREDENTIALS, B_ROOT_CREDENTIALS, ...Object.values(IDENTITIES)];
const PRINCIPALS = ['*', `arn:aws:iam::${A}:root`, B, IDENTITIES.alice.arn, `arn:aws:iam::${A}:role/app`];
const ACTIONS = [
  'kms:*',
  'kms:Encrypt',
  'kms:GenerateDataKey*',
  'kms:Describe*',
  'kms:*crypt',
  'kms:Decrypt',
];
const VALUES = ['a', 'b', 'A', '*', ''];

describe(`random policies and requests through the server (seed ${SEED})`, () => {
  let server: Kmslab;
  let root: KMSClient;
  const clients = new Map<string, KMSClient>();

  before(async () => {
    server = await startWithIdentities();
    root = server.sdk();
    for (const caller of CALLERS) clients.set(caller.accessKeyId, server.sdk(caller));
  });
  after(() => server.stop());

  test('no 500, and an explicit Deny always denies', async () => {
    const next = random(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
    const { KeyMetadata } = await root.send(new CreateKeyCommand({}));
    const keyArn = KeyMetadata?.Arn ?? '';
    let denials = 0;
    for (let run = 0; run < RUNS; run++) {
      const operation = pick(OPERATIONS);
      const context = next() < 0.5 ? undefined : { purpose: pick(VALUES) || 'x' };
      const deny = next() < 0.5;
      const statements: object[] = [
        { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:*', Resource: '*' },
      ];
      for (let i = Math.floor(next() * 4); i > 0; i--) {
        const statement: Record<string, unknown> = {
          Effect: next() < 0.8 ? 'Allow' : 'Deny',
          Principal: next() < 0.2 ? '*' : { AWS: pick(PRINCIPALS) },
          Action: pick(ACTIONS),
          Resource: next() < 0.9 ? '*' : keyArn,
        };
        if (next() < 0.4)
          statement.Condition = {
            [pick(['StringEquals', 'StringLike', 'StringNotEquals', 'Null', 'NumericLessThan', 'Bogus'])]: {
              [pick(['kms:EncryptionContext:purpose', 'kms:CallerAccount', 'aws:PrincipalTag/team'])]:
                pick(VALUES),
            },
          };
        if (next() < 0.05) statement.Effect = pick(['allow', 'Maybe', 1]);
        statements.push(statement);
      }
      // A Deny that covers the request whoever makes it, but leaves PutKeyPolicy to the root.
      if (deny)
        statements.push({
          Effect: 'Deny',
          Principal: '*',
          Action: `kms:${operation}`,
          Resource: '*',
          Condition: { StringNotEquals: { 'aws:PrincipalArn': 'arn:aws:iam::000000000000:root' } },
        });
      const Policy = JSON.stringify({ Version: '2012-10-17', Statement: statements });
      try {
        await root.send(
          new PutKeyPolicyCommand({ KeyId: keyArn, Policy, BypassPolicyLockoutSafetyCheck: true }),
        );
      } catch (error) {
        assert.ok(error instanceof KMSServiceException, String(error));
        assert.equal(
          error.name,
          'MalformedPolicyDocumentException',
          `${error.name}: ${error.message} for ${Policy}`,
        );
        continue;
      }
      const caller = pick(CALLERS);
      const client = clients.get(caller.accessKeyId) as KMSClient;
      const command =
        operation === 'Encrypt'
          ? new EncryptCommand({ KeyId: keyArn, Plaintext: new Uint8Array([1]), EncryptionContext: context })
          : operation === 'GenerateDataKey'
            ? new GenerateDataKeyCommand({ KeyId: keyArn, KeySpec: 'AES_256', EncryptionContext: context })
            : new DescribeKeyCommand({ KeyId: keyArn });
      let outcome = 'allowed';
      try {
        await client.send(command as never);
      } catch (error) {
        assert.ok(error instanceof KMSServiceException, String(error));
        assert.notEqual(error.$metadata.httpStatusCode, 500, `${error.name} for ${Policy}`);
        outcome = error.name;
      }
      if (deny) {
        denials++;
        assert.equal(outcome, 'AccessDeniedException', `${caller.accessKeyId} ${operation} under ${Policy}`);
      }
    }
    assert.ok(denials > 0);
  });
});

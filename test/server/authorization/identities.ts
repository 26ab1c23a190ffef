import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CREDENTIALS } from '../../../src/server/defaults.ts';
import { type Kmslab, startKmslab } from '../../helpers/kmslab.ts';

/**
 * The callers of the authorization suites, as an identities file declares them: users and a role session in
 * account A (the server's), and two users of account B, one whose IAM policy allows it to use A's keys.
 */

export const A = '111122223333';
export const B = '444455556666';

export interface TestIdentity {
  arn: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

const key = (name: string) => ({
  accessKeyId: `AKIATEST${name.toUpperCase().padEnd(12, '0')}`,
  secretAccessKey: `${name}-secret-access-key-for-tests-000000`,
});

export const IDENTITIES = {
  /** A user of A with tags and no policy of its own: only key policies that name it let it in. */
  alice: { arn: `arn:aws:iam::${A}:user/alice`, ...key('alice') },
  /** A user of A whose IAM policy allows every KMS action. */
  dev: { arn: `arn:aws:iam::${A}:user/dev`, ...key('dev') },
  /** A session of role `app` of A, whose IAM policy allows the data-plane operations. */
  worker: {
    arn: `arn:aws:sts::${A}:assumed-role/app/worker`,
    ...key('worker'),
    sessionToken: 'worker-session-token',
  },
  /** A user of A whose IAM policy allows managing aliases named alias/app-* of A's keys, and no other alias. */
  aliaser: { arn: `arn:aws:iam::${A}:user/aliaser`, ...key('aliaser') },
  /** A user of B whose IAM policy allows using A's keys. */
  bob: { arn: `arn:aws:iam::${B}:user/bob`, ...key('bob') },
  /** A user of B without any IAM policy. */
  carol: { arn: `arn:aws:iam::${B}:user/carol`, ...key('carol') },
} satisfies Record<string, TestIdentity>;

/** The root of account B: an access key that the identities file doesn't declare. */
export const B_ROOT: TestIdentity = {
  arn: `arn:aws:iam::${B}:root`,
  accessKeyId: 'AKIATESTBROOT0000000',
  secretAccessKey: 'b-root-secret-access-key-for-tests-000000',
};

const policy = (statement: object) => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });

function credentials(identity: TestIdentity) {
  return `{ accessKeyId: ${identity.accessKeyId}, secretAccessKey: ${identity.secretAccessKey} }`;
}

/** Writes the identities file and answers its path. */
export function writeIdentitiesFile(): string {
  const { alice, dev, aliaser, worker, bob, carol } = IDENTITIES;
  const yaml = `users:
  - arn: ${alice.arn}
    accessKeys: [${credentials(alice)}]
    tags: { team: payments }
  - arn: ${dev.arn}
    accessKeys: [${credentials(dev)}]
    policies:
      all-kms: '${policy({ Effect: 'Allow', Action: 'kms:*', Resource: '*' })}'
  - arn: ${aliaser.arn}
    accessKeys: [${credentials(aliaser)}]
    policies:
      app-aliases: '${policy({ Effect: 'Allow', Action: ['kms:CreateAlias', 'kms:UpdateAlias', 'kms:DeleteAlias'], Resource: [`arn:aws:kms:*:${A}:alias/app-*`, `arn:aws:kms:*:${A}:key/*`] })}'
  - arn: ${bob.arn}
    accessKeys: [${credentials(bob)}]
    policies:
      use-a-keys: '${policy({ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey', 'kms:ScheduleKeyDeletion'], Resource: `arn:aws:kms:*:${A}:key/*` })}'
  - arn: ${carol.arn}
    accessKeys: [${credentials(carol)}]
roles:
  - arn: arn:aws:iam::${A}:role/app
    tags: { team: payments }
    policies:
      data-plane: '${policy({ Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey*', 'kms:DescribeKey'], Resource: '*' })}'
    sessions:
      - name: worker
        accessKeyId: ${worker.accessKeyId}
        secretAccessKey: ${worker.secretAccessKey}
        sessionToken: ${worker.sessionToken}
`;
  const path = join(mkdtempSync(join(tmpdir(), 'kmslab-identities-')), 'identities.yaml');
  writeFileSync(path, yaml);
  return path;
}

export const B_ROOT_CREDENTIALS = { ...B_ROOT, accountId: B };

/** A kmslab with these identities, and A's and B's roots as plain access keys. */
export function startWithIdentities(): Promise<Kmslab> {
  return startKmslab({
    identities: writeIdentitiesFile(),
    credentials: [DEFAULT_CREDENTIALS, B_ROOT_CREDENTIALS],
  });
}

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { DEFAULT_ACCOUNT_ID, DEFAULT_CREDENTIALS, DEFAULT_REGION } from '../../src/server/defaults.ts';
import { runWrk, signedRequestScript } from '../wrk.ts';

/**
 * The policy row of `npm run bench`: GenerateDataKey by a role session on a key whose policy has five
 * statements with conditions, beside the same call by the account root on a key with the default policy, in
 * the same run. kmslab starts with the identities file that writeBenchIdentities writes.
 */

const ACCOUNT = DEFAULT_ACCOUNT_ID;
const SESSION = {
  accessKeyId: 'ASIABENCHWORKER00000',
  secretAccessKey: 'bench-worker-secret-access-key-00000000',
  sessionToken: 'bench-worker-session-token',
};
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/bench-app`;

const IDENTITY_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['kms:GenerateDataKey*', 'kms:Decrypt'], Resource: '*' }],
});

/** The five statements: administrators, the role's data plane under conditions, and a Deny for other accounts. */
export const KEY_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Enable IAM User Permissions',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 'kms:*',
      Resource: '*',
    },
    {
      Sid: 'Allow access for Key Administrators',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/KeyAdmin` },
      Action: ['kms:Create*', 'kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*'],
      Resource: '*',
    },
    {
      Sid: 'Allow data keys for the app',
      Effect: 'Allow',
      Principal: { AWS: ROLE_ARN },
      Action: 'kms:GenerateDataKey*',
      Resource: '*',
      Condition: {
        StringEquals: { 'kms:CallerAccount': ACCOUNT, 'aws:PrincipalTag/team': 'payments' },
        Bool: { 'aws:SecureTransport': 'false' },
      },
    },
    {
      Sid: 'Allow decrypt under the app context',
      Effect: 'Allow',
      Principal: { AWS: ROLE_ARN },
      Action: 'kms:Decrypt',
      Resource: '*',
      Condition: { StringEquals: { 'kms:EncryptionContext:app': 'bench' } },
    },
    {
      Sid: 'Deny other accounts',
      Effect: 'Deny',
      Principal: '*',
      Action: 'kms:*',
      Resource: '*',
      Condition: { StringNotEquals: { 'kms:CallerAccount': ACCOUNT } },
    },
  ],
});

/** The identities file kmslab's bench run starts with: one role session. */
export function writeBenchIdentities(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'kmslab-bench-identities-')), 'identities.yaml');
  writeFileSync(
    path,
    `roles:
  - arn: ${ROLE_ARN}
    tags: { team: payments }
    policies:
      data-plane: '${IDENTITY_POLICY}'
    sessions:
      - name: worker
        accessKeyId: ${SESSION.accessKeyId}
        secretAccessKey: ${SESSION.secretAccessKey}
        sessionToken: ${SESSION.sessionToken}
`,
  );
  return path;
}

/** Alternated rounds: the machine is shared, and its load changes by the second. */
const ROUNDS = 3;

export interface PolicyRowResult {
  caller: 'root, default policy' | 'role session, 5-statement policy';
  rps: number;
  p50: number;
  errors: number;
}

/** Both calls, alternated ROUNDS times so that neither gets the machine's quieter moment; the best round counts. */
export async function measurePolicyRow(
  port: number,
  connections: number,
  seconds: number,
): Promise<PolicyRowResult[]> {
  const credentials = {
    accessKeyId: DEFAULT_CREDENTIALS.accessKeyId,
    secretAccessKey: DEFAULT_CREDENTIALS.secretAccessKey,
  };
  const kms = new KMSClient({ endpoint: `http://127.0.0.1:${port}`, region: DEFAULT_REGION, credentials });
  const plain = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId;
  const governed = (await kms.send(new CreateKeyCommand({ Policy: KEY_POLICY }))).KeyMetadata?.KeyId;
  kms.destroy();
  if (!plain || !governed) throw new Error('CreateKey answered no KeyId');
  const input = (KeyId: string) => ({ KeyId, NumberOfBytes: 32 });
  const rows = [
    {
      caller: 'root, default policy' as const,
      script: signedRequestScript(port, 'GenerateDataKey', input(plain)),
    },
    {
      caller: 'role session, 5-statement policy' as const,
      script: signedRequestScript(port, 'GenerateDataKey', input(governed), SESSION),
    },
  ];
  const best = new Map<string, PolicyRowResult>();
  for (const row of rows) runWrk(port, row.script, connections, 1);
  for (let round = 0; round < ROUNDS; round++) {
    for (const { caller, script } of rows) {
      const { rps, p50, errors } = runWrk(port, script, connections, seconds);
      console.error(`kmslab GenerateDataKey, ${caller}: ${rps.toFixed(0)} req/s`);
      if (rps > (best.get(caller)?.rps ?? 0)) best.set(caller, { caller, rps, p50, errors });
    }
  }
  return [...best.values()];
}

/**
 * The policy engine alone: microseconds per authorize() on a compiled 5-statement key policy with conditions,
 * and per compile of that policy (which happens once per PutKeyPolicy, not per request). Prints one table.
 *
 *   npm run bench:policy -- [--rounds 7] [--iterations 200000]
 */
import { parseArgs } from 'node:util';
import {
  type AuthorizationRequest,
  authorize,
  compileIdentityPolicy,
  compileKeyPolicy,
  createPrincipal,
} from '../src/server/access/index.ts';
import { ACCOUNT as account, consoleStatements, rootStatement } from '../test/server/access/support.ts';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '7' }, iterations: { type: 'string', default: '200000' } },
});
const rounds = Number(values.rounds);
const iterations = Number(values.iterations);

const keyArn = `arn:aws:kms:us-east-1:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
// The KMS console's key policy (the Developer Guide's example), with conditions on the key users.
const keyPolicyText = JSON.stringify({
  Version: '2012-10-17',
  Id: 'key-consolepolicy-3',
  Statement: [
    rootStatement(),
    consoleStatements.keyAdministrators,
    {
      ...consoleStatements.keyUsers,
      Condition: {
        StringEquals: { 'kms:EncryptionContext:AppName': 'ExampleApp' },
        'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['AppName', 'Tenant'] },
      },
    },
    consoleStatements.persistentResources,
    {
      Sid: 'Deny outside the network',
      Effect: 'Deny',
      Principal: '*',
      Action: 'kms:*',
      Resource: '*',
      Condition: {
        NotIpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '127.0.0.0/8', '::1/128'] },
        Bool: { 'aws:SecureTransport': 'false' },
      },
    },
  ],
});
const keyPolicy = compileKeyPolicy(keyPolicyText);
const defaultPolicy = compileKeyPolicy(
  JSON.stringify({ Version: '2012-10-17', Statement: [JSON.parse(keyPolicyText).Statement[0]] }),
);
// Principals are built once, as the server builds them when it loads identities.
const root = createPrincipal({ arn: `arn:aws:iam::${account}:root` });
const role = createPrincipal({
  arn: `arn:aws:sts::${account}:assumed-role/EncryptionApp/i-0123456789`,
  tags: { team: 'payments' },
});
const delegated = createPrincipal({
  arn: `arn:aws:sts::${account}:assumed-role/Worker/w-1`,
  policies: [
    compileIdentityPolicy(
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
            Resource: `arn:aws:kms:*:${account}:key/*`,
          },
        ],
      }),
      'WorkerKeys',
    ),
  ],
});
const context = {
  'kms:EncryptionContext:AppName': 'ExampleApp',
  'kms:EncryptionContext:Tenant': 't-42',
  'kms:EncryptionContextKeys': ['AppName', 'Tenant'],
  'kms:EncryptionAlgorithm': 'SYMMETRIC_DEFAULT',
  'aws:SourceIp': '127.0.0.1',
  'aws:SecureTransport': false,
  'aws:CurrentTime': '2025-06-01T12:00:00Z',
};
const generateDataKey = { action: 'kms:GenerateDataKey', resource: keyArn, context };

const cases: { name: string; run: () => unknown }[] = [
  {
    name: 'root, default key policy (1 statement)',
    run: () => authorize({ principal: root, keyPolicy: defaultPolicy, ...generateDataKey }),
  },
  {
    name: 'role named in the key policy, conditions (5 statements)',
    run: () => authorize({ principal: role, keyPolicy, ...generateDataKey }),
  },
  {
    name: 'role through IAM delegation (5 + 1 statements)',
    run: () => authorize({ principal: delegated, keyPolicy, ...generateDataKey }),
  },
  {
    name: 'implicit denial, with its explanation',
    run: () =>
      authorize({
        principal: role,
        keyPolicy,
        ...generateDataKey,
        context: { ...context, 'kms:EncryptionContext:AppName': 'Other' },
      }),
  },
  {
    name: 'explicit denial (outside the network)',
    run: () =>
      authorize({
        principal: role,
        keyPolicy,
        ...generateDataKey,
        context: { ...context, 'aws:SourceIp': '203.0.113.9' },
      }),
  },
  { name: 'compile the 5-statement key policy', run: () => compileKeyPolicy(keyPolicyText) },
];

function check(request: Omit<AuthorizationRequest, 'action' | 'resource'>, expected: boolean): void {
  if (authorize({ ...request, ...generateDataKey }).allowed !== expected)
    throw new Error('the bench decides wrongly');
}
check({ principal: role, keyPolicy }, true);
check({ principal: delegated, keyPolicy }, true);

function microseconds(run: () => unknown, count: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) run();
  return Number(process.hrtime.bigint() - start) / 1000 / count;
}

const rows: string[][] = [];
for (const c of cases) {
  const count = c.name.startsWith('compile') ? Math.ceil(iterations / 20) : iterations;
  microseconds(c.run, Math.ceil(count / 4));
  const results = Array.from({ length: rounds }, () => microseconds(c.run, count)).sort((a, b) => a - b);
  const median = results[Math.floor(results.length / 2)] as number;
  rows.push([
    c.name,
    median.toFixed(2),
    (results[0] as number).toFixed(2),
    Math.round(1e6 / median).toLocaleString('en-US'),
  ]);
}

const header = ['case', 'µs median', 'µs best', 'per second'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
const line = (cells: string[]) =>
  `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join(' | ')} |`;
console.log(
  `node ${process.version}, ${rounds} rounds of ${iterations} evaluations (compile: ${Math.ceil(iterations / 20)})`,
);
console.log(line(header));
console.log(`|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
for (const row of rows) console.log(line(row));

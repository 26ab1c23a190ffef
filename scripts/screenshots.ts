// `npm run screenshots` (after `npm run build`): starts a throwaway kmslab, gives it keys of several kinds and some
// traffic through kmslab's own Node client, and writes PNGs of the console at 1280×800 to docs/screenshots/ (the
// key list, a key page in light and dark, the live view), which README's "Web console" shows.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { AWSConfig, KMSClient } from '../src/client/index.ts';
import type { KeySpec, KeyUsageType } from '../src/protocol/index.ts';
import { DEFAULT_CREDENTIALS, DEFAULT_REGION } from '../src/server/defaults.ts';
import { openConsole, submitLogin, waitForTextGone } from '../test/console/browser.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'docs/screenshots');
if (!existsSync(join(root, 'dist/console/index.html'))) {
  console.error('dist/console is missing: run npm run build first');
  process.exit(1);
}

const server = spawn(process.execPath, [join(root, 'bin/kmslab.js'), 'serve', '--in-memory', '--port', '0'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const endpoint = await new Promise<string>((resolve, reject) => {
  let banner = '';
  server.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    banner += chunk;
    const match = /listening on (http:\/\/\S+)/.exec(banner);
    if (match?.[1]) resolve(match[1]);
  });
  server.on('exit', (code) => reject(new Error(`kmslab serve exited with ${code}`)));
});

const kms = new KMSClient(new AWSConfig({ ...DEFAULT_CREDENTIALS, region: DEFAULT_REGION, endpoint }));
const keys: { description: string; alias: string; spec?: KeySpec; usage?: KeyUsageType }[] = [
  { description: 'Orders service: envelope encryption of order records', alias: 'orders' },
  { description: 'Payments: card tokens', alias: 'payments' },
  {
    description: 'Session cookies (HMAC)',
    alias: 'sessions',
    spec: 'HMAC_256',
    usage: 'GENERATE_VERIFY_MAC',
  },
  { description: 'Release signing', alias: 'release-signing', spec: 'ECC_NIST_P256', usage: 'SIGN_VERIFY' },
  {
    description: 'Partner file exchange',
    alias: 'partner-files',
    spec: 'RSA_3072',
    usage: 'ENCRYPT_DECRYPT',
  },
  { description: 'Post-quantum signing trial', alias: 'pq-signing', spec: 'ML_DSA_65', usage: 'SIGN_VERIFY' },
  { description: 'Device key agreement', alias: 'devices', spec: 'ECC_NIST_P384', usage: 'KEY_AGREEMENT' },
  { description: 'Analytics exports', alias: 'analytics' },
  { description: 'Backups (EU)', alias: 'backups' },
  { description: 'Load test key', alias: 'k6' },
];
const ids: Record<string, string> = {};
for (const key of keys) {
  const created = await kms.createKey({
    Description: key.description,
    ...(key.spec ? { KeySpec: key.spec, KeyUsage: key.usage } : {}),
    Tags: [{ TagKey: 'team', TagValue: key.alias === 'payments' ? 'payments' : 'platform' }],
  });
  ids[key.alias] = created.KeyId;
  await kms.createAlias(`alias/${key.alias}`, created.KeyId);
}
const orders = ids.orders ?? '';
await kms.send('TagResource', { KeyId: orders, Tags: [{ TagKey: 'env', TagValue: 'staging' }] });
await kms.send('EnableKeyRotation', { KeyId: orders, RotationPeriodInDays: 180 });
await kms.send('RotateKeyOnDemand', { KeyId: orders });
await kms.createGrant(
  orders,
  'arn:aws:iam::111122223333:role/orders-worker',
  ['Encrypt', 'Decrypt', 'GenerateDataKey'],
  {
    name: 'orders-worker',
  },
);
await kms.send('DisableKey', { KeyId: ids.analytics ?? '' });
await kms.send('ScheduleKeyDeletion', { KeyId: ids.backups ?? '', PendingWindowInDays: 7 });

// Traffic for the live view: data keys, encryption, signing and a few errors, for the charts' last minute.
let trafficOn = true;
const traffic = (async () => {
  for (let i = 0; trafficOn; i++) {
    const calls: Promise<unknown>[] = [
      kms.generateDataKey('alias/orders', 32),
      kms.encrypt('alias/payments', `card ${i}`),
      kms.generateMac('alias/sessions', `session ${i}`, 'HMAC_SHA_256'),
    ];
    if (i % 5 === 0) calls.push(kms.sign('alias/release-signing', `build ${i}`, 'ECDSA_SHA_256'));
    if (i % 17 === 0) calls.push(kms.generateDataKey('alias/analytics', 32));
    if (i % 23 === 0) calls.push(kms.describeKey('alias/retired'));
    await Promise.allSettled(calls);
    await sleep(20 + 30 * Math.abs(Math.sin(i / 40)));
  }
})();

const chromium = await openConsole(endpoint);
const { page } = chromium;
try {
  await submitLogin(page);
  await waitForTextGone(page, '…');
  await page.screenshot({ path: join(out, 'keys.png') });

  await page.goto(`${endpoint}/_kmslab/#/keys/${orders}`);
  await page.waitForSelector('textarea.policy');
  await waitForTextGone(page, 'Loading…');
  await page.screenshot({ path: join(out, 'key.png') });
  await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
  await page.screenshot({ path: join(out, 'key-dark.png') });
  await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);

  // A minute of traffic, so that the charts have a shape.
  await sleep(60_000);
  await page.goto(`${endpoint}/_kmslab/#/live`);
  await page.waitForSelector('.chart canvas');
  await sleep(2000);
  await page.screenshot({ path: join(out, 'live.png') });
  console.log(`docs/screenshots: keys.png, key.png, key-dark.png, live.png (${endpoint})`);
} finally {
  trafficOn = false;
  await traffic;
  await chromium.close();
  server.kill('SIGTERM');
}

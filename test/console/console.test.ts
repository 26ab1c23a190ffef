import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { ListKeyRotationsCommand } from '@aws-sdk/client-kms';
import type { Page } from 'puppeteer-core';
import { DEFAULT_CREDENTIALS, DEFAULT_REGION } from '../../src/server/defaults.ts';
import { type ServeProcess, serve } from '../cli/spawn.ts';
import { type Cli, createCli } from '../helpers/aws-cli.ts';
import {
  type ConsoleBrowser,
  noBrowser,
  openConsole,
  rowsOf,
  sessionStorageItems,
  submitLogin,
  textOf,
  waitForRow,
  waitForText,
} from './browser.ts';

// The console in a real browser (Debian's Chromium, headless) against a real `kmslab serve`, with the AWS CLI as
// an independent witness of what the page did and as the traffic the live view must show.

declare const document: {
  querySelector(selector: string): { value: string; dispatchEvent(event: unknown): boolean } | null;
  querySelectorAll(
    selector: string,
  ): ArrayLike<{ textContent: string; cells: ArrayLike<{ textContent: string }> }>;
  activeElement: { textContent: string } | null;
};
declare const Event: new (type: string, init: { bubbles: boolean }) => unknown;

/** Replaces the policy editor's text as typing would (Preact listens to `input`). */
async function setPolicyText(page: Page, text: string): Promise<void> {
  await page.evaluate((value) => {
    const textarea = document.querySelector('textarea.policy');
    if (!textarea) throw new Error('no policy editor');
    textarea.value = value;
    textarea.dispatchEvent(new Event('input', { bubbles: true }));
  }, text);
}

/** Clicks the button labelled `label` once there is one. */
async function clickButton(page: Page, label: string): Promise<void> {
  const button = await page.waitForSelector(`xpath/.//button[text()="${label}"]`);
  await button?.click();
}

/** The rows of the live view's request table, each its cells' text joined by tabs. */
function requestRows(page: Page): Promise<string[]> {
  return rowsOf(page, 'table.requests');
}

describe('the web console in Chromium', { skip: noBrowser }, () => {
  let server: ServeProcess;
  let cli: Cli;
  let chromium: ConsoleBrowser;
  let page: Page;
  let keyId = '';
  const alias = 'alias/console-test';

  const describeKey = async (id: string) =>
    (await cli.json(['describe-key', '--key-id', id])).KeyMetadata as Record<string, unknown>;

  before(async () => {
    server = await serve(['--in-memory']);
    cli = await createCli({
      endpoint: server.endpoint,
      region: DEFAULT_REGION,
      accessKeyId: DEFAULT_CREDENTIALS.accessKeyId,
      secretAccessKey: DEFAULT_CREDENTIALS.secretAccessKey,
    });
    chromium = await openConsole(server.endpoint);
    page = chromium.page;
  });

  after(async () => {
    await chromium?.close();
    await server?.stop();
    if (cli) await rm(cli.dir, { recursive: true, force: true });
  });

  test("refuses wrong credentials with AWS's error type and message, and keeps nothing", async () => {
    await submitLogin(page, { secretAccessKey: 'not-the-secret' });
    await page.waitForFunction(() =>
      document.querySelectorAll('.error')[0]?.textContent.startsWith('InvalidSignatureException'),
    );
    assert.equal(
      await textOf(page, '.error'),
      'InvalidSignatureException: The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
    await submitLogin(page, { accessKeyId: 'AKIANOTAKEYOFKMSLAB0' });
    await page.waitForFunction(() =>
      document.querySelectorAll('.error')[0]?.textContent.startsWith('UnrecognizedClientException'),
    );
    assert.equal(
      await textOf(page, '.error'),
      'UnrecognizedClientException: The security token included in the request is invalid.',
    );
    assert.equal(await sessionStorageItems(page), 0);
  });

  test('signs in, creates keys of the chosen spec and usage, and lists them', async () => {
    await submitLogin(page);
    await page.waitForSelector('#keys-title');
    assert.equal(await sessionStorageItems(page), 1);

    await page.click('a[href="#/create-key"]');
    await page.waitForSelector('#create-title');
    await page.type('label:nth-of-type(3) input', 'made in the console');
    await page.type('input[placeholder="alias/my-key"]', alias);
    await page.click('form button[type=submit]');
    await page.waitForSelector('#key-title');
    keyId = await textOf(page, '#key-title');
    const created = await describeKey(keyId);
    assert.equal(created.Description, 'made in the console');
    assert.equal(created.KeySpec, 'SYMMETRIC_DEFAULT');
    const aliases = (await cli.json(['list-aliases', '--key-id', keyId])).Aliases as { AliasName: string }[];
    assert.deepEqual(
      aliases.map((entry) => entry.AliasName),
      [alias],
    );

    await page.click('a[href="#/keys"]');
    await page.click('a[href="#/create-key"]');
    await page.waitForSelector('#create-title');
    await page.select('label:nth-of-type(1) select', 'ECC_NIST_P256');
    await page.select('label:nth-of-type(2) select', 'KEY_AGREEMENT');
    await page.click('form button[type=submit]');
    await page.waitForFunction(
      (previous) => document.querySelectorAll('#key-title')[0]?.textContent !== previous,
      {},
      keyId,
    );
    const agreement = await describeKey(await textOf(page, '#key-title'));
    assert.equal(agreement.KeySpec, 'ECC_NIST_P256');
    assert.equal(agreement.KeyUsage, 'KEY_AGREEMENT');

    await page.click('a[href="#/keys"]');
    await page.waitForSelector('#keys-title');
    await waitForText(page, '1–2 of 2 keys');
    await page.type('input[type=search]', 'console-test');
    await waitForText(page, '1–1 of 1 matching (2 keys)');
    const row = await waitForRow(page, 'table.keys', 'made in the console');
    assert.match(
      row,
      new RegExp(
        `^${keyId}\\s+${alias}\\s+made in the console\\s+SYMMETRIC_DEFAULT\\s+ENCRYPT_DECRYPT\\s+Enabled\\s+AWS_KMS\\s+no\\s`,
      ),
    );
  });

  test('edits the key policy: saves valid JSON, refuses what is not JSON, and shows why kmslab refuses one', async () => {
    await page.goto(`${server.endpoint}/_kmslab/#/keys/${keyId}`);
    await page.waitForSelector('textarea.policy');
    const policy = JSON.parse(
      await page.$eval('textarea.policy', (node) => (node as unknown as { value: string }).value),
    );
    policy.Statement.push({
      Sid: 'ConsoleTest',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::111122223333:root' },
      Action: 'kms:DescribeKey',
      Resource: '*',
    });
    await setPolicyText(page, JSON.stringify(policy, null, 2));
    await page.click('form:has(textarea.policy) button[type=submit]');
    await waitForText(page, 'Policy saved.');
    const stored = async () =>
      (await cli.json(['get-key-policy', '--key-id', keyId, '--policy-name', 'default'])).Policy as string;
    assert.deepEqual(JSON.parse(await stored()), policy);

    await setPolicyText(page, '{ "Version": "2012-10-17", ');
    await page.click('form:has(textarea.policy) button[type=submit]');
    assert.match(await textOf(page, '.card.wide .error'), /^Not saved: the policy is not valid JSON \(/);

    // A policy that would lock the caller out: kmslab's lockout safety check refuses it, as AWS does.
    const lockout = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::111122223333:root' },
          Action: 'kms:Encrypt',
          Resource: '*',
        },
      ],
    };
    await setPolicyText(page, JSON.stringify(lockout));
    await page.click('form:has(textarea.policy) button[type=submit]');
    await page.waitForFunction(() =>
      document.querySelectorAll('.card.wide .error')[0]?.textContent.startsWith('Malformed'),
    );
    assert.equal(
      await textOf(page, '.card.wide .error'),
      'MalformedPolicyDocumentException: The new key policy will not allow you to update the key policy in the future.',
    );
    assert.deepEqual(JSON.parse(await stored()), policy);
  });

  test('shows a GenerateDataKey made by the AWS CLI in the live log and charts, without its plaintext', async () => {
    await page.click('a[href="#/live"]');
    await page.waitForSelector('.live-dot');
    const dataKey = await cli.json(['generate-data-key', '--key-id', alias, '--number-of-bytes', '32']);
    const missing = await cli.kms([
      'generate-data-key',
      '--key-id',
      'alias/missing',
      '--number-of-bytes',
      '32',
    ]);
    assert.notEqual(missing.code, 0);

    await waitForRow(page, 'table.requests', 'GenerateDataKey\talias/missing');
    const rows = await requestRows(page);
    const generated = rows.find((row) => row.includes(`GenerateDataKey\t${alias}`));
    assert.match(
      generated ?? '',
      /^\d\d:\d\d:\d\d\.\d{3}\t111122223333:root\tGenerateDataKey\talias\/console-test\t200\t\t\d+\.\d\d$/,
    );
    const text = await page.evaluate(() => document.querySelectorAll('body')[0]?.textContent ?? '');
    assert.ok(!text.includes(dataKey.Plaintext as string), 'the plaintext is not on the page');
    assert.ok(!text.includes(dataKey.CiphertextBlob as string), 'the ciphertext is not on the page');

    // Errors only: the CLI's NotFoundException and the refused PutKeyPolicy of the test before.
    await page.click('label.inline input[type=checkbox]');
    await page.waitForFunction(() => document.querySelectorAll('table.requests tbody tr').length === 2);
    const errors = await requestRows(page);
    assert.match(errors[0] ?? '', /\tGenerateDataKey\talias\/missing\t400\tNotFoundException\t/);
    assert.match(
      errors[1] ?? '',
      new RegExp(`\tPutKeyPolicy\t${keyId}\t400\tMalformedPolicyDocumentException\t`),
    );

    // The charts come from the per-second stats: GenerateDataKey gets a line once its second has elapsed.
    await page.waitForFunction(() =>
      document.querySelectorAll('.charts')[0]?.textContent.includes('GenerateDataKey'),
    );
    assert.ok(await page.$('.charts canvas'), 'the charts are drawn');
  });

  test('asks before destructive actions, in a dialog used from the keyboard', async () => {
    await page.goto(`${server.endpoint}/_kmslab/#/keys/${keyId}`);
    const disable = await page.waitForSelector('xpath/.//button[text()="Disable"]');
    await disable?.focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('dialog[open]');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel');
    await page.keyboard.press('Escape');
    await page.waitForSelector('dialog[open]', { hidden: true });
    assert.equal((await describeKey(keyId)).KeyState, 'Enabled');

    await disable?.focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('dialog[open]');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Disable key');
    await page.keyboard.press('Enter');
    await page.waitForSelector('xpath/.//button[text()="Enable"]');
    assert.equal((await describeKey(keyId)).KeyState, 'Disabled');
    await clickButton(page, 'Enable');
    await page.waitForSelector('xpath/.//button[text()="Disable"]');
    assert.equal((await describeKey(keyId)).KeyState, 'Enabled');

    await clickButton(page, 'Rotate now');
    await (await page.waitForSelector('dialog[open] button[type=submit]'))?.click();
    await page.waitForSelector('dialog[open]', { hidden: true });
    // The AWS CLI here (2.9) predates ListKeyRotations; the AWS SDK knows it.
    const { Rotations } = await server.sdk().send(new ListKeyRotationsCommand({ KeyId: keyId }));
    assert.equal(Rotations?.length, 1);

    await clickButton(page, 'Schedule deletion');
    await (await page.waitForSelector('dialog[open] input[type=number]'))?.focus();
    await page.keyboard.down('Control');
    await page.keyboard.press('a');
    await page.keyboard.up('Control');
    await page.keyboard.type('7');
    await (await page.waitForSelector('dialog[open] button[type=submit]'))?.click();
    await page.waitForSelector('xpath/.//button[text()="Cancel deletion"]');
    const pending = await describeKey(keyId);
    assert.equal(pending.KeyState, 'PendingDeletion');
    // The CLI prints timestamps in ISO 8601.
    const days = (Date.parse(pending.DeletionDate as string) - Date.now()) / 86_400_000;
    assert.ok(days > 6.9 && days <= 7, `deleted in ${days} days`);
    await clickButton(page, 'Cancel deletion');
    await page.waitForSelector('xpath/.//button[text()="Schedule deletion"]');
    assert.equal((await describeKey(keyId)).KeyState, 'Disabled');
  });

  test('adds a tag and an alias to the key', async () => {
    await page.type('input[placeholder="team"]', 'team');
    await page.type('input[placeholder="payments"]', 'payments');
    await clickButton(page, 'Add tag');
    await page.waitForSelector('xpath/.//td[text()="payments"]');
    assert.deepEqual((await cli.json(['list-resource-tags', '--key-id', keyId])).Tags, [
      { TagKey: 'team', TagValue: 'payments' },
    ]);
    await page.type('input[placeholder="alias/my-key"]', 'second');
    await clickButton(page, 'Add alias');
    await page.waitForSelector('xpath/.//li[text()="alias/second"]');
    const aliases = (await cli.json(['list-aliases', '--key-id', keyId])).Aliases as { AliasName: string }[];
    assert.deepEqual(aliases.map((entry) => entry.AliasName).sort(), [alias, 'alias/second']);
  });

  test("shows the key's grants, material versions (IDs, never material) and last usage, as the AWS CLI and SDK made them", async () => {
    assert.equal((await cli.kms(['enable-key', '--key-id', keyId])).code, 0);
    const grant = await cli.json([
      'create-grant',
      '--key-id',
      keyId,
      '--grantee-principal',
      'arn:aws:iam::111122223333:role/ConsoleGrantee',
      '--operations',
      'Encrypt',
      'Decrypt',
    ]);
    // 'aGVsbG8=' is "hello": the CLI v2 takes blobs as base64.
    assert.equal((await cli.kms(['encrypt', '--key-id', keyId, '--plaintext', 'aGVsbG8='])).code, 0);
    const { Rotations } = await server.sdk().send(new ListKeyRotationsCommand({ KeyId: keyId }));
    const materialIds = (Rotations ?? []).map((rotation) => rotation.KeyMaterialId);
    assert.ok(materialIds.length > 0 && materialIds.every((id) => typeof id === 'string'));

    // The page is on this key already: a reload fetches what the CLI and the SDK changed meanwhile.
    await page.reload();
    await page.waitForSelector(`xpath/.//td[text()="${grant.GrantId as string}"]`);
    for (const id of materialIds) await page.waitForSelector(`xpath/.//td[text()="${id as string}"]`);
    await page.waitForFunction(() =>
      document
        .querySelectorAll('section[aria-labelledby=section-last-usage]')[0]
        ?.textContent.includes('Encrypt'),
    );
    const grantRow = await page.evaluate(
      (id) =>
        Array.from(document.querySelectorAll('tr')).find((row) => row.textContent.includes(id))?.textContent,
      grant.GrantId as string,
    );
    assert.match(grantRow ?? '', /ConsoleGrantee.*Encrypt, Decrypt/);
  });

  test('signs out: the credentials leave the session storage', async () => {
    await clickButton(page, 'Sign out');
    await page.waitForSelector('input[name=accessKeyId]');
    assert.equal(await sessionStorageItems(page), 0);
  });

  test('asked nothing of any origin but the kmslab that served it, and threw nothing', () => {
    const elsewhere = chromium.requested.filter((url) => !url.startsWith(`${server.endpoint}/`));
    assert.deepEqual(elsewhere, []);
    assert.ok(chromium.requested.length > 10);
    assert.deepEqual(chromium.pageErrors, []);
  });
});

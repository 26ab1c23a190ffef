import { existsSync } from 'node:fs';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { DEFAULT_CREDENTIALS } from '../../src/server/defaults.ts';

// What the functions below run inside the page use of the DOM; the tests are typechecked without its types.
declare const document: {
  body: { textContent: string };
  querySelectorAll(selector: string): ArrayLike<{ cells: ArrayLike<{ textContent: string }> }>;
};
declare const sessionStorage: { length: number };

/** Debian's Chromium (`apt-get install -y chromium`), driven headless by puppeteer-core. */
export const CHROMIUM = '/usr/bin/chromium';

/** Why the browser tests cannot run here, or false when they can. */
export const noBrowser = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) to run the console's browser tests`;

export interface ConsoleBrowser {
  browser: Browser;
  page: Page;
  /** Every URL the page asked for, from its first load on. */
  requested: string[];
  /** Uncaught errors of the page. */
  pageErrors: string[];
  close(): Promise<void>;
}

/** One headless Chromium with one page at 1280×800, on the console of the kmslab at `endpoint`. */
export async function openConsole(endpoint: string): Promise<ConsoleBrowser> {
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Root in a container has no user namespaces for Chromium's sandbox.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  const requested: string[] = [];
  const pageErrors: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.goto(`${endpoint}/_kmslab/`);
  return { browser, page, requested, pageErrors, close: () => browser.close() };
}

/** Fills the login form and submits it. */
export async function submitLogin(
  page: Page,
  {
    accessKeyId = DEFAULT_CREDENTIALS.accessKeyId,
    secretAccessKey = DEFAULT_CREDENTIALS.secretAccessKey,
  } = {},
): Promise<void> {
  await page.waitForSelector('input[name=accessKeyId]');
  for (const [name, value] of [
    ['accessKeyId', accessKeyId],
    ['secretAccessKey', secretAccessKey],
  ] as const) {
    await page.click(`input[name=${name}]`, { count: 3 });
    await page.keyboard.press('Backspace');
    await page.type(`input[name=${name}]`, value);
  }
  await page.click('form button[type=submit]');
}

/** Waits until the page's visible text contains `text`. */
export async function waitForText(page: Page, text: string, timeout = 15_000): Promise<void> {
  await page.waitForFunction((expected) => document.body.textContent.includes(expected), { timeout }, text);
}

/** Waits until the page's text no longer contains `text` (e.g. a loading mark). */
export async function waitForTextGone(page: Page, text: string, timeout = 15_000): Promise<void> {
  await page.waitForFunction((gone) => !document.body.textContent.includes(gone), { timeout }, text);
}

/** The text of the first element matching `selector`, once there is one. */
export async function textOf(page: Page, selector: string): Promise<string> {
  const element = await page.waitForSelector(selector);
  return (await element?.evaluate((node) => (node as unknown as { textContent: string }).textContent)) ?? '';
}

/** How many items the page's sessionStorage holds. */
export function sessionStorageItems(page: Page): Promise<number> {
  return page.evaluate(() => sessionStorage.length);
}

/** The body rows of a table, each its cells' text joined by tabs. */
export function rowsOf(page: Page, table: string): Promise<string[]> {
  return page.evaluate(
    (selector) =>
      Array.from(document.querySelectorAll(`${selector} tbody tr`), (row) =>
        Array.from(row.cells, (cell) => cell.textContent).join('\t'),
      ),
    table,
  );
}

/** Waits for a body row of the table whose text (cells joined by tabs) contains `needle`, and returns it. */
export async function waitForRow(page: Page, table: string, needle: string): Promise<string> {
  const found = await page.waitForFunction(
    (selector, expected) =>
      Array.from(document.querySelectorAll(`${selector} tbody tr`), (row) =>
        Array.from(row.cells, (cell) => cell.textContent).join('\t'),
      ).find((row) => row.includes(expected)),
    {},
    table,
    needle,
  );
  return (await found.jsonValue()) as string;
}

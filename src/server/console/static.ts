import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The console's files: the build of src/console (`npm run build` writes dist/console/), served as they are. They
 * hold no data (every piece of data is fetched with signed calls), so they are public; what matters is that
 * nothing outside the folder can be named, and that the page can reach nothing but this server.
 */

/** The console's URL path; `/_kmslab` without the slash is redirected here. */
export const CONSOLE_PATH = '/_kmslab/';

/** On every console response: the page may load and call only this origin, and can't be framed. */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * dist/console of the package this module belongs to: the nearest folder up that holds a package.json. The same
 * from the sources (src/server/console/), from the CLI's bundle (dist/cli/main.js) and in an installed package.
 */
export function packageConsoleFolder(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(folder, 'package.json'))) {
    const parent = dirname(folder);
    if (parent === folder) break;
    folder = parent;
  }
  return join(folder, 'dist', 'console');
}

/** Whether the folder holds a built console. */
export function consoleBuilt(folder: string): boolean {
  return existsSync(join(folder, 'index.html'));
}

function plain(response: ServerResponse, status: number, text: string, extra: Record<string, string> = {}) {
  response.writeHead(status, {
    ...CONSOLE_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...extra,
  });
  response.end(text);
}

/**
 * The file under `folder` that a path below CONSOLE_PATH names (percent-decoded, `/` → index.html), or undefined
 * when the name is malformed or resolves outside the folder (`..`, `%2e%2e`, `%2f`, an absolute path).
 */
function fileFor(folder: string, relative: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(relative);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const file = resolve(
    folder,
    `.${sep}${decoded === '' || decoded.endsWith('/') ? `${decoded}index.html` : decoded}`,
  );
  return file.startsWith(folder + sep) ? file : undefined;
}

/** Answers a GET or HEAD of `/_kmslab` or a path below `/_kmslab/` (without its query) from `folder`. */
export async function serveConsoleFile(
  folder: string,
  path: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    plain(response, 405, 'Method not allowed: the console serves GET and HEAD.\n', { Allow: 'GET, HEAD' });
    return;
  }
  if (path === CONSOLE_PATH.slice(0, -1)) {
    plain(response, 301, `Moved to ${CONSOLE_PATH}\n`, { Location: CONSOLE_PATH });
    return;
  }
  if (!consoleBuilt(folder)) {
    plain(response, 404, 'The web console is not built: run `npm run build` and reload.\n');
    return;
  }
  const file = fileFor(resolve(folder), path.slice(CONSOLE_PATH.length));
  const found = file === undefined ? undefined : await stat(file).catch(() => undefined);
  if (!file || !found?.isFile()) {
    plain(response, 404, 'Not found.\n');
    return;
  }
  const body = request.method === 'HEAD' ? undefined : await readFile(file);
  response.writeHead(200, {
    ...CONSOLE_HEADERS,
    'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': body?.length ?? found.size,
    // The files change with each build and have no hashed names to rely on: revalidate every time.
    'Cache-Control': 'no-cache',
    'Last-Modified': found.mtime.toUTCString(),
  });
  response.end(body);
}

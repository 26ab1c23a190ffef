import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CREDENTIALS, DEFAULT_REGION } from '../src/server/defaults.ts';
import type { Credentials } from '../src/sigv4/index.ts';
import { createNodeSigV4 } from '../src/sigv4/node.ts';

/** What the wrk benches share: wrk sending one signed request over and over, and its numbers. */

/**
 * A wrk script that sends one signed request of `operation` with `input` (valid for 15 minutes), signed with
 * `credentials` (the default access key unless given; a session token goes into X-Amz-Security-Token).
 */
export function signedRequestScript(
  port: number,
  operation: string,
  input: object,
  credentials: Credentials = DEFAULT_CREDENTIALS,
): string {
  const body = JSON.stringify(input);
  const signed = createNodeSigV4().sign(
    {
      method: 'POST',
      path: '/',
      headers: {
        Host: `127.0.0.1:${port}`,
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': `TrentService.${operation}`,
      },
      body,
    },
    {
      credentials: {
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
        sessionToken: credentials.sessionToken,
      },
      region: DEFAULT_REGION,
      service: 'kms',
    },
  );
  const lines = ['wrk.method = "POST"', `wrk.body = '${body}'`];
  for (const [name, value] of Object.entries(signed.headers))
    lines.push(`wrk.headers["${name}"] = "${value}"`);
  const file = join(mkdtempSync(join(tmpdir(), 'kmslab-bench-')), 'request.lua');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** A wrk script for GenerateDataKey of 32 bytes under `keyId`. */
export function generateDataKeyScript(port: number, keyId: string): string {
  return signedRequestScript(port, 'GenerateDataKey', { KeyId: keyId, NumberOfBytes: 32 });
}

function toMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(value.trim());
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

export interface WrkResult {
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

export function runWrk(port: number, script: string, connections: number, seconds: number): WrkResult {
  const out = execFileSync(
    'wrk',
    ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, `http://127.0.0.1:${port}/`],
    { encoding: 'utf8' },
  );
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p50 = toMs(/\s50%\s+(\S+)/.exec(out)?.[1] ?? '');
  const p99 = toMs(/\s99%\s+(\S+)/.exec(out)?.[1] ?? '');
  const errors =
    Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0) +
    Number(/Socket errors:.*?timeout (\d+)/.exec(out)?.[1] ?? 0);
  return { connections, rps, p50, p99, errors };
}

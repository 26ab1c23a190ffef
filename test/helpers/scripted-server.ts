import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNodeSigV4 } from '../../src/sigv4/node.ts';
import { expectedSignature, parseAuthorization } from '../../src/sigv4/verify.ts';

/** What the server does with the next request. */
export type Reply =
  /** `chunked` sends the body in 64 kB writes without a Content-Length. */
  | { status: number; body?: string; headers?: Record<string, string>; chunked?: boolean }
  /** Read the request, then destroy the connection without answering. */
  | { reset: true }
  /** Read the request and never answer. */
  | { hang: true };

export interface RecordedRequest {
  headers: IncomingHttpHeaders;
  body: string;
  /** The X-Amz-Target, e.g. `TrentService.ListKeys`. */
  target: string;
  /** The Authorization header matches the request as received (host, target, body...) and the secret. */
  signatureValid: boolean;
  /** The client's port: the same for requests sent over one kept-alive connection. */
  remotePort: number;
}

export interface ScriptedServer {
  endpoint: string;
  requests: RecordedRequest[];
  /** Replies for the next requests, in order; the last one repeats. */
  script(...replies: Reply[]): void;
  stop(): Promise<void>;
}

export const TEST_CREDENTIALS = {
  accessKeyId: 'AKIDSCRIPTEDSERVER01',
  secretAccessKey: 'scripted-server-secret-access-key',
};

/** A GenerateDataKey answer, for scripts that need a success. */
export const SCRIPTED_KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
export const SCRIPTED_DATA_KEY = {
  KeyId: SCRIPTED_KEY_ARN,
  CiphertextBlob: 'Y2lwaGVydGV4dA==',
  Plaintext: 'cGxhaW50ZXh0',
};

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return {
    status,
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/x-amz-json-1.1', ...headers },
  };
}

/**
 * A real HTTP server on a free loopback port that answers with scripted replies: the failure paths (throttling,
 * 5xx, resets, hangs, odd bodies) that a KMS implementation such as moto never produces on demand.
 */
export async function startScriptedServer(): Promise<ScriptedServer> {
  const signer = createNodeSigV4();
  const requests: RecordedRequest[] = [];
  let replies: Reply[] = [{ status: 500, body: 'no reply scripted' }];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const auth = parseAuthorization(req.headers.authorization ?? '');
      const headers = req.headers as Record<string, string>;
      const signatureValid =
        !('error' in auth) &&
        auth.accessKeyId === TEST_CREDENTIALS.accessKeyId &&
        expectedSignature(
          signer,
          { method: req.method ?? '', path: req.url ?? '/', headers, body },
          { ...auth, requestDate: headers['x-amz-date'] ?? '' },
          TEST_CREDENTIALS.secretAccessKey,
        ) === auth.signature;
      requests.push({
        headers: req.headers,
        body,
        target: headers['x-amz-target'] ?? '',
        signatureValid,
        remotePort: req.socket.remotePort ?? 0,
      });

      const reply = (replies.length > 1 ? replies.shift() : replies[0]) as Reply;
      if ('reset' in reply) req.socket.destroy();
      else if ('status' in reply && reply.chunked) {
        res.writeHead(reply.status, reply.headers ?? {});
        const text = reply.body ?? '';
        for (let at = 0; at < text.length; at += 65_536) res.write(text.slice(at, at + 65_536));
        res.end();
      } else if ('status' in reply) res.writeHead(reply.status, reply.headers ?? {}).end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    script(...next) {
      replies = next;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

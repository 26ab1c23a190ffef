import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { Authenticator } from '../../src/server/auth.ts';
import { DEFAULT_ACCOUNT_ID, DEFAULT_CREDENTIALS } from '../../src/server/defaults.ts';
import { createKmslab } from '../../src/server/index.ts';

/**
 * The floor for a Node KMS on this machine: only the work no KMS can skip — verify the SigV4 signature and run
 * the operation's handler (for GenerateDataKey: AES-256-GCM under the key's material; for Sign: the signature) — with none of kmslab's
 * validation, logging, error mapping or async plumbing. Not a server to use: it answers a bad request by crashing.
 * The handlers are those of an in-process kmslab, whose own listener this bench leaves idle.
 */
const { service } = await createKmslab({ storage: { database: ':memory:', rootKey: randomBytes(32) } });
const authenticator = new Authenticator([DEFAULT_CREDENTIALS], 'sigv4', DEFAULT_ACCOUNT_ID);

const server = createServer({ keepAliveTimeout: 65_000 }, (request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks);
    const now = new Date();
    const target = request.headers['x-amz-target'];
    const handler =
      typeof target === 'string' ? service.handlers[target.slice('TrentService.'.length)] : undefined;
    if (!handler) {
      response.writeHead(400).end('{}');
      return;
    }
    const authentication = authenticator.authenticate(
      { method: 'POST', url: request.url ?? '/', rawHeaders: request.rawHeaders },
      now,
    );
    authenticator.verifySignature(authentication, body);
    const { caller } = authentication;
    // Handlers that leave the event loop (CreateKey's key pairs) answer a promise; the data plane answers at once.
    const output = handler(JSON.parse(body.toString('utf8')), { caller, now, requestId: randomUUID() });
    void Promise.resolve(output).then((result) => {
      const answer = JSON.stringify(result);
      response.writeHead(200, {
        'Content-Type': 'application/x-amz-json-1.1',
        'Content-Length': Buffer.byteLength(answer),
      });
      response.end(answer);
    });
  });
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));

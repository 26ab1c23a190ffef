import type { IncomingMessage, ServerResponse } from 'node:http';
import { authorize } from '../access/index.ts';
import type { Authenticator } from '../auth.ts';
import type { Caller } from '../context.ts';
import type { RequestRecorder } from './recorder.ts';
import { CONSOLE_HEADERS, CONSOLE_PATH, serveConsoleFile } from './static.ts';
import { streamRequests } from './stream.ts';

/**
 * The web console's routes on kmslab's port, beside the AWS API's `POST /`: the built console's files under
 * `/_kmslab/`, and the live request stream, which is authenticated like an API call and authorized by the
 * caller's identity policies (action `kmslab:StreamRequests`; an account root may always).
 */

export { RECENT_REQUESTS, RequestRecorder, STATS_SECONDS } from './recorder.ts';
export { CONSOLE_PATH, consoleBuilt, packageConsoleFolder } from './static.ts';

export const STREAM_PATH = `${CONSOLE_PATH}api/requests`;
/** The action an IAM user or role needs, in an identity policy, to stream its account's requests. */
export const STREAM_ACTION = 'kmslab:StreamRequests';

export interface ConsoleOptions {
  /** The built console (dist/console/). */
  folder: string;
  recorder: RequestRecorder;
}

/** Whether a request path (without its query) is the console's. */
export function isConsolePath(path: string): boolean {
  return path === CONSOLE_PATH.slice(0, -1) || path.startsWith(CONSOLE_PATH);
}

/** Throws AccessDeniedException, with the engine's explanation, when the caller may not stream. */
function authorizeStream(caller: Caller, now: Date, sourceIp: string | undefined): void {
  const decision = authorize({
    principal: caller.principal,
    action: STREAM_ACTION,
    resource: '*',
    context: {
      'aws:CurrentTime': now.toISOString(),
      'aws:EpochTime': Math.floor(now.getTime() / 1000),
      'aws:SecureTransport': false,
      'aws:RequestedRegion': caller.region,
      'aws:SourceIp': sourceIp,
    },
  });
  if (decision.allowed) return;
  const error = decision.error;
  error.denial = decision.explanation;
  throw error;
}

/**
 * Answers a console request. A stream request that fails authentication or authorization throws the KMSError
 * to answer, before anything is written.
 */
export async function serveConsole(
  options: ConsoleOptions,
  authenticator: Authenticator,
  now: Date,
  path: string,
  request: IncomingMessage,
  response: ServerResponse,
  requestId: string,
): Promise<void> {
  // Other methods on the stream's path are answered as for any console path (405, or 404 for HEAD).
  if (path !== STREAM_PATH || request.method !== 'GET')
    return serveConsoleFile(options.folder, path, request, response);
  const head = { method: 'GET', url: request.url ?? '/', rawHeaders: request.rawHeaders };
  const authentication = authenticator.authenticate(head, now, { requireTarget: false });
  authenticator.verifySignature(authentication, new Uint8Array(0));
  const { caller } = authentication;
  authorizeStream(caller, now, request.socket.remoteAddress?.replace(/^::ffff:/, ''));
  streamRequests(options.recorder, caller.accountId, response, {
    ...CONSOLE_HEADERS,
    'x-amzn-RequestId': requestId,
  });
}

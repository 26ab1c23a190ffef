/**
 * One reader of kmslab's console request stream, as the browser is one: its own process, a signed GET of
 * /_kmslab/api/requests, every NDJSON line parsed as it comes. Prints `connected` once the stream is open, and on
 * SIGTERM one JSON line of what it read: request events, events the server dropped, stats lines.
 *
 *   node --import tsx bench/server/stream-reader.ts http://127.0.0.1:PORT
 */
import { DEFAULT_CREDENTIALS } from '../../src/server/defaults.ts';
import { isOpen, openStream, streamHeaders } from '../../test/server/console/stream-client.ts';

const endpoint = process.argv[2] ?? '';
const stream = await openStream(endpoint, streamHeaders(endpoint, DEFAULT_CREDENTIALS));
if (!isOpen(stream)) {
  console.error(`the stream was refused: ${stream.status} ${stream.body}`);
  process.exit(1);
}
const read = { requests: 0, dropped: 0, stats: 0 };
let parsed = 0;
stream.response.on('data', () => {
  // openStream parses into stream.lines; count and let go of them, as a page that keeps a bounded log would.
  for (; parsed < stream.lines.length; parsed++) {
    const line = stream.lines[parsed];
    if (line?.type === 'request') read.requests++;
    else if (line?.type === 'dropped') read.dropped += Number(line.count);
    else if (line?.type === 'stats') read.stats++;
  }
  stream.lines.length = 0;
  parsed = 0;
});
process.once('SIGTERM', () => {
  process.stdout.write(`${JSON.stringify(read)}\n`, () => process.exit(0));
});
console.log('connected');

// Child process behind the synchronous http.request(): reads one WireRequest as JSON on stdin, performs it and
// writes the WireResponse as JSON on stdout. The parent blocks on it with spawnSync, as k6 blocks the VU.
import http from 'node:http';
import https from 'node:https';
import { perform, type WireRequest } from './transport.ts';

const chunks: Buffer[] = [];
process.stdin.on('data', (chunk: Buffer) => chunks.push(chunk));
process.stdin.on('end', async () => {
  const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as WireRequest;
  const agents = { http: new http.Agent(), https: new https.Agent() };
  const response = await perform(request, agents);
  process.stdout.write(JSON.stringify(response));
});

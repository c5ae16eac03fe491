import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { Agent, request } from 'undici';

/**
 * The floor for a Node gateway: forwards method, path, body and the few headers that matter to one
 * upstream through a keep-alive undici Agent and pipes the answer back as it comes. No auth, no parsing,
 * no accounting.
 */
const upstream = process.argv[2];
if (!upstream) throw new Error('usage: bare-proxy <upstream-url>');
const agent = new Agent({ connections: 256, keepAliveTimeout: 30_000 });
const forwardedHeaders = ['content-type', 'authorization', 'x-api-key', 'anthropic-version'];

const server = createServer({ keepAliveTimeout: 75_000 }, (clientRequest, clientResponse) => {
  const headers: Record<string, string> = {};
  for (const name of forwardedHeaders) {
    const value = clientRequest.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  request(upstream + (clientRequest.url ?? '/'), {
    dispatcher: agent,
    method: clientRequest.method as 'POST',
    headers,
    body: clientRequest,
  })
    .then(async (answer) => {
      const contentType = answer.headers['content-type'];
      clientResponse.writeHead(answer.statusCode, typeof contentType === 'string' ? { 'content-type': contentType } : {});
      await pipeline(answer.body, clientResponse);
    })
    .catch(() => {
      if (!clientResponse.headersSent) clientResponse.writeHead(502);
      clientResponse.end();
    });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
